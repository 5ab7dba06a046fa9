"""How fast a command answers: `imrcheck check CASE` (and --help, rule, requirements) against the time Python needs
to import imrcheck's own dependencies, measured in the same run.

Usage: python benchmarks/bench_startup.py [--runs 15] [--case CASE] [--compare OTHER/bin/imrcheck]

Each command runs --runs times as a fresh process (after one warm-up run that writes the bytecode and the
catalog cache); the median wall time is reported with its ratio to the baselines:
  deps          python -c "import pydantic, yaml, click"            (what the issue measures against)
  deps+model    the same and one pydantic model built (pydantic's model machinery, which any use of it loads)
The catalog cache is warm for the `check` runs (the normal case); `check, cold cache` runs with an empty cache
folder each time. Bytecode writing is enabled for these processes (PYTHONDONTWRITEBYTECODE unset).
--compare times `check CASE` with another installation too (e.g. a worktree of an earlier commit with its own venv),
in the same run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def timed(cmd: list[str], env: dict[str, str], runs: int) -> float:
    subprocess.run(cmd, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # warm-up
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--case", default="cases/seeds/004-selective-nerve-root-block.yaml")
    parser.add_argument("--compare", default=None, help="another imrcheck executable to time `check CASE` with")
    args = parser.parse_args()
    cache = tempfile.mkdtemp(prefix="imrcheck-bench-cache-")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["IMRCHECK_CACHE_DIR"] = cache
    py, imrcheck = str(BIN / "python"), str(BIN / "imrcheck")
    rows = [
        ("python (empty)", [py, "-c", "pass"]),
        ("deps", [py, "-c", "import pydantic, yaml, click"]),
        ("deps+model", [py, "-c", "import pydantic, yaml, click\nclass M(pydantic.BaseModel):\n    a: int\nM(a=1)"]),
        ("imrcheck --help", [imrcheck, "--help"]),
        ("imrcheck rule MTUS-CP2016-ESI", [imrcheck, "rule", "MTUS-CP2016-ESI"]),
        ("imrcheck requirements 'lumbar ESI L4-5'", [imrcheck, "requirements", "lumbar ESI L4-5"]),
        ("imrcheck check CASE", [imrcheck, "check", args.case]),
        ("imrcheck --engine reference check CASE", [imrcheck, "--engine", "reference", "check", args.case]),
    ]
    results = {name: timed(cmd, env, args.runs) for name, cmd in rows}
    if args.compare:
        results[f"{args.compare} check CASE"] = timed([args.compare, "check", str(ROOT / args.case)], env, args.runs)
    cold_env = dict(env, IMRCHECK_NO_CACHE="1")
    results["imrcheck check CASE, no catalog cache"] = timed([imrcheck, "check", args.case], cold_env, args.runs)
    deps, model = results["deps"], results["deps+model"]
    print(f"median of {args.runs} runs each, {os.cpu_count()} cores")
    print(f"{'command':<46} {'seconds':>8} {'/ deps':>7} {'/ deps+model':>13}")
    for name, seconds in results.items():
        print(f"{name:<46} {seconds:8.3f} {seconds / deps:6.2f}x {seconds / model:12.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
