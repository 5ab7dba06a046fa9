"""The imrcheck command line: it parses options, asks the session, renders, and maps errors to exit codes.

Exit codes: 0 success, 1 findings (a command that checks something found something), 2 bad input or usage.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path
from typing import Any

import click

from checker.config import ENGINES, load_settings
from checker.errors import InputError, InputErrors, UsageError, at_input, error_line
from checker.session import Session

FORMAT = click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)


def _fail(errors: list[InputError]) -> None:
    for e in errors:
        _error_line(e.one_line())
    sys.exit(2)


class _Group(click.Group):
    """Maps the session's errors to exit code 2 with one line each (never a traceback)."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except InputErrors as exc:
            _fail(exc.errors)
        except InputError as exc:
            _fail([exc])
        except UsageError as exc:
            _error_line(str(exc))
            sys.exit(2)
        except OSError as exc:  # a file problem no command foresaw: still one line, never a traceback
            where = f"{exc.filename}: " if exc.filename else ""
            _error_line(f"{where}{exc.strerror or exc}")
            sys.exit(2)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--rules", type=click.Path(path_type=Path), default=None,
              help="Rules folder (default: $IMRCHECK_RULES, [tool.imrcheck] rules, or the bundled rules).")
@click.option("--engine", type=click.Choice(ENGINES), default=None,
              help="durable = durable_rules engine (default); reference = plain-Python evaluator of the same rules.")
@click.option("--color", "colour", type=click.Choice(["auto", "always", "never"]), default="auto", show_default=True,
              help="Colour the text output: auto = on a terminal unless NO_COLOR is set.")
@click.version_option(package_name="imrcheck")
@click.pass_context
def main(click_ctx: click.Context, rules: Path | None, engine: str | None, colour: str) -> None:
    """Check workers' comp treatment requests against MTUS/ODG criteria and explain the decision."""
    click_ctx.color = {"always": True, "never": False}.get(colour, False if os.environ.get("NO_COLOR") else None)
    try:
        settings = load_settings().with_overrides(rules=rules, engine=engine)
    except InputError as exc:
        _fail([exc])
    if settings.format is not None:  # [tool.imrcheck] format: every command's default, --format still wins
        click_ctx.default_map = {name: {"fmt": settings.format} for name in main.commands}
    click_ctx.obj = Session(settings)


CHECK_FORMAT = click.option("--format", "fmt", type=click.Choice(["text", "json", "sarif", "github"]), default="text",
                            show_default=True, help="sarif = SARIF 2.1.0; github = GitHub Actions annotations.")


def _error_line(text: str) -> None:
    """One error on one line of stderr, never wrapped (errors.error_line)."""
    from checker.render.colour import paint
    click.echo(paint(error_line(text)), err=True)


class _Inputs:
    """The inputs named or found in the folders given, read one by one into cases (progress notes, with
    --treatment); a bad input is reported on one line and kept in `problems`, and the others go on."""

    def __init__(self, session: Session, paths: tuple[str, ...], treatment: str | None):
        from checker.reading.inputs import named_inputs
        self.session, self.treatment = session, treatment
        self.problems: list[InputError] = []
        session.catalog()  # bad rules: exit 2 once, before any input
        if treatment is not None:
            from checker.evaluation.selection import resolve_treatment
            resolve_treatment(session.catalog(), treatment, None)  # an unknown treatment: once, before any input
        self.files, errors = named_inputs(paths, (".txt",)) if treatment is not None else named_inputs(paths)
        self._unread = [InputError(e["input"], e["reason"]) for e in errors]  # a folder that cannot be read
        self.failed = 0  # inputs
        self.single = len(paths) == 1 and len(self.files) == 1 and not Path(paths[0]).is_dir()

    def report(self, *problems: InputError) -> None:
        """One input's problems (a case file may have several), each on one line."""
        self.failed += 1
        for p in problems:
            self.problems.append(p)
            _error_line(p.one_line())

    def __iter__(self):
        """(path, case, note layout or None, resolved treatment or None) for each input that reads."""
        from checker.errors import NotALetterError
        for problem in self._unread:
            self.report(problem)
        for path in self.files:
            try:
                if self.treatment is not None:
                    case, req, layout = self.session.read_note(path, self.treatment)
                    yield path, case, layout, req
                else:
                    yield path, self.session.read(path), None, None
            except NotALetterError as exc:
                if path.lower().endswith(".txt"):
                    exc.message += "; if it is a progress note, add --treatment T (the treatment requested)"
                self.report(exc)
            except InputErrors as exc:
                self.report(*exc.errors)
            except InputError as exc:
                self.report(exc)


@main.command()
@click.argument("paths", nargs=-1, required=True, metavar="CASE...")
@click.option("--treatment", default=None,
              help="CASE is a progress note (PR-2, .txt): fill the facts from it for this treatment.")
@click.option("--report", "report_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write a printable pre-submission report (.md, or .html) of one CASE.")
@click.option("--fail-on", type=click.Choice(["any", "not-met", "undocumented", "unconfirmed"]), default="any",
              show_default=True, help="Which findings make the exit code 1: any item not predicted certifiable; a "
                                      "criterion not met; one not documented; or a rule whose criteria are all "
                                      "unconfirmed (no decision).")
@click.option("--statistics", is_flag=True, help="Counts of the blocking criteria by code instead of the items.")
@CHECK_FORMAT
@click.pass_obj
def check(session: Session, paths: tuple[str, ...], treatment: str | None, report_path: Path | None, fail_on: str,
          statistics: bool, fmt: str) -> None:
    """One line per item of each case, letter or note (and those in the folders given): treatment, decision,
    predicted vs actual, first unmet criterion.

    Exit 0 when every item is predicted certifiable, 1 when a criterion is not met or not documented, or an
    item has no decision (as --fail-on selects), 2 on bad input (the other inputs are still checked)."""
    from checker.render.colour import paint
    from checker.render.findings import criterion_counts, github, problem_finding, result_findings, result_rules, sarif
    from checker.render.jsonout import check_document, to_json
    from checker.render.text import check_lines, note_layout_lines, note_lines
    if statistics and fmt in ("sarif", "github"):
        raise UsageError(f"--statistics prints text or json, not {fmt}")
    if report_path is not None:
        from checker.files import check_suffix
        check_suffix(report_path, (".md", ".html", ".htm"), "pre-submission report")
    inputs = _Inputs(session, paths, treatment)
    if report_path is not None and not inputs.single:
        raise UsageError("--report writes the report of one case: give one CASE")
    checker = session.checker(what_if=True)
    checked, payloads, blocks, findings, failing = [], [], [], [], False
    for path, loaded, layout, req in inputs:
        results = checker.check_case(loaded)
        checked.append((loaded, results))
        failing |= any(_fails(r, fail_on) for r in results)
        if fmt == "json":
            payloads.append(check_document(loaded.case, results, layout))
        elif fmt in ("sarif", "github"):
            findings += result_findings(path, results)
        elif not statistics:
            found = [] if layout is None else (note_layout_lines(path, layout)
                                               + note_lines(path, loaded, req.rule, session.catalog().vocabulary))
            blocks.append(paint("\n".join(found + check_lines(loaded.case, path, results))))
    counts = criterion_counts(r.criteria for _, results in checked for r in results) if statistics else None
    if fmt == "json":
        if statistics:
            click.echo(to_json({"statistics": counts}))
        elif not inputs.single:  # several inputs: every case read, and how many could not be
            click.echo(to_json({"cases": payloads, "inputs_failed": inputs.failed}))
        elif payloads:
            click.echo(to_json(payloads[0]))
    elif fmt == "sarif":
        unread = [problem_finding(p, "input") for p in inputs.problems]
        click.echo(sarif(findings, result_rules(r for _, results in checked for r in results), unread))
    elif fmt == "github":  # an input that could not be read is annotated too
        for line in github(findings + [problem_finding(p, "input") for p in inputs.problems]):
            click.echo(line)
    elif statistics:
        from checker.render.findings import statistics_lines
        click.echo("\n".join(statistics_lines(counts)))
    elif blocks:
        click.echo("\n\n".join(blocks))
    if report_path is not None and checked:
        from checker.files import write_text
        from checker.render.office import report_html, report_markdown
        loaded, results = checked[0]
        text = report_markdown(loaded.case, results)
        html_out = report_path.suffix.lower() in (".html", ".htm")
        write_text(report_path, report_html(text, f"Pre-submission check: {loaded.case}") if html_out else text)
        click.echo(f"report written to {report_path}", err=True)
    sys.exit(2 if inputs.failed else 1 if failing else 0)


def _fails(r, fail_on: str) -> bool:
    """Whether an item fails `check --fail-on`: `any` every item not predicted certifiable (with no prediction
    too); `unconfirmed` only the items whose rule's criteria are all unconfirmed (no decision: neither a criterion
    not met nor one not documented decides them, so `not-met` and `undocumented` pass them)."""
    if r.decision_basis == "criteria_unconfirmed":
        return fail_on in ("any", "unconfirmed")
    if r.decision is None:
        return fail_on == "any"
    blocking = {c.verdict for c in r.criteria if c.blocking}
    if "STATUS" in r.reasons:
        blocking.add("not_met")
    return bool(blocking & {"any": {"not_met", "not_documented"}, "not-met": {"not_met"},
                            "undocumented": {"not_documented"}, "unconfirmed": set()}[fail_on])


@main.command()
@click.argument("paths", nargs=-1, required=True, metavar="CASE...")
@click.option("--item", "item_no", type=int, default=None, help="Item number (1-based); default: every item.")
@click.option("--treatment", default=None,
              help="CASE is a progress note (PR-2, .txt): read the facts from it for this treatment, and show the "
                   "note's sections and date of service.")
@FORMAT
@click.pass_obj
def explain(session: Session, paths: tuple[str, ...], item_no: int | None, treatment: str | None, fmt: str) -> None:
    """Every criterion of an item: verdict, citation, facts with evidence, what would change the outcome.

    CASE may be several cases, letters or notes, and folders. Exit 0, or 2 when an input is bad (the others
    are still explained)."""
    from checker.render.colour import paint
    from checker.render.jsonout import to_json
    from checker.render.text import explain_lines, note_layout_lines
    inputs = _Inputs(session, paths, treatment)
    checker = session.checker(what_if=True)
    documents, blocks = [], []
    for path, loaded, layout, _ in inputs:
        if item_no is not None and not 1 <= item_no <= len(loaded.items):
            inputs.report(InputError(path, f"--item {item_no}: the case has items 1 to {len(loaded.items)}"))
            continue
        indexes = [item_no] if item_no else range(1, len(loaded.items) + 1)
        results = [checker.check_item(loaded, i, loaded.items[i - 1]) for i in indexes]
        if fmt == "json":
            payload = [r.to_dict() for r in results]
            if layout is not None:  # a note is one item: the item, and how the note was read
                documents.append({**payload[0], "note": layout.to_dict()})
            else:
                documents.append(payload[0] if item_no else payload)
        else:
            head = note_layout_lines(path, layout) if layout is not None else []
            blocks.append(paint("\n".join(head + ["\n\n".join("\n".join(explain_lines(r, session.catalog()))
                                                                 for r in results)])))
    if fmt == "json" and documents:
        click.echo(to_json(documents[0] if inputs.single else documents))
    elif blocks:
        click.echo("\n\n".join(blocks))
    sys.exit(2 if inputs.failed else 0)


@main.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--format", "fmt", type=click.Choice(["text", "json", "jsonl"]), default="text", show_default=True)
@click.option("--workers", type=click.IntRange(min=1), default=1, show_default=True,
              help="Worker processes (one engine each).")
@click.option("--db", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Audit store (SQLite): results stream into it; a re-run resumes and skips what is done, "
                   "and after a rule change only evaluation reruns. Default: a temporary store.")
@click.option("--executor", type=click.Choice(["local", "dask"]), default="local", show_default=True,
              help="local = a process pool on this machine; dask = dask.distributed (a LocalCluster, or --scheduler).")
@click.option("--scheduler", default=None, help="With --executor dask: the address of an existing scheduler.")
@click.option("--retry-failed", is_flag=True, help="Read again the inputs that failed in an earlier run.")
@click.option("--time-limit", type=click.FloatRange(min=0.1), default=60.0, show_default=True, metavar="SECONDS",
              help="Per input: stop it and record it as failed past this time (the worker is replaced).")
@click.option("--max-size", type=click.FloatRange(min=0.001), default=20.0, show_default=True, metavar="MB",
              help="Per input: larger files are recorded as failed without being read.")
@click.option("--busy-timeout", type=click.FloatRange(min=0.1), default=120.0, show_default=True, metavar="SECONDS",
              help="With --db: how long to wait while another audit writes into the same store.")
@click.option("--quiet", is_flag=True, help="No progress bar (there is none either when stderr is not a terminal).")
@click.option("--metrics", is_flag=True,
              help="Add the auditor's figures per family: balanced accuracy, overturns caught, false overturns, "
                   "reason agreement against rationales shuffled within the family.")
@click.option("--statistics", is_flag=True, help="Add the counts of the blocking criteria by code.")
@click.pass_obj
def audit(session: Session, paths: tuple[str, ...], fmt: str, workers: int, db: Path | None, executor: str,
          scheduler: str | None, retry_failed: bool, time_limit: float, max_size: float, busy_timeout: float,
          quiet: bool, metrics: bool, statistics: bool) -> None:
    """Predicted vs actual outcome for every item of the cases and folders given, with a confusion matrix.

    Exit 0 when all items agree, 1 when any disagrees or has no prediction, 2 when an input failed."""
    import json
    import tempfile
    from types import SimpleNamespace

    from checker.audit.batch import Audit, Limits, progress_bar, run_summary
    from checker.audit.store import Store
    from checker.reading.inputs import count_inputs
    from checker.render.jsonout import write_document
    from checker.render.text import audit_lines, metrics_lines
    session.catalog()  # bad rules: exit 2 before any work
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(db or Path(tmp) / "audit.sqlite", busy_seconds=busy_timeout)
        bar = progress_bar(None, quiet)
        if bar is not None:
            bar.total = count_inputs(paths)
        job = Audit(store, session, workers, executor, scheduler, retry_failed,
                    on_progress=bar.update if bar is not None else (lambda n: None),
                    limits=Limits(time_limit, int(max_size * 1_000_000)))
        previous = signal.signal(signal.SIGTERM, _interrupt)
        try:
            run = job.run(list(paths))
        except KeyboardInterrupt:
            kept = f"they are in {db}: run the same command again to go on" if db else \
                "nothing is kept without --db"
            click.echo(f"interrupted: {job.counts.inputs} input(s) accounted for, {job.counts.items} item(s); {kept}",
                       err=True)
            sys.exit(130)
        finally:
            signal.signal(signal.SIGTERM, previous)
            if bar is not None:
                bar.close()
        summary = run_summary(store, run)
        summary["this_run"] = job.counts.as_dict()

        def listed(status: str):
            return ({"input": e["path"], "reason": e["reason"]} for e in store.run_inputs(run, status)
                    if status != "read" or e["reason"])

        figures = None
        if metrics:
            from checker.audit.metrics import auditor_metrics, catalog_phrases
            figures = auditor_metrics(store.run_items(run), catalog_phrases(session.catalog()))
        counts = None
        if statistics:
            from checker.render.findings import criterion_counts, statistics_lines
            counts = criterion_counts(row["criteria"] for row in store.run_items(run))
        out = sys.stdout
        if fmt == "json":  # streamed: memory stays flat in the number of letters
            write_document(out, [("summary", summary), ("items", _plain_rows(store.run_items(run))),
                                 ("errors", listed("failed")), ("skipped", listed("skipped")),
                                 ("warnings", listed("read"))] + ([("metrics", figures)] if metrics else [])
                           + ([("statistics", counts)] if statistics else []))
        elif fmt == "jsonl":
            for row in _plain_rows(store.run_items(run)):
                out.write(json.dumps({"type": "item", **row}, default=str) + "\n")
            for kind, status in (("error", "failed"), ("skipped", "skipped"), ("warning", "read")):
                for e in listed(status):
                    out.write(json.dumps({"type": kind, **e}) + "\n")
            out.write(json.dumps({"type": "summary", **summary}) + "\n")
            if metrics:
                out.write(json.dumps({"type": "metrics", **figures}) + "\n")
            if statistics:
                out.write(json.dumps({"type": "statistics", "criteria": counts}) + "\n")
        else:
            rows = (SimpleNamespace(**row) for row in store.run_items(run))
            for line in audit_lines(summary, rows, list(listed("failed")), list(listed("skipped")),
                                    list(listed("read"))) + (["", *metrics_lines(figures)] if metrics else []) \
                    + (["", *statistics_lines(counts)] if statistics else []):
                out.write(line + "\n")
        agree_all = summary["items_compared"] == summary["items"] == summary["agree"]
        failed = summary["inputs_failed"]
        store.close()
    if failed:
        sys.exit(2)
    sys.exit(0 if agree_all else 1)


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def _plain_rows(rows):
    """Item rows as `audit` prints them (the store's own keys dropped)."""
    for row in rows:
        row.pop("content_hash")
        yield row


@main.command()
@click.argument("letters", nargs=-1, required=True)
@click.option("-o", "--output", "out_dir", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Folder for the case files (created if missing).")
@click.pass_obj
def ingest(session: Session, letters: tuple[str, ...], out_dir: Path) -> None:
    """Read IMR letters (.txt, .pdf, folders) and write one case file each, for a person to correct and re-run.

    Exit 0 when every letter was read, 2 when any failed (the others are still written)."""
    import yaml

    from checker.files import ensure_folder, write_new_text
    from checker.reading.cases import case_to_yaml_data
    from checker.reading.inputs import collect_inputs, display_path, is_letter
    files, errors, skipped = collect_inputs(letters)
    ensure_folder(out_dir)
    written: set[str] = set()
    for path in files:
        if not is_letter(path):
            skipped.append({"input": display_path(path), "reason": "already a case file"})
            continue
        try:
            case = session.read(path)
            name = _case_file_name(path, written)
            target = out_dir / name
            header = (f"# Read by imrcheck from {display_path(path)}. Facts were extracted from the clinical case "
                      f"summary and\n# the request text; correct them by hand and re-run `imrcheck check {target}`.\n")
            write_new_text(out_dir, name, header + yaml.safe_dump(case_to_yaml_data(case), sort_keys=False,
                                                                  allow_unicode=True, width=100))
        except (InputError, InputErrors) as exc:
            errors.append({"input": display_path(path), "reason": exc.detail()})
            continue
        written.add(name)
        click.echo(f"wrote {display_path(target)} ({len(case.items)} item(s))")
    for e in skipped:
        click.echo(f"skipped: {e['input']}: {e['reason']}")
    for e in errors:
        _error_line(at_input(e['input'], e['reason']))
    click.echo(f"{len(written)} case file(s) written, {len(errors)} failed, {len(skipped)} skipped")
    sys.exit(2 if errors else 0)


def _case_file_name(letter: Path, taken: set[str]) -> str:
    """The case file's name: the letter's stem, with its suffix when another letter of this run took the stem
    (CM16-0213037.txt and CM16-0213037.pdf -> CM16-0213037.yaml, CM16-0213037-pdf.yaml), then a number."""
    stem = os.fsencode(letter.stem).decode("utf-8", "backslashreplace")
    for candidate in (f"{stem}.yaml", f"{stem}-{letter.suffix.lstrip('.').lower()}.yaml"):
        if candidate not in taken:
            return candidate
    n = 2
    while f"{stem}-{n}.yaml" in taken:
        n += 1
    return f"{stem}-{n}.yaml"


@main.command()
@click.argument("code", required=False)
@click.option("--in-force", "in_force", is_flag=False, flag_value="today", default=None, metavar="[DATE]",
              help="Per treatment family, the rule in force on DATE (YYYY-MM-DD; default today) for each treatment, "
                   "its edition and window, and criteria confirmed / total.")
@FORMAT
@click.pass_obj
def rule(session: Session, code: str | None, in_force: str | None, fmt: str) -> None:
    """The rule catalog, or one rule (MTUS-CP-ESI) or criterion (ESI-001) in full; --in-force: what is in force."""
    from checker.render.jsonout import to_json
    from checker.render.text import criterion_detail_lines, rule_catalog_lines, rule_example_lines, rule_lines
    if in_force is not None:
        _in_force(session, code, in_force, fmt)
        return
    catalog = session.catalog()
    if code is None:
        if fmt == "json":
            click.echo(to_json([r.spec.model_dump(mode="json", by_alias=True, exclude_none=True)
                                for r in catalog.rules.values()]))
        else:
            click.echo("\n".join(rule_catalog_lines(catalog)))
        return
    key = code.upper()
    if key in catalog.rules:
        r = catalog.rules[key]
        click.echo(to_json(r.spec.model_dump(mode="json", by_alias=True, exclude_none=True)) if fmt == "json"
                   else "\n".join(rule_lines(r, catalog)
                                  + rule_example_lines(r, catalog, session.checker())))
        return
    found = catalog.criterion(key)
    if found is None:
        _error_line(f"no rule or criterion {code!r} (see `imrcheck rule` for the catalog)")
        sys.exit(2)
    r, crit = found
    if fmt == "json":
        click.echo(to_json({"rule": r.id, **crit.model_dump(mode="json", by_alias=True, exclude_none=True)}))
    else:
        click.echo("\n".join(criterion_detail_lines(r, crit, catalog.vocabulary, catalog.lineage(crit.code))))


def _in_force(session: Session, code: str | None, when: str, fmt: str) -> None:
    """`rule --in-force [DATE]`: every treatment's rule in force on the date (Catalog.select), by family."""
    import datetime as dt
    from checker.evaluation.selection import in_force, in_force_documents
    from checker.render.jsonout import to_json
    from checker.render.text import in_force_lines
    if code is not None:  # `rule --in-force 2024-01-01` is parsed as the flag's value; `rule X --in-force` is not
        _error_line(f"--in-force lists every treatment: drop {code!r} (a date goes after --in-force)")
        sys.exit(2)
    try:
        day = dt.date.today() if when == "today" else dt.date.fromisoformat(when)
    except ValueError:
        _error_line(f"--in-force: not a date: {when!r} (write it as 2026-03-01)")
        sys.exit(2)
    rows = in_force(session.catalog(), day)
    documents = in_force_documents(rows)
    if fmt == "json":
        click.echo(to_json({"date": day.isoformat(), "treatments": [r.to_dict() for r in rows],
                            "documents": documents}))
    else:
        click.echo("\n".join(in_force_lines(day, rows, documents)))


@main.command()
@click.argument("cases", nargs=-1)
@CHECK_FORMAT
@click.pass_obj
def lint(session: Session, cases: tuple[str, ...], fmt: str) -> None:
    """Validate every rule file (and any case files given); report every problem, not only the first.

    Exit 0 when clean, 1 when problems were found."""
    from checker.authoring.lint import lint as run_lint
    from checker.config import check_rules_dir
    from checker.render.jsonout import to_json
    from checker.ruleset.layout import RulesFolder
    check_rules_dir(session.settings)
    report = run_lint(session.rules_dir, cases)
    problems = report.problems
    if fmt == "json":
        click.echo(to_json({"problems": [{"file": p.path, "line": p.line, "field": p.field, "message": p.message}
                                         for p in problems]}))
    elif fmt in ("sarif", "github"):
        from checker.render.findings import LINT_RULE, github, problem_finding, sarif
        findings = [problem_finding(p) for p in problems]
        out = sarif(findings, [LINT_RULE]) if fmt == "sarif" else "\n".join(github(findings))
        if out:
            click.echo(out)
    else:
        for p in problems:
            click.echo(p.one_line())
        click.echo(f"{len(problems)} problem(s) in {len(RulesFolder(session.rules_dir).rule_files())} rule file(s)"
                   + (f", {len(cases)} case input(s) checked" if cases else ""))
    sys.exit(1 if problems else 0)


@main.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json", "junit"]), default="text", show_default=True)
@click.option("--diff", "ref", default=None, metavar="REF",
              help="Show which fixtures and which cases/letters change outcome against the rules at git REF.")
@click.option("--cases", "case_paths", multiple=True, type=click.Path(),
              help="With --diff: cases or letters to compare (default: ../shared/corpus/letters if present).")
@click.option("-v", "--verbose", is_flag=True, help="List every fixture, not only the failures.")
@click.pass_obj
def verify(session: Session, fmt: str, ref: str | None, case_paths: tuple[str, ...], verbose: bool) -> None:
    """Run every rule's fixtures (the test cases beside each rule file) and check their coverage.

    Exit 0 when every fixture passes and every criterion is shown met, not met and not documented.
    With --diff REF: list what changes outcome against the rules at REF (exit 1 when anything does)."""
    from checker.authoring.verify import junit_xml, run_fixtures
    from checker.render.jsonout import to_json
    from checker.render.text import verify_lines
    session = Session(session.settings, use_cache=False)  # verify validates the rules from scratch
    if ref is not None:
        _verify_diff(session, ref, case_paths, fmt)
    results, gaps = run_fixtures(session.catalog(), session.checker())
    if fmt == "json":
        click.echo(to_json({"fixtures": [r.__dict__ for r in results], "coverage_gaps": gaps}))
    elif fmt == "junit":
        click.echo(junit_xml(results, gaps))
    else:
        from checker.render.colour import paint
        click.echo(paint("\n".join(verify_lines(results, gaps, verbose))))
    sys.exit(1 if gaps or any(not r.passed for r in results) else 0)


def _verify_diff(session: Session, ref: str, case_paths: tuple[str, ...], fmt: str) -> None:
    import tempfile

    from checker.authoring.verify import fixture_changes, item_changes, rules_at
    from checker.evaluation.checker import Checker
    from checker.reading.inputs import collect_inputs
    from checker.render.jsonout import to_json
    from checker.render.text import diff_lines
    from checker.ruleset.rules import load_catalog
    from checker.session import make_evaluator
    if not case_paths:
        corpus = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "letters"
        case_paths = (str(corpus),) if corpus.is_dir() else ()
    with tempfile.TemporaryDirectory() as tmp:
        old_catalog = load_catalog(rules_at(ref, session.rules_dir, Path(tmp)))
        new = session.checker()
        old = Checker(old_catalog, make_evaluator(session.engine))
        fixtures = fixture_changes(old, new)
        files, errors, _ = collect_inputs(case_paths) if case_paths else ([], [], [])
        cases = []
        for path in files:
            try:
                cases.append(session.read(path))
            except InputError as exc:
                errors.append({"input": str(path), "reason": exc.detail()})
        items = item_changes(cases, old, new)
    if fmt == "json":
        click.echo(to_json({"ref": ref, "fixtures": fixtures, "items": items, "errors": errors}))
    else:
        click.echo("\n".join(diff_lines(ref, fixtures, items, len(cases), sum(len(c.items) for c in cases))))
        for e in errors:
            _error_line(at_input(e['input'], e['reason']))
    sys.exit(1 if fixtures or items else 0)


@main.command()
@click.option("-o", "--output", "out_dir", type=click.Path(file_okay=False, path_type=Path), required=True)
@click.pass_obj
def doc(session: Session, out_dir: Path) -> None:
    """Write one Markdown page per rule (criteria, citations, questions, examples) and an index."""
    from checker.files import ensure_folder
    from checker.render.ruledocs import write_docs
    ensure_folder(out_dir)
    pages = write_docs(session.catalog(), session.checker(), out_dir)
    click.echo(f"wrote {len(pages)} page(s) to {out_dir} (start at {pages[0]})")


@main.command()
@click.argument("treatment")
@click.option("--date", "day", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Request date (picks the guideline edition in force); default today.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text", show_default=True)
@click.pass_obj
def requirements(session: Session, treatment: str, day, fmt: str) -> None:
    """The documentation checklist for a treatment (a code, or free text like "lumbar ESI L4-5 x2")."""
    from checker.evaluation.selection import resolve_treatment
    from checker.office.requirements import checklist
    from checker.render.jsonout import to_json
    from checker.render.office import checklist_markdown
    from checker.render.text import requirement_lines
    catalog = session.catalog()
    try:
        req = resolve_treatment(catalog, treatment, day.date() if day else None)
    except InputError as exc:
        _error_line(exc.message)
        sys.exit(2)
    data = checklist(req, catalog, day.date() if day else None)
    if fmt == "json":
        click.echo(to_json(data))
    elif fmt == "markdown":
        click.echo(checklist_markdown(data))
    else:
        click.echo("\n".join(requirement_lines(data)))


@main.command()
@click.argument("treatment")
@click.option("-o", "--output", "out", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--case-id", default=None, help="Case name (default: the output file's name).")
@click.option("--date", "day", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="The request's date (written as the date of service; picks the guideline edition). "
                   "Asked when not given, unless --no-input.")
@click.option("--no-input", is_flag=True, help="Do not prompt; take answers from --answers.")
@click.option("--answers", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="YAML mapping of fact name to value (with --no-input, or to pre-fill).")
@click.pass_obj
def new(session: Session, treatment: str, out: Path, case_id: str | None, day, no_input: bool,
        answers: Path | None) -> None:
    """Build a case file by answering only the questions the treatment's criteria need.

    Answer y / n for yes-no questions, a value otherwise, and ? (or nothing) for not documented."""
    import yaml

    from checker.evaluation.selection import resolve_treatment
    from checker.office.questionnaire import answers_from, case_data, parse_answer, questionnaire
    from checker.reading.cases import load_case
    from checker.ruleset.facts import LEVEL_KINDS
    from checker.yamlio import load_yaml
    catalog = session.catalog()
    request_date = day.date() if day else None
    req = resolve_treatment(catalog, treatment, request_date)
    given = answers_from(load_yaml(answers), catalog, str(answers)) if answers else {}

    def ask(spec) -> Any:
        if no_input:
            return None
        hint = {"bool": "y/n/?", "enum": "/".join(spec.values or []) + "/?",
                "levels": f"{LEVEL_KINDS[spec.level_kind][0]}, {LEVEL_KINDS[spec.level_kind][1]}, or ?"}
        while True:
            text = click.prompt(f"{spec.question} [{hint.get(spec.type.value, '?')}]", default="",
                                show_default=False)
            try:
                return parse_answer(spec, text)
            except ValueError as exc:
                click.echo(f"  {exc}", err=True)

    from checker.files import folder_problem, write_text
    problem = folder_problem(out.parent)
    if problem:  # before any question is asked
        raise InputError(out, f"cannot write: {problem}")
    if not no_input and request_date is None:  # the date picks the guideline edition in force
        request_date = _ask_date()
        if request_date is not None:
            req = resolve_treatment(catalog, treatment, request_date)
    if not no_input:
        click.echo(f"{req.rule.id}: {req.rule.spec.title} ({req.selection}). Answer ? when not documented.")
    facts = questionnaire(req, catalog, ask, given)
    data = case_data(req, catalog, facts, case_id or out.stem, request_date)
    write_text(out, yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    load_case(out, catalog.vocabulary, catalog.treatments)  # what we wrote must read back
    click.echo(f"wrote {out}; next: imrcheck check {out}")


def _ask_date():
    """The request's date from the prompt (YYYY-MM-DD), None for today; asked again until it reads."""
    import datetime as dt
    while True:
        text = click.prompt("Date of the request (YYYY-MM-DD; empty for today)", default="", show_default=False)
        if not text.strip():
            return None
        try:
            return dt.date.fromisoformat(text.strip())
        except ValueError:
            click.echo(f"  not a date: {text.strip()!r} (write it as 2026-03-01)", err=True)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. Anything but loopback makes the page (patient data) reachable from other "
                   "machines: a warning says so.")
@click.option("--port", type=click.IntRange(1, 65535), default=8765, show_default=True)
@click.pass_obj
def serve(session: Session, host: str, port: int) -> None:
    """A local web page for office staff: pick the treatment, answer the questions its criteria need (or paste a
    progress note), see the likely decision and what would change it, download the report and the case file.
    Also a JSON API: POST /api/check, GET /api/requirements."""
    from checker.web.app import serve as run
    run(session, host, port, say=lambda text: click.echo(text, err=True))


@main.command()
@click.option("--db", type=click.Path(dir_okay=False, exists=True, path_type=Path), default=None,
              help="Audit store written by `imrcheck audit --db` (the latest run's ruleset unless --ruleset).")
@click.option("--from-json", "from_json", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              multiple=True, help="Output of `imrcheck audit --format json` (or jsonl) instead of a store.")
@click.option("-o", "--output", "out", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="The HTML report to write (one self-contained file).")
@click.option("--exports", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder for a CSV and a JSON file of every table.")
@click.option("--ruleset", default=None, help="With --db: items evaluated with this catalog digest.")
@click.option("--max-drilldowns", type=click.IntRange(min=0), default=1000, show_default=True,
              help="Discordant items shown side by side (clearest first; all are in the exports).")
@click.pass_obj
def report(session: Session, db: Path | None, from_json: tuple[Path, ...], out: Path, exports: Path | None,
           ruleset: str | None, max_drilldowns: int) -> None:
    """Reviewer consistency report: agreement by group, discordant items, inconsistent reviews, reasons.

    Exit 0 when written, 2 on bad input."""
    import datetime as dt
    from collections import Counter

    from checker.audit.consistency import analyze, rows_from_audit_json
    from checker.render.consistency_html import write_report
    if bool(db) == bool(from_json):
        _error_line("give either --db FILE or --from-json FILE")
        sys.exit(2)
    from checker.files import check_suffix, ensure_folder
    check_suffix(out, (".html", ".htm"), "consistency report")
    ensure_folder(out.parent)
    if exports is not None:
        ensure_folder(exports)
    inputs = None
    if db:
        from checker.audit.store import Store
        store = Store(db)
        analysis = analyze(store.items(ruleset), _catalog_criteria(session))
        inputs = Counter(i["status"] for i in store.inputs())
        source = f"store {db}"
    else:
        try:
            rows = [row for path in from_json for row in rows_from_audit_json(path)]
        except (OSError, ValueError) as exc:
            where = getattr(exc, "filename", None) or ", ".join(str(p) for p in from_json)
            _fail([InputError(where, f"not audit JSON or JSON lines ({exc})", field="--from-json")])
        analysis = analyze(rows, _catalog_criteria(session))
        source = "audit output " + ", ".join(str(p) for p in from_json)
    if inputs is not None:
        source += " (inputs: " + ", ".join(f"{n:,} {s}" for s, n in sorted(inputs.items())) + ")"
    written = write_report(analysis, out, source, dt.datetime.now().isoformat(timespec="minutes"), exports,
                           max_drilldowns)
    t = analysis["totals"]
    click.echo(f"report written to {out}: {t['items']} item(s), {t['discordant']} discordant, "
               f"{len(analysis['inconsistent'])} inconsistent group(s)"
               + (f"; {len(written) - 1} export file(s) in {exports}" if exports else ""))


def _catalog_criteria(session: Session) -> dict[str, Any] | None:
    """Criterion code -> criterion, from the rules (None, with a warning, when they do not load)."""
    try:
        catalog = session.catalog()
    except (InputError, InputErrors, UsageError):
        click.echo("warning: the rules did not load; unconfirmed criteria are weighed like confirmed ones", err=True)
        return None
    return {c.code: c for r in catalog.rules.values() for c in r.spec.criteria}
