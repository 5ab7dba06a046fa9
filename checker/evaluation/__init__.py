"""A case's items against the catalog: the evaluators (durable_rules and the plain-Python reference), verdicts and
decisions, the explanation of each result, which rule decides a request, and what would change a decision."""
