"""The streamed JSON document: the same text json.dumps gives, written element by element in flat memory."""

from __future__ import annotations

import io
import json
import tracemalloc

from checker.render.jsonout import write_document


def test_streamed_document_equals_json_dumps():
    items = [{"case": f"c{i}", "criteria": [{"code": "ESI-001", "verdict": "met"}], "n": i} for i in range(5)]
    parts = [("summary", {"items": 5, "by": {"a": 1}}), ("items", iter(items)), ("errors", iter([])),
             ("skipped", [{"input": "x", "reason": "y"}])]
    out = io.StringIO()
    write_document(out, parts)
    expected = {"summary": {"items": 5, "by": {"a": 1}}, "items": items, "errors": [],
                "skipped": [{"input": "x", "reason": "y"}]}
    assert out.getvalue() == json.dumps(expected, indent=2) + "\n"


class _Sink(io.TextIOBase):
    def __init__(self):
        self.size = 0

    def write(self, text):
        self.size += len(text)
        return len(text)


def test_a_long_generator_streams_in_flat_memory():
    def rows(n):
        for i in range(n):
            yield {"case": f"CM17-{i:07d}", "item": "MRI of the lumbar spine", "criteria": [{"code": "LBI-001"}] * 5}

    sink = _Sink()
    tracemalloc.start()
    write_document(sink, [("summary", {}), ("items", rows(4_000))])
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert sink.size > 1_000_000  # ~1.2 MB of JSON went through
    assert peak < 200_000, f"peak {peak} bytes: the document was built in memory"
