"""Mutated IMR letters for fuzzing the batch audit (benchmarks/fuzz_audit.py and tests/test_fuzz.py).

`write_mutants(folder, letters, n, seed)` writes n inputs derived from real letters: clean copies, truncations,
byte flips, binary junk, shuffled sections, other encodings, oversized files, PDFs cut or flipped, empty and
NUL-filled files, and odd file system entries (a FIFO, a folder named like a letter, a dangling link, a name
that is not UTF-8). It returns what it wrote, so a run can check that every input is accounted for.
"""

from __future__ import annotations

import os
import random
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Mutant:
    path: str      # as the file system has it (may hold surrogate escapes)
    kind: str      # the mutation
    source: str    # the letter it came from
    clean: bool = False  # an unchanged copy: its items must come out as the original's


def _shuffle_sections(text: str, rng: random.Random) -> str:
    parts = text.split("\n \n")
    rng.shuffle(parts)
    return "\n \n".join(parts)


def _flip(data: bytes, rng: random.Random, n: int) -> bytes:
    out = bytearray(data)
    for _ in range(n):
        out[rng.randrange(len(out))] = rng.randrange(256)
    return bytes(out)


TEXT_MUTATIONS = {
    "clean": lambda t, b, rng: b,
    "truncated": lambda t, b, rng: b[: rng.randrange(1, max(2, len(b)))],
    "byte-flips": lambda t, b, rng: _flip(b, rng, rng.randint(1, 40)),
    "binary-junk": lambda t, b, rng: os.urandom(rng.randint(10, 20_000)) if rng.random() < 0.5 else
    bytes(rng.randrange(256) for _ in range(rng.randint(10, 5000))),
    "shuffled-sections": lambda t, b, rng: _shuffle_sections(t, rng).encode(),
    "utf-16": lambda t, b, rng: t.encode("utf-16"),
    "utf-16-le-no-bom": lambda t, b, rng: t.encode("utf-16-le"),
    "latin-1": lambda t, b, rng: t.replace("the", "thé").encode("latin-1", "replace"),
    "utf-8-bom": lambda t, b, rng: b"\xef\xbb\xbf" + b,
    "nul-bytes": lambda t, b, rng: b.replace(b" ", b"\x00", rng.randint(1, 50)),
    "no-newlines": lambda t, b, rng: t.replace("\n", " ").encode(),
    "no-items-heading": lambda t, b, rng: t.replace("IMR ISSUES, DECISIONS AND RATIONALES", "").encode(),
    "items-doubled": lambda t, b, rng: (t + "\n" + t[t.find("IMR ISSUES"):]).encode(),
    "empty": lambda t, b, rng: b"",
    "whitespace": lambda t, b, rng: b" \n\t\n" * rng.randint(1, 100),
    "oversized": lambda t, b, rng: b * (1 + 2_000_000 // max(1, len(b))),
    "large": lambda t, b, rng: b * (1 + 600_000 // max(1, len(b))),  # under a 1 MB limit: seconds, not ms
}
SLOW = ("large",)
PDF_MUTATIONS = {
    "pdf-clean": lambda b, rng: b,
    "pdf-truncated": lambda b, rng: b[: rng.randrange(8, max(9, len(b)))],
    "pdf-byte-flips": lambda b, rng: _flip(b, rng, rng.randint(1, 60)),
    "pdf-header-only": lambda b, rng: b[:1024],
}
ODD_ENTRIES = ("fifo", "folder-named-like-a-letter", "dangling-link", "non-utf8-name", "case-suffix-letter")


def write_mutants(folder: Path, letters: list[Path], pdfs: list[Path], n: int, seed: int = 0,
                  slow: bool = True) -> list[Mutant]:
    """Write n mutated inputs into `folder` (created); every kind comes up when n is large enough (`slow=False`
    leaves out the large letters that take seconds each)."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    texts = [(p, p.read_text(encoding="utf-8")) for p in letters]
    out: list[Mutant] = []
    kinds = [k for k in TEXT_MUTATIONS if slow or k not in SLOW] + (list(PDF_MUTATIONS) if pdfs else []) + \
        list(ODD_ENTRIES)
    for i in range(n):
        kind = kinds[i % len(kinds)] if i < len(kinds) else rng.choice(kinds)
        source, text = texts[rng.randrange(len(texts))]
        text += f"\n \nfuzz copy {i}\n"  # every input distinct: none is skipped as a duplicate of another
        name = f"{i:05d}-{kind}-{source.stem}"
        if kind in TEXT_MUTATIONS:
            path = folder / f"{name}.txt"
            path.write_bytes(TEXT_MUTATIONS[kind](text, text.encode(), rng))
        elif kind in PDF_MUTATIONS:
            pdf = pdfs[rng.randrange(len(pdfs))]
            source = pdf
            path = folder / f"{i:05d}-{kind}-{pdf.stem}.pdf"
            path.write_bytes(PDF_MUTATIONS[kind](pdf.read_bytes() + f"\n%fuzz copy {i}\n".encode(), rng))
        elif kind == "fifo":
            path = folder / f"{name}.txt"
            os.mkfifo(path)
        elif kind == "folder-named-like-a-letter":
            path = folder / f"{name}.txt"
            path.mkdir()
            (path / "inside.txt").write_bytes(text.encode())  # a letter inside it: read as an input too
            out.append(Mutant(str(path / "inside.txt"), "clean", str(source), clean=True))
            continue
        elif kind == "dangling-link":
            path = folder / f"{name}.txt"
            path.symlink_to(folder / "does-not-exist.txt")
        elif kind == "non-utf8-name":
            raw = os.path.join(os.fsencode(folder), f"{i:05d}-".encode() + b"name-\xff\xfe.txt")
            with open(raw, "wb") as f:
                f.write(text.encode())
            path = Path(os.fsdecode(raw))
            out.append(Mutant(str(path), kind, str(source), clean=True))
            continue
        else:  # case-suffix-letter: a letter saved as .yaml
            path = folder / f"{name}.yaml"
            path.write_bytes(text.encode())
        out.append(Mutant(str(path), kind, str(source), clean=kind in ("clean", "pdf-clean")))
    return out
