"""JSON for programs: one document (`to_json`), and a JSON document written as it goes, so that output of any
size keeps memory flat (`audit --format json`)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import IO, Any


def to_json(data: Any) -> str:
    return json.dumps(data, indent=2, default=str)


def check_document(case_id: str, results: list, layout: Any = None) -> dict[str, Any]:
    """The document of `imrcheck check --format json` (and the web API's POST /api/check): the case, its items'
    results (ItemResult), and for a progress note how it was read (its layout)."""
    payload = {"case": case_id, "items": [r.to_dict() for r in results]}
    return {**payload, "note": layout.to_dict()} if layout is not None else payload


def write_document(out: IO[str], parts: list[tuple[str, Any]], indent: int = 2) -> None:
    """Write one JSON object whose members are written in order as they come: a member whose value is an
    iterator (not a list or dict) is written element by element, so a generator of any length streams through
    in constant memory. The text is what json.dumps(dict(parts), indent=indent) would give."""
    pad = " " * indent
    out.write("{")
    for n, (key, value) in enumerate(parts):
        out.write(("," if n else "") + f"\n{pad}{json.dumps(key)}: ")
        if isinstance(value, Iterable) and not isinstance(value, (list, tuple, dict, str, bytes)):
            first = True
            for element in value:
                text = json.dumps(element, indent=indent, default=str).replace("\n", "\n" + pad * 2)
                out.write(("[\n" if first else ",\n") + pad * 2 + text)
                first = False
            out.write("[]" if first else f"\n{pad}]")
        else:
            out.write(json.dumps(value, indent=indent, default=str).replace("\n", "\n" + pad))
    out.write("\n}\n" if parts else "}\n")
