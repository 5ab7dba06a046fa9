"""How fast the request grammar reads requests, against the phrase matcher it replaced, in the same run.

Usage: python benchmarks/bench_requests.py [--rounds 20] [--compare OTHER/bin/python]

The requests are every disputed item of the corpus letters (../shared/corpus/letters, .txt) and every phrasing
of tests/data/request_phrasings*.tsv. Each round parses all of them with the memo off (parse_request), so the
figure is the grammar's own cost, in CPU time (process_time: steadier than wall time on a busy machine); the
median round is reported per request and per letter (the corpus's items per letter). --compare runs the same
requests through the phrase matcher of another installation (checker.treatments._normalize of the commit before
the grammar, in a worktree with its own venv; unmemoized too) and reports the ratio.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus" / "letters"

_OTHER = r"""
import json, sys, time, statistics
from checker.treatments import load_treatments, _normalize
vocab = load_treatments('rules')
texts = json.load(sys.stdin)
rounds = int(sys.argv[1])
times = []
for _ in range(rounds):
    start = time.process_time()
    for t in texts:
        _normalize(t, vocab)
    times.append(time.process_time() - start)
print(statistics.median(times))
"""


def requests() -> tuple[list[str], int]:
    """(request texts, letters read)."""
    from checker.reading.letters import read_letter
    texts, letters = [], 0
    for path in sorted(CORPUS.glob("*.txt")):
        texts += [item.request for item in read_letter(path).items]
        letters += 1
    for table in sorted((ROOT / "tests" / "data").glob("request_phrasings*.tsv")):
        texts += [line.split("\t")[0] for line in table.read_text(encoding="utf-8").splitlines()
                  if line.strip() and not line.startswith("#")]
    return texts, letters


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--compare", help="python of another installation whose checker.treatments.normalize_request "
                                      "to time on the same requests")
    args = ap.parse_args()
    from checker.reading.requests import parse_request
    from checker.ruleset.rules import load_catalog
    vocab = load_catalog(ROOT / "rules").treatments
    texts, letters = requests()
    for t in texts:  # warm the lexicon's index
        parse_request(t, vocab)
    times = []
    for _ in range(args.rounds):
        start = time.process_time()
        for t in texts:
            parse_request(t, vocab)
        times.append(time.process_time() - start)
    per_request = statistics.median(times) / len(texts)
    from checker.reading.letters import read_letter
    corpus_items = sum(len(read_letter(p).items) for p in sorted(CORPUS.glob("*.txt")))
    per_letter = per_request * corpus_items / max(letters, 1)
    print(f"{len(texts)} requests ({corpus_items} from {letters} letters), median of {args.rounds} rounds")
    print(f"grammar        {per_request * 1e6:8.1f} us/request   {per_letter * 1e3:6.3f} ms/letter")
    if args.compare:
        out = subprocess.run([args.compare, "-c", _OTHER, str(args.rounds)], input=json.dumps(texts), text=True,
                             capture_output=True, cwd=Path(args.compare).absolute().parents[2], check=True)
        other = float(out.stdout.strip()) / len(texts)
        print(f"other          {other * 1e6:8.1f} us/request   {other * corpus_items / letters * 1e3:6.3f} ms/letter"
              f"   grammar/other = {per_request / other:.2f}x")


if __name__ == "__main__":
    sys.exit(main())
