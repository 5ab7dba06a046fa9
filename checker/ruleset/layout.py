"""The rules folder's layout, in one place: which files hold what, where a rule's fixtures sit, and the digests
that cache keys and receipts are built from.

    rules/facts.yaml, facts/*.yaml              the fact vocabulary
    rules/treatments.yaml, treatments/*.yaml    treatment codes (name, family)
    rules/requests/*.yaml, requests/procedures/ the request lexicon: body sites, procedures, drugs, grammar
    rules/extraction/*.yaml                     the fact extractor's triggers and patterns
    rules/extraction/sections.yaml              the section headings and cues of a clinical text
    rules/library/*.yaml                        shared definitions (derived facts, condition fragments)
    rules/formulary.yaml                        the MTUS Drug Formulary: list versions, statuses, fill windows
    rules/editions.yaml                         guideline editions and the dates each was in force
    rules/{mtus,odg,other}/**/NAME.yaml         one rule file per guideline topic
    rules/{mtus,odg,other}/**/NAME.fixtures.yaml   the rule's fixtures, beside it
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

GUIDELINE_DIRS = ("mtus", "odg", "other")
FIXTURE_SUFFIX = ".fixtures.yaml"

# kind -> the globs (relative to the rules root) that hold it, in load order
KINDS: dict[str, tuple[str, ...]] = {
    "vocabulary": ("facts.yaml", "facts/*.yaml"),
    "treatments": ("treatments.yaml", "treatments/*.yaml"),
    "requests": ("requests/*.yaml", "requests/procedures/*.yaml"),
    "extraction": ("extraction/*.yaml",),
    "sections": ("extraction/sections.yaml",),
    "library": ("library/*.yaml",),
    "formulary": ("formulary.yaml",),
    "editions": ("editions.yaml",),
    "rules": tuple(f"{d}/**/*.yaml" for d in GUIDELINE_DIRS),
}
# what the validated catalog is built from (its digest names a rule set)
CATALOG_KINDS = ("vocabulary", "treatments", "requests", "library", "formulary", "editions", "rules")
# what reading a letter into a case depends on besides the code
READING_KINDS = ("vocabulary", "treatments", "requests", "extraction", "sections")


class RulesFolder:
    """One rules folder: its files by kind, fixture paths and content digests."""

    def __init__(self, root: str | Path):
        self.root = Path(root)

    def files(self, kind: str) -> list[Path]:
        """The files of one kind, in load order (a main file first, then the per-family files, sorted)."""
        out: list[Path] = []
        for pattern in KINDS[kind]:
            if "*" not in pattern:
                out.append(self.root / pattern)  # a required file: reading it reports it missing
                continue
            found = sorted(p for p in self.root.glob(pattern) if p.is_file())
            if kind == "rules":
                found = [p for p in found if not p.name.endswith(FIXTURE_SUFFIX)]
            if kind == "extraction":  # the sections file is a kind of its own
                found = [p for p in found if p != self.root / KINDS["sections"][0]]
            out += found
        return out

    def vocabulary_files(self) -> list[Path]:
        return self.files("vocabulary")

    def treatment_files(self) -> list[Path]:
        return self.files("treatments")

    def extraction_files(self) -> list[Path]:
        return self.files("extraction")

    def sections_file(self) -> Path:
        return self.files("sections")[0]

    def library_files(self) -> list[Path]:
        return self.files("library")

    def rule_files(self) -> list[Path]:
        return self.files("rules")

    @staticmethod
    def fixture_path(rule_path: Path) -> Path:
        """Where a rule's fixtures sit: X.fixtures.yaml beside X.yaml."""
        return rule_path.with_name(rule_path.stem + FIXTURE_SUFFIX)

    def digest(self, kinds: Iterable[str] = CATALOG_KINDS) -> str:
        """A hash of the relative path and content of every file of these kinds (16 hex digits)."""
        return digest_files(self.root, [p for kind in kinds for p in self.files(kind)])


def digest_files(root: Path, paths: Iterable[Path], *extra: str) -> str:
    """A hash over files (relative path and content; a missing file counts as missing) and extra strings."""
    h = hashlib.sha256()
    for part in extra:
        h.update(part.encode() + b"\0")
    for p in paths:
        try:
            name = str(p.relative_to(root))
        except ValueError:
            name = p.name
        h.update(name.encode() + b"\0")
        try:
            h.update(p.read_bytes())
        except OSError:
            h.update(b"\0missing\0")
    return h.hexdigest()[:16]
