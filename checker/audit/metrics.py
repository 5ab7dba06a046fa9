"""The auditor's figures over audited items, per treatment family and in total: balanced accuracy, overturns
caught (actual Overturned, predicted Overturned), false overturns (actual Upheld, predicted Overturned), and
the reason agreement: the share of Upheld items with a prediction whose reviewer's reason (a criterion of the deciding rule that
the rationale names, by the criterion's `reviewer_phrases`, as the audit reads it) is among the checker's
blocking criteria.

The reason agreement is set against a baseline from the same rows: each Upheld item is given the rationale of
another Upheld item of the same family (a seeded random permutation within the family, repeated), read with
the item's own rule's phrases. Agreement above the shuffled interval says the checker blocks for the reasons
reviewers give for that item, not merely for the reasons they give often. Deterministic: rows are taken in
(case, index) order and the permutations come from a seeded generator.

An item decided "if the surgery is certified" (`conditional_on`: an ancillary whose surgery the same letter
disputes) rests on the checker's reading of another item, not on its own criteria alone: it is counted apart,
under "(conditional)", and in no family or total, so it is never an independent discordance.

Works on item rows (`comparison.item_row`: the store, or `audit --format json` items) and a map of rule ->
criterion -> reviewer phrases, so another checkout's audit can be measured with that checkout's rules."""

from __future__ import annotations

import random
import statistics
from typing import Any, Iterable, Mapping

from checker.audit.comparison import Tally, named_criteria
from checker.ruleset.rules import Catalog

SHUFFLES = 200
SEED = 13
TOTAL = "(total)"
CONDITIONAL = "(conditional)"
_KEPT = ("case", "index", "item", "family", "actual", "predicted", "rule", "rationale", "criteria", "conditional_on")
Phrases = Mapping[str, Mapping[str, list[str]]]  # rule id -> criterion code -> reviewer phrases (regexes)


def catalog_phrases(catalog: Catalog) -> dict[str, dict[str, list[str]]]:
    """The reviewer phrases of every criterion of every rule."""
    return {rid: {c.code: list(c.reviewer_phrases) for c in rule.spec.criteria if c.reviewer_phrases}
            for rid, rule in sorted(catalog.rules.items())}


def _family(row: Mapping[str, Any]) -> str:
    return row.get("family") or "(no code)"


def _quantile_interval(values: list[float]) -> tuple[float, float]:
    if len(values) == 1:
        return values[0], values[0]
    cuts = statistics.quantiles(values, n=40, method="inclusive")
    return cuts[0], cuts[-1]


class _Reasons:
    """Reason agreement of one family's Upheld items, as read and under shuffled rationales."""

    def __init__(self, rows: list[Mapping[str, Any]], phrases: Phrases):
        self.texts = [" ".join(r["rationale"].split()) for r in rows]
        self.rules = [r["rule"] for r in rows]
        self.blocking = [{c["code"] for c in r.get("criteria") or [] if c.get("blocking")} for r in rows]
        self.phrases = phrases
        self._cache: dict[tuple[str, int], set[str]] = {}

    def _named(self, item: int, text: int) -> set[str]:
        key = (self.rules[item], text)
        if key not in self._cache:
            self._cache[key] = named_criteria(self.texts[text], self.phrases.get(self.rules[item], {}))
        return self._cache[key]

    def counts(self, order: list[int] | None = None) -> tuple[int, int]:
        """(items whose rationale names a criterion, items where one of those is blocking); item i reads the
        rationale of item order[i]."""
        named = agree = 0
        for i in range(len(self.texts)):
            found = self._named(i, i if order is None else order[i])
            named += bool(found)
            agree += bool(found & self.blocking[i])
        return named, agree


def _rate(agree: int, named: int) -> float | None:
    return round(agree / named, 4) if named else None


def auditor_metrics(rows: Iterable[Mapping[str, Any]], phrases: Phrases, shuffles: int = SHUFFLES,
                    seed: int = SEED) -> dict[str, Any]:
    """The figures per family (sorted), in total, and of the conditional items kept apart."""
    rows = sorted(({k: r.get(k) for k in _KEPT} for r in rows),
                  key=lambda r: (str(r["case"]), r["index"] or 0, str(r["item"])))
    tallies: dict[str, Tally] = {TOTAL: Tally(), CONDITIONAL: Tally()}
    pools: dict[str, list[Mapping[str, Any]]] = {}
    for row in rows:
        if row.get("conditional_on"):
            tallies[CONDITIONAL].add(row.get("actual"), row.get("predicted"))
            continue
        for key in (_family(row), TOTAL):
            tallies.setdefault(key, Tally()).add(row.get("actual"), row.get("predicted"))
        if row.get("actual") == "upheld" and row.get("rule") and row.get("predicted") and row.get("rationale"):
            pools.setdefault(_family(row), []).append(row)
    reasons = {f: _Reasons(members, phrases) for f, members in sorted(pools.items())}
    read = {f: r.counts() for f, r in reasons.items()}
    rng = random.Random(seed)
    shuffled: dict[str, list[float]] = {f: [] for f in (*reasons, TOTAL)}
    for _ in range(shuffles):
        total_named = total_agree = 0
        for f, r in reasons.items():
            order = list(range(len(r.texts)))
            rng.shuffle(order)
            named, agree = r.counts(order)
            total_named, total_agree = total_named + named, total_agree + agree
            if named:
                shuffled[f].append(agree / named)
        if total_named:
            shuffled[TOTAL].append(total_agree / total_named)
    read[TOTAL] = (sum(n for n, _ in read.values()), sum(a for _, a in read.values()))
    upheld_read = {f: len(m) for f, m in pools.items()}
    upheld_read[TOTAL] = sum(upheld_read.values())

    def group(key: str) -> dict[str, Any]:
        c = tallies[key].confusion
        named, agree = read.get(key, (0, 0))
        rates = shuffled.get(key) or []
        low, high = _quantile_interval(rates) if rates else (None, None)
        return {"items": tallies[key].summary()["items"], "compared": tallies[key].compared,
                "balanced_accuracy": tallies[key].balanced_accuracy(),
                "overturned": sum(c["overturned"].values()), "overturns_caught": c["overturned"]["overturned"],
                "false_overturns": c["upheld"]["overturned"],
                "no_prediction": sum(row["none"] for row in c.values()),
                "reasons": {"upheld_read": upheld_read.get(key, 0), "named": named, "agree": agree,
                            "agreement": _rate(agree, named),
                            "shuffled": {"mean": round(statistics.fmean(rates), 4) if rates else None,
                                         "low": None if low is None else round(low, 4),
                                         "high": None if high is None else round(high, 4)}}}

    return {"shuffles": shuffles, "seed": seed,
            "families": {f: group(f) for f in sorted(tallies) if f not in (TOTAL, CONDITIONAL)},
            "total": group(TOTAL), "conditional": group(CONDITIONAL)}
