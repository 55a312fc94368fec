"""`{% ledger_links record kind %}`: where a customer, job or service invoice is in each ledger."""

from __future__ import annotations

from typing import Any

from django import template

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
         "url": ledger_url(link.connection, kind, link.ledger_id)}
        for link in links
    ]}  # fmt: skip
