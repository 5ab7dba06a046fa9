"""JSON for programs: one document (`to_json`), and a JSON document written as it goes, so that output of any
size keeps memory flat (`audit --format json`)."""

from __future__ import annotations

import json
from typing import Any


def to_json(data: Any) -> str:
    return json.dumps(data, indent=2, default=str)
