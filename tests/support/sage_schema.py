"""Check Sage Accounting v3.1 JSON bodies against the spec's definitions (ref §12).

The spec is Swagger 2.0 without `additionalProperties`, nullability, an error schema or the
list envelope (ref §12 caveats), so this adds what the API does: a key a definition does not
name is an error (a misspelt key is what an emulator or a client most easily gets wrong), null
is allowed for any attribute (Sage sends nulls), lists are `$items` envelopes, errors are arrays
of `$severity/$dataCode/$message/$source`. Types, `maxLength` and date formats are checked.

Stable API (for the sandbox tests and, later, the connector's request bodies):

- ``problems(definition, body) -> list[str]``: what is wrong with a response body of a spec
  definition ("Contact", "SalesInvoice", ...), as dotted paths.
- ``list_problems(definition, envelope)``: the `$items` envelope, each item against the definition.
- ``request_problems(operation, body)``: a POST/PUT body ("postContacts", "putSalesInvoices"...)
  against its inline model, `idempotency_id` allowed inside the resource object (ref §8).
- ``error_problems(body)``: the error array.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from functools import cache
from typing import Any

from tests.support.specs import specs_dir

ENVELOPE_KEYS = frozenset({"$total", "$page", "$next", "$back", "$itemsPerPage", "$items"})
ERROR_KEYS = frozenset({"$severity", "$dataCode", "$message", "$source"})
# GET /businesses lives in the user/business spec, not shipped (ref §1): its keys, from Base and
# the attributes every business has there. Used for /businesses/{key} only.
BUSINESS = {"properties": {"id": {"type": "string"}, "displayed_as": {"type": "string"},
                           "$path": {"type": "string"}, "name": {"type": "string"},
                           "country": {"$ref": "#/definitions/Base"},
                           "created_at": {"type": "string", "format": "date-time"},
                           "updated_at": {"type": "string", "format": "date-time"}}}
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


@cache
def definitions() -> dict[str, Any]:
    spec = json.loads((specs_dir() / "sage" / "openapi.json").read_text(encoding="utf-8"))
    found: dict[str, Any] = spec["definitions"]
    return {**found, "Business": BUSINESS}


def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = definitions()[schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _check(schema: dict[str, Any], value: Any, path: str, out: list[str], extra: frozenset[str]) -> None:
    schema = _resolve(schema)
    if value is None:
        return
    kind = schema.get("type", "object" if "properties" in schema else None)
    if kind == "object":
        if not isinstance(value, dict):
            out.append(f"{path}: expected an object")
            return
        props = schema.get("properties", {})
        for key, item in value.items():
            where = f"{path}.{key}" if path else key
            if key in props:
                _check(props[key], item, where, out, frozenset())
            elif key not in extra:
                out.append(f"{where}: unknown key")
    elif kind == "array":
        if not isinstance(value, list):
            out.append(f"{path}: expected an array")
            return
        for n, item in enumerate(value):
            _check(schema.get("items", {}), item, f"{path}[{n}]", out, frozenset())
    elif kind == "string":
        _string(schema, value, path, out)
    elif kind == "number" and (isinstance(value, bool) or not isinstance(value, int | float)):
        out.append(f"{path}: expected a number, got {value!r}")
    elif kind == "integer" and (isinstance(value, bool) or not isinstance(value, int)):
        out.append(f"{path}: expected an integer, got {value!r}")
    elif kind == "boolean" and not isinstance(value, bool):
        out.append(f"{path}: expected a boolean, got {value!r}")


def _string(schema: dict[str, Any], value: Any, path: str, out: list[str]) -> None:
    if not isinstance(value, str):
        out.append(f"{path}: expected a string, got {value!r}")
        return
    limit = schema.get("maxLength")
    if limit is not None and len(value) > limit:
        out.append(f"{path}: longer than {limit}")
    fmt = schema.get("format")
    try:
        if fmt == "date":
            date.fromisoformat(value)
        elif fmt == "date-time":
            if not _DATETIME.match(value):
                raise ValueError(value)
            datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        out.append(f"{path}: not a {fmt}: {value!r}")


def problems(definition: str, body: Any) -> list[str]:
    out: list[str] = []
    _check({"$ref": f"#/definitions/{definition}"}, body, "", out, frozenset())
    if body is None:
        out.append("body is null")
    return out


def list_problems(definition: str, envelope: Any) -> list[str]:
    if not isinstance(envelope, dict):
        return ["expected the $items envelope"]
    out = [f"{key}: unknown envelope key" for key in sorted(set(envelope) - ENVELOPE_KEYS)]
    out += [f"{key}: missing" for key in ("$items", "$total", "$next") if key not in envelope]
    for n, item in enumerate(envelope.get("$items") or []):
        out += [f"$items[{n}].{p}" for p in problems(definition, item)]
    return out


def request_problems(operation: str, body: Any) -> list[str]:
    schema = definitions()[operation]
    out: list[str] = []
    if not isinstance(body, dict) or len(body) != 1:
        return ["expected one wrapper object"]
    (wrapper, inner), = body.items()
    if wrapper not in schema["properties"]:
        return [f"{wrapper}: unknown wrapper"]
    _check(schema["properties"][wrapper], inner, wrapper, out, frozenset({"idempotency_id"}))
    return out


def error_problems(body: Any) -> list[str]:
    if not isinstance(body, list) or not body:
        return ["expected a non-empty array of errors"]
    out: list[str] = []
    for n, item in enumerate(body):
        if not isinstance(item, dict) or set(item) != ERROR_KEYS:
            out.append(f"[{n}]: keys must be exactly {sorted(ERROR_KEYS)}")
        elif not all(isinstance(v, str) for v in item.values()):
            out.append(f"[{n}]: values must be strings")
    return out
