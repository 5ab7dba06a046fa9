"""Safe YAML loading with line numbers, so an error can name the line of the bad field."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from checker.errors import InputError


class _LineLoader(yaml.SafeLoader):
    """SafeLoader that records the line of every mapping key (safe: no Python object tags)."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    explicit = sum(1 for k, _ in node.value if k.tag != "tag:yaml.org,2002:merge")
    loader.flatten_mapping(node)  # YAML merge keys (<<: *anchor) come first; explicit keys override them
    merged = len(node.value) - explicit
    mapping = LineDict()
    for index, (key_node, value_node) in enumerate(node.value):
        key = loader.construct_object(key_node, deep=True)
        if key in mapping and index >= merged and mapping.lines.get(key, 0) >= 0:
            raise InputError(loader.name, f"duplicate key {key!r}", line=key_node.start_mark.line + 1)
        mapping[key] = loader.construct_object(value_node, deep=True)
        mapping.lines[key] = key_node.start_mark.line + 1 if index >= merged else -1
    return mapping


class LineDict(dict):
    """A dict that remembers the source line of each key."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.lines: dict[Any, int] = {}


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load_yaml(path: str | Path) -> Any:
    """Load one YAML file with the safe loader; raise InputError naming the file and line."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(path, "file not found") from None
    except IsADirectoryError:
        raise InputError(path, "is a directory, expected a YAML file") from None
    except UnicodeDecodeError as exc:
        raise InputError(path, f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise InputError(path, exc.strerror or str(exc)) from None
    try:
        loader = _LineLoader(text)
        loader.name = str(path)
        try:
            return loader.get_single_data()
        finally:
            loader.dispose()
    except InputError:
        raise
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise InputError(path, f"malformed YAML: {exc.problem or exc.context}", line=line) from None
    except yaml.YAMLError as exc:
        raise InputError(path, f"malformed YAML: {exc}") from None


def line_of(data: Any, path: tuple) -> int | None:
    """The source line of the deepest key on `path` (a pydantic error location) that we know."""
    line = None
    node = data
    for part in path:
        if isinstance(node, LineDict) and part in node:
            known = node.lines.get(part, -1)
            line = known if known > 0 else line
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        else:
            break
    return line


def refine_loc(data: Any, loc: tuple, message: str) -> tuple:
    """Point an error raised for a whole mapping at the key it names ('unknown fact 'x'' -> loc + ('x',))."""
    node = data
    for part in loc:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return loc
    if isinstance(node, dict):
        for key in node:
            if isinstance(key, str) and (f"'{key}'" in message or message.startswith(f"{key}:")):
                return loc + (key,)
    return loc


def validation_errors(path: str | Path, data: Any, exc: ValidationError) -> list[InputError]:
    """Every pydantic error as an InputError naming the file, the line and the dotted field."""
    out = []
    for err in exc.errors():
        msg = err["msg"].removeprefix("Value error, ")
        loc = refine_loc(data, tuple(err["loc"]), msg)
        if err["type"] == "extra_forbidden":
            msg = f"unknown field {loc[-1]!r} (typo?)"
        out.append(InputError(path, msg, field=".".join(map(str, loc)) or None, line=line_of(data, loc)))
    return out


def first_validation_error(path: str | Path, data: Any, exc: ValidationError) -> InputError:
    """The first problem, saying how many more there are."""
    errors = validation_errors(path, data, exc)
    first = errors[0]
    if len(errors) > 1:
        first = InputError(first.path, f"{first.message} (and {len(errors) - 1} more)", first.field, first.line)
    return first
