"""The treating office's tools before it submits a request: the documentation checklist of the deciding rule and
the questionnaire that asks only what its criteria need."""
