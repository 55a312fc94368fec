"""Check Xero JSON bodies against the official OpenAPI schemas (ref §11), made strict.

The published `xero_accounting.yaml` sets no `additionalProperties: false` and no `required` on
Contact or Invoice, so a misspelt key passes it. Here every object schema is closed
(`additionalProperties: false`), MS-date fields get a `/Date(ms[+zzzz])/` pattern, and the
reference's required fields are injected:

- request (and an element echoed back with errors): a Contact names one of ContactID, Name,
  ContactNumber (ref §3); an Invoice has Type, Contact and LineItems (ref §3 "required to create").
- response (an element stored): a Contact has ContactID and Name; an Invoice InvoiceID, Type,
  Contact, Status and LineAmountTypes (its LineItems are absent from unpaged reads, ref §5).

The envelope keys every response carries and the OAS leaves out (`Id`, `Status`, `ProviderName`,
`DateTimeUTC`, ref §13) are allowed at the top level only.

Stable API (for the sandbox tests now and the connector's request checks later):

- ``problems(kind, schema_name, body) -> list[str]``: kind "request" | "response"; one message
  per failure, with its JSON path.
- ``check_response(body) -> list[str]``: a whole Contacts/Invoices response, 200 or 400.
"""

from __future__ import annotations

import copy
from functools import cache
from typing import Any

import yaml
from openapi_schema_validator import OAS30Validator

from tests.support.specs import specs_dir

ENVELOPE = ("Id", "Status", "ProviderName", "DateTimeUTC")
MS_DATE = r"^/Date\(-?\d+([+-]\d{4})?\)/$"
# Requests may also send ISO dates (ref §6: `YYYY-MM-DD` is what the docs show).
REQUEST_DATE = r"^(/Date\(-?\d+([+-]\d{4})?\)/|\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(\.\d+)?)?)$"
PLURALS = {"Contacts": "Contact", "Invoices": "Invoice"}
ID_KEYS = {"Contact": ("ContactID", "Name", "ContactNumber")}
REQUIRED = {
    "request": {"Invoice": ["Type", "Contact", "LineItems"]},
    "response": {"Contact": ["ContactID", "Name"],
                 "Invoice": ["InvoiceID", "Type", "Contact", "Status", "LineAmountTypes"]},
}


@cache
def _published() -> dict[str, Any]:
    with (specs_dir() / "xero" / "xero_accounting.yaml").open(encoding="utf-8") as handle:
        document: dict[str, Any] = yaml.safe_load(handle)
    return document


def _close(node: Any, date_pattern: str) -> None:
    if isinstance(node, dict):
        if "properties" in node and node.get("type", "object") == "object":
            node["additionalProperties"] = False
        if node.get("x-is-msdate") or node.get("x-is-msdate-time"):
            node["pattern"] = date_pattern
        node.pop("example", None)  # yaml turns unquoted example dates into date objects
        for value in node.values():
            _close(value, date_pattern)
    elif isinstance(node, list):
        for value in node:
            _close(value, date_pattern)


@cache
def _components(kind: str) -> dict[str, Any]:
    components = copy.deepcopy(_published()["components"])
    schemas = components["schemas"]
    _close(schemas, REQUEST_DATE if kind == "request" else MS_DATE)
    for name, required in REQUIRED[kind].items():
        schemas[name]["required"] = required
    if kind == "request":
        schemas["Contact"]["anyOf"] = [{"required": [key]} for key in ID_KEYS["Contact"]]
    return components


def problems(kind: str, schema_name: str, body: Any) -> list[str]:
    schema = {"$ref": f"#/components/schemas/{schema_name}", "components": _components(kind)}
    validator = OAS30Validator(schema)
    return sorted(f"{'/'.join(str(p) for p in error.absolute_path) or '<root>'}: {error.message}"
                  for error in validator.iter_errors(body))


def check_response(body: dict[str, Any]) -> list[str]:
    if body.get("Type") == "ValidationException":
        out = problems("response", "Error", {**body, "Elements": []})
        for n, element in enumerate(body.get("Elements", [])):
            name = "Contact" if "HasValidationErrors" in element else "Invoice"
            out += [f"Elements/{n}/{p}" for p in problems("request", name, element)]
        return out
    plural = next(key for key in body if key in PLURALS)
    out = problems("response", plural, {k: v for k, v in body.items() if k not in ENVELOPE and k != plural}
                   | {plural: []})
    for n, element in enumerate(body[plural]):
        kind = "request" if element.get("StatusAttributeString") == "ERROR" else "response"
        out += [f"{plural}/{n}/{p}" for p in problems(kind, PLURALS[plural], element)]
    return out
