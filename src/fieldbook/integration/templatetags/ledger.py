"""`{% ledger_links record kind %}`: where a customer, job or service invoice is in each ledger."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import template

from fieldbook.core.money import format_money
from fieldbook.integration.ledgers import ledger_url
from fieldbook.integration.models import ExternalLink

register = template.Library()


@register.inclusion_tag("integration/ledger_links.html")
def ledger_links(record: Any, kind: str) -> dict[str, Any]:
    number = record.account_ref if kind == "customer" else record.number
    links = ExternalLink.objects.filter(
        connection__organisation_id=record.organisation_id, kind=kind, local_number=number
    ).select_related("connection")
    return {"links": [
        {"ledger": link.connection.get_ledger_display(), "ledger_id": link.ledger_id,
         "number": link.ledger_number, "synced_at": link.synced_at,
         "url": ledger_url(link.connection, kind, link.ledger_id), **_totals(link, kind)}
        for link in links
    ]}  # fmt: skip


def _totals(link: ExternalLink, kind: str) -> dict[str, Any]:
    """An invoice's total in the ledger beside ours, both as of its last transfer: where they
    differ (the user sent it knowingly), the page says so."""
    if kind != "invoice":
        return {}
    theirs, ours = (link.ledger_values or {}).get("total", ""), (link.local_values or {}).get("total", "")
    if not theirs:
        return {}
    try:
        differs = Decimal(theirs) != Decimal(ours)
    except (InvalidOperation, ValueError):
        differs = theirs != ours
    return {"ledger_total": format_money(Decimal(theirs)), "our_total": ours and format_money(Decimal(ours)),
            "differs": differs}
