"""The validated-catalog cache: loading and validating the rules folder costs hundreds of milliseconds, loading the
cached result about fifteen, so `check`, `explain`, `rule` and `requirements` answer in a fraction of a second.

The cache file is named by a key over everything the catalog is built from: the content of every rules-folder
file it reads (RulesFolder.digest), the package version and the hash of the code that validates and compiles
it. Any change to any of these gives a new key, so a stale catalog is never used. Files are written to a
temporary name and renamed, so concurrent processes never see half a file; a corrupt or unreadable cache file
is ignored and rebuilt. Unpickling accepts only imrcheck's and pydantic's own classes. `lint` and `verify`
never use the cache (they validate from scratch).

Where: $IMRCHECK_CACHE_DIR, else $XDG_CACHE_HOME/imrcheck, else ~/.cache/imrcheck; IMRCHECK_NO_CACHE=1 turns
it off. An unwritable cache folder only costs speed.
"""

from __future__ import annotations

import hashlib
import io
import os
import pickle
import tempfile
from pathlib import Path

from checker.fingerprint import source_digest
from checker.ruleset.layout import RulesFolder
from checker.ruleset.rules import Catalog, load_catalog

KEEP = 8  # cache files kept; older ones are removed when a new one is written
_ALLOWED_MODULES = ("checker.", "pydantic", "pydantic_core", "datetime", "pathlib", "collections", "copyreg",
                    "enum", "re", "_codecs")
_ALLOWED_BUILTINS = {"set", "frozenset", "tuple", "list", "dict", "slice", "bytearray", "complex", "object",
                     "getattr", "int", "float", "str", "bool"}


def cache_dir() -> Path | None:
    if os.environ.get("IMRCHECK_NO_CACHE"):
        return None
    explicit = os.environ.get("IMRCHECK_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME")
    return (Path(base) if base else Path.home() / ".cache") / "imrcheck"


def catalog_key(root: str | Path, content: str | None = None) -> str:
    """The cache key of a rules folder's catalog (its content digest) under this version of the code."""
    content = content or RulesFolder(root).digest()
    h = hashlib.sha256(f"{content}\0{source_digest('ruleset')}\0{pickle.HIGHEST_PROTOCOL}".encode())
    return h.hexdigest()[:24]


class _Unpickler(pickle.Unpickler):
    """Only imrcheck's, pydantic's and a few standard classes may be rebuilt from a cache file."""

    def find_class(self, module: str, name: str):
        if module == "builtins" and name in _ALLOWED_BUILTINS:
            return super().find_class(module, name)
        if module.startswith(_ALLOWED_MODULES) or module in ("checker",):
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"refusing to load {module}.{name} from the catalog cache")


def load_cached_catalog(root: str | Path) -> Catalog:
    """The catalog of `root`, from the cache when a current entry exists, else loaded (and then cached).
    Raises what load_catalog raises when the rules do not load (nothing is cached then)."""
    folder = cache_dir()
    if folder is None:
        return load_catalog(root)
    content = RulesFolder(root).digest()
    path = folder / f"catalog-{catalog_key(root, content)}.pickle"
    try:
        with open(path, "rb") as f:
            catalog = _Unpickler(io.BytesIO(f.read())).load()
        if isinstance(catalog, Catalog) and catalog.digest == content:
            _move(catalog, Path(root))  # the same content may sit in another folder
            return catalog
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError, ValueError,
            IndexError, KeyError):
        pass  # missing, corrupt or from other code: rebuild
    catalog = load_catalog(root)
    _write(folder, path, catalog)
    return catalog


def _move(catalog: Catalog, root: Path) -> None:
    """Point a cached catalog's paths (its root, its rule and library files) into `root`: the same content cached
    from another folder, maybe gone since (a copy of the rules in a temporary folder)."""
    old = Path(catalog.root)
    if old == root:
        return
    catalog.root = root
    for rule in catalog.rules.values():
        rule.path = root / Path(rule.path).relative_to(old)
    catalog.library.paths = {name: root / Path(path).relative_to(old) for name, path in catalog.library.paths.items()}


def _write(folder: Path, path: Path, catalog: Catalog) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".catalog-", delete=False) as tmp:
            pickle.dump(catalog, tmp, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp.name, path)
        old = sorted(folder.glob("catalog-*.pickle"), key=lambda p: p.stat().st_mtime, reverse=True)[KEEP:]
        for stale in old:
            stale.unlink(missing_ok=True)
    except OSError:
        try:
            os.unlink(tmp.name)  # type: ignore[possibly-undefined]
        except (OSError, NameError):
            pass
