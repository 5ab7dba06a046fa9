"""Safe, bounded YAML loading with line numbers, and pydantic errors in the user's terms.

Every YAML file imrcheck reads (rules, vocabularies, fixtures, case files, answers files) goes through
`load_yaml`: the safe loader only (libyaml's C parser where it is installed, about 8x faster), the line of every
mapping key kept for error messages, and limits on file size and on alias expansion (a "billion laughs" file is
an error naming the file, not gigabytes of memory).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, get_args

import yaml
from pydantic import BaseModel, ValidationError

from checker.errors import InputError, InputErrors, did_you_mean

MAX_BYTES = 5_000_000       # no rule, case or answers file comes near this
MAX_NODES = 1_000_000       # nodes after alias expansion (a rules file has a few thousand)

_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _LineLoader(_Base):  # type: ignore[misc, valid-type]
    """The safe loader (C parser when available) that records the line of every mapping key."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    explicit = sum(1 for k, _ in node.value if k.tag != "tag:yaml.org,2002:merge")
    loader.flatten_mapping(node)  # YAML merge keys (<<: *anchor) come first; explicit keys override them
    merged = len(node.value) - explicit
    mapping = LineDict()
    for index, (key_node, value_node) in enumerate(node.value):
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError:
            raise InputError(loader.name, "a mapping key must be a plain value, not a list or mapping",
                             line=key_node.start_mark.line + 1) from None
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


def _expanded_size(node: yaml.Node, limit: int) -> int:
    """Nodes the document has once aliases are expanded (shared nodes counted each time they are used), computed
    without expanding; raises OverflowError past `limit`."""
    sizes: dict[int, int] = {}

    def size(n: yaml.Node) -> int:
        known = sizes.get(id(n))
        if known is not None:
            return known
        sizes[id(n)] = 1  # a recursive alias counts once
        total = 1
        if isinstance(n, yaml.SequenceNode):
            total += sum(size(child) for child in n.value)
        elif isinstance(n, yaml.MappingNode):
            total += sum(size(k) + size(v) for k, v in n.value)
        if total > limit:
            raise OverflowError
        sizes[id(n)] = total
        return total

    return size(node)


def parse_yaml(text: str, name: str = "<input>") -> Any:
    """Parse one YAML document from text (safe loader, line map, bounded); InputError naming `name`."""
    if len(text.encode("utf-8", errors="replace")) > MAX_BYTES:
        raise InputError(name, f"larger than {MAX_BYTES // 1_000_000} MB: not a rule, case or answers file")
    try:
        loader = _LineLoader(text)
        loader.name = name
        try:
            node = loader.get_single_node()
            if node is None:
                return None
            try:
                _expanded_size(node, MAX_NODES)
            except (OverflowError, RecursionError):
                raise InputError(name, f"YAML aliases expand to more than {MAX_NODES:,} nodes "
                                       "(an alias bomb?)") from None
            return loader.construct_document(node)
        finally:
            loader.dispose()
    except InputError:
        raise
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        column = mark.column + 1 if mark else None
        raise InputError(name, f"malformed YAML: {exc.problem or exc.context}", line=line, column=column) from None
    except yaml.YAMLError as exc:
        raise InputError(name, f"malformed YAML: {exc}") from None
    except RecursionError:
        raise InputError(name, "YAML nested too deeply") from None


def load_yaml(path: str | Path) -> Any:
    """Load one YAML file with the safe loader; raise InputError naming the file and line."""
    path = Path(path)
    try:
        if path.is_file() and path.stat().st_size > MAX_BYTES:
            raise InputError(path, f"larger than {MAX_BYTES // 1_000_000} MB: not a rule, case or answers file")
        if path.exists() and not path.is_file() and not path.is_dir():
            raise InputError(path, "not a regular file")
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(path, "file not found") from None
    except IsADirectoryError:
        raise InputError(path, "is a directory, expected a YAML file") from None
    except UnicodeDecodeError as exc:
        raise InputError(path, f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise InputError(path, exc.strerror or str(exc)) from None
    return parse_yaml(text, str(path))


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


def _fields_at(model: type[BaseModel] | None, loc: tuple) -> list[str]:
    """The field names (aliases as written) a model accepts at a location, following nested models and lists
    and dicts of models; [] when the location does not lead to a model."""
    current: Any = model
    for part in loc:
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return []
        field = next((f for name, f in current.model_fields.items() if (f.alias or name) == part), None)
        if field is not None:
            current = _inner(field.annotation)
        # else: an index into a list of models, or a key of a dict of models: the same model
    if isinstance(current, type) and issubclass(current, BaseModel):
        return [f.alias or name for name, f in current.model_fields.items()]
    return []


def _inner(annotation: Any) -> Any:
    """The model type inside Optional[...], list[...] or dict[str, ...], if there is one."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in reversed(get_args(annotation)):
        found = _inner(arg)
        if found is not None:
            return found
    return None


_TRANSLATIONS = {
    "missing": "required field is missing",
    "int_type": "expected a whole number",
    "int_parsing": "expected a whole number",
    "int_from_float": "expected a whole number",
    "float_type": "expected a number",
    "float_parsing": "expected a number",
    "bool_type": "expected true or false",
    "bool_parsing": "expected true or false",
    "string_type": "expected text",
    "dict_type": "expected a mapping (key: value lines)",
    "model_type": "expected a mapping (key: value lines)",
    "model_attributes_type": "expected a mapping (key: value lines)",
    "list_type": "expected a list",
    "date_type": "expected a date YYYY-MM-DD",
    "date_parsing": "expected a date YYYY-MM-DD",
    "date_from_datetime_parsing": "expected a date YYYY-MM-DD",
    "date_from_datetime_inexact": "expected a date YYYY-MM-DD",
}


def _user_message(err: dict, loc: tuple, model: type[BaseModel] | None) -> str:
    kind = err["type"]
    ctx = err.get("ctx") or {}
    given = err.get("input")
    shown = "" if isinstance(given, (dict, list)) or given is None else f", got {given!r}"
    if kind == "extra_forbidden":
        name = loc[-1] if loc else "?"
        return f"unknown field {name!r}{did_you_mean(str(name), _fields_at(model, loc[:-1]))}"
    if kind in _TRANSLATIONS:
        return _TRANSLATIONS[kind] + ("" if kind == "missing" else shown)
    if kind == "literal_error":
        return f"expected one of {ctx.get('expected', '').replace(' or ', ', ')}{shown}"
    if kind == "enum":
        return f"expected one of {ctx.get('expected', '').replace(' or ', ', ')}{shown}"
    if kind == "too_short":
        return f"needs at least {ctx.get('min_length', 1)} item(s)" if isinstance(given, (list, dict)) \
            else f"too short (at least {ctx.get('min_length')} characters){shown}"
    if kind == "string_too_short":
        return f"too short (at least {ctx.get('min_length')} character(s)){shown}"
    if kind == "string_pattern_mismatch":
        return f"{given!r} does not have the expected form (pattern {ctx.get('pattern')})"
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        sym = {"greater_than_equal": ">=", "greater_than": ">", "less_than_equal": "<=", "less_than": "<"}[kind]
        bound = next(iter(ctx.values()), "")
        return f"must be {sym} {bound}{shown}"
    return err["msg"].removeprefix("Value error, ")


def validation_errors(path: str | Path, data: Any, exc: ValidationError,
                      model: type[BaseModel] | None = None) -> list[InputError]:
    """Every pydantic error as an InputError naming the file, the line and the dotted field, in the user's
    words (an unknown field gets the closest field names the model accepts there)."""
    out = []
    for err in exc.errors():
        raw = err["msg"].removeprefix("Value error, ")
        loc = refine_loc(data, tuple(err["loc"]), raw)
        msg = _user_message(err, loc, model)
        out.append(InputError(path, msg, field=".".join(map(str, loc)) or None, line=line_of(data, loc)))
    return out


def validate(model: type[BaseModel], data: Any, path: str | Path, context: dict | None = None) -> Any:
    """model.model_validate(data) with every problem raised at once (InputErrors naming file, line and field)."""
    try:
        return model.model_validate(data, context=context)
    except ValidationError as exc:
        raise InputErrors(validation_errors(path, data, exc, model)) from None


def merge_keyed(into: dict, origin: dict, entries: dict, path: str | Path, kind: str, field: str) -> list[InputError]:
    """Add one file's named entries (treatments, facts, procedures) to those of the files read before; a name
    defined twice is an error naming both files (the later definition is kept, so later checks still run)."""
    errors = []
    for name, entry in entries.items():
        if name in into:
            errors.append(InputError(path, f"{kind} {name!r} is already defined in {origin[name]}",
                                     field=f"{field}.{name}"))
        into[name] = entry
        origin[name] = path
    return errors
