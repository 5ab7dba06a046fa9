"""Batch audit at scale: inputs stream from folders through worker processes into the store.

The parent walks the inputs (never listing them all), hashes each file, asks the store what is already
done under the current keys, and sends the rest in small chunks to the workers: new inputs to be read,
extracted and evaluated, inputs whose case is cached (only the rules changed) to be evaluated only.
Results are written as they come back, one transaction per commit batch, so a killed run loses at most
the uncommitted results, which the next run redoes.

Workers (one Checker and one Extractor each, built once per process) run `process_chunk`, the same
function under both executors: `local` (a process pool that survives a worker's death: the inputs it
held are re-run one at a time to find the culprit, which is recorded as failed) and `dask` (a
distributed LocalCluster, or an existing scheduler).
"""

from __future__ import annotations

import faulthandler
import hashlib
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from checker.audit.comparison import Tally, input_totals
from checker.audit.store import Store
from checker.config import Settings
from checker.errors import InputError, InputErrors
from checker.fingerprint import source_digest
from checker.reading.inputs import display_path, iter_inputs
from checker.ruleset.layout import READING_KINDS, RulesFolder, digest_files
from checker.session import Session
from checker.version import __version__

CHUNK = 8  # inputs per task: small enough to isolate a crash cheaply, large enough to amortise the IPC
COMMIT_SECONDS = 1.0
WORKER_DIED = ("the worker process died while processing this input (killed, or a crash in native code "
               "such as the durable_rules C core)")
@dataclass(frozen=True)
class Limits:
    """Per-input limits. A real letter takes tens of milliseconds and is well under a megabyte; an input past
    either limit is recorded as failed with the reason, and the other inputs go on."""

    time_seconds: float | None = 60.0
    max_bytes: int | None = 20_000_000
    grace_seconds: float = 15.0  # past the time limit before a worker that does not answer is killed

    def too_large(self, size: int) -> str | None:
        if self.max_bytes is not None and size > self.max_bytes:
            return (f"larger than the size limit ({size / 1e6:.1f} MB > {self.max_bytes / 1e6:g} MB, "
                    "--max-size): not read")
        return None

    def timed_out(self) -> str:
        return f"took longer than the time limit ({self.time_seconds:g} s, --time-limit): stopped"

    def chunk_deadline(self, n: int) -> float | None:
        """Seconds a worker may take for n inputs before it is killed (each input stops itself at the limit)."""
        return None if self.time_seconds is None else n * self.time_seconds + self.grace_seconds

def extractor_key(rules_dir: Path) -> str:
    """Version of reading a letter into a case: the reading code and the vocabularies and extraction patterns."""
    folder = RulesFolder(rules_dir)
    return digest_files(folder.root, [p for kind in READING_KINDS for p in folder.files(kind)],
                        source_digest("ruleset", "reading"))


def evaluator_key(engine: str) -> str:
    """Version of evaluation and of the item rows apart from the rules: the code and the engine."""
    return source_digest("ruleset", "reading", "evaluation", "audit") + "-" + engine


def content_hash(path: Path) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


# ---- the per-input work (runs in the workers) ------------------------------------------------------------

@dataclass
class Task:
    path: str
    content_hash: str
    case_json: str | None = None  # the cached case: evaluate only


@dataclass
class Result:
    path: str
    content_hash: str
    case_json: str | None = None  # set when the case was read now (to cache)
    rows: list[tuple] | None = None  # checker.audit.store.item_record of each item row
    read_error: str | None = None
    eval_error: str | None = None
    reevaluated: bool = False
    warnings: list[str] = field(default_factory=list)  # what of the input could not be read (case.warnings)
    seconds: float | None = None  # the worker's time on this input


class _Worker:
    """What one worker process keeps between inputs: the session (catalog, extractor) and a Checker."""

    def __init__(self, session: Session):
        self.session = session
        self.catalog = session.catalog()
        self._checker = None

    def checker(self):
        if self._checker is None:  # built in the worker: durable_rules state never crosses a fork
            self._checker = self.session.checker()
        return self._checker

    def reset(self) -> None:
        """Drop the checker (and its engine state) after an input was interrupted in the middle."""
        self._checker = None


_WORKERS: dict[Settings, _Worker] = {}


def worker_for(settings: Settings, session: Session | None = None) -> _Worker:
    """The worker state for a configuration, built once per process (from `session` when given: the caller's,
    whose catalog is loaded already)."""
    if settings not in _WORKERS:
        _WORKERS[settings] = _Worker(session or Session(settings))
    return _WORKERS[settings]


def read_case(worker: _Worker, path: str):
    """Read a letter or case file into a Case (separate so tests can make it fail)."""
    return worker.session.read(path)


def audit_one(worker: _Worker, task: Task) -> Result:
    """Read (unless cached), extract and evaluate one input; every failure becomes a reason, never a raise."""
    from checker.audit.comparison import item_row
    from checker.audit.store import item_record
    from checker.reading.cases import Case
    result = Result(task.path, task.content_hash, reevaluated=task.case_json is not None)
    catalog = worker.catalog
    if task.case_json is None:
        try:
            case = read_case(worker, task.path)
            result.case_json = case.model_dump_json()
        except (InputError, InputErrors) as exc:
            result.read_error = exc.detail()
            return result
        except Exception as exc:  # noqa: BLE001 - a bug in the parser or extractor costs this input only
            result.read_error = f"internal error while reading: {type(exc).__name__}: {exc}"
            return result
    else:
        case = Case.model_validate_json(task.case_json, context={"vocabulary": catalog.vocabulary,
                                                                  "treatments": catalog.treatments})
    result.warnings = list(case.warnings)
    try:
        results = worker.checker().check_case(case)
        result.rows = [item_record(item_row(r, case, item, catalog)) for r, item in zip(results, case.items)]
    except Exception as exc:  # noqa: BLE001 - a bug in evaluation costs this input only
        result.eval_error = f"internal error while evaluating: {type(exc).__name__}: {exc}"
    return result


class _InputTimeout(BaseException):  # not an Exception: no handler of a bug may swallow it
    pass


def _on_alarm(signum, frame):
    raise _InputTimeout


def process_chunk(config: Settings, tasks: list[Task], limits: Limits = Limits()) -> list[Result]:
    """The unit of work both executors run. In a local worker each input stops itself at the time limit (an
    alarm signal; a hang in native code that never returns to Python is the parent's to kill)."""
    worker = worker_for(config)
    alarm = (limits.time_seconds is not None and threading.current_thread() is threading.main_thread()
             and signal.getsignal(signal.SIGALRM) is _on_alarm)
    out = []
    for task in tasks:
        start = time.perf_counter()
        try:
            if alarm:
                signal.setitimer(signal.ITIMER_REAL, limits.time_seconds)
            result = audit_one(worker, task)
        except _InputTimeout:
            result = Result(task.path, task.content_hash, read_error=limits.timed_out(),
                            reevaluated=task.case_json is not None)
            worker.reset()  # what was interrupted may be half-built
        finally:
            if alarm:
                signal.setitimer(signal.ITIMER_REAL, 0)
        result.seconds = round(time.perf_counter() - start, 6)
        out.append(result)
    return out


def _init_local_worker(config: Settings) -> None:
    """A local worker: dies with its parent (even a kill -9 of it), stops an input at the time limit, and
    prints the Python stack of a crash in native code to the real stderr."""
    _die_with_parent()
    if sys.__stderr__ is not None:
        faulthandler.enable(file=sys.__stderr__)
    signal.signal(signal.SIGALRM, _on_alarm)
    worker_for(config)


def _die_with_parent() -> None:
    """Linux: ask the kernel to kill this process when its parent dies (prctl PR_SET_PDEATHSIG); elsewhere the
    worker notices at its next input (the pool's pipe breaks)."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG = 1
    except (OSError, AttributeError):
        return
    if os.getppid() == 1:  # the parent died before prctl took effect
        os._exit(1)


# ---- executors ------------------------------------------------------------------------------------------

class LocalExecutor:
    """A process pool (fork: workers inherit the loaded catalog, and the extractor once an input needs
    reading) that survives a worker's death."""

    def __init__(self, config: Settings, workers: int, limits: Limits = Limits()):
        self.config = config
        self.workers = workers
        self.limits = limits
        self.window = workers  # a chunk starts as soon as it is submitted, so its deadline runs from then
        self.worker = worker_for(config)  # load the catalog once, before forking
        self.pool = self._pool(workers)  # forks at the first submit

    def _pool(self, workers: int) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"),
                                   initializer=_init_local_worker, initargs=(self.config,))

    def run(self, chunks: Iterator[list[Task]]) -> Iterator[list[Result]]:
        in_flight: dict[Future, tuple[list[Task], float | None]] = {}  # future -> (chunk, deadline)
        suspects: list[Task] = []
        pending = iter(chunks)
        exhausted = False
        while True:
            while not exhausted and not suspects and len(in_flight) < self.window:
                chunk = next(pending, None)
                if chunk is None:
                    exhausted = True
                else:
                    if any(t.case_json is None for t in chunk):  # an input to read: load the extractor once,
                        self.worker.session.extractor()  # before forking (a re-run after a rule change never does)
                    allowed = self.limits.chunk_deadline(len(chunk))
                    in_flight[self.pool.submit(process_chunk, self.config, chunk, self.limits)] = (
                        chunk, None if allowed is None else time.monotonic() + allowed)
            if not in_flight:
                if suspects:
                    yield from self._isolate(suspects)
                    suspects = []
                    continue
                return
            done, _ = wait(in_flight, timeout=COMMIT_SECONDS, return_when=FIRST_COMPLETED)
            if not done:
                now = time.monotonic()
                if any(deadline is not None and now > deadline for _, deadline in in_flight.values()):
                    _kill(self.pool)  # a worker hangs past every limit: replace the pool, find the culprit
                yield []  # nothing finished yet: the caller commits what it holds meanwhile
                continue
            for fut in done:
                chunk, _ = in_flight.pop(fut)
                try:
                    yield fut.result()
                except BrokenProcessPool:
                    suspects += chunk
            if suspects:  # the pool is broken: every unfinished chunk fails too; collect them, then isolate
                for fut in list(in_flight):
                    chunk, _ = in_flight.pop(fut)
                    try:
                        yield fut.result()
                    except BrokenProcessPool:
                        suspects += chunk
                self.pool.shutdown(wait=True)
                self.pool = self._pool(self.workers)

    def _isolate(self, suspects: list[Task]) -> Iterator[list[Result]]:
        """Re-run the inputs a dead or hung worker may have held, one at a time in a single-worker pool: the one
        that kills it again, or hangs past its deadline, is the culprit; the others are processed as usual."""
        pool = self._pool(1)
        allowed = self.limits.chunk_deadline(1)
        try:
            for task in suspects:
                future = pool.submit(process_chunk, self.config, [task], self.limits)
                try:
                    yield future.result(timeout=allowed)
                    continue
                except BrokenProcessPool:
                    reason = WORKER_DIED
                except FutureTimeout:
                    reason = self.limits.timed_out() + " (the worker did not answer and was replaced)"
                    _kill(pool)
                yield [Result(task.path, task.content_hash, read_error=reason,
                              reevaluated=task.case_json is not None)]
                pool.shutdown(wait=True)
                pool = self._pool(1)
        finally:
            pool.shutdown(wait=True)

    def abort(self) -> None:
        _kill(self.pool)

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


def _kill(pool: ProcessPoolExecutor) -> None:
    """Kill a pool's worker processes (the pool then reports itself broken and is replaced)."""
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        if process.is_alive():
            process.kill()


class DaskExecutor:
    """The same chunks on dask.distributed: a LocalCluster of `workers` single-threaded processes, or the
    scheduler at `address` (its workers must see the input paths and the rules folder)."""

    def __init__(self, config: Settings, workers: int, address: str | None = None):
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise InputError(None, "--executor dask needs dask.distributed: pip install 'imrcheck[dask]'") from None
        self.config = config
        self.cluster = None
        if address is None:
            self.cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                        dashboard_address=None)
            self.client = Client(self.cluster)
        else:
            self.client = Client(address)
        self.window = 2 * max(workers, len(self.client.scheduler_info().get("workers", {})))

    def run(self, chunks: Iterator[list[Task]]) -> Iterator[list[Result]]:
        from distributed import as_completed
        from distributed.scheduler import KilledWorker
        pending = iter(chunks)
        futures = {}
        for chunk in pending:
            futures[self.client.submit(process_chunk, self.config, chunk, pure=False)] = chunk
            if len(futures) >= self.window:
                break
        queue = as_completed(futures)
        for fut in queue:
            chunk = futures.pop(fut)
            try:
                yield fut.result()
            except KilledWorker:
                yield from self._isolate(chunk)
            fut.release()
            nxt = next(pending, None)
            if nxt is not None:
                new = self.client.submit(process_chunk, self.config, nxt, pure=False)
                futures[new] = nxt
                queue.add(new)

    def _isolate(self, chunk: list[Task]) -> Iterator[list[Result]]:
        from distributed.scheduler import KilledWorker
        for task in chunk:
            try:
                yield self.client.submit(process_chunk, self.config, [task], pure=False).result()
            except KilledWorker:
                yield [Result(task.path, task.content_hash, read_error=WORKER_DIED,
                              reevaluated=task.case_json is not None)]

    def abort(self) -> None:
        self.client.cancel(list(self.client.futures.values()) if hasattr(self.client, "futures") else [])

    def close(self) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()


# ---- the run ------------------------------------------------------------------------------------------------

@dataclass
class Counts:
    inputs: int = 0
    read: int = 0  # read, extracted and evaluated now
    reevaluated: int = 0  # evaluated now from the cached case (the rules changed)
    carried_over: int = 0  # the rules changed, but none that decides its items: earlier results kept
    failed: int = 0
    skipped: int = 0  # already done, duplicate content, or not an input
    items: int = 0

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


@dataclass
class Audit:
    """One audit run into a store."""

    store: Store
    session: Session
    workers: int = 1
    executor: str = "local"
    scheduler: str | None = None
    retry_failed: bool = False
    on_progress: Callable[[int], None] = lambda n: None
    limits: Limits = Limits()
    counts: Counts = field(default_factory=Counts)
    run_id: int = 0

    def run(self, paths: list[str]) -> int:
        self.config = self.session.settings
        worker = worker_for(self.config, self.session)
        self.keys = (extractor_key(self.config.rules_dir), worker.catalog.digest, evaluator_key(self.config.engine))
        self.run_id = self.store.start_run(
            imrcheck=__version__, extractor=self.keys[0], ruleset=self.keys[1], evaluator=self.keys[2],
            engine=self.config.engine, executor=self.executor, workers=self.workers, paths=paths)
        self.digests = worker.catalog.treatment_digests()
        self.store.save_treatment_digests(self.keys[1], self.digests)
        self._earlier_digests: dict[str, dict[str, str] | None] = {}
        self._in_flight: set[str] = set()
        self._last_commit = time.monotonic()
        executor = (DaskExecutor(self.config, self.workers, self.scheduler) if self.executor == "dask"
                    else LocalExecutor(self.config, self.workers, self.limits))
        try:
            for results in executor.run(self._chunks(paths)):
                for r in results:
                    self._record(r)
                self._maybe_commit()
        except KeyboardInterrupt:  # Ctrl-C or SIGTERM: keep what is done, say so, stop the workers
            executor.abort()
            self.store.commit()
            self.store.finish_run(self.run_id, self.counts.as_dict(), status="interrupted")
            raise
        finally:
            executor.close()
        self.store.commit()
        self.store.finish_run(self.run_id, self.counts.as_dict())
        return self.run_id

    def _maybe_commit(self) -> None:
        if time.monotonic() - self._last_commit >= COMMIT_SECONDS:
            self.store.commit()
            self._last_commit = time.monotonic()

    def _account(self, entry_path: str, status: str, reason: str | None, digest: str | None,
                 counted_as: str, seconds: float | None = None) -> None:
        self.store.record_input(display_path(entry_path), digest, status, reason, self.run_id, self.keys, seconds)
        self.counts.inputs += 1
        setattr(self.counts, counted_as, getattr(self.counts, counted_as) + 1)
        self.on_progress(1)

    def _chunks(self, paths: list[str]) -> Iterator[list[Task]]:
        """Tasks for the inputs not done yet, CHUNK at a time; the others are accounted for on the way."""
        chunk: list[Task] = []
        for entry in iter_inputs(paths):
            self._maybe_commit()
            if entry.status is not None:
                self._account(entry.path, entry.status, entry.reason, None, entry.status)
                continue
            too_large = self.limits.too_large(entry.size or 0)
            if too_large:
                self._account(entry.path, "failed", too_large, None, "failed")
                continue
            try:
                digest = content_hash(Path(entry.path))
            except OSError as exc:
                self._account(entry.path, "failed", f"cannot read: {exc.strerror or exc}", None, "failed")
                continue
            task = self._task(entry.path, digest)
            if task is not None:
                self._in_flight.add(digest)
                chunk.append(task)
                if len(chunk) >= CHUNK:
                    yield chunk
                    chunk = []
        if chunk:
            yield chunk

    def _task(self, path: str, digest: str) -> Task | None:
        """A task for an input, or None when it is accounted for already (done, failed before, duplicate)."""
        duplicate = self.store.duplicate_of(digest, self.run_id, display_path(path))
        if digest in self._in_flight or duplicate:
            self._account(path, "skipped", f"same content as {duplicate or 'another input of this run'}", digest,
                          "skipped")
            return None
        evaluation = self.store.evaluation(digest, self.keys)
        if evaluation is not None and (evaluation[0] == "ok" or not self.retry_failed):
            status, reason = evaluation
            self._account(path, "read" if status == "ok" else "failed", reason, digest,
                          "skipped" if status == "ok" else "failed")
            return None
        case = self.store.case(digest, self.keys[0])
        if case is None or (case[0] == "failed" and self.retry_failed):
            return Task(path, digest)
        status, reason, case_json = case
        if status == "failed":
            self._account(path, "failed", reason, digest, "failed")
            return None
        carried = self.store.carry_over(digest, display_path(path), self.keys, self._unchanged)
        if carried is not None:
            self.counts.items += carried
            self._account(path, "read", None, digest, "carried_over")
            return None
        return Task(path, digest, case_json)

    def _unchanged(self, old_ruleset: str, codes: list[str | None]) -> bool:
        """True when every treatment of an input is decided by the same rules under both rule sets."""
        if old_ruleset not in self._earlier_digests:
            self._earlier_digests[old_ruleset] = self.store.treatment_digests(old_ruleset)
        old = self._earlier_digests[old_ruleset]
        return old is not None and all(
            old.get(code or "") is not None and old.get(code or "") == self.digests.get(code or "") for code in codes)

    def _record(self, r: Result) -> None:
        self._in_flight.discard(r.content_hash)
        if r.read_error is not None:
            self.store.record_case(r.content_hash, self.keys[0], None, r.read_error)
            self._account(r.path, "failed", r.read_error, r.content_hash, "failed", r.seconds)
            return
        if r.case_json is not None:
            self.store.record_case(r.content_hash, self.keys[0], r.case_json, None)
        self.store.record_evaluation(r.content_hash, display_path(r.path), self.keys, r.rows, r.eval_error)
        if r.eval_error is not None:
            self._account(r.path, "failed", r.eval_error, r.content_hash, "failed", r.seconds)
            return
        self.counts.items += len(r.rows)
        self._account(r.path, "read", "; ".join(r.warnings) or None, r.content_hash,
                      "reevaluated" if r.reevaluated else "read", r.seconds)


# ---- totals from the store ----------------------------------------------------------------------------------

def run_summary(store: Store, run: int) -> dict[str, Any]:
    """comparison.summarize over a run's items, from the store's counts (never loading the items)."""
    statuses = store.run_status_counts(run)
    overall = Tally()
    families: dict[str, Tally] = {}
    for family, has_treatment, actual, predicted, n, basis, conditional in store.run_outcome_counts(run):
        overall.add(actual, predicted, has_treatment, n, basis, conditional)
        families.setdefault(family, Tally()).add(actual, predicted, has_treatment, n, basis, conditional)
    summary = {**input_totals(sum(statuses.values()), statuses.get("failed", 0), statuses.get("skipped", 0)),
               **overall.summary(), "uncovered_by_reason": store.run_uncovered_counts(run)}
    summary["by_family"] = {f: tally.summary() for f, tally in sorted(families.items())}
    return summary


def progress_bar(total: int | None, quiet: bool) -> Any:
    """A tqdm bar with rate and ETA on a terminal's stderr; None when quiet or not a terminal."""
    if quiet or not sys.stderr.isatty():
        return None
    from tqdm import tqdm
    return tqdm(total=total, unit="input", smoothing=0.05, file=sys.stderr, dynamic_ncols=True)
