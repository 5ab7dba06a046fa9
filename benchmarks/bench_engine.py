"""Evaluations per second and memory: DurableEvaluator against ReferenceEvaluator on the same items.

Usage: python benchmarks/bench_engine.py [--items N] [--json]

Items (rule, prepared facts) are generated first, round-robin over every rule of the catalog, outside
the timed sections. Both engines then run chunk by chunk over the same items; only evaluate() is
timed, and every durable Outcome is compared with the reference Outcome for the same item.
Memory: resident set size (/proc/self/status) along the run and the peak from getrusage (it
includes durable_rules' C allocations, which tracemalloc cannot see).
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from checker.evaluation.durable import DurableEvaluator  # noqa: E402
from checker.evaluation.engine import ReferenceEvaluator, prepare  # noqa: E402
from checker.ruleset.rules import load_catalog  # noqa: E402
from checker.ruleset.synthetic import random_facts  # noqa: E402

CHUNK = 10_000


def rss_mb(field: str = "VmRSS") -> float:
    """Resident set size now (VmRSS) or its high-water mark (VmHWM), from /proc/self/status."""
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith(field + ":")) / 1024


def peak_mb() -> float:
    """Peak RSS: getrusage's maxrss (KiB on Linux), or VmHWM when the kernel updated that later."""
    return max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, rss_mb("VmHWM"))


def run(durable, reference, items: list) -> dict:
    """Both engines over the same chunks of items; only evaluate() is timed; outcomes compared per item."""
    seconds = {"durable": 0.0, "reference": 0.0}
    disagreements, rss = 0, []
    for start in range(0, len(items), CHUNK):
        chunk = items[start:start + CHUNK]
        got = {}
        for engine in (durable, reference):
            t0 = time.perf_counter()
            got[engine.name] = [engine.evaluate(rule, env) for rule, env in chunk]
            seconds[engine.name] += time.perf_counter() - t0
        disagreements += sum(a != b for a, b in zip(got["durable"], got["reference"]))
        rss.append(rss_mb())
    return {"seconds": seconds, "disagreements": disagreements, "rss_mb_first_chunk": rss[0], "rss_mb_end": rss[-1]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--items", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    args = ap.parse_args()

    catalog = load_catalog(ROOT / "rules")
    rules = [r.compiled for r in catalog.rules.values()]
    rng = random.Random(args.seed)
    items = [(rule, prepare(rule, random_facts(rule, catalog.vocabulary, rng)))
             for rule in (rules[i % len(rules)] for i in range(args.items))]
    rss_items = rss_mb()

    durable, reference = DurableEvaluator(), ReferenceEvaluator()
    for rule in rules:  # compile outside the timed section
        durable.evaluate(rule, {})
        reference.evaluate(rule, {})
    rss_compiled = rss_mb()
    result = run(durable, reference, items)
    durable.close()
    rate = {name: round(args.items / s) for name, s in result["seconds"].items()}
    report = {
        "items": args.items, "rules": len(rules), "python": platform.python_version(),
        "evals_per_s": rate,
        "seconds": {k: round(v, 2) for k, v in result["seconds"].items()},
        "ratio_reference_over_durable": round(rate["reference"] / rate["durable"], 1),
        "rss_mb": {"after_generating_items": round(rss_items, 1), "after_compiling": round(rss_compiled, 1),
                   "after_first_chunk": round(result["rss_mb_first_chunk"], 1),
                   "end": round(result["rss_mb_end"], 1)},
        "peak_rss_mb": round(peak_mb(), 1),
        "disagreements": result["disagreements"], "agree": result["disagreements"] == 0,
    }
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        m = report["rss_mb"]
        print(f"{args.items:,} items over {len(rules)} rules, Python {report['python']}")
        for name in ("durable", "reference"):
            print(f"  {name:9} {rate[name]:>9,} evals/s  ({report['seconds'][name]} s)")
        print(f"  reference / durable: {report['ratio_reference_over_durable']}x")
        print(f"  RSS: {m['after_generating_items']} MB with the items generated, {m['after_compiling']} MB compiled, "
              f"{m['after_first_chunk']} MB after the first {CHUNK:,}, {m['end']} MB at the end; "
              f"peak {report['peak_rss_mb']} MB")
        print("  the engines agreed on every item" if report["agree"]
              else f"  THE ENGINES DISAGREED on {result['disagreements']} items")
    sys.exit(0 if report["agree"] else 1)


if __name__ == "__main__":
    main()
