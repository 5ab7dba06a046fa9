"""The extractor's build cache: what building the Extractor works out about the rules' regexes, kept on disk so
that the next process need not work it out again (checking ~4,000 regexes for catastrophic backtracking and
analysing ~2,000 pattern pieces costs seconds; reading the answers back, milliseconds).

What is kept (JSON, no pickle: reading it can only give strings, lists and booleans):
- `checked`: the regexes that passed the checks (valid, no catastrophic backtracking); a warm build skips checking
  those and compiles them when first used;
- `groups`: each pattern regex's named groups (what `capture` and `convert` are checked against);
- `pieces`: each pattern piece's lower-cased regex, literal start, required literals and whether every match starts
  with one of them, and for those that do, the other literals every match contains;
- `firsts`: each context phrase's possible first characters.
Everything else (the fact vocabulary, treatment codes, sections, duplicates) is validated on every build, so a
changed vocabulary is never hidden by the cache.

The file is named by a key over the package version, the hash of the reading and ruleset code, and the content of
the extraction files, sections.yaml and drugs.yaml (patterns name drug classes): any change gives a new key, so a stale entry is never read. An entry that
does not parse, has another key or has fields of the wrong type is ignored (and rewritten after a full build).
Files are written to a temporary name and renamed, so concurrent processes never read half a file. Where: the
catalog cache's folder (checker.ruleset.cache.cache_dir: $IMRCHECK_CACHE_DIR, else $XDG_CACHE_HOME/imrcheck, else
~/.cache/imrcheck; IMRCHECK_NO_CACHE=1 turns it off); an unwritable folder only costs speed.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from checker.fingerprint import source_digest
from checker.ruleset.layout import RulesFolder, digest_files
from checker.version import __version__

FORMAT = 2
KEEP = 4  # entries kept; older ones are removed when a new one is written


@dataclass
class RegexLedger:
    """What is known about the rules' regexes: read from a cache entry (trusted), and recorded while building."""

    trusted: frozenset[str] = frozenset()  # passed the checks in the build that wrote the entry
    groups: dict[str, list[str]] = field(default_factory=dict)
    pieces: dict[str, list] = field(default_factory=dict)  # piece -> [lowered, anchor, required, prefixes, also]
    firsts: dict[str, list[str] | None] = field(default_factory=dict)
    checked: set[str] = field(default_factory=set)  # passed the checks in this build (or trusted and used)

    def to_json(self, key: str) -> str:
        return json.dumps({"format": FORMAT, "key": key, "checked": sorted(self.checked), "groups": self.groups,
                           "pieces": self.pieces, "firsts": self.firsts})


def cache_key(rules_dir: Path) -> str:
    folder = RulesFolder(rules_dir)
    files = folder.extraction_files() + [folder.sections_file(), folder.root / "requests" / "drugs.yaml"]  # {drugs:CLASS}
    content = digest_files(Path(rules_dir), files, __version__, source_digest("reading", "ruleset"))
    return content[:24]


def _strings(value, allow_none: bool = False) -> bool:
    return (allow_none and value is None) or (isinstance(value, list) and all(isinstance(x, str) for x in value))


def _valid(data, key: str) -> bool:
    """The entry has this key and every field of the type the builder wrote."""
    if not isinstance(data, dict) or data.get("format") != FORMAT or data.get("key") != key:
        return False
    groups, pieces, firsts = data.get("groups"), data.get("pieces"), data.get("firsts")
    if not _strings(data.get("checked")) or not all(isinstance(d, dict) for d in (groups, pieces, firsts)):
        return False
    if not all(isinstance(k, str) and _strings(v) for k, v in groups.items()):
        return False
    if not all(isinstance(k, str) and _strings(v, allow_none=True) for k, v in firsts.items()):
        return False
    return all(isinstance(k, str) and isinstance(v, list) and len(v) == 5 and isinstance(v[0], str)
               and isinstance(v[1], str) and _strings(v[2], allow_none=True) and isinstance(v[3], bool)
               and _strings(v[4], allow_none=True) for k, v in pieces.items())


def load_ledger(rules_dir: Path) -> tuple[RegexLedger, Path | None, str | None]:
    """(the ledger of a current entry, or an empty one; the entry's path and key, None when caching is off)."""
    from checker.ruleset.cache import cache_dir
    folder = cache_dir()
    if folder is None:
        return RegexLedger(), None, None
    try:
        key = cache_key(rules_dir)
    except (OSError, IndexError):
        return RegexLedger(), None, None  # the build itself will say what is missing
    path = folder / f"extractor-{key}.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError):
        return RegexLedger(), path, key
    if not _valid(data, key):
        return RegexLedger(), path, key
    return RegexLedger(frozenset(data["checked"]), data["groups"], data["pieces"], data["firsts"]), path, key


def save_ledger(ledger: RegexLedger, path: Path, key: str) -> None:
    """Write the entry (atomically) and drop the oldest beyond KEEP; a failure only costs the next build time."""
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", dir=path.parent, prefix=".extractor-", suffix=".json", delete=False,
                                         encoding="utf-8") as f:
            tmp = f.name
            f.write(ledger.to_json(key))
        os.replace(tmp, path)
        tmp = None
        entries = sorted(path.parent.glob("extractor-*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
        for stale in entries[KEEP:]:
            stale.unlink(missing_ok=True)
    except OSError:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass

