"""Reviewer consistency over many audited items: agreement of predicted vs actual by group, the discordant
items ranked by how clear the disagreement is (each resting on documented evidence or on missing
documentation), items with the same treatment and decisive facts but opposite outcomes, and the reasons
reviewers give against the criteria the checker found unmet.

Conditional decisions (an ancillary item whose operation is in dispute in the same letter, decided as if it were
certified) are counted apart: they are not in the agreement figures, the discordant items or the inconsistent
groups, since the reviewer decides them with the operation.

Works on any iterable of `comparison.item_row` dicts (the store, or `audit --format json` items), in one
pass; memory grows with the number of groups and discordant items, not with the number of rows."""

from __future__ import annotations

import heapq
import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

from checker.audit.comparison import Tally

# How much each blocking verdict says the item should have been Upheld: a criterion shown not met is a
# clearer disagreement than one the letter merely does not document; an unconfirmed criterion counts half.
VERDICT_WEIGHT = {"not_met": 3.0, "not_documented": 1.0}
STATUS_WEIGHT = 3.0  # the guideline does not recommend the treatment at all
MET_WEIGHT = 1.0
NAMED_MET_WEIGHT = 3.0  # the reviewer names as unmet a criterion the checker found met
UNCONFIRMED_FACTOR = 0.5

GROUPINGS = ("family", "guideline", "chapter", "specialty", "month")
NO_VALUE = "(none)"
MEMBERS_KEPT = 10  # items listed per outcome in an inconsistent group (the counts are complete)


@lru_cache(maxsize=65536)
def cited_guideline(text: str | None) -> tuple[str, str]:
    """The guideline the letter says the decision was based on, as (MTUS | ODG | other | none, chapter):
    the first citation wins, e.g. ("MTUS", "MTUS Low Back Complaints 2004"), ("ODG", "ODG Knee & Leg")."""
    if not text or re.search(r"did not cite any", text, re.IGNORECASE):
        return "none", "(no citation)"
    text = " ".join(text.split())
    found = []
    mtus = re.search(r"(?<![-\w])MTUS\b(?!\s+Guidelines)\s*(.{0,70})", text)
    if mtus:
        found.append((mtus.start(), "MTUS", f"MTUS {_chapter(mtus.group(1), _MTUS_DOCUMENTS, _year(mtus.group(1)))}"))
    odg = re.search(r"\bODG\b\)?\s*(.{0,60})", text)
    if odg:
        found.append((odg.start(), "ODG", f"ODG {_chapter(odg.group(1), _ODG_CHAPTERS)}"))
    if found:
        _, guideline, chapter = min(found)
        return guideline, chapter
    return "other", "Other (non-MTUS, non-ODG)"


_MTUS_DOCUMENTS = (("chronic pain", "Chronic Pain Medical Treatment"),
                   ("low back|chapter 12\\b", "Low Back Complaints"), ("neck", "Neck and Upper Back Complaints"),
                   ("shoulder", "Shoulder Complaints"),
                   ("elbow", "Elbow Complaints"), ("forearm|wrist|hand", "Forearm, Wrist, and Hand Complaints"),
                   ("knee", "Knee Complaints"), ("ankle|foot", "Ankle and Foot Complaints"),
                   ("general approaches", "General Approaches"), ("acupuncture", "Acupuncture Treatment"),
                   ("postsurgical", "Postsurgical Treatment"), ("opioid", "Opioid Treatment"))
_ODG_CHAPTERS = (("low back", "Low Back"), ("neck", "Neck and Upper Back"), ("shoulder", "Shoulder"),
                 ("elbow", "Elbow"), ("wrist|hand|forearm|carpal", "Forearm, Wrist & Hand"),
                 ("hip|pelvis", "Hip & Pelvis"), ("knee", "Knee & Leg"), ("ankle|foot", "Ankle & Foot"),
                 ("head", "Head"), ("hernia", "Hernia"), ("mental|stress", "Mental Illness & Stress"),
                 ("pain", "Pain"))


def _year(after: str) -> str | None:
    """The edition year written right after the document name ("Low Back Complaints 2004, Section(s)...")."""
    found = re.match(r"[A-Za-z&,\s]*?\b((?:19|20)\d\d)\b", after)
    return found.group(1) if found else None


def _chapter(after: str, names: tuple[tuple[str, str], ...], year: str | None = None) -> str:
    """The first known document or chapter named in the text after the guideline's name."""
    low = after.lower()
    hits = [(m.start(), name) for pattern, name in names for m in [re.search(rf"\b(?:{pattern})", low)] if m]
    if not hits:
        return "(chapter not named)"
    name = min(hits)[1]
    return f"{name} {year}" if year else name


@lru_cache(maxsize=4096)
def primary_specialty(text: str | None) -> str:
    """The reviewer's first listed board specialty ("Physical Medicine & Rehabilitation, Pain Management" ->
    "Physical Medicine & Rehabilitation"), with the letters' spelling variants ("Physical Medicine Rehab") merged."""
    if not text or not text.strip():
        return NO_VALUE
    first = " ".join(text.split(",")[0].split())
    first = re.sub(r"\s*&\s*|\s+and\s+", " & ", first)
    first = re.sub(r"\bRehab\b\.?", "Rehabilitation", first, flags=re.IGNORECASE)
    return re.sub(r"^Physical Medicine (?!&)", "Physical Medicine & ", first, flags=re.IGNORECASE)


def group_keys(row: Mapping[str, Any]) -> dict[str, str]:
    guideline, chapter = cited_guideline(row.get("maximus_guideline"))
    date = row.get("decision_date")
    return {"family": row.get("family") or "(no code)", "guideline": guideline, "chapter": chapter,
            "specialty": primary_specialty(row.get("reviewer_specialty")),
            "month": str(date)[:7] if date else NO_VALUE}


def decision_basis(row: Mapping[str, Any]) -> str | None:
    """The row's decision basis (checker.evaluation.verdicts.decision_basis); for rows written before it was
    recorded, read from the row's verdicts."""
    if row.get("decision_basis") is not None or row.get("decision") is None:
        return row.get("decision_basis")
    if row["decision"] == "certify":
        return "certified"
    documented = "STATUS" in (row.get("reasons") or []) or any(
        c.get("blocking") and c.get("verdict") == "not_met" for c in row.get("criteria") or [])
    return "not_medically_necessary" if documented else "insufficient_documentation"


def discordance(row: Mapping[str, Any], criteria: Mapping[str, Any] | None = None) -> dict[str, Any] | None:
    """How clearly the reviewer's outcome contradicts the criteria, or None when they agree (or either is
    unknown). Overturned although criteria were unmet: each blocking criterion scores by its verdict
    (not met 3, not documented 1), a `not_recommended` status 3. Upheld although all were met: each met
    criterion scores 1, and 3 more when the reviewer's rationale names it. Unconfirmed criteria count half.
    `basis`: "documented" when the checker's decision rests on documented evidence (criteria documented met, or
    one documented not met), "missing_documentation" when it rests only on what the record does not document."""
    predicted, actual = row.get("predicted"), row.get("actual")
    if predicted is None or actual is None or predicted == actual:
        return None

    def weight(code: str) -> float:
        known = (criteria or {}).get(code)
        return 1.0 if known is None or known.confirmed else UNCONFIRMED_FACTOR

    verdicts = row.get("criteria") or []
    if actual == "overturned":
        blocking = [c for c in verdicts if c.get("blocking")]
        score = sum(VERDICT_WEIGHT.get(c["verdict"], 0.0) * weight(c["code"]) for c in blocking)
        status = "STATUS" in (row.get("reasons") or [])
        score += STATUS_WEIGHT if status else 0.0
        not_met = [c["code"] for c in blocking if c["verdict"] == "not_met"]
        undocumented = [c["code"] for c in blocking if c["verdict"] == "not_documented"]
        parts = ([f"{len(not_met)} not met ({', '.join(not_met)})"] if not_met else []) + \
                ([f"{len(undocumented)} not documented ({', '.join(undocumented)})"] if undocumented else []) + \
                (["guideline does not recommend the treatment"] if status else [])
        basis = "missing_documentation" if decision_basis(row) == "insufficient_documentation" else "documented"
        return {"kind": "overturned_unmet", "basis": basis, "score": round(score, 2), "not_met": len(not_met),
                "not_documented": len(undocumented), "why": "Overturned although " + "; ".join(parts)}
    met = [c["code"] for c in verdicts if c.get("verdict") == "met"]
    named = set((row.get("reason_agreement") or {}).get("reviewer") or []) & set(met)
    score = sum(MET_WEIGHT * weight(c) for c in met) + sum(NAMED_MET_WEIGHT * weight(c) for c in named)
    why = f"Upheld although all criteria were met ({len(met)} met"
    why += f"; the reviewer names {', '.join(sorted(named))} as unmet)" if named else ")"
    return {"kind": "upheld_met", "basis": "documented", "score": round(score, 2), "not_met": 0, "not_documented": 0,
            "why": why}


def decisive_facts(row: Mapping[str, Any]) -> dict[str, Any]:
    """The facts the deciding rule's criteria consulted, with their values (None = not documented)."""
    return dict(sorted((row.get("facts") or {}).items()))


def _signature(row: Mapping[str, Any]) -> tuple[str, str, str] | None:
    facts = decisive_facts(row)
    if row.get("rule") is None or not any(v is not None for v in facts.values()):
        return None  # nothing documented: "same facts" would only mean "nothing known"
    return row["treatment"], row["rule"], json.dumps(facts, sort_keys=True, default=str)


def _ref(row: Mapping[str, Any]) -> dict[str, Any]:
    return {"case": row.get("case"), "index": row.get("index"), "item": row.get("item"),
            "treatment": row.get("treatment"),
            "actual": row.get("actual"), "predicted": row.get("predicted"),
            "specialty": row.get("reviewer_specialty"), "decision_date": row.get("decision_date")}


class _Conditional:
    """The conditional decisions, counted apart, each with the reviewer's outcome on its operation (an item of the
    same case: rows come in case order, so it is looked up among the case's rows once the case is over)."""

    def __init__(self, keep: int | None):
        self.tally = Tally(track_conditional=False)
        self.keep = keep
        self.items: list[dict[str, Any]] = []
        self.disagree = 0
        self.surgery: Counter = Counter()  # compared items by the operation's actual outcome
        self._case: Any = None
        self._actual: dict[Any, str | None] = {}
        self._pending: list[dict[str, Any]] = []

    def see(self, row: Mapping[str, Any]) -> None:
        """Every row, in order (to know each case's outcomes)."""
        if row.get("case") != self._case:
            self._settle()
            self._case, self._actual = row.get("case"), {}
        self._actual[row.get("index")] = row.get("actual")

    def add(self, row: Mapping[str, Any]) -> None:
        actual, predicted = row.get("actual"), row.get("predicted")
        self.tally.add(actual, predicted, True, 1, decision_basis(row))
        on = row.get("conditional_on") or {}
        record = {**_ref(row), "decision_basis": decision_basis(row), "surgery_item": on.get("item"),
                  "surgery_request": on.get("request"), "surgery_actual": None,
                  "agree": None if actual is None or predicted is None else actual == predicted}
        self.disagree += record["agree"] is False
        self._pending.append(record)

    def _settle(self) -> None:
        for record in self._pending:
            record["surgery_actual"] = self._actual.get(record["surgery_item"])
            if record["agree"] is not None:
                self.surgery[record["surgery_actual"] or "unknown"] += 1
            if self.keep is None or len(self.items) < self.keep:
                self.items.append(record)
        self._pending = []

    def totals(self) -> dict[str, Any]:
        self._settle()
        return {"items": self.tally._cells(), "compared": self.tally.compared, "agree": self.tally.agree,
                "disagree": self.disagree, "agreement": self.tally.agreement(),
                "decision_basis": dict(self.tally.bases),
                "compared_by_surgery_outcome": {k: self.surgery[k] for k in ("overturned", "upheld", "unknown")}}


def analyze(rows: Iterable[Mapping[str, Any]], criteria: Mapping[str, Any] | None = None,
            top_discordant: int | None = None) -> dict[str, Any]:
    """The consistency analysis of item rows. `criteria` maps criterion codes to the catalog's criteria
    (anything with `title` and `confirmed`): unconfirmed criteria weigh half, and criteria the rows do not
    show (not applicable) get their titles. `top_discordant` keeps only the clearest N discordant items in
    full (the counts are always complete)."""
    tallies: dict[str, dict[str, Tally]] = {g: {} for g in GROUPINGS}
    overall = Tally()
    discordant: list[tuple[tuple, int, dict[str, Any]]] = []
    discordant_kinds: Counter = Counter()
    signatures: dict[tuple[str, str, str], dict[str, Any]] = {}
    unmet: dict[str, Counter] = {}
    titles: dict[str, str] = {code: c.title for code, c in (criteria or {}).items()}
    reasons: dict[str, Counter] = {}
    ra_items = Counter()
    conditional = _Conditional(top_discordant)
    unconfirmed: list[dict[str, Any]] = []  # no decision: the rule's criteria are all unconfirmed
    unconfirmed_outcomes: Counter = Counter()
    for n, row in enumerate(rows):
        actual, predicted = row.get("actual"), row.get("predicted")
        conditional.see(row)
        independent = not row.get("conditional_on")
        if independent:
            overall.add(actual, predicted)
            for grouping, key in group_keys(row).items():
                tally = tallies[grouping].get(key) or tallies[grouping].setdefault(key, Tally())
                tally.add(actual, predicted)
        else:
            conditional.add(row)
        if decision_basis(row) == "criteria_unconfirmed":
            unconfirmed_outcomes[actual or "unknown"] += 1
            if top_discordant is None or len(unconfirmed) < top_discordant:
                unconfirmed.append({**_ref(row), "rule": row.get("rule"), "edition": row.get("edition")})
        for c in row.get("criteria") or []:
            titles.setdefault(c["code"], c.get("title") or "")
            if c.get("blocking"):
                unmet.setdefault(c["code"], Counter())[c["verdict"]] += 1
        ra = row.get("reason_agreement")
        if ra is not None:
            ra_items["with_rationale"] += 1
            if ra.get("reviewer"):
                ra_items["reviewer_named"] += 1
                ra_items["agree"] += bool(ra.get("agree"))
            for code in ra.get("reviewer") or []:
                counts = reasons.setdefault(code, Counter())
                counts["named"] += 1
                counts["checker_unmet"] += code in (ra.get("shared") or [])
                counts["overturned"] += row.get("actual") == "overturned"
        found = discordance(row, criteria) if independent else None
        if found is not None:
            discordant_kinds[found["kind"]] += 1
            discordant_kinds[found["basis"]] += 1
            entry = (found["score"], found["not_met"], -n)
            record = {**found, **_ref(row), "row": _drill_down(row)}
            if top_discordant is None or len(discordant) < top_discordant:
                heapq.heappush(discordant, (entry, n, record))
            elif entry > discordant[0][0]:
                heapq.heapreplace(discordant, (entry, n, record))
        sig = _signature(row) if independent else None
        if sig is not None and row.get("actual") is not None:
            group = signatures.setdefault(sig, {"upheld": 0, "overturned": 0, "predicted": row.get("predicted"),
                                                "members": []})
            group[row["actual"]] += 1
            if group[row["actual"]] <= MEMBERS_KEPT:
                group["members"].append(_ref(row))
    ranked = [r for _, _, r in sorted(discordant, key=lambda t: t[0], reverse=True)]
    for rank, r in enumerate(ranked, 1):
        r["rank"] = rank
    return {
        "totals": {**overall.group(),
                   "discordant": discordant_kinds["overturned_unmet"] + discordant_kinds["upheld_met"],
                   "overturned_unmet": discordant_kinds["overturned_unmet"],
                   "upheld_met": discordant_kinds["upheld_met"],
                   "discordant_documented": discordant_kinds["documented"],
                   "discordant_missing_documentation": discordant_kinds["missing_documentation"],
                   "discordant_shown": len(ranked), "conditional": conditional.totals(),
                   "criteria_unconfirmed": {"items": sum(unconfirmed_outcomes.values()),
                                            **{k: unconfirmed_outcomes[k] for k in ("upheld", "overturned",
                                                                                    "unknown")}}},
        "agreement": {g: [{"group": k, **v.group()} for k, v in sorted(tallies[g].items())]
                      for g in GROUPINGS},
        "discordant": ranked,
        "conditional": conditional.items,
        "criteria_unconfirmed": unconfirmed,
        "inconsistent": _inconsistent(signatures),
        "unmet_criteria": sorted(({"code": code, "title": titles.get(code, ""), "not_met": c["not_met"],
                                   "not_documented": c["not_documented"],
                                   "blocking": c["not_met"] + c["not_documented"]} for code, c in unmet.items()),
                                 key=lambda r: (-r["blocking"], r["code"])),
        "reasons": {
            "items_with_rationale": ra_items["with_rationale"],
            "items_reviewer_named_criteria": ra_items["reviewer_named"],
            "items_reasons_match": ra_items["agree"],
            "match_rate": (round(ra_items["agree"] / ra_items["reviewer_named"], 4)
                           if ra_items["reviewer_named"] else None),
            "by_criterion": sorted(({"code": code, "title": titles.get(code, ""), "named": c["named"],
                                     "checker_unmet": c["checker_unmet"],
                                     "match_rate": round(c["checker_unmet"] / c["named"], 4),
                                     "overturned": c["overturned"]} for code, c in reasons.items()),
                                   key=lambda r: (-r["named"], r["code"])),
        },
    }


def _inconsistent(signatures: dict[tuple[str, str, str], dict[str, Any]]) -> list[dict[str, Any]]:
    """Groups of items with the same treatment, rule and decisive facts whose actual outcomes differ, the
    most documented (most facts known) and largest first."""
    groups = []
    for (treatment, rule, facts_json), g in signatures.items():
        if not (g["upheld"] and g["overturned"]):
            continue
        facts = json.loads(facts_json)
        groups.append({"treatment": treatment, "rule": rule, "facts": facts,
                       "documented_facts": sum(v is not None for v in facts.values()),
                       "items": g["upheld"] + g["overturned"], "upheld": g["upheld"],
                       "overturned": g["overturned"], "predicted": g["predicted"], "members": g["members"]})
    groups.sort(key=lambda g: (-g["documented_facts"], -g["items"], g["treatment"], g["rule"]))
    for n, g in enumerate(groups, 1):
        g["group"] = n
    return groups


def _drill_down(row: Mapping[str, Any]) -> dict[str, Any]:
    """What the report shows side by side for a discordant item."""
    shown = {k: row.get(k) for k in ("case", "index", "item", "treatment", "family", "rule", "guideline",
                                      "edition", "decision", "predicted", "actual", "reasons", "criteria",
                                      "facts", "reviewer_specialty", "decision_date", "maximus_guideline",
                                      "rationale", "reason_agreement")}
    return {**shown, "decision_basis": decision_basis(row)}


def rows_from_audit_json(path) -> list[dict[str, Any]]:
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
