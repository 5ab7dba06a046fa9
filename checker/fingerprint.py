"""A hash of the package's own source, by stage package, so that caches keyed on it (the batch store's cached
cases and item rows, the validated-catalog cache) go stale by themselves when the code that made them changes."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from checker.version import __version__

PACKAGE = Path(__file__).resolve().parent
BASE_MODULES = ("__init__.py", "version.py", "errors.py", "yamlio.py", "config.py", "fingerprint.py")


@lru_cache(maxsize=None)
def source_digest(*parts: str) -> str:
    """A hash of the package version, the base modules and every .py file under the named stage packages
    (e.g. source_digest("ruleset", "reading")); 16 hex digits."""
    h = hashlib.sha256(__version__.encode() + b"\0")
    files = [PACKAGE / name for name in BASE_MODULES]
    for part in sorted(set(parts)):
        files += sorted((PACKAGE / part).rglob("*.py"))
    for p in files:
        h.update(str(p.relative_to(PACKAGE)).encode() + b"\0" + p.read_bytes())
    return h.hexdigest()[:16]
