"""The rule author's tools: lint (every problem in the rules folder at once), the fixtures run (verify) and what
a rule change moves (verify --diff)."""
