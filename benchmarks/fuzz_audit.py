"""The large fuzz run: thousands of mutated corpus letters (benchmarks/mutations.py) through a batch audit with
per-input limits, and what it shows: crashes, inputs unaccounted for, inputs stopped at the time limit, and the
time per input.

Usage: python benchmarks/fuzz_audit.py [--inputs 10000] [--workers 2] [--time-limit 10] [--max-size 1]
       [--seed 0] [--json]

A crash is an input recorded as failed with an internal error or a dead worker (a bug, not bad input).
"Accounted for" means every file system entry the run was given appears in the store as read, failed (with
its reason) or skipped (with its reason).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from mutations import write_mutants  # noqa: E402

from checker.audit import batch  # noqa: E402
from checker.audit.batch import Audit, Limits  # noqa: E402
from checker.audit.store import Store  # noqa: E402
from checker.config import Settings  # noqa: E402
from checker.reading.inputs import display_path, iter_inputs  # noqa: E402
from checker.session import Session  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inputs", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--time-limit", type=float, default=10.0)
    parser.add_argument("--max-size", type=float, default=1.0, help="MB")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--engine", default="reference")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    letters = sorted((CORPUS / "letters").glob("*.txt"))
    pdfs = sorted((CORPUS / "pdf").glob("*.pdf"))
    if not letters:
        print(f"error: no corpus letters in {CORPUS / 'letters'}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "fuzz"
        start = time.perf_counter()
        mutants = write_mutants(folder, letters, pdfs, args.inputs, args.seed)
        written = time.perf_counter() - start
        store = Store(Path(tmp) / "fuzz.sqlite")
        limits = Limits(args.time_limit, int(args.max_size * 1_000_000))
        job = Audit(store, Session(Settings(ROOT / "rules", args.engine)), workers=args.workers, limits=limits)
        start = time.perf_counter()
        run = job.run([str(folder)])
        elapsed = time.perf_counter() - start
        entries = {display_path(e.path) for e in iter_inputs([str(folder)])}
        stored = {i["path"]: (i["status"], i["reason"] or "") for i in store.inputs()}
        seconds = store.run_seconds(run)
        kinds = {display_path(m.path): m.kind for m in mutants}
        crashes = {p: r for p, (s, r) in stored.items() if r.startswith("internal error") or r == batch.WORKER_DIED}
        timed_out = [p for p, (s, r) in stored.items() if "time limit" in r]
        outcome_by_kind: dict[str, Counter] = {}
        for path, (status, _) in stored.items():
            outcome_by_kind.setdefault(kinds.get(path, "(inside a folder)"), Counter())[status] += 1
        report = {
            "inputs_written": len(mutants), "entries_given": len(entries), "seconds_to_write": round(written, 1),
            "audit_seconds": round(elapsed, 1), "inputs_per_second": round(len(entries) / elapsed, 1),
            "accounted_for": len(entries & set(stored)), "unaccounted": sorted(entries - set(stored)),
            "crashes": crashes, "stopped_at_time_limit": len(timed_out),
            "statuses": dict(Counter(s for s, _ in stored.values())),
            "time_per_input_ms": {"inputs_timed": len(seconds),
                                  "median": round(1000 * statistics.median(seconds), 2) if seconds else None,
                                  "p99": round(1000 * seconds[int(0.99 * (len(seconds) - 1))], 2) if seconds else None,
                                  "max": round(1000 * seconds[-1], 2) if seconds else None},
            "by_kind": {k: dict(v) for k, v in sorted(outcome_by_kind.items())},
            "limits": {"time_seconds": args.time_limit, "max_mb": args.max_size}, "workers": args.workers,
        }
        store.close()
    if args.json:
        print(json.dumps(report, indent=1))
    else:
        t = report["time_per_input_ms"]
        print(f"{report['entries_given']} inputs ({report['inputs_written']} mutants written) audited in "
              f"{report['audit_seconds']} s ({report['inputs_per_second']}/s, {args.workers} workers)")
        print(f"accounted for: {report['accounted_for']} of {report['entries_given']}; unaccounted: "
              f"{len(report['unaccounted'])}; crashes: {len(crashes)}; stopped at the time limit: "
              f"{report['stopped_at_time_limit']}")
        print(f"statuses: {report['statuses']}")
        print(f"time per input (ms): median {t['median']}, p99 {t['p99']}, max {t['max']} over {t['inputs_timed']}")
        for kind, counts in report["by_kind"].items():
            print(f"  {kind:<28} {dict(counts)}")
        for path, reason in list(crashes.items())[:20]:
            print(f"crash: {path}: {reason}")
    return 1 if crashes or report["unaccounted"] else 0


if __name__ == "__main__":
    sys.exit(main())
