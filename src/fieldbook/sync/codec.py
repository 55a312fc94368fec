"""JSON for the engine's rows: what a database implementation of the store persists.

Steps (with their canonical records), requests and outcomes are frozen dataclasses with Decimal
money, dates and bytes; `dump` turns one into JSON-able data and `load` back into the same
object, so `load(PlannedStep, dump(planned)) == planned`. Money travels as strings: a float
would lose the cents the whole journal exists to keep. A dataclass records its type under
`__type__`, which is how a `CustomerRecord | InvoiceRecord` field is read back.
"""

from __future__ import annotations

import base64
import dataclasses
import types
import typing
from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any, TypeVar

from fieldbook.connectors.base import Attempt, Request, Step
from fieldbook.connectors.records import Address, CustomerRecord, InvoiceLine, InvoiceRecord, Totals
from fieldbook.sync.store import Outcome, PlannedStep

T = TypeVar("T")

_ROW_TYPES: tuple[type[Any], ...] = (Address, CustomerRecord, InvoiceLine, InvoiceRecord, Totals)
_ROW_TYPES += (Step, Request, Attempt, Outcome, PlannedStep)
_CLASSES: dict[str, type[Any]] = {cls.__name__: cls for cls in _ROW_TYPES}


def dump(value: object) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        data = {f.name: dump(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return {"__type__": type(value).__name__, **data}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal | date | datetime):
        return value.isoformat() if isinstance(value, date | datetime) else str(value)
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, tuple | list):
        return [dump(item) for item in value]
    if isinstance(value, Mapping):
        return {str(k): dump(v) for k, v in value.items()}
    return value


def load(cls: type[T], data: Any) -> T:
    return typing.cast(T, _loader(cls)(data))


# One loader per annotation, built once: a Compare loads every mirrored ledger record (10,000+)
# and resolving a dataclass's type hints on each load cost most of its time.
_LOADERS: dict[Any, Callable[[Any], Any]] = {}


def _loader(tp: Any) -> Callable[[Any], Any]:
    loader = _LOADERS.get(tp)
    if loader is None:
        loader = _LOADERS[tp] = _build(tp)
    return loader


def _build(tp: Any) -> Callable[[Any], Any]:
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        first = next(a for a in typing.get_args(tp) if a is not type(None))

        def load_union(data: Any) -> Any:
            if data is None:
                return None
            if isinstance(data, dict) and "__type__" in data:
                return _loader(_CLASSES[data["__type__"]])(data)
            return _loader(first)(data)

        return load_union
    if origin is tuple:
        args = typing.get_args(tp)
        if len(args) == 2 and args[1] is Ellipsis:
            return lambda data: tuple(map(_loader(args[0]), data))
        return lambda data: tuple(_loader(a)(item) for a, item in zip(args, data, strict=True))
    if origin in (dict, Mapping) or tp in (dict, Mapping):
        value_type = typing.get_args(tp)[1] if typing.get_args(tp) else Any
        return lambda data: {k: _loader(value_type)(v) for k, v in data.items()}
    if tp is Any:
        return _same
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return _dataclass_loader(tp)
    if isinstance(tp, type) and issubclass(tp, Enum):
        return _enum_loader(tp)
    if tp is Decimal:
        return _none_or(Decimal)
    if tp is datetime:
        return _none_or(datetime.fromisoformat)
    if tp is date:
        return _none_or(date.fromisoformat)
    if tp is bytes:
        return _none_or(base64.b64decode)
    return _same


def _same(data: Any) -> Any:
    return data


def _none_or(convert: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return lambda data: None if data is None else convert(data)


def _enum_loader(cls: type[Enum]) -> Callable[[Any], Any]:
    members = cls._value2member_map_  # what Enum's own lookup by value tries first

    def load_enum(data: Any) -> Any:
        if data is None:
            return None
        member = members.get(data, _MISSING)
        return cls(data) if member is _MISSING else member

    return load_enum


_MISSING = object()


def _dataclass_loader(cls: type[Any]) -> Callable[[Any], Any]:
    hints = typing.get_type_hints(cls)
    types_by_name = {f.name: hints[f.name] for f in dataclasses.fields(cls)}
    # Resolved on first use: a field's type may name a class whose loader is not built yet.
    loaders: dict[str, Callable[[Any], Any]] = {}

    def load_dataclass(data: Any) -> Any:
        if data is None:
            return None
        if not loaders:
            loaders.update({name: _loader(tp) for name, tp in types_by_name.items()})
        return cls(**{k: loaders[k](v) for k, v in data.items() if k in loaders})

    return load_dataclass
