"""Fuzzing in the suite: a seeded run over a few hundred mutated corpus letters (every mutation kind of
benchmarks/mutations.py, odd file system entries included) and a property test of the letter parser: no crash,
every input accounted for, and the items of clean copies unchanged."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checker.audit import batch
from checker.audit.batch import Audit, Limits
from checker.audit.store import Store
from checker.config import Settings
from checker.errors import InputError
from checker.reading.inputs import display_path, iter_inputs
from checker.reading.letters import decode_text, parse_letter_text
from checker.session import Session

from .conftest import ROOT, RULES, SHARED

sys.path.insert(0, str(ROOT / "benchmarks"))
from mutations import write_mutants  # noqa: E402

LETTERS = sorted((SHARED / "corpus" / "letters").glob("*.txt"))
PDFS = sorted((SHARED / "corpus" / "pdf").glob("*.pdf"))
needs_corpus = pytest.mark.skipif(len(LETTERS) < 20, reason="corpus letters not available")


def _signature(row: dict) -> tuple:
    return (row["index"], row["item"], row["treatment"], row["decision"], row["actual"],
            tuple((c["code"], c["verdict"]) for c in row["criteria"]))


def _rows_by_path(store: Store, run: int) -> dict[str, list[tuple]]:
    out: dict[str, list[tuple]] = {}
    for row in store.run_items(run):
        out.setdefault(row["path"], []).append(_signature(row))
    return out


@needs_corpus
def test_a_seeded_fuzz_run_crashes_nothing_and_accounts_for_every_input(tmp_path):
    folder = tmp_path / "fuzz"
    mutants = write_mutants(folder, LETTERS[:30], PDFS[:5], n=240, seed=20261201, slow=False)
    store = Store(tmp_path / "fuzz.sqlite")
    job = Audit(store, Session(Settings(RULES, "reference")), workers=2,
                limits=Limits(time_seconds=20.0, max_bytes=1_000_000))
    run = job.run([str(folder)])
    entries = list(iter_inputs([str(folder)]))
    statuses = {i["path"]: (i["status"], i["reason"]) for i in store.inputs()}

    assert job.counts.inputs == len(entries)
    assert {display_path(e.path) for e in entries} == set(statuses)
    for m in mutants:
        assert display_path(m.path) in statuses, f"{m.kind} input not accounted for: {m.path}"
    crashes = {p: r for p, (s, r) in statuses.items() if r and (r.startswith("internal error")
                                                              or r == batch.WORKER_DIED)}
    assert not crashes, crashes
    kinds = {display_path(m.path): m.kind for m in mutants}
    for path, (status, reason) in statuses.items():
        kind = kinds.get(path, "")
        if kind == "oversized":
            assert status == "failed" and "size limit" in reason
        if kind == "fifo":
            assert status == "skipped" and "FIFO" in reason
        if kind in ("clean", "pdf-clean", "utf-16", "utf-16-le-no-bom", "utf-8-bom", "non-utf8-name"):
            assert status == "read", (kind, path, reason)

    clean = [m for m in mutants if m.clean]
    originals = tmp_path / "originals"
    originals.mkdir()
    sources = sorted({m.source for m in clean})
    for n, src in enumerate(sources):
        (originals / f"{n:04d}{Path(src).suffix}").write_bytes(Path(src).read_bytes())
    reference = Store(tmp_path / "ref.sqlite")
    ref_job = Audit(reference, Session(Settings(RULES, "reference")), workers=2)
    ref_rows = _rows_by_path(reference, ref_job.run([str(originals)]))
    expected = {src: ref_rows[str(originals / f"{n:04d}{Path(src).suffix}")] for n, src in enumerate(sources)}
    fuzz_rows = _rows_by_path(store, run)
    for m in clean:
        assert fuzz_rows.get(display_path(m.path)) == expected[m.source], f"{m.kind} copy of {m.source} changed"


PARSE_SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PARSE_SETTINGS
@given(st.text(max_size=3000))
def test_the_letter_parser_takes_any_text(text):
    try:
        letter = parse_letter_text(text, "fuzz.txt")
    except InputError:
        return
    assert letter.items


@PARSE_SETTINGS
@given(st.binary(max_size=3000))
def test_the_decoder_and_parser_take_any_bytes(data):
    try:
        parse_letter_text(decode_text(data), "fuzz.txt")
    except InputError:
        pass


@needs_corpus
@PARSE_SETTINGS
@given(st.sampled_from(LETTERS[:40] or [Path("x")]), st.lists(st.integers(min_value=0, max_value=400), max_size=6),
       st.integers(min_value=0, max_value=200))
def test_a_letter_with_lines_deleted_or_cut_keeps_its_outcome_reading_sane(path, deleted, cut):
    lines = path.read_text(encoding="utf-8").splitlines()
    kept = [line for i, line in enumerate(lines) if i not in set(deleted)]
    text = "\n".join(kept[: len(kept) - cut] if cut < len(kept) else kept)
    try:
        letter = parse_letter_text(text, path.name)
    except InputError:
        return
    assert all(item.outcome in (None, "upheld", "overturned") for item in letter.items)
    assert json.dumps([item.request for item in letter.items])  # plain text, always serializable
