"""Settings: which rules folder, engine and output format a session uses.

Precedence, highest first: the command line (--rules, --engine, --format), the environment (IMRCHECK_RULES),
a `[tool.imrcheck]` table in the nearest pyproject.toml from the working folder up (as ruff reads
`[tool.ruff]`; its `rules` is relative to that file), then the rules bundled with the package.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path

from checker.errors import InputError, UsageError

ENGINES = ("durable", "reference")
FORMATS = ("text", "json")
_KEYS = {"rules", "engine", "format"}


def bundled_rules_dir() -> Path:
    """The rules shipped with the package: the copy a wheel installs as checker/_rules (package data built from
    the top-level rules/ folder), else the rules/ folder of the checkout (an editable install, a source tree)."""
    package = Path(__file__).resolve().parent
    installed = package / "_rules"
    return installed if installed.is_dir() else package.parent / "rules"


@dataclass(frozen=True)
class Settings:
    rules_dir: Path
    engine: str = "durable"
    format: str | None = None  # the default output format; None = each command's own default
    source: str = "bundled rules"  # where rules_dir came from, for messages

    def with_overrides(self, rules: Path | None = None, engine: str | None = None,
                       fmt: str | None = None) -> "Settings":
        out = self
        if rules is not None:
            out = replace(out, rules_dir=Path(rules), source="--rules")
        if engine is not None:
            out = replace(out, engine=engine)
        if fmt is not None:
            out = replace(out, format=fmt)
        return out


def find_project_config(start: Path) -> tuple[Path, dict] | None:
    """The nearest pyproject.toml from `start` upwards with a [tool.imrcheck] table, and that table."""
    for folder in [start, *start.parents]:
        candidate = folder / "pyproject.toml"
        if not candidate.is_file():
            continue
        try:
            data = tomllib.loads(candidate.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(candidate, f"cannot read: {exc}") from None
        except tomllib.TOMLDecodeError as exc:
            raise InputError(candidate, f"malformed TOML: {exc}") from None
        table = data.get("tool", {}).get("imrcheck")
        if table is not None:
            return candidate, table
    return None


def load_settings(cwd: Path | None = None, environ: dict[str, str] | None = None) -> Settings:
    """Settings from the environment and the project's pyproject.toml (without command-line overrides)."""
    environ = os.environ if environ is None else environ
    settings = Settings(bundled_rules_dir())
    found = find_project_config((cwd or Path.cwd()).resolve())
    if found is not None:
        path, table = found
        if not isinstance(table, dict):
            raise InputError(path, "[tool.imrcheck] must be a table", field="tool.imrcheck")
        unknown = sorted(set(table) - _KEYS)
        if unknown:
            raise InputError(path, f"unknown key {unknown[0]!r} (known: {', '.join(sorted(_KEYS))})",
                             field=f"tool.imrcheck.{unknown[0]}")
        if "rules" in table:
            if not isinstance(table["rules"], str):
                raise InputError(path, "expected a folder path", field="tool.imrcheck.rules")
            settings = replace(settings, rules_dir=(path.parent / table["rules"]).resolve(), source=str(path))
        for key, allowed in (("engine", ENGINES), ("format", FORMATS)):
            if key in table:
                if table[key] not in allowed:
                    raise InputError(path, f"expected one of {', '.join(allowed)}, got {table[key]!r}",
                                     field=f"tool.imrcheck.{key}")
                settings = replace(settings, **{key: table[key]})
    if environ.get("IMRCHECK_RULES"):
        settings = replace(settings, rules_dir=Path(environ["IMRCHECK_RULES"]), source="IMRCHECK_RULES")
    return settings


def check_rules_dir(settings: Settings) -> None:
    """A rules folder that does not exist is a usage error, not a finding."""
    root = settings.rules_dir
    if not root.is_dir():
        what = "does not exist" if not root.exists() else "is not a folder"
        raise UsageError(f"rules folder {root} ({settings.source}) {what}")
