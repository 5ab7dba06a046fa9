"""A batch that no single input can stall: per-input size and time limits (the culprit recorded as failed, its
worker replaced, the other inputs of its chunk processed), and file system entries that are not plain files."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from checker.audit import batch
from checker.audit.batch import Audit, Limits
from checker.audit.store import Store
from checker.cli import main
from checker.config import Settings
from checker.errors import InputError
from checker.session import Session

from .conftest import RULES, SEEDS

SEED = SEEDS / "004-selective-nerve-root-block.yaml"
_REAL_READ = batch.read_case


def seeds_dir(tmp_path: Path, n: int = 5) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    for i, p in enumerate(sorted(SEEDS.glob("*.yaml"))[:n]):
        (folder / f"{i:02d}-{p.name}").write_text(p.read_text())
    return folder


def run(folder: Path, tmp_path: Path, limits: Limits, workers: int = 2) -> tuple[Audit, dict[str, tuple]]:
    store = Store(tmp_path / "audit.sqlite")
    job = Audit(store, Session(Settings(RULES, "reference")), workers=workers, limits=limits)
    job.run([str(folder)])
    inputs = {Path(i["path"]).name: (i["status"], i["reason"]) for i in store.inputs()}
    store.close()
    return job, inputs


def test_an_input_past_the_size_limit_fails_without_being_read(tmp_path):
    folder = seeds_dir(tmp_path, 2)
    (folder / "huge.txt").write_bytes(b"x" * 1_500_000)
    job, inputs = run(folder, tmp_path, Limits(max_bytes=1_000_000))
    assert inputs["huge.txt"][0] == "failed" and "larger than the size limit (1.5 MB > 1 MB" in inputs["huge.txt"][1]
    assert (job.counts.read, job.counts.failed) == (2, 1)


def _slow_read(worker, path):
    if "slow" in Path(path).name:
        time.sleep(60)
    return _REAL_READ(worker, path)


def test_a_slow_input_stops_at_the_time_limit_and_its_chunk_goes_on(tmp_path, monkeypatch):
    folder = seeds_dir(tmp_path, 3)
    (folder / "01a-slow.yaml").write_text(SEED.read_text())  # in the same chunk as the others
    monkeypatch.setattr(batch, "read_case", _slow_read)  # forked workers inherit it
    start = time.monotonic()
    job, inputs = run(folder, tmp_path, Limits(time_seconds=1.0, grace_seconds=30))
    assert time.monotonic() - start < 30
    assert inputs["01a-slow.yaml"] == ("failed", Limits(time_seconds=1.0).timed_out())
    assert job.counts.read == 3 and all(s == "read" for n, (s, _) in inputs.items() if "slow" not in n)


def _hanging_read(worker, path):
    if "hangs" in Path(path).name:
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})  # like a hang inside native code
        time.sleep(60)
    return _REAL_READ(worker, path)


def test_a_worker_hung_past_the_limit_is_replaced_and_only_the_culprit_fails(tmp_path, monkeypatch):
    folder = seeds_dir(tmp_path, 3)
    (folder / "01a-hangs.yaml").write_text(SEED.read_text())
    monkeypatch.setattr(batch, "read_case", _hanging_read)
    start = time.monotonic()
    job, inputs = run(folder, tmp_path, Limits(time_seconds=0.5, grace_seconds=1.0))
    assert time.monotonic() - start < 45
    status, reason = inputs["01a-hangs.yaml"]
    assert status == "failed" and "did not answer and was replaced" in reason
    assert job.counts.read == 3


def test_fifos_and_sockets_are_skipped_without_being_opened(tmp_path):
    folder = seeds_dir(tmp_path, 1)
    os.mkfifo(folder / "pipe.txt")
    fifo_direct = tmp_path / "direct.txt"
    os.mkfifo(fifo_direct)
    job, inputs = run(folder, tmp_path, Limits())
    assert inputs["pipe.txt"] == ("skipped", "a FIFO (named pipe), not a regular file: not opened")
    res = CliRunner().invoke(main, ["--engine", "reference", "audit", str(fifo_direct), str(SEED),
                                    "--format", "json"])
    out = json.loads(res.output)
    assert out["errors"] == [{"input": str(fifo_direct), "reason": "a FIFO (named pipe), not a regular file: "
                                                                     "not opened"}]
    assert out["summary"]["items"] == 1 and res.exit_code == 2


def test_a_symlinked_folder_is_walked_once_even_in_a_cycle(tmp_path):
    folder = seeds_dir(tmp_path, 2)
    other = tmp_path / "other"
    other.mkdir()
    (other / "x.yaml").write_text(SEED.read_text().replace("case: seed-004", "case: linked"))
    (folder / "link").symlink_to(other, target_is_directory=True)
    (other / "back").symlink_to(folder, target_is_directory=True)  # a cycle
    job, inputs = run(folder, tmp_path, Limits())
    assert "x.yaml" in inputs and inputs["x.yaml"][0] == "read"
    assert job.counts.inputs == 3


@pytest.mark.skipif(os.uname().sysname != "Linux", reason="non-UTF-8 file names need a byte-name file system")
def test_a_file_name_that_is_not_utf8_is_stored_and_reported_faithfully(tmp_path):
    folder = seeds_dir(tmp_path, 1)
    raw = os.path.join(os.fsencode(folder), b"bad\xff-name.yaml")
    with open(raw, "wb") as f:
        f.write(SEED.read_bytes().replace(b"case: seed-004", b"case: bad-name"))
    res = CliRunner().invoke(main, ["--engine", "reference", "audit", str(folder), "--format", "json"])
    assert res.exit_code in (0, 1), res.output
    out = json.loads(res.output)
    assert out["summary"]["inputs"] == 2 and out["summary"]["inputs_read"] == 2
    assert [i for i in out["items"] if i["case"] == "bad-name"]


def _children(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                out.append(int(entry.name))
    return out


_BLOCKING = """
import sys, time
from checker.audit import batch
def read_case(worker, path):
    time.sleep(3600)
batch.read_case = read_case
from checker.cli import main
sys.argv = ["imrcheck"] + sys.argv[1:]
main()
"""


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc (Linux)")
def test_workers_die_with_their_parent_even_on_kill_9(tmp_path):
    import subprocess
    import sys
    folder = seeds_dir(tmp_path, 5)
    proc = subprocess.Popen([sys.executable, "-c", _BLOCKING, "--engine", "reference", "audit", str(folder),
                             "--db", str(tmp_path / "a.sqlite"), "--workers", "2", "--quiet"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    workers: list[int] = []
    while len(workers) < 2 and time.monotonic() < deadline:
        time.sleep(0.2)
        workers = _children(proc.pid)
    assert len(workers) >= 2, "the workers did not start"
    os.kill(proc.pid, signal.SIGKILL)  # the parent only
    proc.wait()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and any(_alive(w) for w in workers):
        time.sleep(0.2)
    alive = [w for w in workers if _alive(w)]
    for w in alive:
        os.kill(w, signal.SIGKILL)
    assert not alive, f"workers {alive} outlived their parent"


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _audit_process(folder: Path, db: Path, *extra: str):
    import subprocess
    import sys
    return subprocess.Popen([sys.executable, "-m", "checker", "--engine", "reference", "audit", str(folder),
                             "--db", str(db), "--workers", "1", "--quiet", "--format", "json", *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=Path(__file__).parents[1])


def test_two_audits_into_one_store_both_finish_with_every_input(tmp_path):
    import shutil

    from .conftest import SHARED
    letters = sorted((SHARED / "corpus" / "letters").glob("*.txt"))[:24]
    if len(letters) < 24:
        pytest.skip("corpus not available")
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    for i, p in enumerate(letters):
        shutil.copy(p, (a if i % 2 else b) / p.name)
    db = tmp_path / "shared.sqlite"
    procs = [_audit_process(folder, db) for folder in (a, b)]
    outs = [p.communicate(timeout=300) for p in procs]
    for p, (out, err) in zip(procs, outs):
        assert p.returncode in (0, 1), err
        assert json.loads(out)["summary"]["inputs"] == 12
    store = Store(db)
    assert {r["status"] for r in store.runs()} == {"finished"}
    assert len({i["path"] for i in store.inputs()}) == 24
    store.close()


def test_a_new_store_another_process_is_creating_is_waited_for(tmp_path):
    """SQLite refuses the switch to write-ahead logging at once, without waiting, while another connection holds
    a new file's lock (two audits started together into one new store): the store waits as for any lock."""
    import sqlite3
    import threading
    db = tmp_path / "new.sqlite"
    holder = sqlite3.connect(db, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    released = threading.Event()

    def release():
        holder.execute("ROLLBACK")
        released.set()
    timer = threading.Timer(0.2, release)
    timer.start()
    try:
        store = Store(db, busy_seconds=60)
    finally:
        timer.join()
        holder.close()
    assert released.is_set()
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    store.close()


def test_a_new_store_held_past_the_timeout_is_one_error(tmp_path):
    import sqlite3
    db = tmp_path / "held.sqlite"
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(InputError) as exc:
            Store(db, busy_seconds=0.2)
    finally:
        holder.close()
    assert "the audit store is busy" in str(exc.value) and "held.sqlite" in str(exc.value)


def test_a_store_busy_past_the_timeout_is_one_line_and_exit_2(tmp_path):
    import sqlite3
    db = tmp_path / "busy.sqlite"
    Store(db).close()
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        res = CliRunner().invoke(main, ["--engine", "reference", "audit", str(SEEDS), "--db", str(db),
                                        "--busy-timeout", "0.5"])
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert res.exit_code == 2
    errors = [line for line in res.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "the audit store is busy" in errors[0] and "Traceback" not in res.output


def test_a_run_left_running_by_a_dead_process_is_marked_interrupted(tmp_path):
    import sqlite3
    db = tmp_path / "s.sqlite"
    store = Store(db)
    store.start_run(imrcheck="x", extractor="e", ruleset="r", evaluator="v", engine="reference", executor="local",
                    workers=1, paths=[])
    store.close()
    with sqlite3.connect(db) as con:
        con.execute("UPDATE runs SET pid = 2147483646")  # no such process
    store = Store(db)
    store.start_run(imrcheck="x", extractor="e", ruleset="r", evaluator="v", engine="reference", executor="local",
                    workers=1, paths=[])
    assert [r["status"] for r in store.runs()] == ["interrupted", "running"]


def test_a_schema_1_store_is_upgraded_with_its_inputs(tmp_path):
    import sqlite3
    db = tmp_path / "old.sqlite"
    with sqlite3.connect(db) as con:
        con.executescript("""
            CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT); INSERT INTO meta VALUES ('schema', '1');
            CREATE TABLE runs(id INTEGER PRIMARY KEY, started TEXT, finished TEXT, status TEXT, imrcheck TEXT,
                extractor TEXT, ruleset TEXT, evaluator TEXT, engine TEXT, executor TEXT, workers INTEGER,
                paths TEXT, inputs INTEGER DEFAULT 0, read INTEGER DEFAULT 0, reevaluated INTEGER DEFAULT 0,
                failed INTEGER DEFAULT 0, skipped INTEGER DEFAULT 0, items INTEGER DEFAULT 0);
            INSERT INTO runs(id, status) VALUES (1, 'finished');
            CREATE TABLE inputs(path TEXT PRIMARY KEY, content_hash TEXT, status TEXT NOT NULL, reason TEXT,
                run INTEGER, extractor TEXT, ruleset TEXT, evaluator TEXT);
            INSERT INTO inputs VALUES ('a.txt', 'h', 'read', NULL, 1, 'e', 'r', 'v');""")
    store = Store(db)
    assert list(store.inputs()) == [{"path": "a.txt", "content_hash": "h", "status": "read", "reason": None,
                                     "run": 1}]
    assert store.run_status_counts(1) == {"read": 1}


_BLOCK_LATER = """
import sys, time
from pathlib import Path
from checker.audit import batch
real = batch.read_case
def read_case(worker, path):
    if int(Path(path).name[:2]) >= batch.CHUNK:  # the first chunk finishes, the next blocks
        time.sleep(3600)
    return real(worker, path)
batch.read_case = read_case
from checker.cli import main
sys.argv = ["imrcheck"] + sys.argv[1:]
main()
"""


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc (Linux)")
def test_sigterm_keeps_what_is_done_marks_the_run_interrupted_and_says_so(tmp_path):
    import sqlite3
    import subprocess
    import sys
    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(12):
        (folder / f"{i:02d}.yaml").write_text(SEED.read_text().replace("case: seed-004", f"case: copy-{i}"))
    db = tmp_path / "a.sqlite"
    proc = subprocess.Popen([sys.executable, "-c", _BLOCK_LATER, "--engine", "reference", "audit", str(folder),
                             "--db", str(db), "--workers", "1", "--quiet"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    done = 0
    while done < batch.CHUNK and time.monotonic() < deadline:
        time.sleep(0.2)
        try:
            with sqlite3.connect(db) as con:
                done = con.execute("SELECT COUNT(*) FROM inputs WHERE status = 'read'").fetchone()[0]
        except sqlite3.OperationalError:
            pass
    workers = _children(proc.pid)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "interrupted:" in err and "run the same command again" in err
    store = Store(db)
    assert store.runs()[-1]["status"] == "interrupted"
    assert store.run_status_counts(store.runs()[-1]["id"]).get("read") == batch.CHUNK
    time.sleep(0.5)
    assert not [w for w in workers if _alive(w)]
