"""Check QuickBooks Online JSON bodies against the official XSDs (ref §14).

The XSDs describe XML; QBO's JSON uses the same element names, and XML attributes (`code`,
`bId`, `startPosition`, `domain`, `sparse`, `status`, `time`...) become plain keys. There are no
length facets in these schemas, so this checks *names* only: a misspelt or invented key is what
an emulator or a client most easily gets wrong without noticing.

Stable API (used by the sandbox tests and by the connector tests for request bodies):

- ``unknown_keys(type_name, body) -> list[str]``: dotted paths of the keys in ``body`` that the
  XSD complexType ``type_name`` (e.g. "Customer", "Invoice", "IntuitResponse",
  "BatchItemRequest") does not allow, recursively, following each child element's type (base
  types / extensions included, substitution groups such as ``IntuitObject`` expanded).
- ``check_response(body) -> list[str]``: the same for a whole QBO response envelope
  (``IntuitResponse``: ``{"Customer": {...}, "time": ...}``, ``{"QueryResponse": ...}``,
  ``{"BatchItemResponse": [...]}``, ``{"CDCResponse": [...]}``, ``{"Fault": ...}``).
- ``check_request(type_name, body) -> list[str]``: alias of ``unknown_keys`` for readability.

The schema is loaded once per process (about two seconds).
"""

from __future__ import annotations

from functools import cache
from typing import Any

import xmlschema

from tests.support.specs import specs_dir

NS = "http://schema.intuit.com/finance/v3"


@cache
def _schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(specs_dir() / "quickbooks" / "IntuitRestServiceDef.xsd"))


@cache
def _children(type_qname: str) -> tuple[dict[str, Any], frozenset[str]]:
    """(child element local name -> XSD type, attribute names) of one complexType, bases included."""
    xsd_type = _schema().maps.types[type_qname]
    elements: dict[str, Any] = {}
    attributes: set[str] = set()
    if xsd_type.has_simple_content():
        # simpleContent (e.g. ReferenceType): the XML text becomes JSON "value"
        attributes.add("value")
    current = xsd_type
    while current is not None and getattr(current, "is_complex", lambda: False)():
        attributes.update(_local(name) for name in current.attributes if name)
        content = current.content
        if hasattr(content, "iter_elements"):
            for element in content.iter_elements():
                _add_element(elements, element)
        current = current.base_type
    return elements, frozenset(attributes)


def _add_element(elements: dict[str, Any], element: Any) -> None:
    if not getattr(element, "abstract", False):
        elements.setdefault(element.local_name, element.type)
    substitutes = _schema().maps.substitution_groups.get(element.name, ())
    for substitute in substitutes:
        _add_element(elements, substitute)


def _local(name: str) -> str:
    return name.rsplit("}", 1)[-1]


def _type_qname(type_name: str) -> str:
    return type_name if type_name.startswith("{") else f"{{{NS}}}{type_name}"


def unknown_keys(type_name: str, body: dict[str, Any], _path: str = "") -> list[str]:
    """Dotted paths of keys in ``body`` that XSD complexType ``type_name`` does not allow."""
    elements, attributes = _children(_type_qname(type_name))
    problems: list[str] = []
    for key, value in body.items():
        path = f"{_path}.{key}" if _path else key
        if key in attributes:
            continue
        if key not in elements:
            problems.append(path)
            continue
        child_type = elements[key]
        if not child_type.is_complex():
            continue
        child_qname = child_type.name
        if child_qname is None:  # anonymous complex type: nothing named to follow
            continue
        values = value if isinstance(value, list) else [value]
        for index, item in enumerate(values):
            if isinstance(item, dict):
                item_path = f"{path}[{index}]" if isinstance(value, list) else path
                problems.extend(unknown_keys(child_qname, item, item_path))
    return problems


def check_request(type_name: str, body: dict[str, Any]) -> list[str]:
    return unknown_keys(type_name, body)


def check_response(body: dict[str, Any]) -> list[str]:
    """Unknown keys of a whole QBO JSON response envelope (type IntuitResponse)."""
    return unknown_keys("IntuitResponse", body)
