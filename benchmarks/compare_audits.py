"""Compare two `imrcheck audit --format json` outputs item by item: the same items, treatments, rules,
decisions, predictions and criterion verdicts (receipts, which name code and rule-set versions, are ignored).

Usage: python benchmarks/compare_audits.py BEFORE.json AFTER.json [--fields decision,predicted,...]
Exit 0 when equal, 1 when any item differs (each difference is listed), 2 on bad input.

To check that a change keeps behaviour, audit the corpus at the old commit and at the new one:
    git worktree add /tmp/before REF && (cd /tmp/before && python3.11 -m venv .venv && .venv/bin/pip install -q -e .)
    /tmp/before/.venv/bin/imrcheck audit ../shared/corpus/letters --format json --quiet > before.json
    .venv/bin/imrcheck audit ../shared/corpus/letters --format json --quiet > after.json
    .venv/bin/python benchmarks/compare_audits.py before.json after.json
"""

from __future__ import annotations

import argparse
import json
import sys

FIELDS = ("treatment", "family", "rule", "guideline", "edition", "decision", "predicted", "actual", "agree",
          "reasons", "criteria", "facts")


def key(row: dict) -> tuple:
    return row["case"], row["index"]


def comparable(row: dict, fields: tuple[str, ...]) -> dict:
    out = {f: row.get(f) for f in fields}
    if "criteria" in out and out["criteria"] is not None:
        out["criteria"] = [{k: c.get(k) for k in ("code", "verdict", "blocking")} for c in out["criteria"]]
    return out


def compare(before: dict, after: dict, fields: tuple[str, ...] = FIELDS) -> list[str]:
    """Every difference, as lines; empty when the audits agree on every item."""
    a = {key(r): r for r in before["items"]}
    b = {key(r): r for r in after["items"]}
    out = [f"only before: {k[0]} #{k[1]} {a[k]['item']}" for k in sorted(a.keys() - b.keys())]
    out += [f"only after: {k[0]} #{k[1]} {b[k]['item']}" for k in sorted(b.keys() - a.keys())]
    for k in sorted(a.keys() & b.keys()):
        x, y = comparable(a[k], fields), comparable(b[k], fields)
        for f in fields:
            if x[f] != y[f]:
                out.append(f"{k[0]} #{k[1]} {f}: {json.dumps(x[f], default=str)} -> {json.dumps(y[f], default=str)}")
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before")
    parser.add_argument("after")
    parser.add_argument("--fields", default=",".join(FIELDS), help="item fields to compare")
    args = parser.parse_args()
    try:
        before, after = (json.load(open(p, encoding="utf-8")) for p in (args.before, args.after))
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    fields = tuple(f for f in args.fields.split(",") if f)
    diffs = compare(before, after, fields)
    for line in diffs:
        print(line)
    print(f"{len(before['items'])} item(s) before, {len(after['items'])} after; {len(diffs)} difference(s)"
          f" in {', '.join(fields)}")
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main())
