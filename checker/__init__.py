"""imrcheck: check California workers' comp treatment requests against MTUS/ODG criteria, predict the IMR
outcome of every requested item and explain it criterion by criterion.

The flow, one stage package each:
    reading/     letters, progress notes and case files -> cases (request parsing, fact extraction)
    ruleset/     the rules folder: vocabularies, rule models, conditions, fixtures, the validated catalog
    evaluation/  a case's items against the catalog: the engines, verdicts, decisions, what-if
    audit/       predicted vs actual over many letters: comparison, the batch and its store, consistency
    office/      the treating office's tools: the documentation checklist, the questionnaire
    render/      text, JSON, Markdown and HTML for people and programs
    authoring/   the rule author's tools: lint, fixtures (verify), rule diffs
    session.py   wiring shared by every front end; cli.py the command line; api.py the Python API

The public Python API (`checker.load_catalog`, `checker.check`, `checker.read_case`, `checker.Session`) is
documented in the README and in checker.api.
"""

from checker.version import __version__

__all__ = ["__version__", "Session", "load_catalog", "read_case", "check"]


def __getattr__(name: str):
    """The public API, imported on first use (so `import checker` stays cheap)."""
    if name in ("Session", "load_catalog", "read_case", "check"):
        from checker import api
        return getattr(api, name)
    raise AttributeError(f"module 'checker' has no attribute {name!r}")
