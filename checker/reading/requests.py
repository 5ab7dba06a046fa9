"""Request normalization: a request as written -> treatment code and request attributes (levels, side, count...)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from checker.ruleset.facts import normalize_level
from checker.ruleset.treatments import TreatmentVocabulary


@dataclass
class NormalizedRequest:
    """What a request text says: treatment code (or why none) and attributes in fact names."""

    text: str
    code: str | None
    attributes: dict[str, Any] = field(default_factory=dict)
    matched: str | None = None  # the synonym that matched
    reason: str | None = None  # why there is no code


def _synonym_index(vocab: TreatmentVocabulary) -> list[tuple[frozenset[str], list[str], str, str]]:
    """Every synonym once, as (its words, its phrase, procedure, synonym), built on first use."""
    index = vocab._cache.get("synonyms")
    if index is None:
        index = vocab._cache["synonyms"] = [(frozenset(t for t in _phrase(syn) if t != "*"), _phrase(syn), name, syn)
                                            for name, proc in vocab.procedures.items() for syn in proc.synonyms]
    return index


def _tokens(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def _phrase(synonym: str) -> list[str]:
    """A synonym's words, keeping `*` (a gap of up to three words)."""
    return re.findall(r"[a-z0-9]+|\*", synonym.lower())


def _phrase_at(tokens: list[str], phrase: list[str]) -> int:
    """Number of tokens the phrase covers if it occurs in tokens ('*' = a gap of up to 3 words), else 0."""
    def match(i: int, j: int) -> int:
        if j == len(phrase):
            return i
        if phrase[j] == "*":
            for skip in range(0, 4):
                end = match(i + skip, j + 1) if i + skip <= len(tokens) else -1
                if end >= 0:
                    return end
            return -1
        if i < len(tokens) and tokens[i] == phrase[j]:
            return match(i + 1, j + 1)
        return -1

    best = 0
    for start in range(len(tokens)):
        end = match(start, 0)
        if end >= 0:
            best = max(best, end - start)
    return best


_LEVEL_TEXT = re.compile(r"\b([CTLS])\s?(\d{1,2})(?:\s*[-/]\s*([CTLS])?\s?(\d{1,2}))?\b", re.I)


def find_levels(text: str) -> list[str]:
    """Spinal levels named in a text, canonical and in order ('L2-3' -> 'L2-L3', 'L2, L3' -> L2, L3)."""
    out: list[str] = []
    for m in _LEVEL_TEXT.finditer(text):
        raw = m.group(0).replace(" ", "")
        try:
            level = normalize_level(raw)
        except ValueError:
            try:
                level = normalize_level(f"{m.group(1)}{m.group(2)}")
            except ValueError:
                continue
        if level not in out:
            out.append(level)
    return out


def normalize_request(text: str, vocab: TreatmentVocabulary) -> NormalizedRequest:
    """Map a request as written to a treatment code and its attributes; never force a wrong code.
    Results are remembered per vocabulary (a batch asks about the same request text several times)."""
    memo = vocab._cache.setdefault("normalized", {})
    if text not in memo:
        if len(memo) > 100_000:
            memo.clear()
        memo[text] = _normalize(text, vocab)
    found = memo[text]
    return NormalizedRequest(found.text, found.code, dict(found.attributes), found.matched, found.reason)


def _normalize(text: str, vocab: TreatmentVocabulary) -> NormalizedRequest:
    tokens = _tokens(text)
    present = set(tokens)
    hits: list[tuple[int, str, str]] = []  # (tokens covered, procedure, synonym)
    for words, phrase, name, syn in _synonym_index(vocab):
        if words <= present:  # every word of the synonym occurs: only then try to place it
            covered = _phrase_at(tokens, phrase)
            if covered:
                hits.append((covered, name, syn))
    attributes = _attributes(text, tokens, vocab)
    if not hits:
        return NormalizedRequest(text, None, attributes, reason="no known treatment named in the request")
    hits.sort(key=lambda h: -h[0])
    best = [h for h in hits if h[0] == hits[0][0]]
    procs = sorted({h[1] for h in best})
    if len(procs) > 1:
        return NormalizedRequest(text, None, attributes,
                                 reason=f"ambiguous: the request matches {', '.join(procs)}")
    _, proc_name, syn = best[0]
    attributes = {**vocab.procedures[proc_name].implies, **attributes}
    regions = _regions(tokens, attributes.get("requested_levels", []), vocab)
    candidates = {c: t for c, t in vocab.treatments.items() if t.procedure == proc_name}
    by_region = [c for c, t in candidates.items() if t.region in regions]
    regionless = [c for c, t in candidates.items() if t.region is None]
    code = by_region[0] if len(by_region) == 1 else (regionless[0] if regionless else None)
    if code is not None:
        family = vocab.treatments[code].family
        attributes.update(_keywords(tokens, vocab, family))
        attributes.update(_patterns(text.lower(), vocab, family, attributes))
        if ("requested_count" not in attributes and family in vocab.attributes.singular_count_families
                and _singular(tokens, _phrase(syn))):
            attributes["requested_count"] = 1  # "a ... block", with no count and no plural: one
        for fact, value in vocab.attributes.family_defaults.get(family, {}).items():
            attributes.setdefault(fact, value)
        return NormalizedRequest(text, code, attributes, matched=syn)
    if not regions:
        reason = f"{proc_name}: the request names no body region"
    else:
        reason = f"{proc_name}: no treatment code for region {', '.join(sorted(regions))}"
    return NormalizedRequest(text, None, attributes, matched=syn, reason=reason)


def _singular(tokens: list[str], phrase: list[str]) -> bool:
    """The matched phrase ends in a singular noun and no plural of it appears in the request."""
    head = phrase[-1]
    return not head.endswith("s") and (head + "s") not in tokens and (head + "es") not in tokens


def _regions(tokens: list[str], levels: list[str], vocab: TreatmentVocabulary) -> set[str]:
    found = set()
    for name, region in vocab.regions.items():
        if any(_phrase_at(tokens, _tokens(w)) for w in region.words):
            found.add(name)
        if any(lvl[0] in region.level_prefixes for lvl in levels):
            found.add(name)
    return found


def _attributes(text: str, tokens: list[str], vocab: TreatmentVocabulary) -> dict[str, Any]:
    attrs: dict[str, Any] = {}
    levels = find_levels(text)
    if levels:
        attrs["requested_levels"] = levels
    sides = [side for side, words in vocab.attributes.side.items()
             if any(_phrase_at(tokens, _tokens(w)) for w in words)]
    if "bilateral" in sides or {"left", "right"} <= set(sides):
        attrs["requested_side"] = "bilateral"
    elif len(sides) == 1:
        attrs["requested_side"] = sides[0]
    return attrs


def _keywords(tokens: list[str], vocab: TreatmentVocabulary, family: str | None) -> dict[str, Any]:
    """Enum request facts from keyword phrases: the value whose phrase covers the most words wins ("with
    and without contrast" over "without contrast"); a tie leaves the fact undocumented rather than guess."""
    out: dict[str, Any] = {}
    for fact, values in vocab.attributes.keywords.items():
        families = vocab.attributes.keyword_families.get(fact)
        if families is not None and family not in families:
            continue
        scores = {v: max(_phrase_at(tokens, _phrase(w)) for w in words) for v, words in values.items()}
        best = max(scores.values(), default=0)
        winners = [v for v, score in scores.items() if score == best]
        if best and len(winners) == 1:
            out[fact] = winners[0]
    return out


def _patterns(lowered: str, vocab: TreatmentVocabulary, family: str, known: dict[str, Any]) -> dict[str, Any]:
    """Request facts from the attribute patterns; the first pattern that matches fills a fact."""
    out: dict[str, Any] = {}
    for p in vocab.attributes.patterns:
        if p.fact in out or p.fact in known or (p.families and family not in p.families):
            continue
        m = re.search(p.regex, lowered)
        if not m:
            continue
        if p.value is not None:
            out[p.fact] = p.value
            continue
        product = 1
        for raw in m.groupdict().values():
            if raw is None:
                continue
            number = int(raw) if raw.isdigit() else vocab.attributes.numbers.get(raw)
            if number is None:
                break
            product *= number
        else:
            out[p.fact] = product * p.scale
    return out
