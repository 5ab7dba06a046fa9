"""The imrcheck command line: check, explain, audit, ingest, rule, lint, verify.

Exit codes: 0 success, 1 findings (a command that checks something found something), 2 bad input or usage.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import click

from .cases import Case, load_case
from .engine import Evaluator, ReferenceEvaluator
from .errors import InputError, InputErrors
from .evaluation import Checker, ItemResult
from .report import (audit_lines, check_lines, criterion_detail_lines, explain_lines, fact_value, rule_catalog_lines,
                     rule_lines, to_json)
from .report import wrap as report_wrap
from .rules import Catalog, load_catalog, rule_files

CASE_SUFFIXES = (".yaml", ".yml")
LETTER_SUFFIXES = (".txt", ".pdf")
INPUT_SUFFIXES = CASE_SUFFIXES + LETTER_SUFFIXES


def default_rules_dir() -> Path:
    env = os.environ.get("IMRCHECK_RULES")
    if env:
        return Path(env)
    return Path(__file__).resolve().parent.parent / "rules"


def make_evaluator(name: str) -> Evaluator:
    if name == "reference":
        return ReferenceEvaluator()
    from .engine_durable import DurableEvaluator
    return DurableEvaluator()


class Context:
    def __init__(self, rules: Path, engine: str):
        self.rules_dir = rules
        self.engine_name = engine
        self._catalog: Catalog | None = None
        self._extractor = None

    def catalog(self) -> Catalog:
        if self._catalog is None:
            try:
                self._catalog = load_catalog(self.rules_dir)
            except InputError as exc:
                fail([exc])
            except InputErrors as exc:
                fail(exc.errors)
        return self._catalog

    def checker(self, what_if: bool = False) -> Checker:
        try:
            evaluator = make_evaluator(self.engine_name)
        except ImportError as exc:
            raise click.ClickException(f"cannot load the {self.engine_name} engine: {exc}") from None
        return Checker(self.catalog(), evaluator, what_if=what_if)


    def extractor(self):
        if self._extractor is None:
            from .extract import Extractor
            self._extractor = Extractor(self.rules_dir, self.catalog().vocabulary)
        return self._extractor

    def read(self, path: str | Path) -> Case:
        """A case file, or an IMR letter (.txt/.pdf) read into a case; InputError when it cannot be read."""
        catalog = self.catalog()
        path = Path(path)
        if path.suffix.lower() in LETTER_SUFFIXES:
            from .cases import case_from_letter
            from .letters import read_letter
            return case_from_letter(read_letter(path), self.extractor(), catalog.treatments, catalog.vocabulary)
        return load_case(path, catalog.vocabulary, catalog.treatments)


def fail(errors: list[InputError]) -> None:
    for e in errors:
        click.echo(f"error: {e.one_line()}", err=True)
    sys.exit(2)


def load_one_case(ctx: Context, path: str) -> Case:
    try:
        return ctx.read(path)
    except InputError as exc:
        fail([exc])
        raise  # unreachable


FORMAT = click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--rules", type=click.Path(path_type=Path), default=None,
              help="Rules folder (default: $IMRCHECK_RULES or the bundled rules/).")
@click.option("--engine", type=click.Choice(["durable", "reference"]), default="durable", show_default=True,
              help="durable = durable_rules engine; reference = plain-Python evaluator of the same rules.")
@click.version_option(package_name="imrcheck")
@click.pass_context
def main(click_ctx: click.Context, rules: Path | None, engine: str) -> None:
    """Check workers' comp treatment requests against MTUS/ODG criteria and explain the decision."""
    click_ctx.obj = Context(rules or default_rules_dir(), engine)


@main.command()
@click.argument("case", type=click.Path(dir_okay=False))
@click.option("--treatment", default=None,
              help="CASE is a progress note (PR-2, .txt): fill the facts from it for this treatment.")
@click.option("--report", "report_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write a printable pre-submission report (.md, or .html).")
@click.option("--fail-on", type=click.Choice(["any", "not-met", "undocumented"]), default="any", show_default=True,
              help="Which findings make the exit code 1.")
@FORMAT
@click.pass_obj
def check(ctx: Context, case: str, treatment: str | None, report_path: Path | None, fail_on: str, fmt: str) -> None:
    """One line per item: treatment, decision, predicted vs actual, first unmet criterion.

    Exit 0 when every item is predicted certifiable, 1 when a criterion is not met or not documented
    (as --fail-on selects), 2 on bad input."""
    found_lines: list[str] = []
    if treatment is not None:
        loaded, found_lines = _case_from_note(ctx, case, treatment)
    else:
        loaded = load_one_case(ctx, case)
    results = ctx.checker(what_if=True).check_case(loaded)
    if fmt == "json":
        click.echo(to_json({"case": loaded.case, "items": [r.to_dict() for r in results]}))
    else:
        click.echo("\n".join(found_lines + check_lines(loaded.case, case, results)))
    if report_path is not None:
        from .presubmit import report_html, report_markdown
        text = report_markdown(loaded.case, results)
        html_out = report_path.suffix.lower() in (".html", ".htm")
        report_path.write_text(report_html(text, f"Pre-submission check: {loaded.case}") if html_out else text)
        click.echo(f"report written to {report_path}", err=True)
    sys.exit(1 if any(_fails(r, fail_on) for r in results) else 0)


def _fails(r: ItemResult, fail_on: str) -> bool:
    if r.decision is None:
        return fail_on == "any"
    blocking = {c.verdict for c in r.criteria if c.blocking}
    if "STATUS" in r.reasons:
        blocking.add("not_met")
    return bool(blocking & {"any": {"not_met", "not_documented"}, "not-met": {"not_met"},
                            "undocumented": {"not_documented"}}[fail_on])


def _case_from_note(ctx: Context, path: str, treatment: str) -> tuple[Case, list[str]]:
    """A case from a treating office's own note, and lines saying which facts were found (with quotes)
    and which the deciding rule needs but the note does not document."""
    from .cases import case_from_note
    from .presubmit import resolve
    catalog = ctx.catalog()
    try:
        text = Path(path).read_text(encoding="utf-8", errors="replace")
        req = resolve(catalog, treatment, None)
        case = case_from_note(Path(path).stem, text, req.request.text, req.treatment, ctx.extractor(), catalog)
    except OSError as exc:
        fail([InputError(path, exc.strerror or str(exc))])
    except InputError as exc:
        fail([exc])
    facts = {**case.facts, **case.items[0].facts}
    lines = [f"Facts found in {path}:"]
    for name, entry in facts.items():
        quote = f' "{entry.evidence.quote}"' if entry.evidence else ""
        lines += report_wrap(f"{name} = {fact_value(entry.value)}:{quote}", 6, first="  + ")
    needed = [n for c in req.rule.spec.criteria for n in req.rule.documented_facts(f"criterion:{c.code}")]
    missing = [n for n in dict.fromkeys(needed) if n not in facts and catalog.vocabulary[n].source == "clinical"]
    if missing:
        lines.append("Not found in the note (confirm, or document):")
        for name in missing:
            lines += report_wrap(f"{name}: {catalog.vocabulary[name].question}", 6, first="  ? ")
    return case, lines + [""]


@main.command()
@click.argument("case", type=click.Path(dir_okay=False))
@click.option("--item", "item_no", type=int, default=None, help="Item number (1-based); default: every item.")
@FORMAT
@click.pass_obj
def explain(ctx: Context, case: str, item_no: int | None, fmt: str) -> None:
    """Every criterion of an item: verdict, citation, facts with evidence, what would change the outcome."""
    loaded = load_one_case(ctx, case)
    if item_no is not None and not 1 <= item_no <= len(loaded.items):
        click.echo(f"error: {case}: --item {item_no}: the case has items 1 to {len(loaded.items)}", err=True)
        sys.exit(2)
    checker = ctx.checker(what_if=True)
    indexes = [item_no] if item_no else range(1, len(loaded.items) + 1)
    results = [checker.check_item(loaded, i, loaded.items[i - 1]) for i in indexes]
    if fmt == "json":
        payload = [r.to_dict() for r in results]
        click.echo(to_json(payload[0] if item_no else payload))
    else:
        click.echo("\n\n".join("\n".join(explain_lines(r, ctx.catalog())) for r in results))


def collect_inputs(paths: tuple[str, ...]) -> tuple[list[Path], list[dict[str, str]], list[dict[str, str]]]:
    """Case files and letters named or found in folders (recursively); missing paths become errors,
    other files in folders are listed as skipped."""
    files: list[Path] = []
    errors: list[dict[str, str]] = []
    skipped: list[dict[str, str]] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            found = sorted(x for x in p.rglob("*") if x.is_file())
            readable = [x for x in found if x.suffix.lower() in INPUT_SUFFIXES]
            skipped += [{"input": str(x), "reason": "not a case file or letter (.yaml, .txt, .pdf)"} for x in found
                        if x.suffix.lower() not in INPUT_SUFFIXES and not x.name.startswith(".")]
            if not readable:
                errors.append({"input": raw, "reason": "folder holds no case files or letters"})
            files += readable
        elif p.is_file():
            if p.suffix.lower() in INPUT_SUFFIXES:
                files.append(p)
            else:
                kind = p.suffix or "(none)"
                errors.append({"input": raw, "reason": f"unsupported input type {kind}: expected a case file "
                                                       "(.yaml) or a letter (.txt, .pdf)"})
        else:
            errors.append({"input": raw, "reason": "no such file or folder"})
    return files, errors, skipped


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
@click.option("--quiet", is_flag=True, help="No progress bar (there is none either when stderr is not a terminal).")
@click.pass_obj
def audit(ctx: Context, paths: tuple[str, ...], fmt: str, workers: int, db: Path | None, executor: str,
          scheduler: str | None, retry_failed: bool, quiet: bool) -> None:
    """Predicted vs actual outcome for every item of the cases and folders given, with a confusion matrix.

    Exit 0 when all items agree, 1 when any disagrees or has no prediction, 2 when an input failed."""
    import tempfile
    from types import SimpleNamespace

    from .batch import Audit, Config, count_inputs, progress_bar, run_summary
    from .store import Store
    ctx.catalog()  # bad rules: exit 2 before any work
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(db or Path(tmp) / "audit.sqlite")
        bar = progress_bar(None, quiet)
        if bar is not None:
            bar.total = count_inputs(paths)
        job = Audit(store, Config(str(ctx.rules_dir), ctx.engine_name), workers, executor, scheduler, retry_failed,
                    on_progress=bar.update if bar is not None else (lambda n: None), context=ctx)
        try:
            run = job.run(list(paths))
        except InputError as exc:
            fail([exc])
        finally:
            if bar is not None:
                bar.close()
        summary = run_summary(store, run)
        summary["this_run"] = job.counts.as_dict()
        errors = [{"input": e["path"], "reason": e["reason"]} for e in store.run_inputs(run, "failed")]
        skipped = [{"input": e["path"], "reason": e["reason"]} for e in store.run_inputs(run, "skipped")]
        if fmt == "json":
            click.echo(to_json({"summary": summary, "items": list(_plain_rows(store.run_items(run))),
                                "errors": errors, "skipped": skipped}))
        elif fmt == "jsonl":
            for row in _plain_rows(store.run_items(run)):
                click.echo(json.dumps({"type": "item", **row}, default=str))
            for e in errors:
                click.echo(json.dumps({"type": "error", **e}))
            for e in skipped:
                click.echo(json.dumps({"type": "skipped", **e}))
            click.echo(json.dumps({"type": "summary", **summary}))
        else:
            rows = (SimpleNamespace(**row) for row in store.run_items(run))
            click.echo("\n".join(audit_lines(summary, rows, errors, skipped)))
        agree_all = summary["items_compared"] == summary["items"] == summary["agree"]
        store.close()
    if errors:
        sys.exit(2)
    sys.exit(0 if agree_all else 1)


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
def ingest(ctx: Context, letters: tuple[str, ...], out_dir: Path) -> None:
    """Read IMR letters (.txt, .pdf, folders) and write one case file each, for a person to correct and re-run.

    Exit 0 when every letter was read, 2 when any failed (the others are still written)."""
    import yaml

    from .cases import case_to_yaml_data
    files, errors, skipped = collect_inputs(letters)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = 0
    for path in files:
        if path.suffix.lower() not in LETTER_SUFFIXES:
            skipped.append({"input": str(path), "reason": "already a case file"})
            continue
        try:
            case = ctx.read(path)
        except InputError as exc:
            errors.append({"input": str(path), "reason": exc.detail()})
            continue
        target = out_dir / f"{path.stem}.yaml"
        header = (f"# Read by imrcheck from {path}. Facts were extracted from the clinical case summary and\n"
                  f"# the request text; correct them by hand and re-run `imrcheck check {target}`.\n")
        target.write_text(header + yaml.safe_dump(case_to_yaml_data(case), sort_keys=False, allow_unicode=True,
                                                  width=100))
        written += 1
        click.echo(f"wrote {target} ({len(case.items)} item(s))")
    for e in skipped:
        click.echo(f"skipped: {e['input']}: {e['reason']}")
    for e in errors:
        click.echo(f"error: {e['input']}: {e['reason']}", err=True)
    click.echo(f"{written} case file(s) written, {len(errors)} failed, {len(skipped)} skipped")
    sys.exit(2 if errors else 0)


@main.command()
@click.argument("code", required=False)
@FORMAT
@click.pass_obj
def rule(ctx: Context, code: str | None, fmt: str) -> None:
    """The rule catalog, or one rule (MTUS-CP-ESI) or criterion (ESI-001) in full."""
    catalog = ctx.catalog()
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
                   else "\n".join(rule_lines(r, catalog.vocabulary) + _example_lines(r, ctx)))
        return
    found = catalog.criterion(key)
    if found is None:
        click.echo(f"error: no rule or criterion {code!r} (see `imrcheck rule` for the catalog)", err=True)
        sys.exit(2)
    r, crit = found
    if fmt == "json":
        click.echo(to_json({"rule": r.id, **crit.model_dump(mode="json", by_alias=True, exclude_none=True)}))
    else:
        click.echo("\n".join(criterion_detail_lines(r, crit, catalog.vocabulary)))


def _example_lines(rule, ctx: Context) -> list[str]:
    """A certified and a non-certified example from the rule's own fixtures, as `imrcheck doc` shows."""
    from .ruledocs import examples
    lines: list[str] = []
    checker = ctx.checker()
    for label, fixture in zip(("certified", "not certified"), examples(rule, ctx.catalog())):
        if fixture is None:
            continue
        result = checker.check_facts(rule, fixture.facts, label=fixture.name)
        lines += ["", *report_wrap(f"example, {label}: {fixture.name}")]
        facts = "; ".join(f"{k} = {fact_value(v)}" for k, v in fixture.facts.items())
        lines += report_wrap(facts, 4, first="  facts: ")
        lines += report_wrap(", ".join(f"{c.code} {c.verdict.replace('_', ' ')}" for c in result.criteria), 4,
                             first="  verdicts: ")
        lines.append(f"  decision: {result.decision}")
    return lines


@main.command()
@click.argument("cases", nargs=-1)
@FORMAT
@click.pass_obj
def lint(ctx: Context, cases: tuple[str, ...], fmt: str) -> None:
    """Validate every rule file (and any case files given); report every problem, not only the first.

    Exit 0 when clean, 1 when problems were found."""
    problems: list[InputError] = []
    catalog = None
    try:
        catalog = load_catalog(ctx.rules_dir)
    except InputError as exc:
        problems.append(exc)
    except InputErrors as exc:
        problems.extend(exc.errors)
    if cases and catalog is None:
        problems.append(InputError(None, "case files not checked: the rules did not load"))
    elif cases:
        files, errors, _ = collect_inputs(cases)
        problems += [InputError(e["input"], e["reason"]) for e in errors]
        for path in files:
            try:
                load_case(path, catalog.vocabulary, catalog.treatments)
            except InputError as exc:
                problems.append(exc)
    if fmt == "json":
        click.echo(to_json({"problems": [{"file": p.path, "line": p.line, "field": p.field, "message": p.message}
                                         for p in problems]}))
    else:
        for p in problems:
            click.echo(p.one_line())
        click.echo(f"{len(problems)} problem(s) in {len(rule_files(ctx.rules_dir))} rule file(s)"
                   + (f", {len(cases)} case input(s) checked" if cases else ""))
    sys.exit(1 if problems else 0)


@main.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json", "junit"]), default="text", show_default=True)
@click.option("--diff", "ref", default=None, metavar="REF",
              help="Show which fixtures and which cases/letters change outcome against the rules at git REF.")
@click.option("--cases", "case_paths", multiple=True, type=click.Path(),
              help="With --diff: cases or letters to compare (default: ../shared/corpus/letters if present).")
@click.pass_obj
def verify(ctx: Context, fmt: str, ref: str | None, case_paths: tuple[str, ...]) -> None:
    """Run every rule's fixtures (the test cases beside each rule file) and check their coverage.

    Exit 0 when every fixture passes and every criterion is shown met, not met and not documented.
    With --diff REF: list what changes outcome against the rules at REF (exit 1 when anything does)."""
    from .verify import junit_xml, run_fixtures
    if ref is not None:
        _verify_diff(ctx, ref, case_paths, fmt)
    results, gaps = run_fixtures(ctx.catalog(), ctx.checker())
    if fmt == "json":
        click.echo(to_json({"fixtures": [r.__dict__ for r in results], "coverage_gaps": gaps}))
    elif fmt == "junit":
        click.echo(junit_xml(results, gaps))
    else:
        for r in results:
            click.echo(f"{'pass' if r.passed else 'FAIL'}  {r.rule}  {r.name}")
            for p in r.problems:
                click.echo(f"        {p}")
        for g in gaps:
            click.echo(f"gap   {g}")
        failed = sum(not r.passed for r in results)
        click.echo(f"{len(results) - failed} passed, {failed} failed; {len(gaps)} coverage gap(s)")
    sys.exit(1 if gaps or any(not r.passed for r in results) else 0)


@main.command()
@click.option("-o", "--output", "out_dir", type=click.Path(file_okay=False, path_type=Path), required=True)
@click.pass_obj
def doc(ctx: Context, out_dir: Path) -> None:
    """Write one Markdown page per rule (criteria, citations, questions, examples) and an index."""
    from .ruledocs import write_docs
    pages = write_docs(ctx.catalog(), ctx.checker(), out_dir)
    click.echo(f"wrote {len(pages)} page(s) to {out_dir} (start at {pages[0]})")


def _verify_diff(ctx: Context, ref: str, case_paths: tuple[str, ...], fmt: str) -> None:
    import tempfile

    from .verify import fixture_changes, item_changes, rules_at
    if not case_paths:
        corpus = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "letters"
        case_paths = (str(corpus),) if corpus.is_dir() else ()
    with tempfile.TemporaryDirectory() as tmp:
        try:
            old_dir = rules_at(ref, ctx.rules_dir, Path(tmp))
            old_catalog = load_catalog(old_dir)
        except InputError as exc:
            fail([exc])
        except InputErrors as exc:
            fail(exc.errors)
        new = ctx.checker()
        old = Checker(old_catalog, make_evaluator(ctx.engine_name))
        fixtures = fixture_changes(old, new)
        files, errors, _ = collect_inputs(case_paths) if case_paths else ([], [], [])
        cases = []
        for path in files:
            try:
                cases.append(ctx.read(path))
            except InputError as exc:
                errors.append({"input": str(path), "reason": exc.detail()})
        items = item_changes(cases, old, new)
    if fmt == "json":
        click.echo(to_json({"ref": ref, "fixtures": fixtures, "items": items, "errors": errors}))
    else:
        click.echo(f"against the rules at {ref}: {len(fixtures)} fixture(s) and {len(items)} of "
                   f"{sum(len(c.items) for c in cases)} item(s) in {len(cases)} case(s) change")
        for f in fixtures:
            click.echo(f"fixture  {f['rule']}  {f['fixture']}: {f['before']} -> {f['after']}")
            for line in f["criteria"]:
                click.echo(f"           {line}")
        for i in items:
            click.echo(f"item     {i['case']} #{i['index']} {i['item']}: {i['before']} -> {i['after']}"
                       f" (actual {i['actual'] or '-'})")
            for line in i["criteria"]:
                click.echo(f"           {line}")
        for e in errors:
            click.echo(f"error: {e['input']}: {e['reason']}", err=True)
    sys.exit(1 if fixtures or items else 0)


@main.command()
@click.argument("treatment")
@click.option("--date", "day", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Request date (picks the guideline edition in force); default today.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text", show_default=True)
@click.pass_obj
def requirements(ctx: Context, treatment: str, day, fmt: str) -> None:
    """The documentation checklist for a treatment (a code, or free text like "lumbar ESI L4-5 x2")."""
    from .presubmit import checklist, checklist_markdown, resolve
    catalog = ctx.catalog()
    try:
        req = resolve(catalog, treatment, day.date() if day else None)
    except InputError as exc:
        click.echo(f"error: {exc.message}", err=True)
        sys.exit(2)
    data = checklist(req, catalog)
    if fmt == "json":
        click.echo(to_json(data))
    elif fmt == "markdown":
        click.echo(checklist_markdown(data))
    else:
        click.echo("\n".join(requirement_lines(data)))


def requirement_lines(data: dict[str, Any]) -> list[str]:
    lines = report_wrap(f"{data['name']} ({data['treatment']}): {data['rule']} {data['title']} "
                        f"[{data['guideline']}, {data['edition']}]")
    lines += report_wrap(f"{data['selection']}; status {data['status'].replace('_', ' ')} "
                         f"({data['status_citation']})", 2)
    if data["request_attributes"]:
        lines += report_wrap("from the request: " + "; ".join(
            f"{k} = {fact_value(v)}" for k, v in data["request_attributes"].items()), 2)
    for c in data["criteria"]:
        role = "" if c["role"] == "required" else f" ({c['role']})"
        lines += ["", *report_wrap(f"{c['code']} {c['title']}{role}")]
        lines += report_wrap(c["citation"], 2)
        if c["applies_when"]:
            lines += report_wrap(f"only when: {c['applies_when']}", 2)
        for q in c["questions"]:
            known = f" [request: {fact_value(q['from_request'])}]" if q["from_request"] is not None else ""
            lines += report_wrap(f"{q['question']} ({q['fact']}){known}", 6, first="  [ ] ")
    return lines


@main.command()
@click.argument("treatment")
@click.option("-o", "--output", "out", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--case-id", default=None, help="Case name (default: the output file's name).")
@click.option("--date", "day", type=click.DateTime(["%Y-%m-%d"]), default=None)
@click.option("--no-input", is_flag=True, help="Do not prompt; take answers from --answers.")
@click.option("--answers", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="YAML mapping of fact name to value (with --no-input, or to pre-fill).")
@click.pass_obj
def new(ctx: Context, treatment: str, out: Path, case_id: str | None, day, no_input: bool,
        answers: Path | None) -> None:
    """Build a case file by answering only the questions the treatment's criteria need.

    Answer y / n for yes-no questions, a value otherwise, and ? (or nothing) for not documented."""
    import yaml

    from .cases import load_case
    from .presubmit import case_data, parse_answer, questionnaire, resolve
    from .yamlio import load_yaml
    catalog = ctx.catalog()
    try:
        req = resolve(catalog, treatment, day.date() if day else None)
        given = _answers(load_yaml(answers), catalog) if answers else {}
    except InputError as exc:
        fail([exc])

    def ask(spec) -> Any:
        if no_input:
            return None
        hint = {"bool": "y/n/?", "enum": "/".join(spec.values or []) + "/?", "levels": "e.g. L4-L5, L5-S1, or ?"}
        while True:
            text = click.prompt(f"{spec.question} [{hint.get(spec.type.value, '?')}]", default="",
                                show_default=False)
            try:
                return parse_answer(spec, text)
            except ValueError as exc:
                click.echo(f"  {exc}", err=True)

    if not no_input:
        click.echo(f"{req.rule.id}: {req.rule.spec.title} ({req.selection}). Answer ? when not documented.")
    facts = questionnaire(req, catalog, ask, given)
    data = case_data(req, catalog, facts, case_id or out.stem)
    out.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    load_case(out, catalog.vocabulary, catalog.treatments)  # what we wrote must read back
    click.echo(f"wrote {out}; next: imrcheck check {out}")


def _answers(data: Any, catalog: Catalog) -> dict[str, Any]:
    from .facts import coerce_value
    if not isinstance(data, dict):
        raise InputError(None, "answers must be a mapping of fact name to value", field="--answers")
    out = {}
    for name, value in data.items():
        if name not in catalog.vocabulary or catalog.vocabulary[name].source == "derived":
            raise InputError(None, f"unknown fact {name!r}", field=f"--answers.{name}")
        if value is not None:
            try:
                out[name] = coerce_value(catalog.vocabulary[name], value)
            except ValueError as exc:
                raise InputError(None, f"{name}: {exc}", field=f"--answers.{name}") from None
    return out


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
def report(ctx: Context, db: Path | None, from_json: tuple[Path, ...], out: Path, exports: Path | None,
           ruleset: str | None, max_drilldowns: int) -> None:
    """Reviewer consistency report: agreement by group, discordant items, inconsistent reviews, reasons.

    Exit 0 when written, 2 on bad input."""
    import datetime as dt
    from collections import Counter

    from .consistency import analyze
    from .html_report import write_report
    if bool(db) == bool(from_json):
        click.echo("error: give either --db FILE or --from-json FILE", err=True)
        sys.exit(2)
    inputs = None
    if db:
        from .store import Store
        store = Store(db)
        analysis = analyze(store.items(ruleset), _catalog_criteria(ctx))
        inputs = Counter(i["status"] for i in store.inputs())
        source = f"store {db}"
    else:
        try:
            rows = [row for path in from_json for row in _json_rows(path)]
        except (OSError, ValueError) as exc:
            fail([InputError(None, f"cannot read the audit JSON: {exc}", field="--from-json")])
        analysis = analyze(rows, _catalog_criteria(ctx))
        source = "audit output " + ", ".join(str(p) for p in from_json)
    if inputs is not None:
        source += " (inputs: " + ", ".join(f"{n:,} {s}" for s, n in sorted(inputs.items())) + ")"
    written = write_report(analysis, out, source, dt.datetime.now().isoformat(timespec="minutes"), exports,
                           max_drilldowns)
    t = analysis["totals"]
    click.echo(f"report written to {out}: {t['items']} item(s), {t['discordant']} discordant, "
               f"{len(analysis['inconsistent'])} inconsistent group(s)"
               + (f"; {len(written) - 1} export file(s) in {exports}" if exports else ""))


def _json_rows(path: Path) -> list[dict[str, Any]]:
    """Item rows from `audit --format json` ({"items": [...]}) or `--format jsonl` (lines of type item)."""
    text = path.read_text(encoding="utf-8")
    if text.lstrip().startswith("{") and '"items"' in text[:200_000]:
        try:
            data = json.loads(text)
        except json.JSONDecodeError:
            data = None
        if isinstance(data, dict) and isinstance(data.get("items"), list):
            return data["items"]
    rows = [json.loads(line) for line in text.splitlines() if line.strip()]
    if not all(isinstance(r, dict) for r in rows):
        raise ValueError(f"{path}: expected audit JSON or JSON lines")
    return [{k: v for k, v in r.items() if k != "type"} for r in rows if r.get("type") == "item"]


def _catalog_criteria(ctx: Context) -> dict[str, Any] | None:
    """Criterion code -> criterion, from the rules (None, with a warning, when they do not load)."""
    try:
        catalog = load_catalog(ctx.rules_dir)
    except (InputError, InputErrors):
        click.echo("warning: the rules did not load; unconfirmed criteria are weighed like confirmed ones", err=True)
        return None
    return {c.code: c for r in catalog.rules.values() for c in r.spec.criteria}
