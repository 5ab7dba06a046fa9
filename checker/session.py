"""The session: what every front end (the command line, the web page, the batch workers, the Python API) needs,
built once and on first use: the validated catalog, the evaluator, the fact extractor, and reading an input into
a case. It raises InputError / InputErrors / UsageError and never exits: front ends map those to their own
conventions (exit codes, HTTP status)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from checker.config import Settings, check_rules_dir
from checker.errors import InputError, UsageError

if TYPE_CHECKING:
    import datetime as dt

    from checker.evaluation.checker import Checker
    from checker.evaluation.engine import Evaluator
    from checker.reading.cases import Case
    from checker.reading.extraction import Extractor
    from checker.ruleset.rules import Catalog


def make_evaluator(name: str) -> "Evaluator":
    """A new evaluator: durable = the durable_rules engine, reference = the plain-Python evaluator."""
    if name == "reference":
        from checker.evaluation.engine import ReferenceEvaluator
        return ReferenceEvaluator()
    if name != "durable":
        raise UsageError(f"unknown engine {name!r} (durable or reference)")
    try:
        from checker.evaluation.durable import DurableEvaluator
    except ImportError as exc:
        raise UsageError(f"cannot load the durable engine: {exc} (try --engine reference)") from None
    return DurableEvaluator()


class Session:
    """One configuration's catalog, extractor and checkers."""

    def __init__(self, settings: Settings, use_cache: bool = True):
        self.settings = settings
        self.use_cache = use_cache
        self._catalog: Catalog | None = None
        self._extractor: Extractor | None = None

    @property
    def rules_dir(self) -> Path:
        return self.settings.rules_dir

    @property
    def engine(self) -> str:
        return self.settings.engine

    def catalog(self) -> "Catalog":
        """The validated catalog (InputErrors listing every problem when the rules do not load)."""
        if self._catalog is None:
            check_rules_dir(self.settings)
            if self.use_cache:
                from checker.ruleset.cache import load_cached_catalog
                self._catalog = load_cached_catalog(self.rules_dir)
            else:
                from checker.ruleset.rules import load_catalog
                self._catalog = load_catalog(self.rules_dir)
        return self._catalog

    def checker(self, what_if: bool = False) -> "Checker":
        from checker.evaluation.checker import Checker
        return Checker(self.catalog(), make_evaluator(self.engine), what_if=what_if)

    def extractor(self) -> "Extractor":
        if self._extractor is None:
            from checker.reading.extraction import Extractor
            catalog = self.catalog()
            self._extractor = Extractor(self.rules_dir, catalog.vocabulary, set(catalog.treatments.treatments),
                                        catalog.treatments, cache=self.use_cache)
        return self._extractor

    def read(self, path: str | Path) -> "Case":
        """A case file, or an IMR letter (.txt/.pdf) read into a case; InputError when it cannot be read."""
        from checker.reading.cases import case_from_letter, load_case
        from checker.reading.inputs import is_letter
        catalog = self.catalog()
        if is_letter(path):
            from checker.reading.letters import read_letter
            return case_from_letter(read_letter(path), self.extractor(), catalog.treatments, catalog.vocabulary)
        return load_case(path, catalog.vocabulary, catalog.treatments)

    def read_note(self, path: str | Path, treatment: str):
        """A treating office's progress note (PR-2) as a one-item case for `treatment` (a code or free text),
        the ResolvedTreatment the treatment resolves to, and the note's layout (sections, date of service)."""
        try:
            text = Path(path).read_text(encoding="utf-8", errors="replace")
        except OSError as exc:
            raise InputError(path, exc.strerror or str(exc)) from None
        return self.note_case(Path(path).stem, text, treatment)

    def note_case(self, name: str, text: str, treatment: str, date: dt.date | None = None):
        """`read_note` for a note's text (the web page's pasted note): the case named `name`, the treatment, the
        layout. `date` is the date of service when given (else the note's own, else today)."""
        from checker.evaluation.selection import resolve_treatment
        from checker.reading.cases import case_from_note
        catalog = self.catalog()
        req = resolve_treatment(catalog, treatment, None)
        case = case_from_note(name, text, req.request.text, req.treatment, self.extractor(), catalog, date)
        return case, req, self.extractor().layout(text)
