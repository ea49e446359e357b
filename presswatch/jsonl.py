"""Records as JSON: how the crawl process hands its records to the flow through files.

Dataclasses are written field by field; datetimes as ISO 8601 with their offset, bytes as base64,
tuples as lists. Reading needs the record type, so the file stays plain JSON any tool can read.
"""

from __future__ import annotations

import base64
import dataclasses
import functools
import json
import types
import typing
from datetime import date, datetime
from typing import Any, TypeVar

T = TypeVar("T")


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _typed(kind: Any, value: Any) -> Any:
    if value is None:
        return None
    origin = typing.get_origin(kind)
    if origin in (typing.Union, types.UnionType):
        options = [k for k in typing.get_args(kind) if k is not type(None)]
        return _typed(options[0], value) if len(options) == 1 else value
    if kind is datetime:
        return datetime.fromisoformat(value)
    if kind is date:
        return date.fromisoformat(value)
    if kind is bytes:
        return base64.b64decode(value)
    if origin in (list, tuple):
        args = typing.get_args(kind)
        items = [_typed(args[0], v) for v in value] if args else list(value)
        return tuple(items) if origin is tuple else items
    if dataclasses.is_dataclass(kind):
        return from_dict(kind, value)
    return value


def from_dict(record_type: type[T], data: dict[str, Any]) -> T:
    hints = _field_types(record_type)
    return record_type(**{k: _typed(hints[k], v) for k, v in data.items() if k in hints})


@functools.cache
def _field_types(record_type: type) -> dict[str, Any]:
    """Each field's type, worked out once per record type: `typing.get_type_hints` resolves
    the module's annotations anew on every call (80 us for a page record, read per page)."""
    hints = typing.get_type_hints(record_type)
    return {f.name: hints[f.name] for f in dataclasses.fields(record_type)}


def dumps(record: Any) -> str:
    return json.dumps(_plain(record), ensure_ascii=False, separators=(",", ":"))
