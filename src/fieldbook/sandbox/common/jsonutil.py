"""JSON in and out of the sandboxes.

Money is Decimal inside the store and on the way in (``parse_float=Decimal``); on the way out
it is written as a JSON number, as the real APIs do (ref §2: amounts are numbers, ids strings).
The state file keeps exact values by tagging Decimals and datetimes.
"""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from typing import Any


def loads(raw: bytes | str) -> Any:
    """Parse a request body keeping every fractional number exact."""
    return json.loads(raw, parse_float=Decimal)


def _number(value: Any) -> Any:
    if isinstance(value, Decimal):
        # A JSON number, as the vendors write it: 47.5, 100.0. float() of a 2-dp Decimal
        # round-trips through repr, so no digits change on the wire.
        return float(value)
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def dumps(value: Any) -> str:
    """Response JSON: Decimals become numbers, aware datetimes ISO strings."""
    return json.dumps(value, default=_number, ensure_ascii=False)


def to_state(value: Any) -> Any:
    """Tag Decimals and datetimes so the state file round-trips exactly."""
    if isinstance(value, Decimal):
        return {"$decimal": str(value)}
    if isinstance(value, datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, dict):
        return {key: to_state(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [to_state(item) for item in value]
    return value


def _untag(obj: dict[str, Any]) -> Any:
    if len(obj) == 1:
        if "$decimal" in obj:
            return Decimal(obj["$decimal"])
        if "$datetime" in obj:
            return datetime.fromisoformat(obj["$datetime"])
    return obj


def state_dumps(value: Any) -> str:
    return json.dumps(to_state(value), ensure_ascii=False, sort_keys=True)


def state_loads(raw: str) -> Any:
    return json.loads(raw, object_hook=_untag)


def to_plain(value: Any) -> Any:
    """Control-endpoint results: Decimals as strings (exact), datetimes ISO, tuples as lists."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(key): to_plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [to_plain(item) for item in value]
    return value
