"""JSON codec for the pure domain's frozen dataclasses (the procedure ``Case``, the engine's ``Facts`` and
``Assessment``), so the service can keep them in JSONB columns and rebuild them exactly.

Encoding: dataclasses as objects of their fields, enums by value, dates and datetimes in ISO 8601, UUIDs as
strings, fractions as ``"p/q"`` strings, tuples as arrays, frozensets as sorted arrays, mappings as objects.
Decoding follows the dataclass's type hints, so the stored JSON carries no type tags and stays readable.

The codec is pure, but it is not a rule of law: it is how the use cases store domain values in their rows
(and read them back), so it lives with its only callers.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import types
import typing
import uuid
from collections.abc import Mapping
from datetime import date, datetime
from fractions import Fraction
from typing import Any, TypeVar

T = TypeVar("T")


def to_json(value: Any) -> Any:
    """A JSON-ready structure for a domain value."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, Fraction):
        return f"{value.numerator}/{value.denominator}"
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_json(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, frozenset | set):
        return sorted((to_json(v) for v in value), key=str)
    if isinstance(value, tuple | list):
        return [to_json(v) for v in value]
    if isinstance(value, Mapping):
        return {str(to_json(k)): to_json(v) for k, v in value.items()}
    raise TypeError(f"cannot encode {type(value).__name__}")


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def from_json(tp: Any, data: Any) -> Any:
    """Rebuild a value of type ``tp`` from :func:`to_json`'s output."""
    origin = typing.get_origin(tp)
    if origin is typing.Union or origin is types.UnionType:
        args = typing.get_args(tp)
        if data is None and type(None) in args:
            return None
        errors: list[Exception] = []
        for arg in args:
            if arg is type(None):
                continue
            try:
                return from_json(arg, data)
            except (TypeError, ValueError, KeyError) as exc:
                errors.append(exc)
        raise ValueError(f"no member of {tp} matches {data!r}: {errors}")
    if origin in (tuple,):
        args = typing.get_args(tp)
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(from_json(args[0], v) for v in data)
        return tuple(from_json(a, v) for a, v in zip(args, data, strict=True))
    if origin in (frozenset, set):
        (arg,) = typing.get_args(tp)
        return frozenset(from_json(arg, v) for v in data)
    if origin in (list,):
        (arg,) = typing.get_args(tp)
        return [from_json(arg, v) for v in data]
    if origin in (dict, Mapping) or origin is typing.get_origin(Mapping[str, int]):
        key_t, value_t = typing.get_args(tp)
        return {from_json(key_t, k): from_json(value_t, v) for k, v in data.items()}
    if tp is Any:
        return data
    if isinstance(tp, type):
        if dataclasses.is_dataclass(tp):
            if not isinstance(data, Mapping):
                raise TypeError(f"{tp.__name__} expects an object")
            hints = _hints(tp)
            kwargs = {
                f.name: from_json(hints[f.name], data[f.name])
                for f in dataclasses.fields(tp)
                if f.init and f.name in data
            }
            return tp(**kwargs)
        if issubclass(tp, enum.Enum):
            return tp(data)
        if tp is bool:
            if not isinstance(data, bool):
                raise TypeError("expected a boolean")
            return data
        if tp is int:
            if not isinstance(data, int) or isinstance(data, bool):
                raise TypeError("expected an integer")
            return data
        if tp is str:
            if not isinstance(data, str):
                raise TypeError("expected a string")
            return data
        if tp is datetime:
            return datetime.fromisoformat(data)
        if tp is date:
            if not isinstance(data, str) or len(data) != 10:
                raise TypeError("expected a date")
            return date.fromisoformat(data)
        if tp is uuid.UUID:
            return uuid.UUID(data)
        if tp is Fraction:
            return Fraction(data)
    raise TypeError(f"cannot decode {tp!r}")


def decode(cls: type[T], data: Any) -> T:
    """Typed wrapper of :func:`from_json` for a dataclass."""
    return from_json(cls, data)  # type: ignore[no-any-return]
