"""Consistency analysis on hand-made item rows with known answers, and the HTML report: self-contained,
escaped, exported, and rendered by a real headless Chromium (skipped when chromium is not installed)."""

from __future__ import annotations

import csv
import json
import re
import shutil
import subprocess
from html import unescape
from pathlib import Path
from types import SimpleNamespace

import pytest
from click.testing import CliRunner

from checker.audit.consistency import analyze, cited_guideline, primary_specialty
from checker.cli import main
from checker.render.consistency_html import render, tables, write_report

ROOT = Path(__file__).resolve().parent.parent
MTUS_ESI = "Decision based on MTUS Chronic Pain Medical Treatment 2016, Section(s): Epidural steroid injections (ESIs)."
ODG_KNEE = ("The Expert Reviewer based their decision on recommendation(s) outside of the MTUS Guidelines. Decision "
            "based on Non-MTUS Citation Official Disability Guidelines (ODG) Knee & Leg, MRI.")
HOSTILE = '<script>alert("x")</script> <img src="http://evil.example/x.png" onerror="fetch(1)"> see https://a.example'


def row(case, family, treatment, actual, predicted, criteria=(), facts=None, specialty="Family Practice",
        date="2017-02-10", guideline=MTUS_ESI, reviewer=None, rationale=None):
    """An item row as comparison.item_row makes it; criteria as (code, verdict, blocking)."""
    crits = [{"code": c, "title": f"Title of {c}", "verdict": v, "blocking": b, "citation": f"cite {c}"}
             for c, v, b in criteria]
    blocking = [c for c, _, b in criteria if b]
    ra = None
    if reviewer is not None:
        shared = [c for c in reviewer if c in blocking]
        ra = {"reviewer": reviewer, "checker": blocking, "shared": shared,
              "reviewer_only": [c for c in reviewer if c not in blocking],
              "checker_only": [c for c in blocking if c not in reviewer], "agree": bool(shared) if reviewer else None}
    return {"case": case, "item": f"request of {case}", "index": 1, "treatment": treatment, "family": family,
            "rule": f"RULE-{treatment}" if treatment else None, "guideline": "MTUS", "edition": "2009",
            "decision": {"upheld": "non-certify", "overturned": "certify", None: None}[predicted],
            "predicted": predicted, "actual": actual,
            "agree": None if predicted is None or actual is None else predicted == actual,
            "reasons": blocking, "criteria": crits, "facts": facts or {}, "reviewer_specialty": specialty,
            "decision_date": date, "maximus_guideline": guideline, "based_on_mtus": True,
            "rationale": rationale, "reason_agreement": ra, "receipt": {}}


ESI_FACTS = {"radiculopathy_on_exam": False, "imaging_corroborates": None, "requested_levels": 2}
ROWS = [
    row("A1", "injection", "ESI", "upheld", "upheld", [("ESI-001", "not_met", True)], ESI_FACTS,
        specialty="Anesthesiology, Pain Management", date="2017-01-05"),
    row("A2", "injection", "ESI", "overturned", "upheld", [("ESI-001", "not_met", True), ("ESI-002", "not_met", True)],
        ESI_FACTS, specialty="Physical Medicine Rehab", reviewer=["ESI-002"], rationale=HOSTILE),
    row("A3", "injection", "ESI", "overturned", "upheld",
        [("ESI-002", "not_documented", True), ("ESI-003", "not_documented", True)], {"imaging_corroborates": True},
        specialty="Physical Medicine & Rehabilitation, Pain Management"),
    row("A4", "imaging", "MRI-KNEE", "upheld", "overturned", [("IMG-001", "met", False), ("IMG-002", "met", False)],
        {"red_flags": True}, guideline=ODG_KNEE, reviewer=["IMG-001"]),
    row("A5", "imaging", "MRI-KNEE", "upheld", "upheld", [("IMG-001", "not_documented", True)],
        guideline=ODG_KNEE, reviewer=["IMG-001"]),
    row("A6", None, None, "overturned", None, guideline="The Expert Reviewer did not cite any medical evidence."),
    row("A7", "injection", "ESI", "overturned", "upheld", [("ESI-009", "not_met", True)], {"x": 1}),
    # same treatment and facts, opposite outcomes, but nothing documented: not an inconsistent pair
    row("A8", "injection", "ESI", "upheld", "upheld", [("ESI-002", "not_documented", True)], {"y": None}),
    row("A9", "injection", "ESI", "overturned", "upheld", [("ESI-002", "not_documented", True)], {"y": None}),
]
CRITERIA = {code: SimpleNamespace(title=f"Title of {code}", confirmed=code != "ESI-009")
            for code in ("ESI-001", "ESI-002", "ESI-003", "ESI-009", "IMG-001", "IMG-002", "ESI-099")}


@pytest.fixture(scope="module")
def analysis():
    return analyze(iter(ROWS), CRITERIA)  # an iterator: the analysis must need one pass only


def by_group(analysis, grouping):
    return {g["group"]: g for g in analysis["agreement"][grouping]}


def test_agreement_by_group(analysis):
    family = by_group(analysis, "family")
    assert (family["injection"]["compared"], family["injection"]["agree"]) == (6, 2)
    assert family["injection"]["balanced_accuracy"] == 0.5  # upheld recall 2/2, overturned recall 0/4
    assert family["imaging"]["agreement"] == 0.5
    assert family["(no code)"]["compared"] == 0 and family["(no code)"]["confusion"]["overturned"]["none"] == 1
    assert by_group(analysis, "guideline")["ODG"]["items"] == 2
    assert by_group(analysis, "chapter")["ODG Knee & Leg"]["items"] == 2
    assert by_group(analysis, "guideline")["none"]["items"] == 1
    assert by_group(analysis, "month")["2017-01"]["items"] == 1
    assert by_group(analysis, "specialty")["Physical Medicine & Rehabilitation"]["items"] == 2  # spellings merged
    t = analysis["totals"]
    assert (t["items"], t["compared"], t["agree"], t["discordant"]) == (9, 8, 3, 5)
    assert t["overturned_unmet"] == 4 and t["upheld_met"] == 1


def test_discordant_ranked_by_clarity(analysis):
    ranked = [(d["case"], d["score"]) for d in analysis["discordant"]]
    # two confirmed criteria shown not met beat a criterion the reviewer names although the checker found it met,
    # which beats undocumented criteria; an unconfirmed criterion counts half
    assert ranked == [("A2", 6.0), ("A4", 5.0), ("A3", 2.0), ("A7", 1.5), ("A9", 1.0)]
    assert analysis["discordant"][0]["rank"] == 1 and analysis["discordant"][0]["kind"] == "overturned_unmet"
    assert "2 not met (ESI-001, ESI-002)" in analysis["discordant"][0]["why"]
    assert "names IMG-001" in analysis["discordant"][1]["why"]


def test_top_discordant_keeps_the_clearest_and_counts_all():
    small = analyze(ROWS, CRITERIA, top_discordant=2)
    assert [d["case"] for d in small["discordant"]] == ["A2", "A4"]
    assert small["totals"]["discordant"] == 5


def test_inconsistent_pair_found(analysis):
    groups = analysis["inconsistent"]
    assert len(groups) == 1  # A8/A9 share only undocumented facts
    g = groups[0]
    assert (g["treatment"], g["upheld"], g["overturned"], g["documented_facts"]) == ("ESI", 1, 1, 2)
    assert sorted(m["case"] for m in g["members"]) == ["A1", "A2"]


def test_reason_counts(analysis):
    reasons = analysis["reasons"]
    assert (reasons["items_with_rationale"], reasons["items_reviewer_named_criteria"],
            reasons["items_reasons_match"]) == (3, 3, 2)
    codes = {r["code"]: r for r in reasons["by_criterion"]}
    assert reasons["by_criterion"][0]["code"] == "IMG-001"
    assert (codes["IMG-001"]["named"], codes["IMG-001"]["checker_unmet"], codes["IMG-001"]["match_rate"]) == (2, 1, 0.5)
    assert codes["ESI-002"]["overturned"] == 1
    unmet = {r["code"]: r for r in analysis["unmet_criteria"]}
    assert unmet["ESI-002"] == {"code": "ESI-002", "title": "Title of ESI-002", "not_met": 1, "not_documented": 3,
                                "blocking": 4}
    assert analysis["unmet_criteria"][0]["code"] == "ESI-002"


def test_guideline_and_specialty_normalized():
    assert cited_guideline("Decision based on MTUS Low Back Complaints 2004, Section(s): Special Studies.") == (
        "MTUS", "MTUS Low Back Complaints 2004")
    assert cited_guideline("Non-MTUS, ODG low back chapter, MTUS low back chapter") == ("ODG", "ODG Low Back")
    assert cited_guideline("MTUS Chronic Pain, Epidural Steroid Injections p.46")[0] == "MTUS"
    assert cited_guideline("Decision based on Non-MTUS Citation http://example.org") == (
        "other", "Other (non-MTUS, non-ODG)")
    assert cited_guideline(None) == ("none", "(no citation)")
    assert primary_specialty("Physical Medicine & Rehab, Sports Medicine") == "Physical Medicine & Rehabilitation"


def test_html_self_contained_and_escaped(analysis):
    html = render(analysis, "test rows <b>", "2017-03-01")
    assert html.count("<script") == 1 and "<script>alert" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html  # the rationale, as text
    assert "test rows &lt;b&gt;" in html
    for attr in re.findall(r"""\b(?:src|href|action|xlink:href)\s*=\s*["']?([^"'\s>]*)""", html):
        assert not re.match(r"(?:https?:)?//", attr), attr
    assert not re.search(r"<link\b|<iframe\b|@import|url\(|XMLHttpRequest|fetch\(", html.replace("fetch(1)", ""))
    assert html.count('<svg class="chart"') == 4
    assert html.count('<details class="drill"') == 5  # one drill-down per discordant item
    drill = html[html.index('id="d-1"'):html.index('id="d-2"')]
    assert "The letter's item" in drill and "ESI-002" in drill and "&lt;img src=" in drill


def test_exports_every_table(tmp_path, analysis):
    written = write_report(analysis, tmp_path / "r.html", "rows", "now", tmp_path / "exports")
    for t in tables(analysis):
        with (tmp_path / "exports" / f"{t.name}.csv").open() as fh:
            lines = list(csv.reader(fh))
        assert lines[0] == [c.key for c in t.columns]
        assert len(lines) == len(t.rows) + 1
        assert json.loads((tmp_path / "exports" / f"{t.name}.json").read_text()) == json.loads(
            json.dumps([{c.key: r.get(c.key) for c in t.columns} for r in t.rows], default=str))
    discordant = json.loads((tmp_path / "exports" / "discordant.json").read_text())
    assert discordant[0]["case"] == "A2" and discordant[0]["rank"] == 1
    assert json.loads((tmp_path / "exports" / "summary.json").read_text())["totals"]["discordant"] == 5
    assert len(written) == 1 + 2 * len(tables(analysis)) + 1


def test_cli_report_from_json_and_jsonl(tmp_path):
    audit = tmp_path / "audit.json"
    audit.write_text(json.dumps({"summary": {}, "items": ROWS, "errors": [], "skipped": []}))
    jsonl = tmp_path / "audit.jsonl"
    jsonl.write_text("\n".join(json.dumps({"type": "item", **r}) for r in ROWS) + '\n{"type": "summary"}\n')
    runner = CliRunner()
    for src in (audit, jsonl):
        out = tmp_path / f"{src.suffix[1:]}.html"
        res = runner.invoke(main, ["report", "--from-json", str(src), "-o", str(out), "--exports",
                                   str(tmp_path / src.suffix[1:])])
        assert res.exit_code == 0, res.output
        assert "9 item(s), 5 discordant, 1 inconsistent group(s)" in res.output
        assert 'id="d-5"' in out.read_text()
    res = runner.invoke(main, ["report", "-o", str(tmp_path / "x.html")])
    assert res.exit_code == 2


def test_cli_report_from_store(tmp_path):
    db = tmp_path / "audit.sqlite"
    runner = CliRunner()
    res = runner.invoke(main, ["--engine", "reference", "audit", str(ROOT / "cases" / "seeds"), "--db", str(db),
                               "--quiet"])
    assert res.exit_code in (0, 1), res.output
    res = runner.invoke(main, ["report", "--db", str(db), "-o", str(tmp_path / "r.html")])
    assert res.exit_code == 0, res.output
    assert "report written" in res.output and "11 item(s)" in res.output
    assert "Agreement by treatment family" in (tmp_path / "r.html").read_text()


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def run_chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    profile = tmp_path / f"profile-{len(list(tmp_path.glob('profile-*')))}"
    return subprocess.run([chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                           "--no-first-run", "--disable-background-networking", "--disable-component-update",
                           "--disable-sync", f"--user-data-dir={profile}", *args],
                          check=False, capture_output=True, text=True, timeout=120)


@pytest.mark.skipif(chromium() is None, reason="chromium is not installed (apt-get install chromium)")
def test_renders_in_headless_chromium(tmp_path, analysis):
    report = tmp_path / "report.html"
    write_report(analysis, report, "rows", "now")
    done = run_chromium(tmp_path, "--virtual-time-budget=5000", "--dump-dom", report.as_uri() + "#selftest")
    dom = done.stdout
    assert 'data-js="ready"' in dom, done.stderr[-2000:]
    assert dom.count('<svg class="chart"') == 4 and dom.count("<rect") > 10 and "<polyline" in dom
    assert all(f'id="t-{t.name}"' in dom for t in tables(analysis))
    result = json.loads(unescape(re.search(r'<pre id="selftest-result">(.*?)</pre>', dom, re.DOTALL).group(1)))
    assert result["failures"] == [] and result["tables"] == len(tables(analysis)) and result["checked"] > 50
    # sorted in the browser: the family with the lowest agreement first, the clearest discordant item first
    assert result["first"]["t-agreement_by_family:agreement:ascending"] == "injection"
    assert result["first"]["t-discordant:#:ascending"] == "1"
    assert result["first"]["t-discordant:clarity:ascending"] == "5"
    shot = tmp_path / "report.png"
    done = run_chromium(tmp_path, "--window-size=1400,1600", f"--screenshot={shot}", report.as_uri())
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000, done.stderr[-2000:]


@pytest.mark.parametrize("text, named", [
    ("There is No Documentation of objective functional improvement.", {"improvement"}),
    ("NO DOCUMENTATION OF OBJECTIVE FUNCTIONAL IMPROVEMENT", {"improvement"}),
    ("The MRI showed an L5 radiculopathy.", {"imaging"}),
    ("Not medically necessary.", set()),
])
def test_reviewer_phrases_name_criteria_in_any_case(text, named):
    from checker.audit.comparison import named_criteria
    criteria = {"improvement": [r"no documentation of (?:objective )?functional improvement"],
                "imaging": [r"\bMRI\b", r"\bL[1-5]\b radiculopathy"]}  # phrases may be written in capitals
    assert named_criteria(text, criteria) == named
