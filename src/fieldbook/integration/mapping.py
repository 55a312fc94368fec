"""Settings' mapping: our tax codes to the ledger's, and defaults for invoice lines, checked
against the ledger's live lists."""

from __future__ import annotations

from typing import Any

from fieldbook.catalogue.models import TaxCode
from fieldbook.connectors.records import ReferenceData
from fieldbook.integration.models import Connection

_EXEMPT_WORDS = ("exempt",)
_OUT_OF_SCOPE_WORDS = ("no vat", "outside", "out of scope", "no tax")


def _ledger_kind(name: str) -> str:
    """How a ledger tax code at 0 % is meant: zero-rated, exempt, or outside the scope of tax.
    A UK company has all three (0.0% Z, Exempt, No VAT) and a VAT return keeps them apart."""
    lowered = name.casefold()
    if any(word in lowered for word in _EXEMPT_WORDS):
        return "exempt"
    if any(word in lowered for word in _OUT_OF_SCOPE_WORDS):
        return "out_of_scope"
    return "rated"


def suggest(connection: Connection, ref: ReferenceData) -> dict[str, Any]:
    """A starting mapping: each of our tax codes to the one active ledger tax code of the same rate
    and the same kind (our exempt code to the ledger's exempt one, never to zero-rated), where
    there is exactly one. Anything ambiguous is left for the user to choose."""
    by_rate: dict[tuple[str, str], list[str]] = {}
    for code in ref.tax_codes:
        if code.active:
            by_rate.setdefault((f"{code.rate.normalize():f}", _ledger_kind(code.name)), []).append(code.ledger_id)
    tax_codes = {}
    for ours in TaxCode.objects.filter(organisation=connection.organisation, active=True):
        named = _ledger_kind(ours.name)
        kind = "exempt" if ours.is_exempt else ("out_of_scope" if named == "out_of_scope" else "rated")
        matches = by_rate.get((f"{ours.rate.normalize():f}", kind), [])
        if len(matches) == 1:
            tax_codes[ours.code] = matches[0]
    return {"tax_codes": tax_codes}


def problems(connection: Connection, ref: ReferenceData) -> list[str]:
    """What the saved mapping names that the ledger no longer has, and what is unmapped."""
    mapping = connection.mapping or {}
    live = {c.ledger_id: c for c in ref.tax_codes}
    found = []
    for ours in TaxCode.objects.filter(organisation=connection.organisation, active=True):
        target = mapping.get("tax_codes", {}).get(ours.code)
        if not target:
            found.append(f"Our tax code {ours.code} is not mapped: invoices using it cannot be transferred.")
        elif target not in live or not live[target].active:
            found.append(f"Our tax code {ours.code} is mapped to a ledger tax code that is missing or inactive.")
        elif live[target].rate != ours.rate:
            found.append(f"Our tax code {ours.code} ({ours.rate.normalize():f} %) is mapped to the ledger's "
                         f"{live[target].name} ({live[target].rate.normalize():f} %): invoices using it cannot be "
                         f"transferred until the rates agree.")
    item = mapping.get("default_item")
    if item and item not in {i.ledger_id for i in ref.items if i.active}:
        found.append("The default item is missing or inactive in the ledger.")
    return found
