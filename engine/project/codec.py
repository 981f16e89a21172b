"""Typed conversion between entity dataclasses and JSON values, with precise errors.

Decoding walks the dataclass type hints and checks every value, so a hand-edited
project.json fails with the exact field path (``segments[3].start``) and the reason,
instead of a crash somewhere later. Ranges a type cannot express are checked by the
dataclass itself: its ``__post_init__`` raises :class:`InvalidField`, which decoding reports
with the field's path. Unknown keys are rejected too: they are typos more often
than not, and silently dropping them would lose the user's data on the next save.
"""

from __future__ import annotations

import dataclasses
import enum
import math
import types
import typing
from functools import cache
from typing import Any, Union


MAX_MAGNITUDE = 2**53  # largest size a number may have: every such integer is exact as a float too


class DecodeError(ValueError):
    """A value does not fit its declared type; ``path`` says where."""

    def __init__(self, path: str, reason: str):
        self.path, self.reason = path, reason
        super().__init__(f"{path}: {reason}")


class InvalidField(ValueError):
    """Raised by a dataclass's ``__post_init__`` for a field out of its range; decoding adds the path."""

    def __init__(self, field: str, reason: str):
        self.field, self.reason = field, reason
        super().__init__(f"{field}: {reason}")


def encode(value: Any) -> Any:
    """Turn entities into plain JSON values (tuples → lists, enums → values, sets sorted)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (frozenset, set)):
        return sorted(encode(v) for v in value)
    if isinstance(value, (list, tuple)):
        return [encode(v) for v in value]
    if isinstance(value, dict):
        return {str(k): encode(v) for k, v in value.items()}
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"cannot store a non-finite number ({value})")
    return value


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def decode(tp: Any, data: Any, path: str = "") -> Any:
    """Build a value of type ``tp`` from JSON ``data``, raising :class:`DecodeError` on mismatch."""
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if tp is Any:
        return data
    if origin in (Union, types.UnionType):
        if data is None and type(None) in args:
            return None
        errors = []
        for arg in args:
            if arg is type(None):
                continue
            try:
                return decode(arg, data, path)
            except DecodeError as exc:
                errors.append(exc.reason)
        raise DecodeError(path, "; ".join(errors) or "expected a value, got null")
    if dataclasses.is_dataclass(tp):
        return _decode_dataclass(tp, data, path)
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        try:
            return tp(data)
        except ValueError:
            allowed = ", ".join(repr(m.value) for m in tp)
            raise DecodeError(path, f"expected one of {allowed}, got {data!r}") from None
    if origin is tuple:
        if not isinstance(data, list):
            raise DecodeError(path, f"expected a list, got {_kind(data)}")
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(decode(args[0], v, f"{path}[{i}]") for i, v in enumerate(data))
        if len(args) != len(data):
            raise DecodeError(path, f"expected a list of {len(args)} items, got {len(data)}")
        return tuple(decode(a, v, f"{path}[{i}]") for i, (a, v) in enumerate(zip(args, data)))
    if origin in (frozenset, set):
        if not isinstance(data, list):
            raise DecodeError(path, f"expected a list, got {_kind(data)}")
        return frozenset(decode(args[0], v, f"{path}[{i}]") for i, v in enumerate(data))
    if origin is list:
        if not isinstance(data, list):
            raise DecodeError(path, f"expected a list, got {_kind(data)}")
        return [decode(args[0], v, f"{path}[{i}]") for i, v in enumerate(data)]
    if origin is dict:
        if not isinstance(data, dict):
            raise DecodeError(path, f"expected an object, got {_kind(data)}")
        return {k: decode(args[1], v, f"{path}.{k}") for k, v in data.items()}
    if tp is bool:
        if not isinstance(data, bool):
            raise DecodeError(path, f"expected true or false, got {_kind(data)}")
        return data
    if tp is int:
        if isinstance(data, bool) or not isinstance(data, int):
            raise DecodeError(path, f"expected an integer, got {_kind(data)}")
        if abs(data) > MAX_MAGNITUDE:
            raise DecodeError(path, f"out of range (more than {MAX_MAGNITUDE:.3g} in size)")
        return data
    if tp is float:
        if isinstance(data, bool) or not isinstance(data, (int, float)):
            raise DecodeError(path, f"expected a number, got {_kind(data)}")
        if isinstance(data, float) and not math.isfinite(data):
            raise DecodeError(path, "expected a finite number")
        if abs(data) > MAX_MAGNITUDE:  # an int of 400 digits has no float; 1e308 is no time or size
            raise DecodeError(path, f"out of range (more than {MAX_MAGNITUDE:.3g} in size)")
        return float(data)
    if tp is str:
        if not isinstance(data, str):
            raise DecodeError(path, f"expected a string, got {_kind(data)}")
        return data
    raise TypeError(f"codec cannot decode type {tp!r}")  # a programming error, not user data


def _decode_dataclass(cls: type, data: Any, path: str) -> Any:
    if not isinstance(data, dict):
        raise DecodeError(path or cls.__name__, f"expected an object, got {_kind(data)}")
    hints = _hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise DecodeError(_join(path, unknown[0]), "unknown field")
    kwargs = {}
    for name, f in fields.items():
        sub = _join(path, name)
        if name not in data:
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                raise DecodeError(sub, "missing")
            continue
        kwargs[name] = decode(hints[name], data[name], sub)
    try:
        return cls(**kwargs)
    except InvalidField as exc:
        raise DecodeError(_join(path, exc.field), exc.reason) from None


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _kind(data: Any) -> str:
    if data is None:
        return "null"
    return {bool: "a boolean", int: "an integer", float: "a number", str: f"the string {data!r}",
            list: "a list", dict: "an object"}.get(type(data), type(data).__name__)
