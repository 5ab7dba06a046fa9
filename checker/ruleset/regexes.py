"""What the rules' regular expressions can do, read from their parse tree (Python's own regex parser): the
characters a match can start with, the literal text any match must contain, and whether a pattern can
backtrack catastrophically; and a word list written as a trie (`literal_alternation`), which the engine reads
far faster than the same words one after another.

Every regex in the rules folder (extraction patterns and triggers, reviewer phrases, request-attribute patterns)
is checked when it is loaded, so `lint` rejects a pattern like `(a+)+b` or `(a|ab)*c` before an audit could
hang on it: an unbounded repetition of something that itself repeats without bound, or of alternatives that
can match the same text, takes exponential time on some inputs in a backtracking engine. The per-input time
limit of the batch remains the last line of defence.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable
from functools import lru_cache
from re import _constants as sre_constants  # noqa: PLC2701 - the regex parser is the only full grammar
from re import _parser as sre_parse

_REPEATS = (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT, sre_constants.POSSESSIVE_REPEAT)
_CATEGORY_CHARS = {  # what \w, \s and \d match, as far as the overlap test needs (ASCII stands for all)
    sre_constants.CATEGORY_WORD: set(string.ascii_letters + string.digits + "_"),
    sre_constants.CATEGORY_SPACE: set(" \t\n\r\f\v"),
    sre_constants.CATEGORY_DIGIT: set(string.digits),
}
UNBOUNDED = sre_constants.MAXREPEAT


_GROUP_NAME = re.compile(r"\(\?P[<=][^>)]*[>)]")


def lower_pattern(pattern: str) -> str:
    """Lower-case a regex's literal letters, leaving escapes (\\D, \\W...) and group names as written."""
    out: list[str] = []
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            out.append(pattern[i:i + 2])
            i += 2
            continue
        name = _GROUP_NAME.match(pattern, i) if ch == "(" else None
        if name:
            out.append(name.group(0))
            i += len(name.group(0))
            continue
        out.append(ch.lower())
        i += 1
    return "".join(out)


def lower_text(text: str) -> str:
    """Lower-case without changing the length (a character whose lower case is longer is kept)."""
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text)


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


@lru_cache(maxsize=8)
def parsed(pattern: str) -> sre_parse.SubPattern:
    """A regex's parse tree, shared by the analyses of one pattern run one after another (never modified)."""
    return sre_parse.parse(pattern)


def _parsed_for_literals(pattern: str):
    """The parsed regex its literals can be read from; None when it cannot be read or ignores case (its
    literals would not be literal)."""
    try:
        tree = parsed(pattern)
    except Exception:  # noqa: BLE001 - not a regex we can read: no prefilter
        return None
    return None if tree.state.flags & re.IGNORECASE else tree


def required_literals(pattern: str) -> frozenset[str] | None:
    """Literal strings of which every match contains at least one (None: no such set is known). A text that
    contains none of them cannot match, so a multi-literal scan rules the regex out without running it."""
    parsed = _parsed_for_literals(pattern)
    try:
        return None if parsed is None else _seq_required(list(parsed))
    finally:
        _EXACT.clear()  # the memo is for one pattern's nested elements: holding them would keep its tree alive


def prefix_literals(pattern: str, min_length: int = 3) -> frozenset[str] | None:
    """Literal strings one of which every match starts with (zero-width assertions before it aside), each at
    least `min_length` long; None when there is no such set. The regex then need only be tried where one of
    them occurs in the text (`regex.match` there finds what `finditer` would)."""
    parsed = _parsed_for_literals(pattern)
    if parsed is None:
        return None
    try:
        found, nullable = _seq_prefixes(list(parsed))
    finally:
        _EXACT.clear()
    if found is None or nullable or not found or min(len(x) for x in found) < min_length:
        return None
    return frozenset(found)


def _seq_prefixes(items: list) -> tuple[set[str] | None, bool]:
    """The literals a parsed sequence's every non-empty match starts with, and whether it can match the empty
    string. A leading run of exact elements gives the strings it spells (zero-width assertions spell nothing);
    an optional element adds its own to those of what follows it (a group, every alternative of a branch, a
    repetition: their content's). None: a match can start otherwise."""
    out: set[str] = set()
    for exact, run in _runs(items):
        if exact:
            spelled, whole = _spelled_start(run)
            out |= spelled - {""}
            if "" not in spelled:
                return out, False
            if not whole:
                return None, False
            continue
        op, av = run[0]
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
    return out, True


def _spelled_start(items: list) -> tuple[frozenset[str], bool]:
    """Strings one of which starts whatever a run of exact elements matches: those it spells, each cut once it
    is SELECTIVE long (a longer literal would filter little more), as far as MAX_SPELLINGS allows; and False
    when MAX_SPELLINGS stopped it (the strings are then only the run's start)."""
    out = frozenset([""])
    for options in _pieces(items):
        short = {x for x in out if len(x) < SELECTIVE}
        if not short:
            return out, True
        if len(out) - len(short) + len(short) * len(options) > MAX_SPELLINGS:  # checked before it is spelled
            return out, False
        out = frozenset((out - short) | {a + b for a in short for b in options})
    return out, True


def _pieces(items: list) -> list[frozenset[str]]:
    """The strings each element of a run of exact elements matches, a run of characters taken as one piece."""
    out: list[frozenset[str]] = []
    run = ""
    for op, av in items:
        if op is sre_constants.LITERAL:
            run += chr(av)
            continue
        if run:
            out.append(frozenset([run]))
            run = ""
        out.append(_exact(op, av))
    return out + [frozenset([run])] if run else out


def _seq_required(items: list) -> frozenset[str] | None:
    """The most selective requirement of a sequence: the strings a run of exact elements spells (a literal run,
    a trie of words, 'work[- ]related'), or an element's own."""
    candidates: list[frozenset[str]] = []
    for exact, run in _runs(items):
        if not exact:
            found = _item_required(*run[0])
            if found is not None:
                candidates.append(found)
            continue
        spelled, _ = _spelled_start(run)  # a match of the run holds one of them
        if "" not in spelled:
            candidates.append(spelled)
        else:  # the run may match nothing, or is spelled too many ways: its elements' own
            candidates += [e for e in (_exact(op, av) for op, av in run) if "" not in e]
    if not candidates:
        return None
    return max(candidates, key=lambda c: (min(SELECTIVE, *map(len, c)), -len(c)))


def _runs(items: list) -> list[tuple[bool, list]]:
    """A sequence cut into maximal runs of exact elements (True) and single other elements (False)."""
    out: list[tuple[bool, list]] = []
    for op, av in items:
        exact = _exact(op, av) is not None
        if exact and out and out[-1][0]:
            out[-1][1].append((op, av))
        else:
            out.append((exact, [(op, av)]))
    return out


MAX_SPELLINGS = 1024  # beyond this many strings a run's literals are its elements' own
SELECTIVE = 12  # literals this long are rare in a letter: a longer one would filter little more


def _spelled(items: list) -> frozenset[str] | None:
    """Every string a run of exact elements can match, one after another (None: more than MAX_SPELLINGS, counted
    before any is spelled, so two word lists in a row cost no product of their sizes)."""
    out = {""}
    for op, av in items:
        options = _exact(op, av)
        if options is None or len(out) * len(options) > MAX_SPELLINGS:  # too many, known before they are spelled
            return None
        out = {a + b for a in out for b in options}
    return frozenset(out)


_EXACT: dict[int, tuple[object, frozenset[str] | None]] = {}  # id(element's argument) -> (it, its strings)


def _exact(op, av) -> frozenset[str] | None:
    """The strings one parsed element can match when they are few and literal: a character, a small class, a
    group or alternation of such, an optional one (the empty string among them); a zero-width assertion matches
    the empty string (it filters matches, so the strings stay a superset). None: any other element. Worked out
    once per element of the pattern being read (the analyses ask again of nested ones; the memo, emptied after
    each pattern, holds the argument, so its id is not reused while it is there)."""
    if op is sre_constants.LITERAL:
        return frozenset([chr(av)])
    if op in (sre_constants.AT, sre_constants.ASSERT, sre_constants.ASSERT_NOT):
        return frozenset([""])
    known = _EXACT.get(id(av))
    if known is not None and known[0] is av:
        return known[1]
    found = _exact_of(op, av)
    _EXACT[id(av)] = (av, found)
    return found


def _exact_of(op, av) -> frozenset[str] | None:
    """What _exact answers for an element it has not read yet."""
    if op is sre_constants.IN:
        chars = _class_chars(av)
        return frozenset(chars) if chars is not None and len(chars) <= 8 else None
    if op is sre_constants.SUBPATTERN:
        return None if av[1] & re.IGNORECASE else _spelled(list(av[3]))
    if op is sre_constants.BRANCH:
        return _union(av[1], _spelled, MAX_SPELLINGS)
    if op in _REPEATS and av[1] == 1 and av[0] in (0, 1):
        body = _spelled(list(av[2]))
        return None if body is None else body | ({""} if av[0] == 0 else set())
    return None


def _class_chars(av: list) -> set[str] | None:
    """The characters a class of literals and short ranges matches (None: negated, or a category)."""
    out: set[str] = set()
    for op, value in av:
        if op is sre_constants.LITERAL:
            out.add(chr(value))
        elif op is sre_constants.RANGE and value[1] - value[0] < 16:
            out.update(chr(c) for c in range(value[0], value[1] + 1))
        else:
            return None
    return out


def _item_required(op, av) -> frozenset[str] | None:
    if op is sre_constants.SUBPATTERN:
        return None if av[1] & re.IGNORECASE else _seq_required(list(av[3]))
    if op in _REPEATS:
        low, _, body = av
        return _seq_required(list(body)) if low >= 1 else None
    if op is sre_constants.BRANCH:
        return _union(av[1], _seq_required)
    return None  # classes, anchors, lookarounds, backreferences: no literal they guarantee


def _union(branches: list, read, limit: int | None = None) -> frozenset[str] | None:
    """The strings `read` gives every alternative of a branch, together (None: one gives none, or more than
    `limit` in all, known without reading the alternatives after)."""
    union: set[str] = set()
    for branch in branches:
        found = read(list(branch))
        if found is None:
            return None
        union |= found
        if limit is not None and len(union) > limit:
            return None
    return frozenset(union)


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


def literal_alternation(words: Iterable[str]) -> str:
    """A non-capturing group matching any of `words` (literal text), written as a trie: words sharing a prefix
    share a branch, so the engine reads the prefix once instead of trying every word in turn. It matches what
    the alternation of the words longest first matches, in the same order: the words that match at one place
    are prefixes of one another, and the trie tries the longer of them first (the path on before the end of a
    shorter word), as the longest-first list does."""
    trie: dict[str, dict] = {}
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}  # a word ends here
    trie.pop("", None)  # the empty word matches anywhere: not a word
    return "(?:" + "|".join(_branches(trie)) + ")" if trie else "(?!)"


def _branches(node: dict[str, dict]) -> list[str]:
    """One alternative per next character of a trie node: its edge (a chain with one way on merged into one)
    and what can follow it."""
    out = []
    for ch in sorted(k for k in node if k):
        label, child = ch, node[ch]
        while len(child) == 1 and "" not in child:
            (ch, child), = child.items()
            label += ch
        out.append(_escape(label) + _after(child))
    return out


def _after(node: dict[str, dict]) -> str:
    """What can follow a trie node: nothing at a word's end, an optional group where a word ends and others go
    on (greedy: the longer words are tried first), else its alternatives."""
    branches = _branches(node)
    if not branches:
        return ""
    if "" in node:
        return "(?:" + "|".join(branches) + ")?"
    return branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"


def _escape(text: str) -> str:
    """Literal text in a regex, spaces left readable."""
    return re.escape(text).replace("\\ ", " ")
