"""The error types front ends map to exit codes: bad input (always naming the file and, where known, the line
and field), several problems found in one pass, and a usage error."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from pathlib import Path


class InputError(Exception):
    """Bad input: a file that cannot be read, or a field with a wrong name, type or value."""

    def __init__(self, path: str | Path | None, message: str, field: str | None = None, line: int | None = None,
                 column: int | None = None):
        self.path = str(path) if path is not None else None
        self.field = field
        self.line = line
        self.column = column
        self.message = message
        super().__init__(self.one_line())

    def one_line(self) -> str:
        """`path:line:col: field: message` (as compilers and linters print, so editors can jump to it)."""
        where = self.path or "<input>"
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        if self.field:
            where += f": {self.field}"
        return f"{where}: {self.message}"

    def detail(self) -> str:
        """The error without the file name, for lists that already name the input: `line:col: field: message`
        (`at_input` puts the name back in front as `path:line:col: ...`)."""
        where = "" if self.line is None else f"{self.line}:" + ("" if self.column is None else f"{self.column}:")
        text = ": ".join([*([self.field] if self.field else []), self.message])
        return f"{where} {text}" if where else text


class InputErrors(Exception):
    """Several problems found in one pass (a case file or lint reports all of them, not only the first)."""

    def __init__(self, errors: list[InputError]):
        self.errors = errors
        super().__init__("\n".join(e.one_line() for e in errors))

    def detail(self) -> str:
        return "; ".join(e.detail() for e in self.errors)


class NotALetterError(InputError):
    """A text that is neither a case file nor an IMR letter (a progress note read without --treatment)."""


def at_input(path: str, reason: str) -> str:
    """`path:line:col: message` for a reason from `detail()` that starts with its line, else `path: reason`."""
    return f"{path}:{reason}" if reason[:1].isdigit() and ":" in reason.split(" ", 1)[0] else f"{path}: {reason}"


class UsageError(Exception):
    """A command used wrongly or a setting that cannot work (a rules folder that does not exist, a missing
    engine): exit code 2, like bad input, but about the invocation rather than a file."""


def did_you_mean(name: str, choices: Iterable[str], n: int = 3) -> str:
    """' (did you mean 'a' or 'b'?)' for the closest names, or '' when none is close."""
    close = difflib.get_close_matches(str(name), list(choices), n=n, cutoff=0.6)
    if not close:
        return ""
    return " (did you mean " + " or ".join(repr(c) for c in close) + "?)"


_LOCATED = re.compile(r"\S+:\d+(:\d+)?: ")


def error_line(text: str) -> str:
    """An error as one output line: `path:line:col: message` as it is (editors and CI problem matchers jump on
    it), anything else after `error: `."""
    return text if _LOCATED.match(text) else f"error: {text}"
