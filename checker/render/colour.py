"""Colour for a terminal: the words that carry a decision, a verdict or an error, styled with click. click.echo
drops the styles when the output is not a terminal, and the command line turns them off for NO_COLOR and
`--color never` (https://no-color.org)."""

from __future__ import annotations

import re

import click

_STYLES = [
    (r"^(?:error|FAIL)\b:?", {"fg": "red", "bold": True}),
    (r"^(?:gap|warning)\b:?", {"fg": "yellow"}),
    (r"\b(?:NON-CERTIFY|NOT MET|not-nec)(?![\w-])", {"fg": "red", "bold": True}),
    (r"\b(?:NOT DOCUMENTED|insuff)(?![\w-])", {"fg": "yellow", "bold": True}),
    (r"(?<![\w-])(?:CERTIFY|certify)(?![\w-])", {"fg": "green", "bold": True}),
]
_ANY = re.compile("|".join(f"(?P<s{n}>{pattern})" for n, (pattern, _) in enumerate(_STYLES)), re.MULTILINE)


def paint(text: str) -> str:
    """The text with its decision, verdict and error words styled (the same text once the styles are dropped)."""
    return _ANY.sub(lambda m: click.style(m.group(0), **_STYLES[int(m.lastgroup[1:])][1]), text)
