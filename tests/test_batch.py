"""Batch audit into the store: resume after a kill, skip on re-run, evaluation-only re-runs after a rule
change, every kind of bad input and a dying worker accounted for, and the dask executor."""

from __future__ import annotations

import ctypes
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from checker.audit import batch
from checker.audit.batch import Audit, run_summary
from checker.audit.comparison import summarize
from checker.audit.store import Store
from checker.config import Settings
from checker.session import Session

from .conftest import RULES, SEEDS, SHARED

CORPUS = SHARED / "corpus"
LETTERS = sorted((CORPUS / "letters").glob("*.txt"))
needs_corpus = pytest.mark.skipif(len(LETTERS) < 12, reason="corpus letters not available")


def letters_dir(tmp_path: Path, n: int) -> Path:
    """n distinct letters (corpus letters, each copy made unique by a trailing line)."""
    out = tmp_path / "letters"
    out.mkdir()
    for i in range(n):
        src = LETTERS[i % len(LETTERS)]
        (out / f"{i:04d}-{src.name}").write_text(src.read_text(encoding="utf-8") + f"\ncopy {i}\n", encoding="utf-8")
    return out


def audit(db: Path, paths, rules: Path = RULES, **kw) -> Audit:
    store = Store(db)
    job = Audit(store, Session(Settings(Path(rules), "reference")), **kw)
    job.run([str(p) for p in paths])
    store.close()
    return job


def item_keys(db: Path) -> list[tuple]:
    with sqlite3.connect(db) as con:
        return con.execute("SELECT content_hash, idx, predicted FROM items ORDER BY 1, 2").fetchall()


@needs_corpus
def test_rerun_skips_and_a_rule_change_reevaluates_without_reading(tmp_path, monkeypatch):
    folder = letters_dir(tmp_path, 6)
    db = tmp_path / "audit.sqlite"
    first = audit(db, [folder], workers=2)
    assert first.counts.as_dict() == {**first.counts.as_dict(), "inputs": 6, "read": 6, "failed": 0, "skipped": 0}
    items = item_keys(db)
    assert len(items) == first.counts.items > 0

    def must_not_read(worker, path):
        raise AssertionError("the extractor ran again")

    monkeypatch.setattr(batch, "read_case", must_not_read)  # forked workers inherit the patch
    again = audit(db, [folder], workers=2)
    assert (again.counts.read, again.counts.skipped, again.counts.failed) == (0, 6, 0)
    assert item_keys(db) == items  # nothing added

    rules = tmp_path / "rules"
    shutil.copytree(RULES, rules, ignore=shutil.ignore_patterns("*.fixtures.yaml"))
    esi = next(rules.rglob("epidural-steroid-injections.yaml"))
    esi.write_text(esi.read_text() + "\n# edited\n")
    changed = audit(db, [folder], rules=rules, workers=2)
    assert (changed.counts.read, changed.counts.failed) == (0, 0)
    assert changed.counts.reevaluated + changed.counts.carried_over == 6
    store = Store(db)
    runs = store.runs()
    assert runs[-1]["ruleset"] != runs[0]["ruleset"] and runs[-1]["extractor"] == runs[0]["extractor"]
    reevaluated = list(store.items())
    assert [(r["content_hash"], r["index"], r["predicted"]) for r in reevaluated] == sorted(items, key=lambda k: (
        next(r["path"] for r in reevaluated if r["content_hash"] == k[0]), k[1]))
    assert len(list(store.items(ruleset=runs[0]["ruleset"]))) == len(items)  # the earlier results are kept


# The killed run: its workers block on every input from number BLOCK_FROM on, so exactly the first chunks
# (BLOCK_FROM inputs) can finish; the run is killed once the store holds them, whatever the machine's speed.
BLOCK_FROM = 2 * batch.CHUNK
_BLOCKING_AUDIT = f"""
import sys, time
from pathlib import Path
from checker.audit import batch
real = batch.read_case
def read_case(worker, path):
    if int(Path(path).name[:4]) >= {BLOCK_FROM}:
        time.sleep(3600)
    return real(worker, path)
batch.read_case = read_case
from checker.cli import main
sys.argv = ["imrcheck"] + sys.argv[1:]
main()
"""


@needs_corpus
def test_a_killed_run_resumes_with_nothing_lost_or_counted_twice(tmp_path):
    folder = letters_dir(tmp_path, 100)
    db = tmp_path / "audit.sqlite"
    cmd = [sys.executable, "-c", _BLOCKING_AUDIT, "--engine", "reference", "audit", str(folder), "--db", str(db),
           "--workers", "2", "--quiet", "--format", "jsonl"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
                            cwd=Path(__file__).resolve().parents[1])
    done = 0
    deadline = time.monotonic() + 120
    try:
        while done < BLOCK_FROM and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.2)
            try:
                with sqlite3.connect(db) as con:
                    done = con.execute("SELECT COUNT(*) FROM inputs WHERE status = 'read'").fetchone()[0]
            except sqlite3.OperationalError:
                pass
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the parent and its workers, mid-run
        proc.wait()
    assert done == BLOCK_FROM, f"the store held {done} inputs, expected the {BLOCK_FROM} that could finish"

    resumed = audit(db, [folder], workers=2)
    assert resumed.counts.skipped == BLOCK_FROM and resumed.counts.read == 100 - BLOCK_FROM
    assert resumed.counts.failed == 0
    clean = audit(tmp_path / "clean.sqlite", [folder], workers=2)
    assert item_keys(db) == item_keys(tmp_path / "clean.sqlite")  # nothing lost, nothing twice
    store = Store(db)
    assert run_summary(store, resumed.run_id)["items"] == clean.counts.items


def _faulty_read(worker, path):
    name = Path(path).name
    if name.startswith("dies"):
        os._exit(9)
    if name.startswith("segfaults"):
        ctypes.string_at(0)
    return _REAL_READ(worker, path)


_REAL_READ = batch.read_case


@needs_corpus
def test_every_fault_is_recorded_with_its_reason_and_the_totals_add_up(tmp_path, monkeypatch):
    from checker.reading.extraction import Extractor
    from checker.reading.letters import read_letter

    folder = letters_dir(tmp_path, 4)
    (folder / "empty.txt").write_bytes(b"")
    (folder / "junk.txt").write_bytes(os.urandom(3000) + b"\x00" * 10)
    pdf = min((CORPUS / "pdf").glob("*.pdf")).read_bytes()
    (folder / "truncated.pdf").write_bytes(pdf[: len(pdf) // 3])
    (folder / "other-layout.txt").write_text("Dear Sir,\n\nThank you for your letter of March 3.\n\nRegards\n")
    letter = LETTERS[0].read_text(encoding="utf-8")
    opening = read_letter(LETTERS[0]).summary[:30]
    (folder / "raises.txt").write_text(letter.replace(opening, opening + " ZZBOOM", 1), encoding="utf-8")
    (folder / "dies.txt").write_text(letter + "\ndies\n", encoding="utf-8")
    (folder / "segfaults.txt").write_text(letter + "\nsegfaults\n", encoding="utf-8")
    (folder / "notes.md").write_text("not an input")
    real_extract = Extractor.extract

    def extract(self, summary, request, treatment=None, scope=None, reference_date=None):
        if "ZZBOOM" in summary:
            raise ZeroDivisionError("injected")
        return real_extract(self, summary, request, treatment, reference_date=reference_date)

    monkeypatch.setattr(Extractor, "extract", extract)
    monkeypatch.setattr(batch, "read_case", _faulty_read)
    db = tmp_path / "audit.sqlite"
    job = audit(db, [folder], workers=2)
    c = job.counts
    assert c.inputs == 12 and c.read + c.reevaluated + c.carried_over + c.failed + c.skipped == c.inputs
    assert (c.read, c.failed, c.skipped) == (4, 7, 1)
    store = Store(db)
    reasons = {Path(i["path"]).name: (i["status"], i["reason"]) for i in store.inputs()}
    assert reasons["empty.txt"] == ("failed", "empty letter")  # the path is the row's own; not repeated
    assert "binary" in reasons["junk.txt"][1]
    assert "PDF" in reasons["truncated.pdf"][1]
    assert reasons["other-layout.txt"][0] == "failed"
    assert reasons["raises.txt"][1] == "internal error while reading: ZeroDivisionError: injected"
    assert reasons["dies.txt"] == ("failed", batch.WORKER_DIED)
    assert reasons["segfaults.txt"] == ("failed", batch.WORKER_DIED)
    assert reasons["notes.md"][0] == "skipped"
    assert sum(s == "read" for s, _ in reasons.values()) == 4  # every good letter survived the deaths
    summary = run_summary(store, job.run_id)
    assert (summary["inputs"], summary["inputs_failed"], summary["inputs_skipped"]) == (12, 7, 1)


def test_the_store_summary_is_the_same_as_summarize(tmp_path, checker):
    db = tmp_path / "audit.sqlite"
    job = audit(db, [SEEDS])
    store = Store(db)
    cases = [batch.worker_for(Settings(RULES, "reference")).session.read(p) for p in sorted(SEEDS.glob("*.yaml"))]
    results = [r for case in cases for r in checker.check_case(case)]
    expected = summarize(results, inputs=len(cases), failed=0, catalog=checker.catalog)
    assert run_summary(store, job.run_id) == expected
    rows = list(store.items())
    assert len(rows) == len(results) and {"content_hash", "path", "criteria", "rationale"} <= set(rows[0])


def test_cli_audit_with_a_store_prints_the_same_and_skips_on_rerun(tmp_path):
    from click.testing import CliRunner

    from checker.cli import main
    db = tmp_path / "a.sqlite"
    args = ["--engine", "reference", "audit", str(SEEDS), "--db", str(db), "--format", "json", "--workers", "2"]
    first = json.loads(CliRunner().invoke(main, args, catch_exceptions=False).output)
    second = json.loads(CliRunner().invoke(main, args, catch_exceptions=False).output)
    assert first["items"] == second["items"] and len(first["items"]) == 11
    assert first["summary"]["this_run"]["read"] == 5 and second["summary"]["this_run"]["skipped"] == 5
    assert batch.progress_bar(10, quiet=False) is None  # stderr is not a terminal here


def test_dask_executor_gives_the_same_items(tmp_path):
    pytest.importorskip("distributed")
    local = audit(tmp_path / "local.sqlite", [SEEDS])
    dask = audit(tmp_path / "dask.sqlite", [SEEDS], workers=2, executor="dask")
    assert dask.counts.as_dict() == local.counts.as_dict()
    assert list(Store(tmp_path / "dask.sqlite").items()) == list(Store(tmp_path / "local.sqlite").items())


def test_the_rationale_is_stored_once_with_the_case_and_read_back_into_every_row(tmp_path):
    letters = sorted((SEEDS.parent / "letters").glob("*.txt"))
    db = tmp_path / "audit.sqlite"
    job = audit(db, [letters[0].parent])
    context = batch.worker_for(Settings(RULES, "reference")).session
    expected = [(str(p), item.rationale) for p in letters for item in context.read(p).items]
    assert any(rationale for _, rationale in expected)
    store = Store(db)
    assert [(r["path"], r["rationale"]) for r in store.items()] == expected
    assert [r["rationale"] for r in store.run_items(job.run_id)] == [rationale for _, rationale in expected]
    stored = [json.loads(row) for (row,) in store.db.execute("SELECT row FROM items")]
    assert len(stored) == len(expected) and all(r["rationale"] is None for r in stored)


def test_finding_a_duplicate_looks_up_the_content_hash_not_the_whole_run(tmp_path):
    store = Store(tmp_path / "audit.sqlite")
    statements: list[str] = []
    store.db.set_trace_callback(statements.append)
    store.duplicate_of("0" * 64, 1, "a.txt")
    store.db.set_trace_callback(None)
    plan = " ".join(str(tuple(r)) for r in store.db.execute("EXPLAIN QUERY PLAN " + statements[-1]))
    assert "inputs_by_hash" in plan  # scanning the run's inputs instead made every run quadratic


def test_a_rule_change_reevaluates_only_inputs_whose_rules_changed(tmp_path):
    """Items of treatments whose deciding rules (and the derived facts they use) did not change keep their
    results, with the new rule set's receipt; what comes out equals a fresh audit under the new rules."""
    folder = letters_dir(tmp_path, 12)
    db = tmp_path / "audit.sqlite"
    audit(db, [folder], workers=2)
    rules = tmp_path / "rules"
    shutil.copytree(RULES, rules, ignore=shutil.ignore_patterns("*.fixtures.yaml"))
    mri = rules / "mtus" / "acoem-2004" / "low-back-imaging.yaml"
    mri.write_text(mri.read_text().replace("title: ", "title: (edited) ", 1))
    changed = audit(db, [folder], rules=rules, workers=2)
    assert changed.counts.carried_over > 0 and changed.counts.reevaluated > 0  # lumbar MRI letters only
    assert changed.counts.read == 0 and changed.counts.carried_over + changed.counts.reevaluated == 12
    fresh = audit(tmp_path / "fresh.sqlite", [folder], rules=rules, workers=2)
    assert fresh.counts.read == 12

    def rows(path):
        return sorted((r["path"], r["index"], json.dumps({k: v for k, v in r.items() if k != "content_hash"},
                                                         sort_keys=True, default=str))
                      for r in Store(path).items())
    assert rows(db) == rows(tmp_path / "fresh.sqlite")
