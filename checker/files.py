"""Writing output files and folders, with errors that name the path and the problem (never a traceback)."""

from __future__ import annotations

import os
from pathlib import Path

from checker.errors import InputError


def _why(exc: OSError) -> str:
    return exc.strerror or str(exc)


def folder_problem(folder: Path) -> str | None:
    """Why files cannot be written into `folder` (it does not exist, or is not a folder), or None."""
    if folder.is_dir():
        return None
    return f"{folder} is not a folder" if folder.exists() else f"folder {folder} does not exist"


def ensure_folder(path: str | Path) -> Path:
    """Create a folder (and its parents) to write into; InputError when that is not possible."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise InputError(path, "cannot write here: exists and is not a folder")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(path, f"cannot create the folder: {_why(exc)}") from None
    return path


def write_text(path: str | Path, text: str) -> Path:
    """Write a text file (UTF-8); InputError naming the path when it cannot be written."""
    path = Path(path)
    if path.is_dir():
        raise InputError(path, "cannot write: is a folder")
    problem = folder_problem(path.parent)
    if problem:
        raise InputError(path, f"cannot write: {problem}")
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise InputError(path, f"cannot write: {_why(exc)}") from None
    return path


def write_new_text(folder: Path, name: str, text: str) -> Path:
    """Write a file inside `folder` without following a symbolic link (a link planted at the name cannot send the
    output elsewhere); InputError naming the path when it cannot be written."""
    path = folder / name
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0), 0o644)
    except OSError as exc:
        if path.is_symlink():
            raise InputError(path, "not written: it is a symbolic link (the output stays inside its folder)") from None
        raise InputError(path, f"cannot write: {_why(exc)}") from None
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    return path


def check_suffix(path: str | Path, allowed: tuple[str, ...], what: str) -> str:
    """The lower-case suffix of an output path, or InputError when it is not one that can be written."""
    suffix = Path(path).suffix.lower()
    if suffix not in allowed:
        raise InputError(path, f"cannot write a {what} as {suffix or 'a file without a suffix'}: use "
                               + " or ".join(allowed))
    return suffix
