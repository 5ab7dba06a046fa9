"""What changed in the rules' semantics since a git ref: for every rule present at the ref and now, each
criterion whose condition, role, confirmation or presence changed, and a changed status, with the guideline
text and citation the criterion now follows (the rule file's `text` and `citation`).

Usage: python benchmarks/rule_changes.py REF [--rules-dir rules] [--format text|markdown|json]

Rules are read as the files state them (YAML, safe loader) at REF (`git show`) and in the working tree, matched
by rule id, criteria by code; conditions are compared as written (a fragment `{use: name}` is compared by name,
and a changed fragment in rules/library is listed on its own). New rules (none at REF) are counted, not listed.
Exit 0, or 2 on a bad ref.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
_FIELDS = ("condition", "role", "confirmed")


class Failed(Exception):
    pass


def _git(*args: str) -> str:
    done = subprocess.run(["git", "-C", str(ROOT), *args], check=False, capture_output=True, text=True)
    if done.returncode:
        raise Failed(done.stderr.strip() or f"git {' '.join(args)} failed")
    return done.stdout


def _rule_files(ref: str | None, rules_dir: str) -> dict[str, str]:
    """path -> text of every rule and library file (not fixtures) at ref, or in the working tree."""
    if ref is None:
        base = ROOT / rules_dir
        return {str(p.relative_to(ROOT)): p.read_text(encoding="utf-8") for p in sorted(base.rglob("*.yaml"))
                if not p.name.endswith(".fixtures.yaml")}
    names = _git("ls-tree", "-r", "--name-only", ref, "--", rules_dir).split()
    return {n: _git("show", f"{ref}:{n}") for n in names if n.endswith(".yaml") and not n.endswith(".fixtures.yaml")}


def _rules(files: dict[str, str]) -> tuple[dict[str, dict], dict[str, Any]]:
    """(rule id -> rule document, fragment name -> definition) of the files that are rules or libraries."""
    rules, fragments = {}, {}
    for path, text in files.items():
        try:
            doc = yaml.safe_load(text)
        except yaml.YAMLError:
            continue
        if not isinstance(doc, dict):
            continue
        if "/library/" in path:
            for name, body in (doc.get("fragments") or {}).items():
                fragments[f"{Path(path).stem}.{name}"] = body
        elif "id" in doc and isinstance(doc.get("criteria"), list):
            rules[doc["id"]] = doc
    return rules, fragments


def _citation(c: dict) -> str:
    cit = c.get("citation") or {}
    parts = [cit.get("guideline"), cit.get("document"), cit.get("edition") and f"({cit['edition']})",
             cit.get("section"), cit.get("page") and f"p.{cit['page']}"]
    return " ".join(str(p) for p in parts if p)


def changes(ref: str, rules_dir: str = "rules") -> dict[str, Any]:
    """The semantic differences between the rules at ref and now."""
    return {"ref": ref, **compare(_rule_files(ref, rules_dir), _rule_files(None, rules_dir))}


def compare(old_files: dict[str, str], new_files: dict[str, str]) -> dict[str, Any]:
    """The semantic differences between two sets of rule files (path -> YAML text)."""
    old_rules, old_frags = _rules(old_files)
    new_rules, new_frags = _rules(new_files)
    changed = []
    for rid in sorted(set(old_rules) & set(new_rules)):
        old, new = old_rules[rid], new_rules[rid]
        before = {c["code"]: c for c in old["criteria"] if isinstance(c, dict) and "code" in c}
        after = {c["code"]: c for c in new["criteria"] if isinstance(c, dict) and "code" in c}
        criteria = []
        for code in sorted(set(before) | set(after)):
            b, a = before.get(code), after.get(code)
            what = (["added"] if b is None else ["removed"] if a is None else
                    [f for f in _FIELDS if b.get(f) != a.get(f)])
            if what:
                now = a or b
                criteria.append({"code": code, "changed": what,
                                 "role": (b or {}).get("role", "required") + " -> " + (a or {}).get("role", "required")
                                 if "role" in what else None,
                                 "confirmed": None if "confirmed" not in what else
                                 f"{(b or {}).get('confirmed', True)} -> {(a or {}).get('confirmed', True)}",
                                 "text": " ".join(str(now.get("text") or now.get("title") or "").split()),
                                 "citation": _citation(now), "removed": a is None})
        status = None if old.get("status") == new.get("status") else f"{old.get('status')} -> {new.get('status')}"
        if criteria or status:
            changed.append({"rule": rid, "title": new.get("title"), "status": status, "criteria": criteria})
    fragments = sorted(n for n in set(old_frags) | set(new_frags) if old_frags.get(n) != new_frags.get(n))
    return {"rules_at_ref": len(old_rules), "rules_now": len(new_rules),
            "new_rules": len(set(new_rules) - set(old_rules)), "removed_rules": sorted(set(old_rules) - set(new_rules)),
            "changed_rules": changed, "changed_fragments": fragments}


def lines(report: dict[str, Any], markdown: bool) -> list[str]:
    out = [(f"Rules at {report['ref']}: {report['rules_at_ref']}; now: {report['rules_now']} "
            f"({report['new_rules']} new, {len(report['removed_rules'])} removed); "
            f"{len(report['changed_rules'])} changed in semantics; library fragments changed: "
            f"{', '.join(report['changed_fragments']) or 'none'}")]
    for r in report["changed_rules"]:
        out.append(f"\n{'### ' if markdown else ''}{r['rule']}: {r['title']}"
                   + (f" (status {r['status']})" if r["status"] else ""))
        for c in r["criteria"]:
            detail = ", ".join(filter(None, [
                "condition" if "condition" in c["changed"] else None, c["role"] and f"role {c['role']}",
                c["confirmed"] and f"confirmed {c['confirmed']}",
                "added" if "added" in c["changed"] else None, "removed" if c["removed"] else None]))
            out.append(f"{'- ' if markdown else '  '}{c['code']} [{detail}]: {c['text']} ({c['citation']})")
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("ref")
    parser.add_argument("--rules-dir", default="rules")
    parser.add_argument("--format", dest="fmt", choices=["text", "markdown", "json"], default="text")
    args = parser.parse_args()
    try:
        _git("rev-parse", "--verify", "--quiet", f"{args.ref}^{{commit}}")
        report = changes(args.ref, args.rules_dir)
    except Failed as exc:
        print(f"error: {args.ref}: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(report, indent=2) if args.fmt == "json" else "\n".join(lines(report, args.fmt == "markdown")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
