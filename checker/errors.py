"""One error type for bad input: it always names the file and, where known, the field or line."""

from __future__ import annotations

from pathlib import Path


class InputError(Exception):
    """Bad input: a file that cannot be read, or a field with a wrong name, type or value."""

    def __init__(self, path: str | Path | None, message: str, field: str | None = None, line: int | None = None):
        self.path = str(path) if path is not None else None
        self.field = field
        self.line = line
        self.message = message
        super().__init__(self.one_line())

    def one_line(self) -> str:
        where = self.path or "<input>"
        if self.line is not None:
            where += f":{self.line}"
        if self.field:
            where += f": {self.field}"
        return f"{where}: {self.message}"

    def detail(self) -> str:
        """The error without the file name, for lists that already name the input."""
        parts = ([f"line {self.line}"] if self.line is not None else []) + ([self.field] if self.field else [])
        return ": ".join([*parts, self.message])


class InputErrors(Exception):
    """Several problems found in one pass (lint reports all of them, not only the first)."""

    def __init__(self, errors: list[InputError]):
        self.errors = errors
        super().__init__("\n".join(e.one_line() for e in errors))


class UsageError(Exception):
    """A command used wrongly or a setting that cannot work (a rules folder that does not exist, a missing
    engine): exit code 2, like bad input, but about the invocation rather than a file."""
