"""Input discovery: the case files and letters named on a command line or found in folders.

Every path given is accounted for: an input to read, a failure (no such path, an unsupported file named
directly, a folder with nothing to read) or a skip (another kind of file met in a folder). Only regular files
are ever opened: FIFOs, sockets and devices are skipped with a reason (opening a FIFO would block). Folders
are walked recursively in sorted order, following symlinked folders once each (a link cycle is walked once,
not forever). File names that are not valid UTF-8 pass through as Python keeps them (surrogate escapes);
`display_path` shows them faithfully.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

CASE_SUFFIXES = (".yaml", ".yml")
LETTER_SUFFIXES = (".txt", ".pdf")
INPUT_SUFFIXES = CASE_SUFFIXES + LETTER_SUFFIXES
NOT_AN_INPUT = "not a case file or letter (.yaml, .txt, .pdf)"
_KINDS = ((stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"))


@dataclass
class Entry:
    path: str
    status: str | None = None  # None: an input to read; "failed" or "skipped" with a reason
    reason: str | None = None
    size: int | None = None  # bytes, for an input to read


def is_letter(path: str | Path) -> bool:
    return str(path).lower().endswith(LETTER_SUFFIXES)


def display_path(path: str | os.PathLike) -> str:
    """A path as text that can be printed and stored: bytes that are not UTF-8 are shown as \\xNN."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def _not_regular(mode: int) -> str | None:
    for test, what in _KINDS:
        if test(mode):
            return f"{what}, not a regular file: not opened"
    return None if stat.S_ISREG(mode) else "not a regular file: not opened"


def _walk(top: str) -> Iterator[tuple[str, os.stat_result | None, str | None]]:
    """(path, stat, problem) for every non-folder entry under `top`, sorted, each real folder walked once."""
    seen: set[tuple[int, int]] = set()

    def visit(folder: str) -> Iterator[tuple[str, os.stat_result | None, str | None]]:
        try:
            info = os.stat(folder)
        except OSError as exc:
            yield folder, None, f"cannot read the folder: {exc.strerror or exc}"
            return
        if (info.st_dev, info.st_ino) in seen:
            return  # a symlink back to a folder already walked
        seen.add((info.st_dev, info.st_ino))
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: os.fsencode(e.name))
        except OSError as exc:
            yield folder, None, f"cannot read the folder: {exc.strerror or exc}"
            return
        for entry in entries:
            try:
                is_dir = entry.is_dir()  # follows symlinks
                info = entry.stat() if not is_dir else None
            except OSError as exc:
                yield entry.path, None, f"cannot read: {exc.strerror or exc} (a broken link?)"
                continue
            if is_dir:
                yield from visit(entry.path)
            else:
                yield entry.path, info, None

    yield from visit(top)


def iter_inputs(paths: Iterable[str]) -> Iterator[Entry]:
    """Case files and letters named or found in folders (recursively, sorted), streamed; missing paths and
    unsupported files named directly fail, other files in folders are skipped."""
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            found = False
            for path, info, problem in _walk(str(p)):
                name = os.path.basename(path)
                if problem is not None:
                    yield Entry(path, "failed", problem)
                elif name.startswith(".") and not name.lower().endswith(INPUT_SUFFIXES):
                    continue  # hidden files that are not inputs (.DS_Store, .gitkeep)
                elif _not_regular(info.st_mode):
                    yield Entry(path, "skipped", _not_regular(info.st_mode))
                elif name.lower().endswith(INPUT_SUFFIXES):
                    found = True
                    yield Entry(path, size=info.st_size)
                else:
                    yield Entry(path, "skipped", NOT_AN_INPUT)
            if not found:
                yield Entry(raw, "failed", "folder holds no case files or letters")
            continue
        try:
            info = os.stat(raw)
        except OSError as exc:
            yield Entry(raw, "failed", "no such file or folder" if isinstance(exc, FileNotFoundError)
                        else f"cannot read: {exc.strerror or exc}")
            continue
        if _not_regular(info.st_mode):
            yield Entry(raw, "failed", _not_regular(info.st_mode))
        elif p.suffix.lower() in INPUT_SUFFIXES:
            yield Entry(raw, size=info.st_size)
        else:
            yield Entry(raw, "failed", f"unsupported input type {p.suffix or '(none)'}: expected a case file "
                                       "(.yaml) or a letter (.txt, .pdf)")


def collect_inputs(paths: Iterable[str]) -> tuple[list[Path], list[dict[str, str]], list[dict[str, str]]]:
    """iter_inputs as three lists: the files to read, the failures and the skips (each {input, reason})."""
    files: list[Path] = []
    errors: list[dict[str, str]] = []
    skipped: list[dict[str, str]] = []
    for entry in iter_inputs(paths):
        if entry.status is None:
            files.append(Path(entry.path))
        else:
            (errors if entry.status == "failed" else skipped).append({"input": display_path(entry.path),
                                                                       "reason": entry.reason})
    return files, errors, skipped


def named_inputs(paths: Iterable[str], suffixes: tuple[str, ...] = INPUT_SUFFIXES
                 ) -> tuple[list[str], list[dict[str, str]]]:
    """The files to read for `check` and `explain`: a file named directly as it is (reading it names its own
    problem), and the inputs with one of `suffixes` found in the folders named; with the folders' failures."""
    files: list[str] = []
    errors: list[dict[str, str]] = []
    for raw in paths:
        if not Path(raw).is_dir():
            files.append(raw)
            continue
        found, failed, _ = collect_inputs([raw])
        files += [str(f) for f in found if f.suffix.lower() in suffixes]
        errors += failed
    return files, errors


def count_inputs(paths: Iterable[str]) -> int:
    return sum(1 for _ in iter_inputs(paths))
