"""Input discovery: the case files and letters named on a command line or found in folders.

Every path given is accounted for: an input to read, a failure (no such path, an unsupported file named
directly, a folder with nothing to read) or a skip (another kind of file met in a folder)."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

CASE_SUFFIXES = (".yaml", ".yml")
LETTER_SUFFIXES = (".txt", ".pdf")
INPUT_SUFFIXES = CASE_SUFFIXES + LETTER_SUFFIXES
NOT_AN_INPUT = "not a case file or letter (.yaml, .txt, .pdf)"


@dataclass
class Entry:
    path: str
    status: str | None = None  # None: an input to read; "failed" or "skipped" with a reason
    reason: str | None = None


def is_letter(path: str | Path) -> bool:
    return str(path).lower().endswith(LETTER_SUFFIXES)


def iter_inputs(paths: Iterable[str]) -> Iterator[Entry]:
    """Case files and letters named or found in folders (recursively, sorted), streamed; missing paths and
    unsupported files named directly fail, other files in folders are skipped."""
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            found = False
            for root, dirs, files in os.walk(p):
                dirs.sort()
                for name in sorted(files):
                    if name.lower().endswith(INPUT_SUFFIXES):
                        found = True
                        yield Entry(os.path.join(root, name))
                    elif not name.startswith("."):
                        yield Entry(os.path.join(root, name), "skipped", NOT_AN_INPUT)
            if not found:
                yield Entry(raw, "failed", "folder holds no case files or letters")
        elif p.is_file():
            if p.suffix.lower() in INPUT_SUFFIXES:
                yield Entry(raw)
            else:
                yield Entry(raw, "failed", f"unsupported input type {p.suffix or '(none)'}: expected a case file "
                                           "(.yaml) or a letter (.txt, .pdf)")
        else:
            yield Entry(raw, "failed", "no such file or folder")


def collect_inputs(paths: Iterable[str]) -> tuple[list[Path], list[dict[str, str]], list[dict[str, str]]]:
    """iter_inputs as three lists: the files to read, the failures and the skips (each {input, reason})."""
    files: list[Path] = []
    errors: list[dict[str, str]] = []
    skipped: list[dict[str, str]] = []
    for entry in iter_inputs(paths):
        if entry.status is None:
            files.append(Path(entry.path))
        else:
            (errors if entry.status == "failed" else skipped).append({"input": entry.path, "reason": entry.reason})
    return files, errors, skipped


def count_inputs(paths: Iterable[str]) -> int:
    return sum(1 for _ in iter_inputs(paths))
