"""Measure as the auditor would: over an audit of the letters (default: the shared corpus), per treatment family
and in total, balanced accuracy, overturns caught, false overturns and the reason agreement against rationales
shuffled within the family (checker/audit/metrics.py), all from one audit run per checkout.

Usage: python benchmarks/auditor_metrics.py [PATH...] [--compare PYTHON|REF] [--compare-checkout DIR]
                                            [--shuffles 200] [--seed 13] [--format text|json]
  --compare PYTHON  also audit another checkout with its own interpreter (the checkout is the folder above its
                    .venv, or --compare-checkout), e.g. the frozen pre-session checkout:
                    --compare /work/snap/.venv/bin/python
  --compare REF     also audit a git ref of this repository, checked out in a temporary worktree and run with
                    this interpreter
Each checkout is audited by its own code and rules (`imrcheck audit --format json`), and its reason agreement
read with its own rules' reviewer phrases. Output is deterministic: no timings, seeded shuffles.
Exit 0, or 2 on bad input (a checkout that cannot be audited).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from checker.audit.metrics import SEED, SHUFFLES, auditor_metrics  # noqa: E402
from checker.render.text import metrics_compare_lines, metrics_lines  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus" / "letters"
_CLI = "import sys; sys.argv[0] = 'imrcheck'; from checker.cli import main; main()"
# The reviewer phrases of a checkout's rules, with whichever module layout the checkout has.
_PHRASES = """
import json, sys
try:
    from checker.ruleset.rules import load_catalog
except ImportError:
    from checker.rules import load_catalog
catalog = load_catalog(sys.argv[1])
print(json.dumps({rid: {c.code: list(c.reviewer_phrases) for c in rule.spec.criteria if c.reviewer_phrases}
                  for rid, rule in sorted(catalog.rules.items())}))
"""


class Failed(Exception):
    pass


def _run(python: str, checkout: Path, args: list[str], what: str) -> str:
    env = {**os.environ, "PYTHONPATH": str(checkout), "PYTHONDONTWRITEBYTECODE": "1"}
    done = subprocess.run([python, "-c", *args], cwd=checkout, env=env, capture_output=True, text=True)
    if not done.stdout.strip():
        raise Failed(f"{what} in {checkout} with {python} gave no output (exit {done.returncode}): "
                     f"{done.stderr.strip()[-500:]}")
    return done.stdout


def measure(python: str, checkout: Path, paths: list[str], shuffles: int, seed: int) -> dict:
    """Audit `paths` with a checkout's own code and rules, and its auditor's figures."""
    rules = str(checkout / "rules")
    out = _run(python, checkout, [_CLI, "--rules", rules, "audit", *paths, "--format", "json"], "the audit")
    try:
        items = json.loads(out)["items"]
        phrases = json.loads(_run(python, checkout, [_PHRASES, rules], "reading the rules"))
    except (ValueError, KeyError) as exc:
        raise Failed(f"{checkout}: unreadable audit output ({exc})") from None
    return auditor_metrics(items, phrases, shuffles, seed)


def checkout_of(python: str) -> Path | None:
    """The checkout an interpreter belongs to: the nearest folder above it with checker/ and rules/."""
    for folder in Path(python).absolute().parents:
        if (folder / "checker" / "__init__.py").is_file() and (folder / "rules").is_dir():
            return folder
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", help=f"letters, case files, folders (default: {CORPUS})")
    parser.add_argument("--compare", default=None, metavar="PYTHON|REF")
    parser.add_argument("--compare-checkout", type=Path, default=None, metavar="DIR")
    parser.add_argument("--shuffles", type=int, default=SHUFFLES)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--format", dest="fmt", choices=["text", "json"], default="text")
    args = parser.parse_args()
    paths = [str(Path(p).absolute()) for p in args.paths] or [str(CORPUS)]
    missing = [p for p in paths if not Path(p).exists()]
    if missing or args.shuffles < 1:
        print(f"error: {'no such path: ' + missing[0] if missing else '--shuffles must be at least 1'}",
              file=sys.stderr)
        return 2
    try:
        checkout = _compare_checkout(args) if args.compare else None  # a bad --compare fails before any audit
        after = measure(sys.executable, ROOT, paths, args.shuffles, args.seed)
        before = _before(args.compare, checkout, paths, args) if args.compare else None
    except Failed as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.fmt == "json":
        print(json.dumps({"after": after, "before": before} if before else after, indent=2))
    else:
        print("\n".join(metrics_compare_lines(before, after) if before else metrics_lines(after)))
    return 0


def _compare_checkout(args) -> Path | None:
    """The checkout of `--compare PYTHON`, or None for a git ref (checked to name a commit)."""
    if Path(args.compare).is_file():
        checkout = args.compare_checkout or checkout_of(args.compare)
        if checkout is None:
            raise Failed(f"--compare {args.compare}: no checkout above it; name it with --compare-checkout")
        return checkout.absolute()
    known = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--verify", "--quiet", f"{args.compare}^{{commit}}"],
                           capture_output=True, text=True)
    if known.returncode:
        raise Failed(f"--compare {args.compare}: neither an interpreter nor a git ref of {ROOT}")
    return None


def _before(target: str, checkout: Path | None, paths: list[str], args) -> dict:
    if checkout is not None:
        return measure(target, checkout, paths, args.shuffles, args.seed)
    with tempfile.TemporaryDirectory(prefix="imrcheck-compare-") as tmp:
        tree = Path(tmp) / "checkout"
        added = subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(tree), target],
                               capture_output=True, text=True)
        if added.returncode:
            raise Failed(f"--compare {target}: cannot check it out ({added.stderr.strip()})")
        try:
            return measure(sys.executable, tree, paths, args.shuffles, args.seed)
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)],
                           capture_output=True)


if __name__ == "__main__":
    sys.exit(main())
