"""What the rules' regular expressions can do, read from their parse tree (Python's own regex parser): the
characters a match can start with, the literal text any match must contain, and whether a pattern can
backtrack catastrophically.

Every regex in the rules folder (extraction patterns and triggers, reviewer phrases, request-attribute patterns)
is checked when it is loaded, so `lint` rejects a pattern like `(a+)+b` or `(a|ab)*c` before an audit could
hang on it: an unbounded repetition of something that itself repeats without bound, or of alternatives that
can match the same text, takes exponential time on some inputs in a backtracking engine. The per-input time
limit of the batch remains the last line of defence.
"""

from __future__ import annotations

import re
import string
from re import _constants as sre_constants  # noqa: PLC2701 - the regex parser is the only full grammar
from re import _parser as sre_parse

_REPEATS = (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT, sre_constants.POSSESSIVE_REPEAT)
_CATEGORY_CHARS = {  # what \w, \s and \d match, as far as the overlap test needs (ASCII stands for all)
    sre_constants.CATEGORY_WORD: set(string.ascii_letters + string.digits + "_"),
    sre_constants.CATEGORY_SPACE: set(" \t\n\r\f\v"),
    sre_constants.CATEGORY_DIGIT: set(string.digits),
}
UNBOUNDED = sre_constants.MAXREPEAT


def first_chars(pattern: str) -> set[str] | None:
    """The characters a regex can start with (None: any character, or not known)."""
    try:
        parsed = sre_parse.parse(pattern)
    except Exception:  # noqa: BLE001 - not a regex we can read: no prefilter
        return None
    chars, nullable = _seq_first(list(parsed))
    return None if chars is None or nullable else chars


def _seq_first(items: list) -> tuple[set[str] | None, bool]:
    """First characters of a parsed sequence, and whether it can match the empty string."""
    out: set[str] = set()
    for op, av in items:
        chars, nullable = _item_first(op, av)
        if chars is None:
            return None, False
        out |= chars
        if not nullable:
            return out, False
    return out, True


def _item_first(op, av) -> tuple[set[str] | None, bool]:
    if op is sre_constants.LITERAL:
        return {chr(av)}, False
    if op is sre_constants.IN:
        chars: set[str] = set()
        for op2, av2 in av:
            if op2 is sre_constants.LITERAL:
                chars.add(chr(av2))
            elif op2 is sre_constants.RANGE:
                chars.update(chr(c) for c in range(av2[0], av2[1] + 1))
            elif op2 is sre_constants.CATEGORY and av2 is sre_constants.CATEGORY_DIGIT:
                chars.update("0123456789")
            else:
                return None, False
        return chars, False
    if op in (sre_constants.AT, sre_constants.ASSERT, sre_constants.ASSERT_NOT):
        return set(), True
    if op is sre_constants.SUBPATTERN:
        return _seq_first(list(av[-1]))
    if op is sre_constants.BRANCH:
        out: set[str] = set()
        nullable = False
        for alt in av[1]:
            chars, empty = _seq_first(list(alt))
            if chars is None:
                return None, False
            out |= chars
            nullable = nullable or empty
        return out, nullable
    if op in _REPEATS:
        chars, empty = _seq_first(list(av[2]))
        return chars, empty or av[0] == 0
    return None, False


def _parsed_for_literals(pattern: str):
    """The parsed regex its literals can be read from; None when it cannot be read or ignores case (its
    literals would not be literal)."""
    try:
        parsed = sre_parse.parse(pattern)
    except Exception:  # noqa: BLE001 - not a regex we can read: no prefilter
        return None
    return None if parsed.state.flags & re.IGNORECASE else parsed


def required_literals(pattern: str) -> frozenset[str] | None:
    """Literal strings of which every match contains at least one (None: no such set is known). A text that
    contains none of them cannot match, so a multi-literal scan rules the regex out without running it."""
    parsed = _parsed_for_literals(pattern)
    return None if parsed is None else _seq_required(list(parsed))


def prefix_literals(pattern: str, min_length: int = 3) -> frozenset[str] | None:
    """Literal strings one of which every match starts with (zero-width assertions before it aside), each at
    least `min_length` long; None when there is no such set. The regex then need only be tried where one of
    them occurs in the text (`regex.match` there finds what `finditer` would)."""
    parsed = _parsed_for_literals(pattern)
    if parsed is None:
        return None
    found, nullable = _seq_prefixes(list(parsed))
    if found is None or nullable or not found or min(len(x) for x in found) < min_length:
        return None
    return frozenset(found)


def _seq_prefixes(items: list) -> tuple[set[str] | None, bool]:
    """The literals a parsed sequence's every non-empty match starts with, and whether it can match the empty
    string. A leading literal run is one; an optional element adds its own to those of what follows it (a group,
    every alternative of a branch, a repetition: their content's). None: a match can start otherwise."""
    out: set[str] = set()
    run: list[str] = []
    for op, av in items:
        if op is sre_constants.LITERAL:
            run.append(chr(av))
            continue
        if run:
            break
        if op in (sre_constants.AT, sre_constants.ASSERT, sre_constants.ASSERT_NOT):
            continue  # zero-width: the match still starts where the text after it does
        if op is sre_constants.SUBPATTERN:
            if av[1] & re.IGNORECASE:
                return None, False
            found, nullable = _seq_prefixes(list(av[3]))
        elif op in _REPEATS:
            found, nullable = _seq_prefixes(list(av[2]))
            nullable = nullable or av[0] == 0
        elif op is sre_constants.BRANCH:
            found, nullable = set(), False
            for branch in av[1]:
                alt, empty = _seq_prefixes(list(branch))
                if alt is None:
                    return None, False
                found |= alt
                nullable = nullable or empty
        else:
            return None, False  # a class, any character, a backreference: no literal start
        if found is None:
            return None, False
        out |= found
        if not nullable:
            return out, False
    if run:
        return out | {"".join(run)}, False
    return out, True


def _seq_required(items: list) -> frozenset[str] | None:
    """The most selective requirement of a sequence: a run of literal characters, or an element's own."""
    candidates: list[frozenset[str]] = []
    run: list[str] = []
    for op, av in items:
        if op is sre_constants.LITERAL:
            run.append(chr(av))
            continue
        if run:
            candidates.append(frozenset(["".join(run)]))
            run = []
        found = _item_required(op, av)
        if found is not None:
            candidates.append(found)
    if run:
        candidates.append(frozenset(["".join(run)]))
    if not candidates:
        return None
    return max(candidates, key=lambda c: (min(len(x) for x in c), -len(c)))


def _item_required(op, av) -> frozenset[str] | None:
    if op is sre_constants.SUBPATTERN:
        return None if av[1] & re.IGNORECASE else _seq_required(list(av[3]))
    if op in _REPEATS:
        low, _, body = av
        return _seq_required(list(body)) if low >= 1 else None
    if op is sre_constants.BRANCH:
        union: set[str] = set()
        for branch in av[1]:
            found = _seq_required(list(branch))
            if found is None:
                return None
            union |= found
        return frozenset(union)
    return None  # classes, anchors, lookarounds, backreferences: no literal they guarantee


def backtracking_risk(pattern: str) -> str | None:
    """Why a regex can backtrack catastrophically, or None when it has neither of the two known shapes:
    - an unbounded repetition whose body holds another unbounded repetition that can take the text the next
      iteration would start with: (a+)+, (\\w+\\s?)+, (x*y*)*;
    - an unbounded repetition whose body can end in two ways at the same place: (a|aa)* (which the parser reads
      as a(?:|a)*), (ab?)*b with an optional part the next iteration could start with.
    Shapes it does not see (e.g. (.*a)*) are left to the per-input time limit."""
    try:
        parsed = sre_parse.parse(pattern)
    except Exception:  # noqa: BLE001 - compiling reports the syntax error itself
        return None
    return _risk(list(parsed))


def _risk(items: list) -> str | None:
    for op, av in items:
        children: list[list] = []
        if op in _REPEATS:
            low, high, body = av
            body = list(body)
            if high == UNBOUNDED and _ambiguous_iterations(body):
                return ("an unbounded repetition whose iterations can split the same text in more than one way "
                        "(like (a+)+ or (a|aa)*) can backtrack exponentially")
            children = [body]
        elif op is sre_constants.SUBPATTERN:
            children = [list(av[-1])]
        elif op is sre_constants.BRANCH:
            children = [list(alt) for alt in av[1]]
        elif op in (sre_constants.ASSERT, sre_constants.ASSERT_NOT):
            children = [list(av[1])]
        for child in children:
            found = _risk(child)
            if found:
                return found
    return None


def _chars(items: list) -> set[str] | None:
    """Every character a sequence can match (None: too many to list, e.g. \\w or .)."""
    out: set[str] = set()
    for op, av in items:
        if op is sre_constants.LITERAL:
            out.add(chr(av))
        elif op is sre_constants.IN:
            for op2, av2 in av:
                if op2 is sre_constants.LITERAL:
                    out.add(chr(av2))
                elif op2 is sre_constants.RANGE:
                    out.update(chr(c) for c in range(av2[0], av2[1] + 1))
                elif op2 is sre_constants.CATEGORY and av2 in _CATEGORY_CHARS:
                    out |= _CATEGORY_CHARS[av2]
                else:
                    return None
        elif op in (sre_constants.AT, sre_constants.ASSERT, sre_constants.ASSERT_NOT):
            continue
        elif op is sre_constants.SUBPATTERN:
            inner = _chars(list(av[-1]))
            if inner is None:
                return None
            out |= inner
        elif op is sre_constants.BRANCH:
            for alt in av[1]:
                inner = _chars(list(alt))
                if inner is None:
                    return None
                out |= inner
        elif op in _REPEATS:
            inner = _chars(list(av[2]))
            if inner is None:
                return None
            out |= inner
        else:
            return None
    return out


def _overlap(a: set[str] | None, b: set[str] | None) -> bool:
    return a is None or b is None or bool(a & b)


def _nullable(op, av) -> bool:
    """Whether one parsed element can match the empty string."""
    if op in _REPEATS:
        return av[0] == 0 or all(_nullable(o, a) for o, a in av[2])
    if op is sre_constants.SUBPATTERN:
        return all(_nullable(o, a) for o, a in av[-1])
    if op is sre_constants.BRANCH:
        return any(all(_nullable(o, a) for o, a in alt) for alt in av[1])
    return op in (sre_constants.AT, sre_constants.ASSERT, sre_constants.ASSERT_NOT)


def _start_chars(items: list) -> set[str] | None:
    """The characters a sequence can start with, \\w \\s \\d included (None: not known)."""
    out: set[str] = set()
    for op, av in items:
        if op in (sre_constants.AT, sre_constants.ASSERT, sre_constants.ASSERT_NOT):
            continue
        if op in _REPEATS:
            head = _start_chars(list(av[2]))
        elif op is sre_constants.SUBPATTERN:
            head = _start_chars(list(av[-1]))
        elif op is sre_constants.BRANCH:
            head = set()
            for alt in av[1]:
                part = _start_chars(list(alt))
                if part is None:
                    return None
                head |= part
        else:
            head = _chars([(op, av)])
        if head is None:
            return None
        out |= head
        if not _nullable(op, av):
            return out
    return out


def _ambiguous_iterations(body: list) -> bool:
    """Can iterations of `body` divide one text in two ways? Yes when the body's tail (the elements after its
    last required part) holds an unbounded repetition, or alternatives one of which is empty, whose
    characters the next iteration could start with."""
    while len(body) == 1 and body[0][0] is sre_constants.SUBPATTERN:
        body = list(body[0][1][-1])
    start = _start_chars(body)
    for index in range(len(body) - 1, -1, -1):
        op, av = body[index]
        variable = (op in _REPEATS and av[1] == UNBOUNDED) or (op is sre_constants.BRANCH and any(
            not alt for alt in av[1]))
        if variable:
            inner = list(av[2]) if op in _REPEATS else [body[index]]
            if _overlap(_chars(inner), start):
                return True
        if not _nullable(op, av):
            break  # a required element: an iteration cannot end before it
    return False


def checked(pattern: str, flags: int = 0) -> "re.Pattern[str]":
    """Compile a rules-folder regex; ValueError when it is not a valid regex or can backtrack catastrophically."""
    try:
        compiled = re.compile(pattern, flags)
    except re.error as exc:
        raise ValueError(f"bad regular expression {pattern!r}: {exc}") from None
    risk = backtracking_risk(pattern)
    if risk:
        raise ValueError(f"regular expression {pattern!r} rejected: {risk}; rewrite it so that each part of the "
                         "text can be matched one way only")
    return compiled
