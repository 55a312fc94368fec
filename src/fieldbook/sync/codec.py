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
from collections.abc import Mapping
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
    return typing.cast(T, _load(cls, data))


def _load(tp: Any, data: Any) -> Any:
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        if data is None:
            return None
        options = [a for a in typing.get_args(tp) if a is not type(None)]
        if isinstance(data, dict) and "__type__" in data:
            return _load(_CLASSES[data["__type__"]], data)
        return _load(options[0], data)
    if origin is tuple:
        args = typing.get_args(tp)
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_load(args[0], item) for item in data)
        return tuple(_load(a, item) for a, item in zip(args, data, strict=True))
    if origin in (dict, Mapping) or tp in (dict, Mapping):
        value_type = typing.get_args(tp)[1] if typing.get_args(tp) else Any
        return {k: _load(value_type, v) for k, v in data.items()}
    if tp is Any or data is None:
        return data
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        hints = typing.get_type_hints(tp)
        names = {f.name for f in dataclasses.fields(tp)}
        return tp(**{k: _load(hints[k], v) for k, v in data.items() if k in names})
    if isinstance(tp, type) and issubclass(tp, Enum):
        return tp(data)
    if tp is Decimal:
        return Decimal(data)
    if tp is datetime:
        return datetime.fromisoformat(data)
    if tp is date:
        return date.fromisoformat(data)
    if tp is bytes:
        return base64.b64decode(data)
    return data
