"""Per-fact precision and recall of the fact extractor against hand annotations of real IMR letters.

Usage: python benchmarks/extraction_accuracy.py [--half test|dev|all] [--fold a|b] [--json] [--details]
                                                [--annotations DIR] [--letters DIR]

The gold standard is tests/data/annotations/<CASE>.yaml: for each letter, every clinical fact a rule can read
that the clinical case summary and the request document (value and supporting quote), annotated by a person
from the summary and the request only and checked by a second. The letters are split once, before tuning, in
tests/data/annotations/split.yaml: dev (CM16) to tune on, test (CM17) to report; --half picks one (default
test). --fold a|b keeps every other letter of the half (by case id: a the 1st, 3rd..., b the 2nd, 4th...), to
write patterns on one fold and check on the other that they generalize. The letters are read from shared/corpus/letters (beside the checkout) at run time and go through the
checker's own path (read_letter -> case_from_letter with the Extractor). Scored, per letter: every annotated
fact, and every fact of the split's `facts_considered` the extractor found that the annotation leaves out (a
complete annotation documents those absent):
  TP = the extracted value equals the annotation (levels: same set; numbers: within 0.5);
  FP = a value was extracted where the annotation has none or a different one;
  FN = the annotation has a value the extractor missed or got wrong (a wrong value is both FP and FN).
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from checker.reading.cases import case_from_letter
from checker.reading.extraction import Extractor
from checker.reading.letters import read_letter
from checker.ruleset.facts import FactType, FactVocabulary, coerce_value
from checker.ruleset.rules import Catalog, load_catalog
from checker.yamlio import load_yaml

ANNOTATIONS = ROOT / "tests" / "data" / "annotations"
LETTERS = ROOT.parent / "shared" / "corpus" / "letters"
NUMBER_TOLERANCE = 0.5


@dataclass
class Counts:
    support: int = 0  # annotations with a value (not null)
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        return self.tp / self.support if self.support else None


@dataclass
class Result:
    letters: int = 0
    annotated: int = 0  # annotated facts, null ones included
    per_fact: dict[str, Counts] = field(default_factory=dict)
    mismatches: list[dict[str, Any]] = field(default_factory=list)

    def micro(self) -> Counts:
        total = Counts()
        for c in self.per_fact.values():
            total.support += c.support
            total.tp += c.tp
            total.fp += c.fp
            total.fn += c.fn
        return total

    def macro(self) -> tuple[float | None, float | None]:
        """Mean of the per-fact precisions (facts with a prediction) and recalls (facts with support)."""
        precisions = [c.precision for c in self.per_fact.values() if c.precision is not None]
        recalls = [c.recall for c in self.per_fact.values() if c.recall is not None]
        return (sum(precisions) / len(precisions) if precisions else None,
                sum(recalls) / len(recalls) if recalls else None)


def annotation_files(folder: Path = ANNOTATIONS, half: str = "all") -> list[Path]:
    """The annotation files of one half of the split (dev, test) or all of them."""
    files = sorted(folder.glob("CM*.yaml"))
    if half == "all":
        return files
    names = set(split(folder)["split"][half])
    return [f for f in files if f.stem in names]


def fold(files: list[Path], which: str) -> list[Path]:
    """Every other file by case id: fold "a" the 1st, 3rd..., "b" the 2nd, 4th..."""
    return sorted(files, key=lambda f: f.stem)[{"a": 0, "b": 1}[which]::2]


def split(folder: Path = ANNOTATIONS) -> dict[str, Any]:
    return load_yaml(folder / "split.yaml")


def annotated_facts(data: dict) -> list[tuple[int | None, str, Any]]:
    """(item index or None for a case fact, fact name, annotated value or None) for one annotation file."""
    out: list[tuple[int | None, str, Any]] = [(None, name, (entry or {}).get("value"))
                                              for name, entry in (data.get("facts") or {}).items()]
    for item in data.get("items") or []:
        out += [(item["index"], name, (entry or {}).get("value"))
                for name, entry in (item.get("facts") or {}).items()]
    return out


def same_value(vocabulary: FactVocabulary, name: str, expected: Any, found: Any) -> bool:
    """Equal after canonical coercion; levels compare as sets, numbers within NUMBER_TOLERANCE."""
    spec = vocabulary[name]
    expected = coerce_value(spec, expected)
    if spec.type is FactType.LEVELS:
        return set(expected) == set(found)
    if spec.type in (FactType.INTEGER, FactType.NUMBER):
        return abs(float(expected) - float(found)) <= NUMBER_TOLERANCE
    return expected == found


def measure(catalog: Catalog, annotations: list[Path], letters: Path = LETTERS,
            considered: set[str] | None = None) -> Result:
    """Extract every annotated letter as the checker does and score the annotated facts, and, for a complete
    annotation, the facts of `considered` extracted that it leaves out."""
    extractor = Extractor(ROOT / "rules", catalog.vocabulary, treatments=catalog.treatments)
    if considered is None:
        considered = set(split()["facts_considered"])
    result = Result()
    for path in annotations:
        data = load_yaml(path)
        letter = read_letter(letters / f"{data['case']}.txt")
        case = case_from_letter(letter, extractor, catalog.treatments, catalog.vocabulary)
        result.letters += 1
        _add_sums(case, catalog)
        scored = annotated_facts(data)
        if data.get("complete"):
            listed = {(index, name) for index, name, _ in scored}
            found = [(None, n) for n in case.facts] + [(i, n) for i, item in enumerate(case.items, 1)
                                                         for n in item.facts]
            scored += [(i, n, None) for i, n in found if n in considered and (i, n) not in listed]
        for index, name, expected in scored:
            facts = case.facts if index is None else case.items[index - 1].facts
            entry = facts.get(name)
            found = entry.value if entry is not None else None
            counts = result.per_fact.setdefault(name, Counts())
            result.annotated += 1
            if expected is not None:
                counts.support += 1
            if found is None and expected is None:
                continue
            if found is not None and expected is not None and same_value(catalog.vocabulary, name, expected, found):
                counts.tp += 1
                continue
            counts.fp += found is not None
            counts.fn += expected is not None
            result.mismatches.append({"case": data["case"], "item": index, "fact": name, "annotated": expected,
                                      "extracted": found, "quote": entry.evidence.quote if entry and entry.evidence
                                      else None})
    return result


def _add_sums(case, catalog: Catalog) -> None:
    """The item facts the checker computes as sums of others (course_visits_total = prior visits + requested),
    from the item's facts and its request's attributes, as Checker._run does."""
    from checker.reading.cases import FactEntry
    from checker.reading.requests import normalize_request
    sums = {n: s.sum_of for n, s in catalog.vocabulary.facts.items() if s.sum_of and s.scope == "item"}
    for item in case.items:
        known = {**{k: v.value for k, v in item.facts.items()},
                 **normalize_request(item.request, catalog.treatments).attributes,
                 **{k: v.value for k, v in item.attributes.items()}}
        for name, parts in sums.items():
            if name not in item.facts and all(known.get(p) is not None for p in parts):
                item.facts[name] = FactEntry(value=sum(known[p] for p in parts))


def _fmt(x: float | None) -> str:
    return "   -" if x is None else f"{x:.2f}"


def report(result: Result) -> str:
    documented = result.micro().support
    lines = [(f"{result.letters} letters, {result.annotated} scored facts "
              f"({documented} documented, {result.annotated - documented} null)"), "",
             f"{'fact':42} {'support':>7} {'TP':>4} {'FP':>4} {'FN':>4} {'prec':>5} {'recall':>6}"]
    for name in sorted(result.per_fact):
        c = result.per_fact[name]
        lines.append(f"{name:42} {c.support:7} {c.tp:4} {c.fp:4} {c.fn:4} {_fmt(c.precision):>5} "
                     f"{_fmt(c.recall):>6}")
    m = result.micro()
    macro_p, macro_r = result.macro()
    lines += ["", (f"{'micro':42} {m.support:7} {m.tp:4} {m.fp:4} {m.fn:4} {_fmt(m.precision):>5} "
                   f"{_fmt(m.recall):>6}"),
              f"{'macro':42} {'':7} {'':4} {'':4} {'':4} {_fmt(macro_p):>5} {_fmt(macro_r):>6}"]
    return "\n".join(lines)


def as_json(result: Result) -> dict[str, Any]:
    def row(c: Counts) -> dict[str, Any]:
        return {"support": c.support, "tp": c.tp, "fp": c.fp, "fn": c.fn, "precision": c.precision,
                "recall": c.recall}
    macro_p, macro_r = result.macro()
    return {"letters": result.letters, "annotated_facts": result.annotated,
            "per_fact": {name: row(result.per_fact[name]) for name in sorted(result.per_fact)},
            "micro": row(result.micro()), "macro": {"precision": macro_p, "recall": macro_r},
            "mismatches": result.mismatches}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--details", action="store_true", help="also list every mismatch")
    parser.add_argument("--half", choices=("test", "dev", "all"), default="test",
                        help="which annotations: the test half (CM17, reported), the dev half (CM16, tuned on), all")
    parser.add_argument("--fold", choices=("a", "b"), help="only every other letter of the half (a: 1st, 3rd...; b: 2nd, 4th...)")
    parser.add_argument("--annotations", type=Path, default=ANNOTATIONS)
    parser.add_argument("--letters", type=Path, default=LETTERS)
    args = parser.parse_args(argv)
    if not args.letters.is_dir():
        print(f"letters folder {args.letters} not found", file=sys.stderr)
        return 2
    files = annotation_files(args.annotations, args.half)
    if args.fold:
        files = fold(files, args.fold)
    result = measure(load_catalog(ROOT / "rules"), files, args.letters)
    if args.json:
        print(json.dumps(as_json(result), indent=2, default=str))
        return 0
    print(report(result))
    if args.details:
        print("\nmismatches (case, item, fact: annotated -> extracted):")
        for m in result.mismatches:
            print(f"  {m['case']} {m['item'] or '-'} {m['fact']}: {m['annotated']!r} -> {m['extracted']!r}"
                  + (f"   [{m['quote'][:90]}]" if m["quote"] else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
