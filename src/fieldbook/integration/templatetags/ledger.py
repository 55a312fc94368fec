"""`{% ledger_links record kind %}`: where a customer, job or service invoice is in each ledger."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import template
from django.db.models import Q

from fieldbook.core.money import format_money
from fieldbook.integration.ledgers import ledger_url
from fieldbook.integration.models import ExternalLink

register = template.Library()


@register.inclusion_tag("integration/ledger_links.html")
def ledger_links(record: Any, kind: str) -> dict[str, Any]:
    number = record.account_ref if kind == "customer" else record.number
    # A customer's link follows the customer (its account reference may have changed since).
    mine = Q(local_id=record.pk) | Q(local_id__isnull=True, local_number=number) if kind == "customer" else Q(
        local_number=number
    )
    links = ExternalLink.objects.filter(mine, connection__organisation_id=record.organisation_id, kind=kind
                                        ).select_related("connection")  # fmt: skip
    merged = getattr(record, "merged_into", None) if kind == "customer" else None
    return {"merged_into": merged, "links": [
        {"ledger": link.connection.get_ledger_display(), "ledger_id": link.ledger_id,
         "number": link.ledger_number, "synced_at": link.synced_at,
         "url": ledger_url(link.connection, kind, link.ledger_id), **_totals(link, kind)}
        for link in links
    ]}  # fmt: skip


@register.simple_tag
def ledger_places(records: Any, kind: str) -> dict[str, list[dict[str, str]]]:
    """`{% ledger_places object_list "invoice" as places %}`: for a page of jobs or service
    invoices, our number -> where each is in a ledger (one query for the page)."""
    records = list(records)
    if not records:
        return {}
    numbers = [r.account_ref if kind == "customer" else r.number for r in records]
    links = ExternalLink.objects.filter(
        connection__organisation_id=records[0].organisation_id, kind=kind, local_number__in=numbers
    ).select_related("connection")
    places: dict[str, list[dict[str, str]]] = {}
    for link in links:
        places.setdefault(link.local_number, []).append({
            "ledger": link.connection.get_ledger_display(), "number": link.ledger_number or link.ledger_id,
            "url": ledger_url(link.connection, kind, link.ledger_id),
        })  # fmt: skip
    return places


@register.filter
def places_of(places: dict[str, list[dict[str, str]]], number: str) -> list[dict[str, str]]:
    """`{{ places|places_of:job.number }}`: a template cannot index a dict by a variable."""
    return places.get(number, [])
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
