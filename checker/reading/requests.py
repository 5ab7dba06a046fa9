"""Requests as a grammar: a request text parsed into its parts, and the parts mapped to treatment codes by the
guideline's own taxonomy (modality x body region, drug class x route), with the lexicon as data
(rules/requests, see checker.ruleset.lexicon).

    "MRI of the cervical and lumbar spine without contrast"
      head: mri (imaging)   sites: cervical_spine, lumbar_spine   contrast: without
      parts: MRI-CERVICAL, MRI-LUMBAR (one decision each; the item is certifiable only if every part is)

The text is tokenized (lower case, punctuation apart, plurals folded, a word one edit away from a lexicon word
read as that word), lexicon phrases are found by a token index (longest match at each position), and the
tagged spans are read in order: an "associated surgical service" prefix, the head (the first procedure,
service, equipment item or drug not after a dependent word such as "with"), coordinated heads ("PT/OT"), the
specialty a visit names, body sites with their sides, spinal levels, and the quantities the attribute patterns
read. A request that parses but has no rule says what it parsed and why no code applies; one that does not
parse says which part failed. Never a guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import ahocorasick

from checker.ruleset.facts import level_span, normalize_level
from checker.ruleset.lexicon import Lexicon
from checker.ruleset.regexes import required_literals
from checker.ruleset.treatments import TreatmentVocabulary

HEAD_KINDS = ("procedure", "product", "ingredient")
_TOKEN = re.compile(r"[a-z]+|\d+(?:\.\d+)?%?|#|/|&|,|;|:|\(|\)|\+")
_SEPARATORS = {",", ";", ":", "(", ")"}
_COORDINATORS = {"and", "/", "&", "+", "or", "plus"}
_NO_FOLD = {"tens", "ems", "mens", "ms", "cms", "ss", "this", "has", "was", "is", "its", "ots"}
_SAME = {"testing": "test", "tests": "test"}
_WORD = re.compile(r"[a-z]+")
_DIGIT = re.compile(r"\d")
_WITHOUT = re.compile(r"\bw/o\b")
_WITH = re.compile(r"\bw/(?=\s|[a-z])")
_JOINED = re.compile(r"(?<=[a-z])-(?=[a-z])|(?<=[a-z])'s\b")
MEMO_LIMIT = 100_000
_STRENGTH = re.compile(r"\d(?:[\d.,/]*\d)?\s*(?:mg|mcg|µg|meq|ml|gm?|units?|iu)\b|\d+(?:\.\d+)?\s*%", re.I)


def fold(word: str) -> str:
    """A word's singular, as far as requests need it (knees -> knee, therapies -> therapy, x-rays -> ray); a
    test and testing are one word."""
    if word in _SAME:
        return _SAME[word]
    if word in _NO_FOLD or len(word) <= 3 or word[-1] != "s" or word.endswith(("ss", "us", "is", "ous")):
        return word
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith(("sses", "shes", "ches", "xes", "zes")):
        return word[:-2]
    return word[:-1]


def raw_tokens(text: str) -> list[str]:
    """Lower-cased tokens as written; `w/` and `w/o` read as with and without, hyphens as spaces."""
    lowered = text.lower().replace("\u2019", "'")
    if "w/" in lowered:
        lowered = _WITHOUT.sub(" without ", lowered)
        lowered = _WITH.sub(" with ", lowered)
    if "-" in lowered or "'" in lowered:
        lowered = _JOINED.sub(" ", lowered)
    return _TOKEN.findall(lowered)


def tokens_of(text: str) -> list[str]:
    """The request's tokens with plurals folded (one per raw token, in the same order)."""
    return [fold(t) for t in raw_tokens(text)]


def _expanded(tokens: list[str], lex: Lexicon) -> list[str]:
    """Standard abbreviations that stand for several words ("RUE" -> right upper extremity) spelled out."""
    table = lex.grammar.abbreviations
    if not table:
        return tokens
    return [w for t in tokens for w in (raw_tokens(table[t]) if t in table else (t,))]


def phrase_tokens(phrase: str) -> tuple[str, ...]:
    return tuple(t for t in tokens_of(phrase) if t not in ("/", "-"))


@dataclass(frozen=True, slots=True)
class Entry:
    kind: str   # procedure | product | ingredient | form | compound | er | site | side | specialty | modifier |
    #             surgical_service | dependent | connector | ignore
    key: str
    value: Any = None


@dataclass(slots=True)
class Span:
    start: int
    end: int
    entry: Entry
    text: str          # the tokens matched (plurals folded)
    written: str = ""  # the same words as the request has them
    segment: int = 0  # which conjunct of the request it stands in (split at commas, "and", "/"...)


@dataclass(slots=True)
class Part:
    """One treatment code a request names, with the site it is for and its own request facts."""
    code: str | None
    site: str | None = None
    head: str | None = None
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass
class NormalizedRequest:
    """What a request says: treatment code (or why none), attributes in fact names, the parse and its parts."""

    text: str
    code: str | None
    attributes: dict[str, Any] = field(default_factory=dict)
    matched: str | None = None        # the head as written
    reason: str | None = None         # why there is no code
    reason_kind: str | None = None    # no-head | needs-site | no-rule-for-site | no-rule | ambiguous | unknown-drug
    parse: dict[str, Any] = field(default_factory=dict)
    parts: list[Part] = field(default_factory=list)  # one per code when the request names several


# ---- the lexicon's index ---------------------------------------------------------------------------------

@dataclass
class _Index:
    phrases: dict[str, list[tuple[tuple[str, ...], Entry]]]  # first token -> (phrase, entry), longest first
    words: set[str]                                          # every lexicon word (for near-miss spelling)
    deletes: dict[str, set[str]]                             # one-deletion variants -> lexicon words
    modifier_of: dict[tuple[str, ...], tuple[str, Any]]      # modifier phrases (a site can be one: "head")
    patterns: dict[str | None, list[tuple[str, re.Pattern, Any, int, frozenset[str] | None]]]  # family -> patterns
    exact: dict[tuple[str, ...], Entry] = field(default_factory=dict)   # phrase -> its entry (the first kind)
    lengths: dict[str, tuple[int, ...]] = field(default_factory=dict)  # first token -> phrase lengths, longest first
    literals: Any = None  # Aho-Corasick automaton of the attribute patterns' required literals
    read_tokens: dict[str, str] = field(default_factory=dict)  # written token -> folded and spelled
    by_literal: dict[str | None, dict[str, list[int]]] = field(default_factory=dict)  # family -> literal -> rows
    unfiltered: dict[str | None, list[int]] = field(default_factory=dict)  # family -> rows with no literal set


_LAST: list = [None, None]  # the last lexicon indexed and its index (a batch reads with one lexicon)


def _index(lex: Lexicon) -> _Index:
    if _LAST[0] is lex:
        return _LAST[1]
    found = lex._cache.get("index")
    if found is not None:
        _LAST[:] = [lex, found]
        return found
    entries: list[tuple[str, Entry]] = []
    for name, proc in lex.procedures.items():
        entries += [(w, Entry("procedure", name)) for w in proc.words]
    drugs = lex.drugs
    for name, product in drugs.products.items():
        entries += [(w, Entry("product", name)) for w in product.words]
    for name, ing in drugs.ingredients.items():
        entries += [(w, Entry("ingredient", name)) for w in [name, *ing.brands, *ing.synonyms]]
        entries += [(w, Entry("ingredient", name, "extended_release")) for w in ing.extended_release_brands]
    entries += [(w, Entry("form", w, route)) for w, route in drugs.forms.items()]
    entries += [(w, Entry("compound", w)) for w in drugs.compound_words]
    entries += [(w, Entry("er", w)) for w in drugs.extended_release_words]
    for name, site in lex.sites.items():
        entries += [(w, Entry("site", name)) for w in site.words]
    g = lex.grammar
    for side, words in g.side.items():
        entries += [(w, Entry("side", side)) for w in words]
    for spec, words in g.specialties.items():
        entries += [(w, Entry("specialty", spec)) for w in words]
    for fact, values in g.modifiers.items():
        for value, words in values.items():
            entries += [(w, Entry("modifier", fact, value)) for w in words]
    entries += [(w, Entry("surgical_service", w)) for w in g.surgical_service]
    entries += [(w, Entry("dependent", w)) for w in g.dependents]
    entries += [(w, Entry("connector", w)) for w in g.connectors]
    entries += [(w, Entry("ignore", w)) for w in g.ignore]
    phrases: dict[str, list[tuple[tuple[str, ...], Entry]]] = {}
    words: set[str] = set()
    for text, entry in entries:
        toks = phrase_tokens(text)
        if not toks:
            continue
        phrases.setdefault(toks[0], []).append((toks, entry))
        words.update(t for t in toks if t.isalpha())
    for options in phrases.values():  # longest first; at equal length the content kinds before function words
        options.sort(key=lambda o: (-len(o[0]), _PRIORITY.get(o[1].kind, 9)))
    deletes: dict[str, set[str]] = {}
    for w in words:
        if len(w) >= 6:
            for variant in _deletions(w):
                deletes.setdefault(variant, set()).add(w)
    modifier_of = {phrase_tokens(w): (fact, value) for fact, values in g.modifiers.items()
                   for value, ws in values.items() for w in ws}
    exact: dict[tuple[str, ...], Entry] = {}
    for options in phrases.values():
        for toks, entry in options:
            exact.setdefault(toks, entry)
    lengths = {first: tuple(sorted({len(t) for t, _ in options}, reverse=True)) for first, options in phrases.items()}
    by_family = _by_family(g.patterns)
    literals = ahocorasick.Automaton()
    for lit in {lit for rows in by_family.values() for row in rows for lit in row[4] or ()}:
        literals.add_word(lit, lit)
    if len(literals):
        literals.make_automaton()
    by_literal: dict[str | None, dict[str, list[int]]] = {}
    unfiltered: dict[str | None, list[int]] = {}
    for family, rows in by_family.items():
        for i, row in enumerate(rows):
            if row[4] is None:
                unfiltered.setdefault(family, []).append(i)
            for lit in row[4] or ():
                by_literal.setdefault(family, {}).setdefault(lit, []).append(i)
    found = lex._cache["index"] = _Index(phrases, words, deletes, modifier_of, by_family, exact, lengths, literals,
                                         by_literal=by_literal, unfiltered=unfiltered)
    _LAST[:] = [lex, found]
    return found


def _by_family(patterns) -> dict[str | None, list[tuple[str, re.Pattern, Any, int, frozenset[str] | None]]]:
    """The attribute patterns that apply to each family (None: to a family no pattern names), in order."""
    families = {f for p in patterns for f in p.families}
    table = {}
    for family in [*families, None]:
        table[family] = [(p.fact, p._compiled, p.value, p.scale, required_literals(p.regex)) for p in patterns
                         if not p.families or family in p.families]
    return table


_PRIORITY = {"procedure": 0, "product": 0, "ingredient": 1, "site": 2, "specialty": 2, "modifier": 3,
             "surgical_service": 3, "form": 4, "compound": 4, "er": 4, "side": 5, "dependent": 6, "ignore": 7,
             "connector": 8}


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1:] for i in range(len(word))}


def _spell(token: str, index: _Index) -> str:
    """A token one edit (deletion, insertion, substitution, transposition) from exactly one lexicon word is read
    as that word ("acupunture" -> "acupuncture"); tokens shorter than 6 letters are never corrected."""
    if len(token) < 6 or not token.isalpha() or token in index.words:
        return token
    candidates = set(index.deletes.get(token, ()))            # the token has one letter too many
    if token in index.deletes:
        candidates |= index.deletes[token]
    for variant in _deletions(token):                          # one letter missing, or one wrong
        if variant in index.words:
            candidates.add(variant)
        candidates |= index.deletes.get(variant, set())
    candidates = {c for c in candidates if abs(len(c) - len(token)) <= 1}
    return candidates.pop() if len(candidates) == 1 else token


def _read_token(token: str, index: _Index) -> str:
    """A written token folded and spelled (memoized per index: requests reuse a small vocabulary; the memo
    stops growing at 100,000 tokens so that odd input cannot fill memory)."""
    found = index.read_tokens.get(token)
    if found is None:
        found = _spell(fold(token), index)
        if len(index.read_tokens) < 100_000:
            index.read_tokens[token] = found
    return found


def _spans(tokens: list[str], index: _Index, written: list[str] | None = None) -> tuple[list[Span], list[str]]:
    """Longest lexicon match at each position (skipping `/` inside a phrase: PT/INR is pt inr); the words no
    entry covers are returned apart."""
    spans: list[Span] = []
    unknown: list[str] = []
    slash = "/" in tokens
    whole = tuple(tokens)
    size = len(whole)
    lengths, exact = index.lengths.get, index.exact.get
    i = 0
    while i < size:
        best: tuple[int, Entry] | None = None
        if not slash:  # the common case: look the window up, longest first
            for n in lengths(tokens[i], ()):
                entry = exact(whole[i:i + n]) if i + n <= size else None
                if entry is not None:
                    best = (i + n, entry)
                    break
        for phrase, entry in index.phrases.get(tokens[i], ()) if slash else ():
            j, k = i, 0
            while k < len(phrase) and j < len(tokens):
                if tokens[j] == "/" and k > 0:
                    j += 1
                    continue
                if tokens[j] != phrase[k]:
                    break
                j, k = j + 1, k + 1
            if k == len(phrase):
                best = (j, entry)
                break
        if best is None:
            tok = tokens[i]
            if tok[0].isalpha() and len(tok) > 1:
                unknown.append(tok)
            spans.append(Span(i, i + 1, Entry("token", tok), tok, written[i] if written else tok))
            i += 1
            continue
        end, entry = best
        spans.append(Span(i, end, entry, " ".join(tokens[i:end]), " ".join((written or tokens)[i:end])))
        i = end
    return spans, unknown


# ---- reading the spans ---------------------------------------------------------------------------------

@dataclass(slots=True)
class _Reading:
    heads: list[Span] = field(default_factory=list)
    dependents: list[Span] = field(default_factory=list)
    sites: list[tuple[str, str | None]] = field(default_factory=list)  # (site, side)
    site_segments: list[int] = field(default_factory=list)
    side: str | None = None
    specialty: str | None = None
    surgical_service: bool = False
    modifiers: dict[str, Any] = field(default_factory=dict)
    ingredients: list[str] = field(default_factory=list)
    forms: list[str] = field(default_factory=list)
    routes: list[str] = field(default_factory=list)
    compound: bool = False
    compounded: bool = False  # the drug is a compounded preparation (what the drug formulary reviews apart)
    extended_release: bool = False
    percent_strength: bool = False
    unknown: list[str] = field(default_factory=list)


def _read(spans: list[Span], lex: Lexicon, index: _Index) -> _Reading:
    r = _Reading()
    dependent = False
    pending_side: str | None = None
    segment = 0
    preposition: str | None = None  # "to" or "with" just before, articles aside
    for n, span in enumerate(spans):
        e = span.entry
        if e.kind == "connector":
            following = spans[n + 1].text if n + 1 < len(spans) else ""
            keep = span.text in _ARTICLES or span.text == "from" or (span.text == "and" and following == "from")
            preposition = span.text if span.text in ("to", "with") else preposition if keep else None
        elif e.kind == "dependent":
            preposition = "with" if span.text == "with" else None
        elif e.kind != "side":
            preposition = None if e.kind != "procedure" else preposition
        if e.kind == "token" and e.key in _SEPARATORS:
            dependent = False
            segment += 1
            continue
        if span.text in _COORDINATORS:
            segment += 1
        span.segment = segment
        if e.kind == "surgical_service":
            r.surgical_service = True
        elif e.kind == "dependent":
            dependent = True
        elif e.kind in HEAD_KINDS:
            if e.kind == "ingredient":
                r.ingredients.append(e.key)
                r.extended_release = r.extended_release or e.value == "extended_release"
            if e.kind in ("ingredient", "product"):
                for word in span.text.split():  # a form word inside the name: "lidocaine patch", "voltaren gel"
                    if word in lex.drugs.forms:
                        r.forms.append(word)
                        r.routes.append(lex.drugs.forms[word])
            if e.kind == "product":
                r.ingredients += [i for i in lex.drugs.products[e.key].ingredients if i not in r.ingredients]
            if e.kind == "procedure":  # a site inside the name: "shoulder arthroscopy", "carpal tunnel release"
                for site in _inner_sites(span, index):
                    r.sites.append((site, pending_side))
                    r.site_segments.append(segment)
            if dependent and _names_the_operation(r, e, lex):
                r.heads[0] = span  # "shoulder arthroscopy with Bankart repair": the repair is the operation
            elif (dependent and r.heads and not _takes_argument(r, lex)) or _in_setting(r, e, lex) \
                    or _visit_for(r, e, lex, preposition):
                r.dependents.append(span)
            elif e.kind == "ingredient" and any(h.entry.kind in ("ingredient", "product") for h in r.heads):
                pass  # a further ingredient of the same drug request (a compound), not a new head
            else:
                r.heads.append(span)
        elif e.kind == "site":
            if (mod := index.modifier_of.get(tuple(span.text.split()))) is not None:
                r.modifiers.setdefault(*mod)  # "MRA of the head": the site is also the vascular territory
            r.sites.append((e.key, pending_side))
            r.site_segments.append(segment)
            pending_side = None
        elif e.kind == "side":
            nxt = spans[n + 1].entry.kind if n + 1 < len(spans) else None
            if nxt == "site" or (nxt == "connector" and n + 2 < len(spans) and spans[n + 2].entry.kind == "site"):
                pending_side = e.key
            r.side = e.key if r.side in (None, e.key) else "bilateral"
        elif e.kind == "specialty":
            r.specialty = r.specialty or e.key
        elif e.kind == "modifier":
            r.modifiers.setdefault(e.key, e.value)
        elif e.kind == "form":
            r.forms.append(e.key)
            r.routes.append(e.value)
        elif e.kind == "compound":
            r.compound = True
        elif e.kind == "er":
            r.extended_release = True
        elif e.kind == "token" and e.key.endswith("%") and r.ingredients:
            r.percent_strength = True
    if any(h.entry.kind in ("product", "ingredient") for h in r.heads):  # "Toradol injection": with a drug, a
        for h in [h for h in r.heads if h.entry.kind == "procedure" and h.text in lex.drugs.forms]:  # form word
            r.heads.remove(h)                                           # naming a procedure is the drug's route
            r.forms.append(h.text)
            r.routes.append(lex.drugs.forms[h.text])
    _drug_at_a_site(r, lex)
    if any(h.entry.kind == "procedure" and lex.procedures[h.entry.key].kind == "injection" for h in r.heads):
        r.dependents += [h for h in r.heads if h.entry.kind in ("product", "ingredient")]  # the injectate
        r.heads = [h for h in r.heads if h.entry.kind not in ("product", "ingredient")]
    r.heads = [h for n, h in enumerate(r.heads) if all(g.entry != h.entry for g in r.heads[:n])]  # "follow-up
    r.heads = _specific_heads(r, lex)                                                             # office visit"
    return r


def _drug_at_a_site(r: _Reading, lex: Lexicon) -> None:
    """A drug injected at a named site is the procedure its class names (Depo-Medrol 40 mg injection, left
    shoulder: a shoulder corticosteroid injection), coded by that site."""
    if not r.sites or "injection" not in r.routes:
        return
    drugs = lex.drugs
    for n, h in enumerate(r.heads):
        if h.entry.kind not in ("product", "ingredient"):
            continue
        names = r.ingredients  # every ingredient named (lidocaine with Kenalog: the steroid decides)
        procedure = next((drugs.classes[drugs.ingredients[i].drug_class].at_a_site for i in names
                          if drugs.classes[drugs.ingredients[i].drug_class].at_a_site), None)
        if procedure is not None:
            r.heads[n] = Span(h.start, h.end, Entry("procedure", procedure), h.text, h.written, h.segment)
            r.heads = [g for g in r.heads if g is r.heads[n] or g.entry.kind not in ("product", "ingredient")]
            return


def _inner_sites(span: Span, index: _Index) -> list[str]:
    """The sites whose words stand inside a procedure's name."""
    words = span.text.split()
    found = []
    for i in range(len(words)):
        for phrase, entry in index.phrases.get(words[i], ()):
            if entry.kind == "site" and tuple(words[i:i + len(phrase)]) == phrase and entry.key not in found:
                found.append(entry.key)
                break
    return found


def _specific_heads(r: _Reading, lex: Lexicon) -> list[Span]:
    """A generic head (brace, arthroscopy, labs) gives way to a specific one of the same kind and category named
    with it ("lumbar support brace", "pre-op labs: CMP", "right shoulder arthroscopy, SLAP repair"), unless the
    two stand in different conjuncts with sites of their own ("knee arthroscopy and carpal tunnel release")."""
    def proc(h: Span):
        return lex.procedures[h.entry.key] if h.entry.kind == "procedure" else None

    site_segments = set(r.site_segments)
    dropped = set()
    for g in r.heads:
        pg = proc(g)
        if pg is None or not pg.generic:
            continue
        for h in r.heads:
            ph = proc(h)
            if h is g or ph is None or ph.generic or (ph.kind, ph.category) != (pg.kind, pg.category):
                continue
            if h.segment == g.segment or not {h.segment, g.segment} <= site_segments:
                dropped.add(id(g))
                break
    return [h for h in r.heads if id(h) not in dropped]


def _names_the_operation(r: _Reading, e: Entry, lex: Lexicon) -> bool:
    """After a generic surgery head (arthroscopy, surgery), a specific surgery is the operation itself."""
    if not r.heads or r.heads[0].entry.kind != "procedure" or e.kind != "procedure":
        return False
    head, dep = lex.procedures[r.heads[0].entry.key], lex.procedures[e.key]
    return head.kind == "surgery" and head.generic and dep.kind == "surgery" and not dep.generic


_ARTICLES = {"the", "a", "an", "his", "her", "their"}


def _visit_for(r: _Reading, e: Entry, lex: Lexicon, preposition: str | None) -> bool:
    """After a visit or a service, "to" or "with" a procedure names what it is for (transportation to physical
    therapy, follow-up with the chiropractor): the visit or service is the request."""
    if not (r.heads and e.kind == "procedure" and preposition and r.heads[0].entry.kind == "procedure"):
        return False
    head = lex.procedures[r.heads[0].entry.key]
    return head.kind in ("visit", "service") and not head.setting


def _in_setting(r: _Reading, e: Entry, lex: Lexicon) -> bool:
    """After a setting (inpatient rehabilitation, home health), a procedure names what is given there."""
    return bool(r.heads) and e.kind == "procedure" and r.heads[0].entry.kind == "procedure" and \
        lex.procedures[r.heads[0].entry.key].setting


def _takes_argument(r: _Reading, lex: Lexicon) -> bool:
    """A visit head takes what follows "with" as its argument (consultation with pain management), a dependent
    procedure otherwise modifies the head (acupuncture with electrical stimulation)."""
    return bool(r.heads) and r.heads[0].entry.kind == "procedure" and \
        lex.procedures[r.heads[0].entry.key].kind == "visit" and not r.specialty


_LEVEL_TEXT = re.compile(r"\b([CTLS])\s?(\d{1,2})(?:\s*[-/]\s*([CTLS])?\s?(\d{1,2}))?\b", re.I)


def find_levels(text: str) -> list[str]:
    """Spinal levels named in a text, canonical and in order ('L2-3' -> 'L2-L3', 'L2, L3' -> L2, L3, a span
    'L4-S1' -> L4-L5, L5-S1)."""
    out: list[str] = []
    for m in _LEVEL_TEXT.finditer(text):
        raw = m.group(0).replace(" ", "")
        try:
            found = [normalize_level(raw)]
        except ValueError:
            try:
                found = level_span(raw)  # L4-S1: the segments it spans
            except ValueError:
                try:
                    found = [normalize_level(f"{m.group(1)}{m.group(2)}")]
                except ValueError:
                    continue
        out += [level for level in found if level not in out]
    return out


# ---- codes ---------------------------------------------------------------------------------------------

def sites_by_head(r: _Reading, level_sites: list[str], lex: Lexicon) -> dict[int, list[str]]:
    """Each head's sites. A site belongs to the head of its conjunct ("lumbar MRI and cervical X-rays"), or, in
    a conjunct with no head, to the head before it ("MRI of the lumbar and cervical spine"); a head with no site
    of its own shares those of the nearest head that has some ("MRI and X-ray of the knee"). A spinal level
    narrows a broader site or stands for the region ("fusion at L4-5")."""
    heads = r.heads
    if not heads:
        return {}
    own: dict[int, list[str]] = {id(h): [] for h in heads}
    for (site, _), seg in zip(r.sites, r.site_segments):
        same = [h for h in heads if h.segment == seg]
        before = [h for h in heads if h.segment < seg]
        owner = same[0] if same else before[-1] if before else heads[0]
        if site not in own[id(owner)]:
            own[id(owner)].append(site)
    for h in heads:
        if not own[id(h)]:
            donors = sorted((abs(g.segment - h.segment), -g.segment, id(g)) for g in heads if own[id(g)])
            if donors:
                own[id(h)] = list(own[donors[0][2]])
    for h in heads:
        own[id(h)] = _narrowed(own[id(h)], level_sites, lex)
    return own


def _narrowed(sites: list[str], level_sites: list[str], lex: Lexicon) -> list[str]:
    out = list(sites)
    for s in level_sites:
        broader = [x for x in out if x in lex.ancestors(s)]
        if broader:
            out = [s if x == broader[0] else x for x in out if x not in broader[1:]]
        elif not out:
            out.append(s)
    return out


def _sites_from_levels(levels: list[str], lex: Lexicon) -> list[str]:
    out = []
    for level in levels:
        for name, site in lex.sites.items():
            if level[0] in site.level_prefixes and name not in out and site.region:
                out.append(name)
    return out


def _drug_code(r: _Reading, lex: Lexicon) -> tuple[str | None, str | None, str | None, dict[str, Any]]:
    """(code, reason, reason kind, attributes) for a drug request."""
    drugs = lex.drugs
    head = r.heads[0].entry
    product = drugs.products.get(head.key) if head.kind == "product" else None
    if product is not None and product.code:
        r.compounded = product.kind in ("compound", "kit")
        return product.code, None, None, {}
    ingredients = r.ingredients or (product.ingredients if product else [])
    route = product.route if product else None
    if r.routes:
        route = "transdermal" if "transdermal" in r.routes else r.routes[0]
    if route is None and (r.compound or r.percent_strength):
        route = "topical"  # "in cream base", "compounded", a strength in percent: a topical preparation
    principal = [i for i in ingredients if i not in drugs.principal_last] or ingredients
    topical = route in ("topical", "transdermal")
    active = [i for i in ingredients if drugs.ingredients[i].drug_class not in ("other",)]
    attributes: dict[str, Any] = {}
    if topical:
        compounded = r.compound or (product.kind == "compound" if product is not None else len(active) > 1)
        no_commercial = [i for i in principal if not drugs.ingredients[i].topical_forms]
        if compounded or no_commercial:  # no commercial topical form: it can only be compounded
            r.compounded = True
            return "TOPICAL-COMPOUND", None, None, attributes
    name = principal[0]
    ing = drugs.ingredients[name]
    cls_name = ing.extended_release_class if r.extended_release and ing.extended_release_class else ing.drug_class
    cls = drugs.classes[cls_name]
    code = cls.codes.get(route or "oral") or (cls.codes.get("any") if route in (None, "oral") else None)
    if code is None:
        return None, (f"{r.heads[0].written}: {name} ({cls_name.replace('_', ' ')}, {route or 'route not stated'}) "
                      "has no rule in the catalog"), "no-rule", attributes
    return code, None, None, attributes


def _procedure_parts(head: Span, r: _Reading, lex: Lexicon, sites: list[str]) -> tuple[list[Part], str | None,
                                                                                        str | None]:
    """The parts a procedure head yields for the sites named, and why there are none."""
    proc = lex.procedures[head.entry.key]
    name = head.written
    if r.surgical_service and proc.after_surgery:
        return [Part(proc.after_surgery, head=head.entry.key)], None, None
    if proc.by_specialty and (r.specialty or not proc.codes):  # no specialty named: the region decides
        code = proc.by_specialty.get(r.specialty or "")
        if code:
            return [Part(code, head=head.entry.key)], None, None
        if r.specialty:
            return [], f"{name} with {r.specialty.replace('_', ' ')}: no rule addresses that specialty", "no-rule"
        return [], f"{name}: the request names no specialty or service to consult", "needs-site"
    if proc.codes:
        parts: list[Part] = []
        missing: list[str] = []
        for site in sites:
            region = lex.region_of(site, proc.codes)
            if region is None:
                narrower = [x for x, d in lex.sites.items() if x != site and site in lex.ancestors(x)
                            and (d.region in proc.codes or x in proc.codes)]
                if narrower and proc.code is None:  # "MRI of the spine": which part of it?
                    return [], (f"{name} of the {site.replace('_', ' ')}: which part "
                                f"({', '.join(x.replace('_', ' ') for x in narrower[:4])}) is not said"), "ambiguous"
                if proc.code is None:
                    missing.append(site)
                continue
            code = proc.codes[region]
            if all(p.code != code for p in parts):
                parts.append(Part(code, site, head.entry.key))
        if parts:
            return parts, None, None
        if proc.code is not None:
            return [Part(proc.code, head=head.entry.key)], None, None
        if missing:
            where = ", ".join(_site_words(s, lex) for s in missing)
            return [], f"no rule addresses {name} of the {where}", "no-rule-for-site"
        what = "specialty or body region" if proc.by_specialty else "body region"
        return [], f"{name}: the request names no {what}", "needs-site"
    if proc.code is not None:
        return [Part(proc.code, head=head.entry.key)], None, None
    return [], f"{name}: no rule addresses it yet", "no-rule"


def _site_words(site: str, lex: Lexicon) -> str:
    chain = lex.ancestors(site)
    region = next((s for s in chain if lex.sites[s].region), None)
    label = site.replace("_", " ")
    return f"{label} ({region.replace('_', ' ')})" if region and region != site else label


def normalize_request(text: str, vocab: TreatmentVocabulary) -> NormalizedRequest:
    """Map a request as written to treatment codes and attributes; never force a wrong code. Results are
    remembered per vocabulary (a batch asks about the same request text several times)."""
    memo = vocab._cache.setdefault("normalized", {})
    if text not in memo:
        if len(memo) > MEMO_LIMIT:
            memo.clear()
        memo[text] = parse_request(text, vocab)
    found = memo[text]
    return NormalizedRequest(found.text, found.code, dict(found.attributes), found.matched, found.reason,
                             found.reason_kind, dict(found.parse), list(found.parts))


def parse_request(text: str, vocab: TreatmentVocabulary) -> NormalizedRequest:
    lex = vocab.lexicon
    index = _index(lex)
    written = _expanded(raw_tokens(text), lex)
    tokens = [_read_token(t, index) for t in written]
    spans, unknown = _spans(tokens, index, written)
    r = _read(spans, lex, index)
    levels = find_levels(text)
    level_sites = _sites_from_levels(levels, lex)
    per_head = sites_by_head(r, level_sites, lex)
    site_names: list[str] = []
    for s in [x for h in r.heads for x in per_head[id(h)]] or _narrowed([x for x, _ in r.sites], level_sites, lex):
        if s not in site_names:
            site_names.append(s)
    parse = {"head": r.heads[0].written if r.heads else None,
             "heads": [{"kind": h.entry.kind, "name": h.entry.key, "as_written": h.written} for h in r.heads],
             "dependents": [d.entry.key for d in r.dependents], "sites": site_names,
             "sides": {s: side for s, side in r.sites if side}, "side": r.side, "levels": levels,
             "specialty": r.specialty, "surgical_service": r.surgical_service, "modifiers": dict(r.modifiers),
             "ingredients": r.ingredients, "forms": r.forms, "unrecognized": unknown}
    attributes = _attributes(text, r, levels, lex, site_names)
    if not r.heads and (r.forms or _STRENGTH.search(text)):
        what = f": {', '.join(unknown[:4])}" if unknown else ""
        return NormalizedRequest(text, None, attributes, reason="a medication (a strength or dose form is given) "
                                 f"that the drug lexicon does not know{what}", reason_kind="unknown-drug", parse=parse)
    if not r.heads:
        what = f" (words not recognized: {', '.join(unknown[:8])})" if unknown else ""
        return NormalizedRequest(text, None, attributes, reason="no procedure, service, equipment or drug "
                                 f"recognized in the request{what}", reason_kind="no-head", parse=parse)
    parts: list[Part] = []
    reasons: list[tuple[str, str]] = []
    drug_heads = [h for h in r.heads if h.entry.kind in ("product", "ingredient")]
    for head in r.heads:
        if head.entry.kind in ("product", "ingredient"):
            if head is not drug_heads[0]:
                continue
            code, why, kind, extra = _drug_code(r, lex)
            attributes.update(extra)
            parse["compounded"] = r.compounded
            if code:
                parts.append(Part(code, head=head.entry.key))
            else:
                reasons.append((why, kind))
            continue
        got, why, kind = _procedure_parts(head, r, lex, per_head[id(head)])
        parts += [p for p in got if all(p.code != q.code for q in parts)]
        if why:
            reasons.append((why, kind))
    for head in r.heads:
        if head.entry.kind == "procedure":
            for fact, value in lex.procedures[head.entry.key].implies.items():
                attributes.setdefault(fact, value)
    if reasons:  # a part with no code: the item cannot be decided as a whole
        parse["parts"] = [{"code": p.code, "site": p.site} for p in parts]
        why = "; ".join(w for w, _ in reasons)
        if parts:
            why += "; decided alone: " + ", ".join(p.code for p in parts)
        return NormalizedRequest(text, None, attributes, matched=parse["head"], reason=why,
                                 reason_kind=reasons[0][1], parse=parse)
    for part in parts:
        part.attributes = _part_attributes(part, attributes, text, r, written, lex, vocab, several=len(parts) > 1)
    parse["parts"] = [{"code": p.code, "site": p.site} for p in parts]
    return NormalizedRequest(text, parts[0].code, dict(parts[0].attributes), matched=parse["head"], parse=parse,
                             parts=parts if len(parts) > 1 else [])


def _part_attributes(part: Part, common: dict[str, Any], text: str, r: _Reading, written: list[str],
                     lex: Lexicon, vocab: TreatmentVocabulary, several: bool) -> dict[str, Any]:
    """A part's request facts: the item's, those the patterns of the part's family read, and, when the item
    names several sites, the part's own site."""
    attributes = dict(common)
    family = vocab.treatments[part.code].family
    attributes.update(_patterns(text.lower(), lex, family, attributes))
    attributes.update({f: v for f, v in r.modifiers.items() if _modifier_applies(f, family, lex)})
    if ("requested_count" not in attributes and family in lex.grammar.singular_count_families
            and _singular(written[r.heads[0].end - 1])):
        attributes["requested_count"] = 1  # "a ... block", with no count and no plural: one
    for fact, value in lex.grammar.family_defaults.get(family, {}).items():
        attributes.setdefault(fact, value)
    if several and part.site:
        attributes.update(_site_attributes([part.site], lex))
    return attributes


def _singular(last_word: str) -> bool:
    """The head's last word as written is singular: the request names one of it."""
    return fold(last_word) == last_word and not last_word.endswith("s")


def _modifier_applies(fact: str, family: str, lex: Lexicon) -> bool:
    families = lex.grammar.modifier_families.get(fact)
    return families is None or family in families


def _attributes(text: str, r: _Reading, levels: list[str], lex: Lexicon, sites: list[str]) -> dict[str, Any]:
    attrs: dict[str, Any] = {}
    if levels:
        attrs["requested_levels"] = levels
    if r.side:
        attrs["requested_side"] = r.side
    if sites:
        attrs.update(_site_attributes(sites, lex))
    return attrs


def _site_attributes(sites: list[str], lex: Lexicon) -> dict[str, Any]:
    return {"requested_body_part": ", ".join(s.replace("_", " ") for s in sites),
            "requested_includes_distal_limb": any(lex.sites[a].distal_limb for s in sites for a in lex.ancestors(s))}


def _patterns(lowered: str, lex: Lexicon, family: str, known: dict[str, Any]) -> dict[str, Any]:
    """Request facts from the attribute patterns; the first pattern that matches fills a fact."""
    out: dict[str, Any] = {}
    numbers = lex.grammar.numbers
    index = _index(lex)
    table = index.patterns
    key = family if family in table else None
    rows, by_literal = table[key], index.by_literal.get(key, {})
    present = {lit for _, lit in index.literals.iter(lowered)} if len(index.literals) else set()
    # only the patterns one of whose required literals the text holds (or that have none), in table order
    candidates = sorted({*index.unfiltered.get(key, ()), *(i for lit in present for i in by_literal.get(lit, ()))})
    numeric = _DIGIT.search(lowered) is not None or any(w in numbers for w in _WORD.findall(lowered))
    for fact, regex, value, scale, _ in (rows[i] for i in candidates):
        if fact in out or fact in known or (value is None and not numeric):
            continue  # a pattern without a value reads a number: none in the text, nothing to read
        m = regex.search(lowered)
        if not m:
            continue
        if value is not None:
            out[fact] = value
            continue
        product = 1
        for raw in m.groupdict().values():
            if raw is None:
                continue
            number = int(raw) if raw.isdigit() else numbers.get(raw)
            if number is None:
                break
            product *= number
        else:
            out[fact] = product * scale
    return out
