"""IMR final determination letters (text or PDF) -> case number, dates, reviewer, summary and disputed items.

Three layouts are known (see DOMAIN.md): layout 1 ("IMR ISSUES, DECISIONS AND RATIONALES", items written as
"<item>: Upheld|Overturned" followed by guideline lines and "Decision rationale:"), layout 2 (a variant with
"DOCUMENTS REVIEWED" and "IMR DECISION(S) AND RATIONALE(S)") and layout 3 (the older "MEDICAL PROFESSIONAL
REVIEW", one item per letter). PDF text is noisy, so the parser works on normalised lines (page breaks dropped,
blank lines kept as paragraph breaks) and never drops an item silently: something that looks like an item but
cannot be parsed is recorded with outcome None and a warning.
"""

from __future__ import annotations

import codecs
import datetime
import io
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

from checker.errors import InputError, NotALetterError


@dataclass
class LetterItem:
    """One disputed item/service and the IMR decision on it."""

    index: int
    header: str
    request: str
    original_request: str | None
    outcome: str | None
    claims_administrator_guideline: str | None
    maximus_guideline: str | None
    based_on_mtus: bool | None
    rationale: str


@dataclass
class Letter:
    """One IMR final determination letter."""

    path: str
    layout: int
    case_number: str | None
    dates: dict[str, datetime.date]
    licensure: list[str]
    specialty: list[str]
    summary: str
    items: list[LetterItem]
    warnings: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------------------------
# Reading files

def read_letter(path: str | Path) -> Letter:
    """Read and parse a letter from a .txt or .pdf file; InputError if it cannot be read or parsed."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(path, f"cannot read letter: {exc.strerror or exc}") from None
    if not data.strip():
        raise InputError(path, "empty letter")
    if data.startswith(b"%PDF") or path.suffix.lower() == ".pdf":
        text = _pdf_text(path, data)
    else:
        text = decode_text(data)
    return parse_letter_text(text, str(path))


_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def decode_text(data: bytes) -> str:
    """A letter's bytes as text: a byte-order mark first, then UTF-8 (nearly every letter), UTF-16 without a
    mark (every other byte NUL), and otherwise charset-normalizer's best guess (Latin-1, Windows-1252, ...).
    Text that is still mostly unprintable is rejected as binary later, by the parser."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError:
                break
    sample = data[:4096]
    for offset, encoding in ((1, "utf-16-le"), (0, "utf-16-be")):  # before UTF-8: NUL bytes are valid UTF-8
        if len(sample) >= 16 and sample[offset::2].count(0) > 0.9 * (len(sample) // 2):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError:
                pass
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes
    best = from_bytes(data[:200_000]).best()
    if best is not None:
        try:
            return data.decode(best.encoding)
        except (UnicodeDecodeError, LookupError):
            pass
    return data.decode("cp1252", errors="replace")


def _pdf_text(path: Path, data: bytes) -> str:
    """Page texts joined with a form-feed line, which the normaliser treats as a page break."""
    try:
        import pypdf
    except ImportError:  # pragma: no cover - dependency declared in pyproject
        raise InputError(path, "cannot read PDF letters: pypdf is not installed") from None
    logging.getLogger("pypdf").setLevel(logging.ERROR)  # corrupt-file chatter: the InputError says it once
    if not data.startswith(b"%PDF"):
        raise InputError(path, "not a PDF file (no %PDF header)")
    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise InputError(path, "encrypted PDF that does not open with an empty password")
        pages = [page.extract_text() or "" for page in reader.pages]
    except InputError:
        raise
    except Exception as exc:  # noqa: BLE001 - pypdf parses untrusted bytes: whatever it raises, the PDF is unreadable
        detail = re.sub(r"\s*(?:object )?at 0x[0-9a-fA-F]+", "", str(exc))  # no memory addresses: runs must agree
        raise InputError(path, f"unreadable or truncated PDF ({type(exc).__name__}: {detail})") from None
    if not "".join(pages).strip():
        raise InputError(path, "PDF has no extractable text (scanned image?)")
    return "\n\f\n".join(page.rstrip("\n") for page in pages)


# ---------------------------------------------------------------------------------------------------------------
# Normalising text into lines

def _lines(text: str) -> list[str]:
    """Stripped lines, "" for a paragraph break; page breaks are dropped so paragraphs run on across pages.

    pypdf text (and the corpus .txt) marks the letter's own blank lines with whitespace (" ") while a page
    break leaves a truly empty line; the seed letters also put an empty line after every line. So when a text
    has whitespace-only lines, its empty lines are soft breaks; otherwise empty lines are paragraph breaks.
    """
    raw = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "").split("\n")
    spaced_blanks = any(line and not line.strip() for line in raw if line != "\f")
    out: list[str] = []
    for line in raw:
        if "\f" in line:
            line = line.replace("\f", "")
            if not line.strip():
                continue
        if not line:
            if spaced_blanks:
                continue
            out.append("")
            continue
        stripped = " ".join(line.split())
        if not stripped:
            if out and out[-1] != "":
                out.append("")
            continue
        out.append(stripped)
    return out


_URL_LINE = re.compile(r"^(?:https?://|www\.)\S*$", re.IGNORECASE)


def _join(lines: list[str]) -> str:
    """Lines of one paragraph as one string; a line ending in a hyphen joins the next without a space."""
    text = ""
    for line in lines:
        if not text:
            text = line
        elif text.endswith("-") and len(text) > 1 and text[-2] != " ":
            text += line
        else:
            text += " " + line
    return text


def _paragraphs(lines: list[str], drop_urls: bool = True) -> str:
    """Paragraph texts separated by a blank line; stray URL-only lines dropped."""
    paragraphs, current = [], []
    for line in lines:
        if not line:
            if current:
                paragraphs.append(_join(current))
                current = []
        elif not (drop_urls and _URL_LINE.match(line)):
            current.append(line)
    if current:
        paragraphs.append(_join(current))
    return "\n\n".join(paragraphs)


def _collapse(text: str) -> str:
    return " ".join(text.split())


# ---------------------------------------------------------------------------------------------------------------
# Header: case number, dates, reviewer

_CASE_NUMBER = re.compile(r"Case\s*(?:Number|No\.?)\s*:\s*([A-Z]{2}\d{2}-\d{4,})", re.IGNORECASE)
_DATE = r"(\d{1,2}/\d{1,2}/\d{2,4})"
_DATE_LABELS = {
    "assigned": re.compile(r"Date\s*Assigned\s*:\s*" + _DATE, re.IGNORECASE),
    "decision": re.compile(r"(?:Decision\s*Date|Date\s*of\s*(?:IMR\s*)?Decision)\s*:\s*" + _DATE, re.IGNORECASE),
    "ur_denial": re.compile(r"(?:UR\s*Denial\s*Date|Date\s*of\s*UR\s*(?:Decision|Denial))\s*:\s*" + _DATE,
                            re.IGNORECASE),
    "received": re.compile(r"(?:Date\s*)?Received\s*:\s*" + _DATE, re.IGNORECASE),
    "injury": re.compile(r"Date\s*of\s*Injury\s*:\s*" + _DATE, re.IGNORECASE),
}
_LICENSURE = re.compile(r"State\(s\)\s*of\s*Licensure\s*:\s*(.*?)\s*(?=Certification\(s\)|$)", re.IGNORECASE)
_SPECIALTY = re.compile(r"Certification\(s\)\s*/\s*Specialty\s*:\s*(.*)", re.IGNORECASE)
_PROSE_REVIEWER = re.compile(
    r"Board\s*Certified\s*in\s*(?P<specialty>.+?)(?:,?\s*(?:and\s+)?has\s+a\s+subspecialty\s+in\s*(?P<sub>.+?))?,?"
    r"\s+and\s+is\s+licensed\s+to\s+practice\s+in\s+(?P<states>.+?)\.", re.IGNORECASE)


def _header_facts(header: str, letter: Letter) -> None:
    """Case number and dates from the letter head (text before the first section)."""
    flat = _collapse(header)
    match = _CASE_NUMBER.search(flat)
    if match:
        letter.case_number = match.group(1).upper()
    for key, pattern in _DATE_LABELS.items():
        match = pattern.search(flat)
        if not match:
            continue
        _set_date(letter, key, match.group(1))


_SUMMARY_INJURY = re.compile(r"(?:date of injury(?: of| was| is)?|injury (?:sustained |reported |that occurred )?on|"
                             r"injured (?:at work )?on|\bDOI\b:?)\s*" + _DATE, re.IGNORECASE)
_SUMMARY_UR = re.compile(r"(?:utili[sz]ation review|utlization review|\bUR\b)", re.IGNORECASE)
_UR_VERDICT = re.compile(r"\b(?:denied|non-?certif\w*|not certif\w*|modified)\b", re.IGNORECASE)


def _summary_dates(letter: Letter) -> None:
    """A letter whose head gives no date of injury or of the UR decision (the older layouts) states them in the
    summary: "with a date of injury of 03/09/2009", "utilization review dated 5/30/14 denied the request". The
    head's dates win; a summary date is read only from a sentence that says what it is."""
    if "injury" not in letter.dates and (m := _SUMMARY_INJURY.search(letter.summary)):
        _set_date(letter, "injury", m.group(1))
    if "ur_denial" not in letter.dates:
        for sentence in re.split(r"(?<=[.;])\s+", letter.summary):
            if _SUMMARY_UR.search(sentence) and _UR_VERDICT.search(sentence) and (m := re.search(_DATE, sentence)):
                _set_date(letter, "ur_denial", m.group(1))
                break


def _set_date(letter: Letter, key: str, text: str) -> None:
    month, day, year = (int(part) for part in text.split("/"))
    year += 2000 if year < 100 else 0
    try:
        letter.dates[key] = datetime.date(year, month, day)
    except ValueError:
        letter.warnings.append(f"invalid {key} date {text!r}")


def _split_list(text: str) -> list[str]:
    return [part.strip(" .;") for part in re.split(r",|;|\s+and\s+", text) if part.strip(" .;")]


def _reviewer(lines: list[str], letter: Letter) -> None:
    """Licensure and specialty: the "State(s) of Licensure:" block, else the "Board Certified in" prose."""
    block = _paragraph_after(lines, re.compile(r"^State\(s\)\s*of\s*Licensure", re.IGNORECASE))
    if block:
        flat = _collapse(" ".join(block))
        match = _LICENSURE.search(flat)
        letter.licensure = [s.strip() for s in match.group(1).split(",") if s.strip()] if match else []
        match = _SPECIALTY.search(flat)
        letter.specialty = [s.strip() for s in match.group(1).split(",") if s.strip()] if match else []
        return
    match = _PROSE_REVIEWER.search(_collapse(" ".join(lines)))
    if match:
        letter.specialty = [_collapse(match.group("specialty"))]
        if match.group("sub"):
            letter.specialty.append(_collapse(match.group("sub")))
        letter.licensure = _split_list(match.group("states"))


def _paragraph_after(lines: list[str], start: re.Pattern) -> list[str]:
    for i, line in enumerate(lines):
        if start.match(line):
            end = i
            while end < len(lines) and lines[end] and not _HEADINGS_L1.match(lines[end]):
                end += 1
            return lines[i:end]
    return []


# ---------------------------------------------------------------------------------------------------------------
# Layout detection and sections

_HEADINGS_L1 = re.compile(
    r"^(?:HOW\s*THE\s*IMR\s*FINAL\s*DETERMINATION\s*WAS\s*MADE|CLINICAL\s*CASE\s*SUMMARY|DOCUMENTS\s*REVIEWED"
    r"|IMR\s*ISSUES,?\s*DECISIONS\s*AND\s*RATIONALES|IMR\s*DECISION\(?S?\)?\s*AND\s*RATIONALE\(?S?\)?)\s*:?$")
_HOW = re.compile(r"^HOW\s*THE\s*IMR\s*FINAL\s*DETERMINATION\s*WAS\s*MADE\s*:?$")
_SUMMARY = re.compile(r"^CLINICAL\s*CASE\s*SUMMARY\s*:?$")
_DOCUMENTS = re.compile(r"^DOCUMENTS\s*REVIEWED\s*:?$")
_ISSUES_L1 = re.compile(r"^IMR\s*ISSUES,?\s*DECISIONS\s*AND\s*RATIONALES\s*:?$")
_ISSUES_L2 = re.compile(r"^IMR\s*DECISION\(?S?\)?\s*AND\s*RATIONALE\(?S?\)?\s*:?$")
_ISSUE_L3 = re.compile(r"ISSUE\s*AT\s*DISPUTE\s*:")
_SUMMARY_INTRO = re.compile(
    r"^The\s+(?:expert|physician|professional)\s+reviewer\s+developed\s+the\s+following\s+clinical\s+case\s+summary"
    r".*?medical\s+records\s*:\s*", re.IGNORECASE | re.DOTALL)
_FINAL_DETERMINATION_INTRO = re.compile(r"^The\s*Final\s*Determination\s*was\s*based\s*on", re.IGNORECASE)


_LAYOUT_CONTROLS = str.maketrans("", "", "\n\r\t\f")  # the control characters a text letter may have


def parse_letter_text(text: str, path: str = "<text>") -> Letter:
    """Parse the text of a letter (any of the three layouts); InputError when it is not a parseable letter."""
    if not text or not text.strip():
        raise InputError(path, "empty letter")
    sample = text[:4096]
    if not sample.translate(_LAYOUT_CONTROLS).isprintable() and (  # counted only when a character is not
            sum(ch.isprintable() or ch in "\n\r\t\f" for ch in sample) < 0.95 * len(sample)):
        raise InputError(path, "not a text letter (binary content)")
    lines = _lines(text)
    if _first(lines, _ISSUES_L2) is not None:
        letter = _parse_layout_1_or_2(lines, path, 2)
    elif _first(lines, _ISSUES_L1) is not None:
        letter = _parse_layout_1_or_2(lines, path, 1)
    elif _ISSUE_L3.search(text):
        letter = _parse_layout_3(lines, path)
    else:
        raise NotALetterError(path, "no recognizable IMR letter layout (no 'IMR ISSUES, DECISIONS AND RATIONALES', "
                               "'IMR DECISION(S) AND RATIONALE(S)' or 'ISSUE AT DISPUTE:' section)")
    if not letter.items:
        raise InputError(path, f"layout {letter.layout} letter with no disputed items")
    _summary_dates(letter)
    return letter


def _first(lines: list[str], pattern: re.Pattern, start: int = 0) -> int | None:
    for i in range(start, len(lines)):
        if pattern.match(lines[i]):
            return i
    return None


def _parse_layout_1_or_2(lines: list[str], path: str, layout: int) -> Letter:
    letter = Letter(path=path, layout=layout, case_number=None, dates={}, licensure=[], specialty=[], summary="",
                    items=[], warnings=[])
    issues = _first(lines, _ISSUES_L2 if layout == 2 else _ISSUES_L1)
    how = _first(lines, _HOW)
    summary = _first(lines, _SUMMARY)
    head_end = min(i for i in (how, summary, issues) if i is not None)
    _header_facts("\n".join(lines[:head_end]), letter)
    if summary is None or summary > issues:
        letter.warnings.append("no CLINICAL CASE SUMMARY section")
        summary = None
    reviewer_end = summary if summary is not None else issues
    _reviewer(lines[how + 1 if how is not None else head_end:reviewer_end], letter)
    if summary is not None:
        end = issues
        documents = _first(lines, _DOCUMENTS, summary + 1)
        if documents is not None and documents < issues:
            end = documents
        letter.summary = _SUMMARY_INTRO.sub("", _paragraphs(lines[summary + 1:end]))
    body = lines[issues + 1:]
    letter.items = _layout_1_items(body, letter.warnings)
    if layout == 2 and not letter.items:
        letter.items = _numbered_items(body, letter.warnings)
    return letter


# ---------------------------------------------------------------------------------------------------------------
# Layout 1 items

_OUTCOME = re.compile(r"(?:^|:|\bis)\s*(Upheld|Overturned|UPHELD|OVERTURNED)\s*\.?$")
_LONE_OUTCOME = re.compile(r"^(Upheld|Overturned|UPHELD|OVERTURNED)\s*\.?$")
_MARKER = re.compile(r"^(claims\s*administrator\s*guidelines?|maximus\s*guidelines?|decision\s*rationale)\s*:\s*",
                     re.IGNORECASE)
_MARKER_ORDER = {"c": 0, "m": 1, "d": 2}
_SENTENCE_END = re.compile(r"[.!?][\"')\]]*$")
_ORIGINAL_REQUEST = "was the original request"
_PARTIAL_TAIL = re.compile(r"original\s+request,|IMR\s+eligible", re.IGNORECASE)


def _marker_kind(line: str) -> str | None:
    match = _MARKER.match(line)
    return match.group(1)[0].lower() if match else None


def _is_outcome_line(lines: list[str], i: int) -> bool:
    line = lines[i]
    if not _OUTCOME.search(line) or _MARKER.match(line):
        return False
    if _LONE_OUTCOME.match(line):
        return i > 0 and lines[i - 1].endswith(":")
    return True


def _layout_1_items(lines: list[str], warnings: list[str]) -> list[LetterItem]:
    """Items of an "IMR ISSUES, DECISIONS AND RATIONALES" section.

    Anchors are outcome lines ("...: Upheld") and, for items whose header cannot be read, a guideline or
    rationale marker that starts a new item (markers run Claims Administrator -> MAXIMUS -> rationale).
    """
    intro = 0
    while intro < len(lines) and not lines[intro]:
        intro += 1
    if intro < len(lines) and _FINAL_DETERMINATION_INTRO.match(lines[intro]):
        lines = lines[:intro] + [""] + lines[intro + (1 if lines[intro].endswith(":") else 2):]
    anchors: list[tuple[int, int, bool]] = []  # (header start, outcome line or marker line, has outcome)
    last_order = -1
    floor = 0
    for i, line in enumerate(lines):
        if _is_outcome_line(lines, i):
            start = _header_start(lines, i, floor, warnings)
            anchors.append((start, i, True))
            floor = i + 1
            last_order = -1
            continue
        kind = _marker_kind(line)
        if kind is None:
            continue
        order = _MARKER_ORDER[kind]
        if order <= last_order or not anchors:
            start = _orphan_header_start(lines, i, floor)
            anchors.append((start, i - 1, False))
            floor = i
            warnings.append(f"item {len(anchors)}: no 'Upheld'/'Overturned' header found before "
                            f"{_collapse(line)[:40]!r}; recorded with outcome None")
        last_order = order
    items = []
    for n, (start, end, has_outcome) in enumerate(anchors):
        body_end = anchors[n + 1][0] if n + 1 < len(anchors) else len(lines)
        header_lines = [line for line in lines[start:end + 1] if line]
        item = _item(n + 1, header_lines, lines[end + 1:body_end], has_outcome, warnings)
        items.append(item)
    return items


def _header_start(lines: list[str], outcome: int, floor: int, warnings: list[str]) -> int:
    """First line of the item header that ends on line `outcome`."""
    j = outcome - 1
    while j >= floor and lines[j] and not _MARKER.match(lines[j]):
        j -= 1
    start = j + 1
    if j >= floor and lines[j]:  # glued to the previous item's rationale: no blank line in between
        return _split_glued_header(lines, j, outcome, warnings)
    # A partial-approval header broken by a blank line: take in the paragraph with "X was the original request".
    text = _join(lines[start:outcome + 1])
    if "IMR eligible" in text and _ORIGINAL_REQUEST not in text:
        k = start - 1
        while k >= floor and not lines[k]:
            k -= 1
        p = k
        while p - 1 >= floor and lines[p - 1] and not _MARKER.match(lines[p - 1]):
            p -= 1
        if k >= floor and _ORIGINAL_REQUEST in _join(lines[p:k + 1]):
            return p
    if text[:1].islower():
        warnings.append(f"item header {text[:50]!r} starts in lower case: its beginning may be missing")
    return start


def _split_glued_header(lines: list[str], marker: int, outcome: int, warnings: list[str]) -> int:
    """Header start when the header follows the previous paragraph without a blank line: a new line after a
    sentence end; for a partial approval, the line where "X was the original request" begins."""
    boundaries = [k for k in range(marker + 1, outcome + 1) if _SENTENCE_END.search(lines[k - 1])]
    if not boundaries:
        warnings.append(f"item header ending {_collapse(lines[outcome])[:50]!r} runs into the preceding text; "
                        "only its last line is taken")
        return outcome
    n = len(boundaries) - 1
    while n > 0 and _PARTIAL_TAIL.search(_join(lines[boundaries[n]:outcome + 1])) \
            and _ORIGINAL_REQUEST not in _join(lines[boundaries[n]:outcome + 1]):
        n -= 1
    return boundaries[n]


def _orphan_header_start(lines: list[str], marker: int, floor: int) -> int:
    """Start of the paragraph just before a marker line that begins an item without an outcome header."""
    k = marker - 1
    while k >= floor and not lines[k]:
        k -= 1
    end = k
    while k >= floor and lines[k] and not _MARKER.match(lines[k]):
        k -= 1
    return k + 1 if k + 1 <= end else marker


_PARTIAL_REMAINING = re.compile(
    r"^(?P<original>.+?)\s+was\s+the\s+original\s+request\..*?remaining\s+IMR\s+eligible\s+portion\s+of\s+the\s+"
    r"original\s+request,\s*(?P<request>.+?)$", re.IGNORECASE | re.DOTALL)
_PARTIAL_WHOLE = re.compile(
    r"^(?P<original>.+?)\s+was\s+the\s+original\s+request\..*?IMR\s+eligible\.\s*The\s+original\s+request,\s*"
    r"(?P<request>.+?)$", re.IGNORECASE | re.DOTALL)
_TRAILING_OUTCOME = re.compile(r"\s*:?\s*(Upheld|Overturned|UPHELD|OVERTURNED)\s*\.?$")


def _split_header(header: str, warnings: list[str], index: int) -> tuple[str, str | None]:
    """(disputed request, original request or None) from an item header without its outcome."""
    text = re.sub(r"\s*:\s*$", "", header).strip()
    text = re.sub(r"\s+is\s*:?$", "", text)
    for pattern in (_PARTIAL_REMAINING, _PARTIAL_WHOLE):
        match = pattern.match(text)
        if match:
            return match.group("request").strip(" ,:"), match.group("original").strip()
    if _ORIGINAL_REQUEST in text.lower():
        warnings.append(f"item {index}: partial approval header not understood; the whole header is the request")
    return text, None


def _item(index: int, header_lines: list[str], body: list[str], has_outcome: bool,
          warnings: list[str]) -> LetterItem:
    header = _join(header_lines)
    outcome = None
    request_text = header
    if has_outcome:
        match = _TRAILING_OUTCOME.search(header)
        outcome = match.group(1).lower()
        request_text = header[:match.start()]
    request, original = _split_header(request_text, warnings, index)
    fields: dict[str, list[str]] = {}
    current = None
    for line in body:
        kind = _marker_kind(line)
        if kind is not None:
            current = kind
            fields[current] = [_MARKER.sub("", line)]
        elif current is not None:
            fields[current].append(line)
        elif line:
            warnings.append(f"item {index}: text before its guideline lines: {line[:50]!r}")
    if not fields:
        warnings.append(f"item {index}: no guideline lines or decision rationale")
    elif "d" not in fields:
        warnings.append(f"item {index}: no decision rationale")
    claims = _collapse(" ".join(fields["c"])) if "c" in fields else None
    maximus = _collapse(" ".join(fields["m"])) if "m" in fields else None
    return LetterItem(index=index, header=header, request=request, original_request=original, outcome=outcome,
                      claims_administrator_guideline=claims, maximus_guideline=maximus,
                      based_on_mtus=_based_on_mtus(maximus), rationale=_paragraphs(fields.get("d", [])))


_NOT_MTUS = re.compile(r"did\s+not\s+base\s+(?:their|his|her|his/her|its)\s+decision\s+on\s+the\s+MTUS"
                       r"|outside\s+(?:of\s+)?the\s+MTUS|not\s+(?:a\s+)?part\s+of\s+the\s+MTUS", re.IGNORECASE)
_MTUS = re.compile(r"(?<![-\w])MTUS\b")


def _based_on_mtus(guideline: str | None) -> bool | None:
    """False when the reviewer says the decision was not based on MTUS; True when MTUS is cited; else None."""
    if not guideline:
        return None
    if _NOT_MTUS.search(guideline):
        return False
    if _MTUS.search(guideline):
        return True
    if "Non-MTUS" in guideline:
        return False
    return None


# ---------------------------------------------------------------------------------------------------------------
# Layout 2 numbered items ("1. X is not medically necessary and appropriate.")

_NUMBERED = re.compile(r"^(\d{1,2})\s*[.)]\s+(?P<text>\S.*)$")
_NECESSITY = re.compile(r"\b(?:is|are|was|were|be)\s+(?P<not>not\s+)?(?:considered\s+)?medically\s+necessary",
                        re.IGNORECASE)
_L2_CLAIMS = re.compile(r"^The\s+Claims\s+Administrator\s+(?:based|did\s+not)", re.IGNORECASE)
_L2_REVIEWER = re.compile(r"^The\s+(?:Physician|Professional|Expert)\s+Reviewer\s+(?:based|did\s+not)", re.IGNORECASE)
_L2_RATIONALE = re.compile(r"^(?:The\s+(?:Physician|Professional|Expert)\s+Reviewer'?s\s+decision\s+rationale"
                           r"|Rationale\s+for\s+the\s+Decision)\s*:\s*", re.IGNORECASE)


def _numbered_items(lines: list[str], warnings: list[str]) -> list[LetterItem]:
    """Layout 2 items: "N. <request> is (not) medically necessary and appropriate." then the claims
    administrator's and reviewer's guideline paragraphs and "Rationale for the Decision:"."""
    starts = []
    for i, line in enumerate(lines):
        match = _NUMBERED.match(line)
        if match and (i == 0 or not lines[i - 1]):
            end = i
            while not _NECESSITY.search(_join(lines[i:end + 1])) and end + 1 < len(lines) and lines[end + 1]:
                end += 1
            starts.append((i, end))
    items = []
    for n, (start, end) in enumerate(starts):
        statement = _NUMBERED.match(_join(lines[start:end + 1])).group("text")
        necessity = list(_NECESSITY.finditer(statement))
        outcome = None
        request = statement
        if necessity:
            outcome = "upheld" if necessity[-1].group("not") else "overturned"
            request = statement[:necessity[-1].start()].strip()
        else:
            warnings.append(f"item {n + 1}: no 'medically necessary' statement in {statement[:50]!r}")
        body_end = starts[n + 1][0] if n + 1 < len(starts) else len(lines)
        fields: dict[str, list[str]] = {}
        current = None
        for line in lines[end + 1:body_end]:
            if _L2_CLAIMS.match(line) or _L2_REVIEWER.match(line):
                current = "c" if _L2_CLAIMS.match(line) else "m"
                fields[current] = [line]
            elif _L2_RATIONALE.match(line):
                current = "d"
                fields[current] = [_L2_RATIONALE.sub("", line)]
            elif current is not None:
                fields[current].append(line)
        claims = _collapse(" ".join(fields["c"])) if "c" in fields else None
        maximus = _collapse(" ".join(fields["m"])) if "m" in fields else None
        if "d" not in fields:
            warnings.append(f"item {n + 1}: no 'Rationale for the Decision:'")
        items.append(LetterItem(index=n + 1, header=_collapse(_join(lines[start:end + 1])), request=request,
                                original_request=None, outcome=outcome, claims_administrator_guideline=claims,
                                maximus_guideline=maximus, based_on_mtus=_based_on_mtus(maximus),
                                rationale=_paragraphs(fields.get("d", []))))
    return items


# ---------------------------------------------------------------------------------------------------------------
# Layout 3 ("MEDICAL PROFESSIONAL REVIEW", one item)

_L3_SECTIONS = {
    "issue": r"ISSUE\s*AT\s*DISPUTE\s*:",
    "summary": r"(?<!CLINICAL\s)CASE\s*SUMMARY\s*:",
    "documents": r"DOCUMENTS\s*REVIEWED\s*FOR\s*DETERMINATION\s*:",
    "guidelines": r"MEDICAL\s*TREATMENT\s*GUIDELINE\(S\)\s*RELIED\s*UPON\s*BY\s*PROFESSIONAL\s*REVIEWER\s*AND"
                  r"\s*WHY\s*:",
    "rationale": r"RATIONALE\s*FOR\s*WHY\s*THE\s*REQUESTED\s*TREATMENT\s*/\s*SERVICE\s*IS\s*/\s*WAS\s*NOT\s*MEDICALLY"
                 r"\s*NECESSARY\s*:",
    "qualifications": r"MEDICAL\s*REVIEWER\s*QUALIFICATIONS\s*:",
}
_L3_SECTION = re.compile("|".join(f"(?P<{name}>{pattern})" for name, pattern in _L3_SECTIONS.items()))


_ISSUE_QUESTION_START = re.compile(r"^(?:Is|Are|Was|Were)\s+(?:the\s+)?(?:request(?:ed)?\s+(?:for\s+)?)?",
                                   re.IGNORECASE)
_ISSUE_QUESTION_END = re.compile(r"\s+(?:is\s+|are\s+)?medically\s+necessary(?:\s+and\s+appropriate)?\s*[?.]?$",
                                 re.IGNORECASE)


def _parse_layout_3(lines: list[str], path: str) -> Letter:
    """Layout 3: one disputed item, the "ISSUE AT DISPUTE:".

    The letter has no Upheld/Overturned line, so the outcome is read from the rationale section: its last
    "is/was (not) medically necessary" statement decides ("not medically necessary" -> upheld, "medically
    necessary" -> overturned); with no such statement the outcome is None and the letter gets a warning.
    """
    letter = Letter(path=path, layout=3, case_number=None, dates={}, licensure=[], specialty=[], summary="",
                    items=[], warnings=[])
    text = "\n".join(lines)
    found = [(m.lastgroup, m.start(), m.end()) for m in _L3_SECTION.finditer(text)]
    sections: dict[str, str] = {}
    for n, (name, _, end) in enumerate(found):
        stop = found[n + 1][1] if n + 1 < len(found) else len(text)
        sections.setdefault(name, text[end:stop])
    _header_facts(text[:found[0][1]] if found else "", letter)
    for name, heading in (("issue", "ISSUE AT DISPUTE"), ("rationale", "RATIONALE FOR WHY ...")):
        if name not in sections:
            letter.warnings.append(f"no {heading} section")
    letter.summary = _paragraphs(sections.get("summary", "").split("\n"))
    qualifications = sections.get("qualifications", "").split("\n")
    _reviewer(qualifications, letter)
    issue = _collapse(_join([line for line in sections.get("issue", "").split("\n") if line]))
    if not issue:
        return letter
    rationale = _paragraphs(sections.get("rationale", "").split("\n"))
    necessity = list(_NECESSITY.finditer(rationale))
    outcome = None
    if necessity:
        outcome = "upheld" if necessity[-1].group("not") else "overturned"
    else:
        letter.warnings.append("item 1: the rationale says neither 'medically necessary' nor 'not medically "
                               "necessary'; outcome unknown")
    guideline = _collapse(_paragraphs(sections.get("guidelines", "").split("\n"))) or None
    request = _ISSUE_QUESTION_END.sub("", _ISSUE_QUESTION_START.sub("", issue)).rstrip(" .?")
    letter.items = [LetterItem(index=1, header=issue, request=request, original_request=None, outcome=outcome,
                               claims_administrator_guideline=None, maximus_guideline=guideline,
                               based_on_mtus=_based_on_mtus(guideline), rationale=rationale)]
    return letter
