"""The audit store: one SQLite file (WAL mode) that batch audits stream their results into.

Keys. An input is identified by the hash of its content. Reading and extraction are keyed by
`extractor` (a hash of the parser, extractor and vocabulary code and files, see checker.batch), evaluation by
`ruleset` (the catalog digest) and `evaluator` (a hash of the evaluation code and the engine name). So a
re-run skips what is done, and a rule change re-evaluates the cached cases without reading them again.

Tables:
  runs(id, started, finished, status running|finished|interrupted, imrcheck, extractor, ruleset, evaluator,
       engine, executor, workers, paths, inputs, read, reevaluated, failed, skipped, items, pid, host)
  inputs(run, path, content_hash, status read|failed|skipped, reason, extractor, ruleset, evaluator, seconds)
        PK (run, path): each run accounts for its own inputs, so two runs into one store never take each
        other's inputs away; `seconds` is the worker's time on the input (null when it was not processed now)
  cases(content_hash, extractor, status ok|failed, reason, case_json)           PK (content_hash, extractor)
  evaluations(content_hash, extractor, ruleset, evaluator, status ok|failed, reason, items)
  items(content_hash, extractor, ruleset, evaluator, idx, path, case_id, treatment, family, rule, guideline,
        decision, predicted, actual, agree, reviewer_specialty, decision_date, row, decision_basis, conditional)
        PK (content_hash, extractor, ruleset, evaluator, idx); `row` is checker.comparison.item_row as compact
        JSON with the rationale left out (null): the input's case (cases.case_json) holds it once for every
        ruleset, and reads join it back in. `decision_basis` and `conditional` (1 when the item is decided as if
        the operation in dispute were certified) were added in schema 3 (null in rows of older stores). A row with
        no decision because its rule's criteria are all unconfirmed has `decision_basis` 'criteria_unconfirmed'
        (and `uncovered` 'criteria-unconfirmed' in its row): a value, not a column, so schema 3 holds it; rows of
        code before it are under another evaluator key and are never read as this code's.

Every write of one input (its case, evaluation, items and input row) is in one transaction, so a run
killed at any point leaves each input either fully recorded or not at all. Several processes may write into
one store: a writer takes the lock only for its short transactions (BEGIN IMMEDIATE on its first write, COMMIT
at least every second) and waits for the other's (up to BUSY_SECONDS); past that, an InputError says the
store is busy. A run left 'running' by a process that no longer exists is marked 'interrupted' when the next
run starts.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from checker.errors import InputError
from checker.files import folder_problem
from checker.reading.inputs import display_path

SCHEMA_VERSION = "3"
BUSY_SECONDS = 120.0  # how long a writer waits for another's transaction before giving up

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS runs(
    id INTEGER PRIMARY KEY, started TEXT, finished TEXT, status TEXT, imrcheck TEXT, extractor TEXT,
    ruleset TEXT, evaluator TEXT, engine TEXT, executor TEXT, workers INTEGER, paths TEXT,
    inputs INTEGER DEFAULT 0, read INTEGER DEFAULT 0, reevaluated INTEGER DEFAULT 0, failed INTEGER DEFAULT 0,
    skipped INTEGER DEFAULT 0, items INTEGER DEFAULT 0, pid INTEGER, host TEXT);
CREATE TABLE IF NOT EXISTS inputs(
    run INTEGER, path TEXT, content_hash TEXT, status TEXT NOT NULL, reason TEXT,
    extractor TEXT, ruleset TEXT, evaluator TEXT, seconds REAL, PRIMARY KEY(run, path));
CREATE TABLE IF NOT EXISTS cases(
    content_hash TEXT, extractor TEXT, status TEXT NOT NULL, reason TEXT, case_json TEXT,
    PRIMARY KEY(content_hash, extractor));
CREATE TABLE IF NOT EXISTS evaluations(
    content_hash TEXT, extractor TEXT, ruleset TEXT, evaluator TEXT, status TEXT NOT NULL, reason TEXT,
    items INTEGER, PRIMARY KEY(content_hash, extractor, ruleset, evaluator));
CREATE TABLE IF NOT EXISTS items(
    content_hash TEXT, extractor TEXT, ruleset TEXT, evaluator TEXT, idx INTEGER, path TEXT, case_id TEXT,
    treatment TEXT, family TEXT, rule TEXT, guideline TEXT, decision TEXT, predicted TEXT, actual TEXT,
    agree INTEGER, reviewer_specialty TEXT, decision_date TEXT, row TEXT NOT NULL, decision_basis TEXT,
    conditional INTEGER, PRIMARY KEY(content_hash, extractor, ruleset, evaluator, idx));
CREATE INDEX IF NOT EXISTS inputs_by_hash ON inputs(content_hash);
CREATE INDEX IF NOT EXISTS inputs_by_run ON inputs(run, status);
CREATE INDEX IF NOT EXISTS inputs_by_path ON inputs(path, run);
CREATE INDEX IF NOT EXISTS items_by_ruleset ON items(ruleset, evaluator, extractor);
"""

_ITEM_COLUMNS = ("treatment", "family", "rule", "guideline", "decision", "predicted", "actual", "agree",
                 "reviewer_specialty", "decision_date")
_ALL_ITEM_COLUMNS = ("content_hash, extractor, ruleset, evaluator, idx, path, case_id, "
                     f"{', '.join(_ITEM_COLUMNS)}, row, decision_basis, conditional")
_INSERT_ITEM = f"INSERT INTO items({_ALL_ITEM_COLUMNS}) VALUES ({', '.join('?' * (len(_ITEM_COLUMNS) + 10))})"


def item_record(row: dict[str, Any]) -> tuple:
    """What the items table keeps of one item row (checker.comparison.item_row): idx, case_id, the query
    columns, the row as JSON without its rationale, its decision basis and whether it is conditional. Built in
    the workers, so the parent only inserts."""
    return (row["index"], row["case"], *[row[c] for c in _ITEM_COLUMNS],
            json.dumps({**row, "rationale": None}, separators=(",", ":"), default=str),
            row.get("decision_basis"), int(row.get("conditional_on") is not None))


def _item_row(content_hash: str, path: str, row: str, rationale: str | None) -> dict[str, Any]:
    """An item row as stored, with the rationale joined back from its case (rows of older stores kept it)."""
    item = json.loads(row)
    if item.get("rationale") is None:
        item["rationale"] = rationale
    return {**item, "content_hash": content_hash, "path": path}


# The rationale of an item, from the case it was evaluated from (items.idx is 1-based in case.items).
_RATIONALE = ("json_extract(cases.case_json, '$.items[' || (items.idx - 1) || '].rationale') FROM items "
              "LEFT JOIN cases ON cases.content_hash = items.content_hash AND cases.extractor = items.extractor")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


class Store:
    """SQLite store of audit runs, inputs, cached cases and item results; safe for one writer process
    (readers may open the same file at the same time)."""

    def __init__(self, path: str | Path, busy_seconds: float = BUSY_SECONDS):
        self.path = Path(path)
        self.busy_seconds = busy_seconds
        self._in_tx = False
        if self.path.is_dir():
            raise InputError(self.path, "is a folder, expected an audit store file (SQLite)")
        problem = folder_problem(self.path.parent)
        if problem:
            raise InputError(self.path, f"cannot create the audit store: {problem}")
        try:
            self.db = sqlite3.connect(self.path, isolation_level=None, timeout=busy_seconds)
            self.db.row_factory = sqlite3.Row
            self.db.execute("PRAGMA page_size=16384")  # new stores: 5 KB cases and 1.6 KB rows pack with less waste
            self._use_wal()
            self.db.execute("PRAGMA synchronous=NORMAL")  # WAL: a crash loses at most the last commits
            self._upgrade()
            self.db.executescript(_SCHEMA)
            self._upgrade_to_3()
            self.db.execute("INSERT OR IGNORE INTO meta VALUES ('schema', ?)", (SCHEMA_VERSION,))
        except sqlite3.OperationalError as exc:
            raise self._busy(exc) from None
        except sqlite3.DatabaseError as exc:
            raise InputError(self.path, f"not an imrcheck audit store (SQLite): {exc}") from None

    def _use_wal(self) -> None:
        """Switch the store to write-ahead logging. SQLite answers 'locked' at once, without waiting, when another
        process is opening or switching the same new file (two audits started together into one new store):
        retried until the busy timeout, as any other wait for the lock."""
        deadline = time.monotonic() + self.busy_seconds
        while True:
            try:
                self.db.execute("PRAGMA journal_mode=WAL")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() >= deadline:
                    raise
                time.sleep(0.02)

    def _upgrade(self) -> None:
        """Schema 1 (one row per path, across runs) -> 2 (one row per run and path)."""
        row = self.db.execute("SELECT name FROM sqlite_master WHERE name = 'meta'").fetchone()
        version = self.db.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone() if row else None
        if version is None or version[0] != "1":
            return
        self.db.executescript("""
            BEGIN IMMEDIATE;
            ALTER TABLE inputs RENAME TO inputs_v1;
            DROP INDEX IF EXISTS inputs_by_hash; DROP INDEX IF EXISTS inputs_by_run;
            CREATE TABLE inputs(run INTEGER, path TEXT, content_hash TEXT, status TEXT NOT NULL, reason TEXT,
                extractor TEXT, ruleset TEXT, evaluator TEXT, seconds REAL, PRIMARY KEY(run, path));
            INSERT INTO inputs SELECT run, path, content_hash, status, reason, extractor, ruleset, evaluator, NULL
                FROM inputs_v1;
            DROP TABLE inputs_v1;
            ALTER TABLE runs ADD COLUMN pid INTEGER;
            ALTER TABLE runs ADD COLUMN host TEXT;
            UPDATE meta SET value = '2' WHERE key = 'schema';
            COMMIT;""")

    def _upgrade_to_3(self) -> None:
        """Schema 2 -> 3: the items' decision basis and conditional flag as columns, filled from their rows (null
        and 0 for rows written before they existed). Re-checked inside its transaction, so two processes opening
        an old store at once upgrade it once."""
        if self._schema() != "2":
            return
        self.db.execute("BEGIN IMMEDIATE")
        try:
            if self._schema() == "2":
                have = {r[1] for r in self.db.execute("PRAGMA table_info(items)")}
                for column, kind in (("decision_basis", "TEXT"), ("conditional", "INTEGER")):
                    if column not in have:  # a schema 1 store gets its items table from _SCHEMA, new already
                        self.db.execute(f"ALTER TABLE items ADD COLUMN {column} {kind}")
                self.db.execute("UPDATE items SET decision_basis = json_extract(row, '$.decision_basis'), "
                                "conditional = json_extract(row, '$.conditional_on') IS NOT NULL")
                self.db.execute("UPDATE meta SET value = '3' WHERE key = 'schema'")
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise

    def _schema(self) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
        return row[0] if row else None

    def _busy(self, exc: sqlite3.OperationalError) -> Exception:
        if "locked" in str(exc) or "busy" in str(exc):
            return InputError(self.path, f"the audit store is busy: another process has held it for more than "
                                         f"{self.busy_seconds:g} s ({exc}); try again, or audit into another --db")
        return InputError(self.path, f"audit store error: {exc}")

    def _write(self, sql: str, params: Iterable = ()) -> sqlite3.Cursor:
        """A write, inside this process's current transaction (started on the first write)."""
        try:
            if not self._in_tx:
                self.db.execute("BEGIN IMMEDIATE")
                self._in_tx = True
            return self.db.execute(sql, params)
        except sqlite3.OperationalError as exc:
            raise self._busy(exc) from None

    def _write_many(self, sql: str, rows: Iterable) -> None:
        self._write("SELECT 1")  # start the transaction
        try:
            self.db.executemany(sql, rows)
        except sqlite3.OperationalError as exc:
            raise self._busy(exc) from None

    def close(self) -> None:
        self.db.close()

    # ---- read API (stable: the consistency analysis and the report read through it) ------------------

    def runs(self) -> list[dict[str, Any]]:
        """Each audit run, oldest first: started, finished, status, versions, counts."""
        return [dict(r) for r in self.db.execute("SELECT * FROM runs ORDER BY id")]

    def inputs(self) -> Iterator[dict[str, Any]]:
        """Every input ever given, as its latest run left it: path, content_hash, status (read | failed |
        skipped), reason, run."""
        for r in self.db.execute("SELECT path, content_hash, status, reason, MAX(run) AS run FROM inputs "
                                 "GROUP BY path ORDER BY path"):
            yield dict(r)

    def latest_keys(self) -> tuple[str, str, str] | None:
        """(extractor, ruleset, evaluator) of the latest run, or None for an empty store."""
        r = self.db.execute("SELECT extractor, ruleset, evaluator FROM runs ORDER BY id DESC LIMIT 1").fetchone()
        return (r["extractor"], r["ruleset"], r["evaluator"]) if r else None

    def items(self, ruleset: str | None = None) -> Iterator[dict[str, Any]]:
        """Item rows (checker.comparison.item_row, plus content_hash and path) evaluated with `ruleset`
        (a catalog digest; default: the latest run's), with the latest run's extractor and evaluator,
        in path and item order."""
        keys = self.latest_keys()
        if keys is None:
            return
        extractor, latest_ruleset, evaluator = keys
        query = (f"SELECT items.content_hash, items.path, items.row, {_RATIONALE} WHERE items.extractor = ? "
                 "AND items.ruleset = ? AND items.evaluator = ? ORDER BY items.path, items.idx")
        for r in self.db.execute(query, (extractor, ruleset or latest_ruleset, evaluator)):
            yield _item_row(*r)

    # ---- write API (checker.batch) --------------------------------------------------------------------

    def start_run(self, *, imrcheck: str, extractor: str, ruleset: str, evaluator: str, engine: str, executor: str,
                  workers: int, paths: Iterable[str]) -> int:
        """A new run (committed at once, so other writers see it); runs left 'running' by processes of this
        host that are gone are marked 'interrupted' first."""
        host = socket.gethostname()
        for run_id, pid in self.db.execute("SELECT id, pid FROM runs WHERE status = 'running' AND host = ?",
                                           (host,)).fetchall():
            if pid is None or not _alive(pid):
                self._write("UPDATE runs SET status = 'interrupted' WHERE id = ?", (run_id,))
        cur = self._write(
            "INSERT INTO runs(started, status, imrcheck, extractor, ruleset, evaluator, engine, executor, workers, "
            "paths, pid, host) VALUES (?, 'running', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (_now(), imrcheck, extractor, ruleset, evaluator, engine, executor, workers,
             json.dumps([display_path(p) for p in paths]), os.getpid(), host))
        self.commit()
        return cur.lastrowid

    def finish_run(self, run: int, counts: dict[str, int], status: str = "finished") -> None:
        self._write("UPDATE runs SET finished = ?, status = ?, inputs = ?, read = ?, reevaluated = ?, "
                    "failed = ?, skipped = ?, items = ? WHERE id = ?",
                    (_now(), status, counts["inputs"], counts["read"], counts["reevaluated"], counts["failed"],
                     counts["skipped"], counts["items"], run))
        self.commit()

    def save_treatment_digests(self, ruleset: str, digests: dict[str, str]) -> None:
        self._write("INSERT OR REPLACE INTO meta VALUES (?, ?)", (f"treatment_digests:{ruleset}",
                                                                      json.dumps(digests, sort_keys=True)))

    def treatment_digests(self, ruleset: str) -> dict[str, str] | None:
        r = self.db.execute("SELECT value FROM meta WHERE key = ?", (f"treatment_digests:{ruleset}",)).fetchone()
        return json.loads(r[0]) if r else None

    def carry_over(self, content_hash: str, path: str, keys: tuple[str, str, str],
                   unchanged: Callable[[str, list[str | None]], bool]) -> int | None:
        """Copy an input's items from an earlier rule set under `keys` when `unchanged(old_ruleset,
        treatment codes)` says no rule deciding them changed (receipts get the new rule set's digest).
        Returns the number of items copied, or None when no earlier evaluation qualifies."""
        extractor, ruleset, evaluator = keys
        for (old,) in self.db.execute("SELECT ruleset FROM evaluations WHERE content_hash = ? AND extractor = ? "
                                      "AND evaluator = ? AND ruleset != ? AND status = 'ok'",
                                      (content_hash, extractor, evaluator, ruleset)).fetchall():
            codes = [r[0] for r in self.db.execute(
                "SELECT treatment FROM items WHERE content_hash = ? AND extractor = ? AND ruleset = ? "
                "AND evaluator = ? ORDER BY idx", (content_hash, extractor, old, evaluator))]
            if not unchanged(old, codes):
                continue
            self._write("DELETE FROM items WHERE content_hash = ? AND extractor = ? AND ruleset = ? "
                        "AND evaluator = ?", (content_hash, *keys))
            self._write(f"INSERT INTO items({_ALL_ITEM_COLUMNS}) SELECT content_hash, extractor, ?, evaluator, "
                            f"idx, ?, case_id, {', '.join(_ITEM_COLUMNS)}, replace(row, ?, ?), decision_basis, "
                            "conditional FROM items "
                            "WHERE content_hash = ? AND extractor = ? AND ruleset = ? AND evaluator = ?",
                            (ruleset, path, old, ruleset, content_hash, extractor, old, evaluator))
            self._write("INSERT OR REPLACE INTO evaluations VALUES (?, ?, ?, ?, 'ok', NULL, ?)",
                        (content_hash, *keys, len(codes)))
            return len(codes)
        return None

    def commit(self) -> None:
        """End this process's transaction, if it has one (other writers may then take the lock)."""
        if self._in_tx:
            try:
                self.db.execute("COMMIT")
            except sqlite3.OperationalError as exc:
                raise self._busy(exc) from None
            self._in_tx = False

    def evaluation(self, content_hash: str, keys: tuple[str, str, str]) -> tuple[str, str | None] | None:
        """(status, reason) of an input's evaluation under (extractor, ruleset, evaluator), None if not done."""
        r = self.db.execute("SELECT status, reason FROM evaluations WHERE content_hash = ? AND extractor = ? "
                            "AND ruleset = ? AND evaluator = ?", (content_hash, *keys)).fetchone()
        return (r["status"], r["reason"]) if r else None

    def case(self, content_hash: str, extractor: str) -> tuple[str, str | None, str | None] | None:
        """(status, reason, case_json) of an input's reading under `extractor`, None if never read."""
        r = self.db.execute("SELECT status, reason, case_json FROM cases WHERE content_hash = ? AND extractor = ?",
                            (content_hash, extractor)).fetchone()
        return (r["status"], r["reason"], r["case_json"]) if r else None

    def duplicate_of(self, content_hash: str, run: int, path: str) -> str | None:
        """Another input of the same run with the same content, already read."""
        # without the index hint SQLite picks inputs_by_run and scans the whole run for every input (quadratic)
        r = self.db.execute("SELECT path FROM inputs INDEXED BY inputs_by_hash WHERE content_hash = ? AND run = ? "
                            "AND status = 'read' AND path != ? LIMIT 1", (content_hash, run, path)).fetchone()
        return r[0] if r else None

    def record_input(self, path: str, content_hash: str | None, status: str, reason: str | None, run: int,
                     keys: tuple[str, str, str] | None, seconds: float | None = None) -> None:
        extractor, ruleset, evaluator = keys or (None, None, None)
        self._write("INSERT OR REPLACE INTO inputs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (run, path, content_hash, status, reason, extractor, ruleset, evaluator, seconds))

    def record_case(self, content_hash: str, extractor: str, case_json: str | None, reason: str | None) -> None:
        self._write("INSERT OR REPLACE INTO cases VALUES (?, ?, ?, ?, ?)",
                        (content_hash, extractor, "failed" if case_json is None else "ok", reason, case_json))

    def record_evaluation(self, content_hash: str, path: str, keys: tuple[str, str, str],
                          records: list[tuple] | None, reason: str | None) -> None:
        """The items of one input as `item_record`s (replacing any earlier ones under the same keys), or its
        failure. The input's case must be recorded (it holds the rationales)."""
        self._write("DELETE FROM items WHERE content_hash = ? AND extractor = ? AND ruleset = ? AND evaluator = ?",
                        (content_hash, *keys))
        self._write("INSERT OR REPLACE INTO evaluations VALUES (?, ?, ?, ?, ?, ?, ?)",
                        (content_hash, *keys, "failed" if records is None else "ok", reason, len(records or [])))
        if records:
            self._write_many(_INSERT_ITEM, [(content_hash, *keys, r[0], path, *r[1:]) for r in records])

    # ---- what one run's inputs amount to ------------------------------------------------------------

    def run_items(self, run: int) -> Iterator[dict[str, Any]]:
        """Item rows of the inputs a run accounted for as read (now or in an earlier run), in path order."""
        query = (f"SELECT items.content_hash, inputs.path, items.row, {_RATIONALE} JOIN inputs "
                 "ON items.content_hash = inputs.content_hash AND items.extractor = inputs.extractor "
                 "AND items.ruleset = inputs.ruleset AND items.evaluator = inputs.evaluator "
                 "WHERE inputs.run = ? AND inputs.status = 'read' ORDER BY inputs.path, items.idx")
        for r in self.db.execute(query, (run,)):
            yield _item_row(*r)

    def run_status_counts(self, run: int) -> dict[str, int]:
        """How many of a run's inputs were read, failed and skipped."""
        return dict(self.db.execute("SELECT status, COUNT(*) FROM inputs WHERE run = ? GROUP BY status", (run,)))

    def run_outcome_counts(self, run: int) -> Iterator[tuple[str, bool, str | None, str | None, int, str | None,
                                                             bool]]:
        """(family, has a treatment code, actual, predicted, count, decision basis, conditional) over the items
        of a run's read inputs."""
        query = ("SELECT COALESCE(items.family, '(no code)'), items.treatment IS NOT NULL, items.actual, "
                 "items.predicted, COUNT(*), items.decision_basis, COALESCE(items.conditional, 0) FROM items "
                 "JOIN inputs ON items.content_hash = inputs.content_hash "
                 "AND items.extractor = inputs.extractor AND items.ruleset = inputs.ruleset "
                 "AND items.evaluator = inputs.evaluator WHERE inputs.run = ? AND inputs.status = 'read' "
                 "GROUP BY 1, 2, 3, 4, 6, 7")
        for family, has_treatment, actual, predicted, n, basis, conditional in self.db.execute(query, (run,)):
            yield family, bool(has_treatment), actual, predicted, n, basis, bool(conditional)

    def run_uncovered_counts(self, run: int) -> dict[str, int]:
        """Why items of a run's read inputs have no rule deciding them: reason kind -> count."""
        query = ("SELECT json_extract(items.row, '$.uncovered'), COUNT(*) FROM items JOIN inputs "
                 "ON items.content_hash = inputs.content_hash AND items.extractor = inputs.extractor "
                 "AND items.ruleset = inputs.ruleset AND items.evaluator = inputs.evaluator "
                 "WHERE inputs.run = ? AND inputs.status = 'read' AND json_extract(items.row, '$.uncovered') "
                 "IS NOT NULL GROUP BY 1 ORDER BY 1")
        return {kind: n for kind, n in self.db.execute(query, (run,))}

    def run_seconds(self, run: int) -> list[float]:
        """The worker's time on each input a run processed, ascending."""
        return [r[0] for r in self.db.execute("SELECT seconds FROM inputs WHERE run = ? AND seconds IS NOT NULL "
                                              "ORDER BY seconds", (run,))]

    def run_inputs(self, run: int, status: str) -> Iterator[dict[str, Any]]:
        for r in self.db.execute("SELECT path, content_hash, reason FROM inputs WHERE run = ? AND status = ? "
                                 "ORDER BY path", (run, status)):
            yield dict(r)
