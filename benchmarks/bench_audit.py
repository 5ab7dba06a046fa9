"""End-to-end batch audit speed: letters per second cold (read, extract, evaluate, store) and warm (rules
changed, cases cached), peak memory of the parent and its workers as the run grows, and a profile.

Usage: python benchmarks/bench_audit.py [--letters 20000] [--workers 2] [--engine durable] [--json]

The corpus letters (shared/corpus/letters beside the checkout) are copied to a temporary folder until there are
--letters of them, each copy made unique by a trailing line (so every content hash differs). The warm run
uses a copy of rules/ with one criterion's title edited (a new catalog digest, the same extractor).
Memory: resident set size of the parent plus every worker, sampled every 0.2 s (psutil), reported as
the peak up to 25%, 50%, 75% and 100% of the inputs: flat means streaming works. CPU: the parent's, and the
workers' as last sampled (slightly under), to show which side is the bottleneck.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from checker.audit.batch import Audit, Task, audit_one, worker_for
from checker.audit.store import Store
from checker.config import Settings
from checker.ruleset.layout import RulesFolder  # noqa: E402
from checker.session import Session

CORPUS = ROOT.parent / "shared" / "corpus" / "letters"


def make_letters(folder: Path, n: int) -> None:
    sources = [(p.name, p.read_text(encoding="utf-8")) for p in sorted(CORPUS.glob("*.txt"))]
    for i in range(n):
        name, text = sources[i % len(sources)]
        (folder / f"{i:06d}-{name}").write_text(f"{text}\ncopy {i}\n", encoding="utf-8")


def edited_rules(dst: Path, every_rule: bool = False) -> Path:
    """A copy of rules/ with one criterion's title edited in the ESI rule, or (every_rule) a comment
    added to every rule file, so that no earlier evaluation can be carried over: the worst case."""
    shutil.copytree(ROOT / "rules", dst)
    if every_rule:
        for path in RulesFolder(dst).rule_files():
            path.write_text(path.read_text() + "\n# edited\n")
        return dst
    esi = next(dst.rglob("epidural-steroid-injections.yaml"))
    text = esi.read_text()
    esi.write_text(text.replace("title: ", "title: (edited) ", 2).replace("(edited) ", "", 1))  # one criterion
    return dst


class MemorySampler(threading.Thread):
    """Peak RSS (MB) of this process and its children, sampled; `marks` holds the peak so far at given counts."""

    def __init__(self, job: Audit, total: int):
        super().__init__(daemon=True)
        self.job, self.total = job, total
        self.peak = 0.0
        self.marks: dict[str, float] = {}
        self.worker_cpu: dict[int, float] = {}  # pid -> CPU seconds when last seen
        self.stop = threading.Event()

    def run(self) -> None:
        me = psutil.Process()
        while not self.stop.wait(0.2):
            rss = 0
            for p in [me, *me.children(recursive=True)]:
                try:
                    rss += p.memory_info().rss
                    if p is not me:
                        cpu = p.cpu_times()
                        self.worker_cpu[p.pid] = cpu.user + cpu.system
                except psutil.Error:
                    pass
            self.peak = max(self.peak, rss / 2**20)
            done = self.job.counts.inputs
            for q in (25, 50, 75, 100):
                if done >= self.total * q / 100 and f"{q}%" not in self.marks:
                    self.marks[f"{q}%"] = round(self.peak, 1)


def timed_run(db: Path, folder: Path, rules: Path, workers: int, engine: str, total: int) -> dict:
    store = Store(db)
    job = Audit(store, Session(Settings(Path(rules), engine)), workers)
    sampler = MemorySampler(job, total)
    sampler.start()
    cpu0, t0 = time.process_time(), time.perf_counter()
    job.run([str(folder)])
    wall = time.perf_counter() - t0
    sampler.stop.set()
    sampler.join()
    sampler.marks.setdefault("100%", round(sampler.peak, 1))
    store.close()
    c = job.counts.as_dict()
    return {"seconds": round(wall, 1), "letters_per_second": round(total / wall, 1), "counts": c,
            "parent_cpu_seconds": round(time.process_time() - cpu0, 1),
            "workers_cpu_seconds": round(sum(sampler.worker_cpu.values()), 1), "peak_rss_mb_by_progress": sampler.marks}


def profile(rules: Path, engine: str, n: int = 200) -> str:
    """cProfile of the per-letter work (read, extract, evaluate, item rows) in one process."""
    worker = worker_for(Settings(Path(rules), engine))
    letters = sorted(CORPUS.glob("*.txt"))
    for p in letters[:10]:
        audit_one(worker, Task(str(p), "warm-up"))
    prof = cProfile.Profile()
    prof.enable()
    for i in range(n):
        audit_one(worker, Task(str(letters[i % len(letters)]), "x"))
    prof.disable()
    out = io.StringIO()
    pstats.Stats(prof, stream=out).sort_stats("cumulative").print_stats(18)
    return out.getvalue()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--letters", type=int, default=20_000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--engine", default="durable", choices=["durable", "reference"])
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        folder = tmp / "letters"
        folder.mkdir()
        make_letters(folder, args.letters)
        db = tmp / "audit.sqlite"
        cold = timed_run(db, folder, ROOT / "rules", args.workers, args.engine, args.letters)
        warm = timed_run(db, folder, edited_rules(tmp / "rules"), args.workers, args.engine, args.letters)
        warm_all = timed_run(db, folder, edited_rules(tmp / "rules-all", every_rule=True), args.workers,
                             args.engine, args.letters)
        cold_rate = cold["letters_per_second"]
        result = {"letters": args.letters, "workers": args.workers, "engine": args.engine, "cold": cold,
                  "warm": warm, "warm_speedup": round(warm["letters_per_second"] / cold_rate, 1),
                  "warm_every_rule_edited": warm_all,
                  "warm_every_rule_speedup": round(warm_all["letters_per_second"] / cold_rate, 1),
                  "store_mb": round(db.stat().st_size / 2**20, 1)}
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(json.dumps(result, indent=2))
    print(profile(ROOT / "rules", args.engine))


if __name__ == "__main__":
    main()
