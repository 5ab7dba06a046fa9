"""Extraction speed: CPU milliseconds per letter over the corpus letters and the seed letters, a per-phase
breakdown, and the extractor's build time cold (no build cache) and warm, optionally against another checkout in
the same run.

Usage: python benchmarks/bench_extraction.py [--repeats 7] [--compare OTHER_PYTHON] [--json]

Each letter is read and its requests parsed beforehand; what is timed is what a letter costs the extractor in
an audit: the case facts once, then the item facts of each item (the summary read once, its mentions shared).
CPU time (time.process_time), after one warm-up pass, the median of --repeats passes. The phases come from a
separate pass with the extractor's steps wrapped in timers (their overhead makes that pass slower; the shares are
what it is for). Build times are measured in fresh processes with an empty and then a filled cache folder.
--compare runs the same measurement with another interpreter on its own checkout (the one its `checker`
package is imported from), e.g. a frozen checkout of main, and prints after/before ratios. The machine may be
shared: read the figures as the same-run comparison they are.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve()
PHASES = {  # label: (attribute path, whether it is a method of Extractor)
    "prepare (normalize, sentences, sections)": "_prepare",
    "context triggers": "_context_hits",
    "literal scan (Aho-Corasick)": ("_Literals.__init__", "_present"),
    "pattern scans": ("_scan", "_scan_at"),
    "closed lists: find": "_find_lists",
    "closed lists: facts": "_from_lists",
}


def _root(python: str) -> Path:
    """The checkout an interpreter imports `checker` from."""
    out = subprocess.run([python, "-c", "import checker, pathlib; print(pathlib.Path(checker.__file__).parent.parent)"],
                         capture_output=True, text=True, check=True, cwd="/")  # not this checkout's
    return Path(out.stdout.strip())


def _jobs(root: Path, folder: Path, catalog) -> list:
    from checker.reading.letters import read_letter
    from checker.reading.requests import normalize_request
    jobs = []
    for path in sorted(folder.glob("*.txt")):
        letter = read_letter(path)
        day = letter.dates.get("ur_denial") or letter.dates.get("decision")
        items = [(it.request, normalize_request(it.request, catalog.treatments).code) for it in letter.items]
        jobs.append((letter.summary, day, items))
    return jobs


def _one_pass(extractor, jobs: list) -> float:
    t0 = time.process_time()
    for summary, day, items in jobs:
        extractor.extract(summary, "", None, scope="case", reference_date=day)
        for request, code in items:
            extractor.extract(summary, request, code, scope="item", reference_date=day)
    return time.process_time() - t0


def _phases(extractor, jobs: list) -> dict[str, float]:
    """CPU ms per letter in each phase, from one pass with the steps wrapped in timers."""
    import checker.reading.extraction as extraction
    spent: dict[str, float] = {}
    undo = []

    def wrap(owner, name: str, label: str) -> None:
        original = vars(owner)[name]

        def timed(*args, **kwargs):
            t0 = time.process_time()
            try:
                return original(*args, **kwargs)
            finally:
                spent[label] = spent.get(label, 0.0) + time.process_time() - t0
        setattr(owner, name, timed)
        undo.append((owner, name, original))

    for label, names in PHASES.items():
        for name in (names,) if isinstance(names, str) else names:
            owner_name, _, attr = name.rpartition(".")  # a class's method, an Extractor method or a function
            if owner_name:
                owner = getattr(extraction, owner_name, None)
            else:
                owner = extraction.Extractor if attr in vars(extraction.Extractor) else extraction
            if owner is not None and attr in vars(owner):  # a checkout may not have it
                wrap(owner, attr, label)
    extractor._summary = None
    try:
        total = _one_pass(extractor, jobs)
    finally:
        for owner, name, original in reversed(undo):
            setattr(owner, name, original)
    out = {label: round(spent.get(label, 0.0) * 1000 / len(jobs), 3) for label in PHASES}
    out["rest (selection, resolving, dates, evidence)"] = round((total - sum(spent.values())) * 1000 / len(jobs), 3)
    out["total (with timers)"] = round(total * 1000 / len(jobs), 3)
    return out


def _build_seconds(python: str, root: Path, cache: Path) -> float:
    """CPU seconds to build the Extractor in a fresh process (catalog loaded first, not counted), with its build
    cache when the checkout has one."""
    code = ("import sys, time; sys.path.insert(0, sys.argv[1]); from pathlib import Path; "
            "from checker.session import Session; from checker.config import Settings; "
            "from checker.reading.extraction import Extractor; "
            "c = Session(Settings(Path(sys.argv[1]) / 'rules', 'reference')).catalog(); t = time.process_time(); "
            "import inspect; kw = {'cache': True} if 'cache' in inspect.signature(Extractor).parameters else {}; "
            "Extractor(Path(sys.argv[1]) / 'rules', c.vocabulary, set(c.treatments.treatments), c.treatments, **kw); "
            "print(time.process_time() - t)")
    env = {**os.environ, "XDG_CACHE_HOME": str(cache), "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("IMRCHECK_CACHE_DIR", None)
    env.pop("IMRCHECK_NO_CACHE", None)
    out = subprocess.run([python, "-c", code, str(root)], capture_output=True, text=True, check=True, env=env, cwd=root)
    return float(out.stdout.strip().splitlines()[-1])


def measure(root: Path, repeats: int) -> dict:
    sys.path.insert(0, str(root))
    from checker.config import Settings
    from checker.reading.extraction import Extractor
    from checker.session import Session
    catalog = Session(Settings(root / "rules", "reference")).catalog()
    extractor = Extractor(root / "rules", catalog.vocabulary, set(catalog.treatments.treatments), catalog.treatments)
    sets = {"corpus": root.parent / "shared" / "corpus" / "letters", "seeds": root / "cases" / "letters"}
    result: dict = {"root": str(root)}
    for name, folder in sets.items():
        jobs = _jobs(root, folder, catalog)
        if not jobs:
            continue
        _one_pass(extractor, jobs)  # warm-up: request memo, regexes compiled on first use
        runs = [_one_pass(extractor, jobs) * 1000 / len(jobs) for _ in range(repeats)]
        result[name] = {"letters": len(jobs), "ms_per_letter_median": round(statistics.median(runs), 3),
                        "ms_per_letter_runs": [round(r, 3) for r in runs],
                        "chars_per_letter": round(sum(len(s) for s, _, _ in jobs) / len(jobs))}
        if name == "corpus":
            result["phases_ms_per_letter"] = _phases(extractor, jobs)
    return result


def _with_builds(python: str, root: Path, measured: dict) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        cold = _build_seconds(python, root, Path(tmp))
        warm = [_build_seconds(python, root, Path(tmp)) for _ in range(3)]
    measured["build_seconds"] = {"cold": round(cold, 3), "warm_median": round(statistics.median(warm), 3)}
    return measured


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--compare", metavar="PYTHON", help="another interpreter (its own checkout) to measure too")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--root", help=argparse.SUPPRESS)  # the checkout to measure (set by --compare)
    args = ap.parse_args()
    if args.root:  # a measurement for --compare, run under the other interpreter
        print(json.dumps(measure(Path(args.root), args.repeats)))
        return
    root = HERE.parents[1]
    after = _with_builds(sys.executable, root, measure(root, args.repeats))
    result: dict = {"after": after}
    if args.compare:
        other = _root(args.compare)
        out = subprocess.run([args.compare, str(HERE), "--root", str(other), "--repeats", str(args.repeats)],
                             capture_output=True, text=True, check=True, cwd=other,
                             env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
        before = _with_builds(args.compare, other, json.loads(out.stdout))
        result["before"] = before
        result["after/before"] = {
            **{f"{name} ms/letter": round(after[name]["ms_per_letter_median"] / before[name]["ms_per_letter_median"], 3)
               for name in ("corpus", "seeds") if name in after and name in before},
            "build cold": round(after["build_seconds"]["cold"] / before["build_seconds"]["cold"], 3),
            "build warm": round(after["build_seconds"]["warm_median"] / before["build_seconds"]["warm_median"], 3)}
    print(json.dumps(result, indent=None if args.json else 2))


if __name__ == "__main__":
    main()
