"""How fast `imrcheck serve` answers: the questionnaire page and the check POST (and the API), median over
--runs requests with Starlette's test client, then the same requests over real HTTP to `imrcheck serve` on a free
port; against the same work done in-process without the web layer (resolve + questionnaire; check), measured in
the same run.

Usage: python benchmarks/bench_serve.py [--runs 50] [--http-runs 20]

Rows (median milliseconds, and the 90th percentile):
  direct: questionnaire     resolve_treatment + questionnaire() for a lumbar ESI (what the page asks)
  direct: check             the answers' case built and checked with what-if (what the result page shows)
  page: questionnaire       POST /questionnaire (the questions), rendered
  page: questionnaire+note  the same with a pasted progress note (read by the extractor)
  page: check               POST /check with every answer, rendered
  api: check                POST /api/check with a seed case
The server's start-up (until it answers its first request: catalog and note reader built) is timed once.
"""

from __future__ import annotations

import argparse
import json
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parents[1]
ESI = "lumbar ESI L4-5 x2"
ANSWERS = {"a:radicular_exam_findings": "yes", "a:imaging_nerve_root_compromise": "yes", "a:imaging_levels": "L4-L5",
           "a:radicular_exam_levels": "L5", "a:electrodiagnostic_radiculopathy": "?", "a:electrodiagnostic_levels": "",
           "a:conservative_care_failed": "yes", "a:prior_procedure_count": "0"}
NOTE = ("PR-2 progress report. Date of service: 03/01/2024\nOBJECTIVE: Decreased sensation in the right L5 dermatome. "
        "Positive straight leg raise on the right.\nIMAGING: MRI lumbar spine shows an L4-5 disc herniation "
        "compressing the right L5 nerve root.\nPLAN: lumbar epidural steroid injection at L4-5.\n")
SEED = ROOT / "cases" / "seeds" / "004-selective-nerve-root-block.yaml"


def measure(fn: Callable[[], object], runs: int) -> tuple[float, float]:
    """Median and 90th percentile in milliseconds, after one warm-up call."""
    fn()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, int(0.9 * len(times)))]


def row(label: str, figures: tuple[float, float]) -> None:
    print(f"{label:<32} {figures[0]:>9.1f} {figures[1]:>9.1f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--http-runs", type=int, default=20)
    args = parser.parse_args()

    from starlette.testclient import TestClient

    from checker.config import load_settings
    from checker.evaluation.selection import resolve_treatment
    from checker.office.questionnaire import questionnaire
    from checker.session import Session
    from checker.web.app import create_app
    from checker.web.forms import build_case, case_document, fill, read_form
    from checker.yamlio import load_yaml

    session = Session(load_settings())
    catalog = session.catalog()
    session.extractor()
    seed = json.dumps(load_yaml(SEED), default=str)
    form = {"treatment": ESI, "date": "2024-03-01", "case": "bench", **ANSWERS}

    def direct_questionnaire():
        questionnaire(resolve_treatment(catalog, ESI, None), catalog, lambda spec: None)

    def direct_check():
        page = read_form(form)
        filled = fill(session, page)
        session.checker(what_if=True).check_case(build_case(session, case_document(session, page, filled)))

    client = TestClient(create_app(session))

    def expect_ok(res):
        assert res.status_code == 200, res.text[:500]

    print(f"{'request (engine ' + session.engine + ')':<32} {'median ms':>9} {'p90 ms':>9}   "
          f"test client: {args.runs} runs")
    row("direct: questionnaire", measure(direct_questionnaire, args.runs))
    row("direct: check", measure(direct_check, args.runs))
    row("page: questionnaire", measure(lambda: expect_ok(client.post("/questionnaire", data={"treatment": ESI})),
                                       args.runs))
    row("page: questionnaire+note", measure(
        lambda: expect_ok(client.post("/questionnaire", data={"treatment": ESI, "note": NOTE})), args.runs))
    row("page: check", measure(lambda: expect_ok(client.post("/check", data=form)), args.runs))
    row("api: check", measure(lambda: expect_ok(client.post("/api/check", content=seed)), args.runs))

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "checker", "serve", "--port", str(port)], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        while True:
            if proc.poll() is not None:
                print(proc.stderr.read(), file=sys.stderr)
                return 1
            try:
                with urllib.request.urlopen(url + "/", timeout=5):
                    break
            except OSError:
                time.sleep(0.05)
        print(f"\nimrcheck serve answering after {time.perf_counter() - start:.1f} s; real HTTP: "
              f"{args.http_runs} runs")

        def post(path: str, data: bytes, kind: str) -> None:
            request = urllib.request.Request(url + path, data=data, method="POST", headers={"content-type": kind})
            with urllib.request.urlopen(request, timeout=60) as res:
                res.read()

        urlencoded = "application/x-www-form-urlencoded"
        row("http: questionnaire", measure(
            lambda: post("/questionnaire", urllib.parse.urlencode({"treatment": ESI}).encode(), urlencoded),
            args.http_runs))
        row("http: check", measure(lambda: post("/check", urllib.parse.urlencode(form).encode(), urlencoded),
                                   args.http_runs))
        row("http: api check", measure(lambda: post("/api/check", seed.encode(), "application/json"),
                                       args.http_runs))
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
