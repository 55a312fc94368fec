"""What the run and history pages say about a run: its name, its outcome in words, and one row
per step naming the record in Fieldbook (a download's new customer too) and in the ledger."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone

from fieldbook.integration import service
from fieldbook.integration.ledgers import ledger_url
from fieldbook.integration.models import ExternalLink, SyncRun, SyncStep

# Outcomes that are not a success: the summary names them beside the run's state.
UNSUCCESSFUL = ("failed", "conflict", "skipped")


def run_title(run: SyncRun) -> str:
    """What ran and when, in the organisation's time: "Customers (download) · 1 Dec 2026, 20:31"."""
    label = service.OPTIONS.get(run.option, run.option)
    if run.transfer == "customers_down":
        label += " (download)"
    if run.created_at is None:
        return label
    when = timezone.localtime(run.created_at)
    return f"{label} · {when.day} {when:%b %Y, %H:%M}"


def run_summary(run: SyncRun) -> str:
    """The state, then how many records did not go through: "done, 2 failed"."""
    counts = run.counts or {}
    bad = [f"{counts[k]} {k}" for k in UNSUCCESSFUL if counts.get(k)]
    return ", ".join([run.state, *bad])


def _record(step: SyncStep) -> dict[str, Any]:
    planned = (step.planned or {}).get("step") or {}
    return dict(planned.get("record") or {})


def run_rows(run: SyncRun) -> list[SyncStep]:
    """The run's steps, each with `record_number`, `record_name`, `record_url`, `ledger_link` and
    `ledger_label`."""
    steps = list(run.steps.all())
    # A download creates our record during the run: its number is the link made to the ledger id.
    created = {
        (link.kind, link.ledger_id): link.local_number
        for link in ExternalLink.objects.filter(
            connection=run.connection,
            ledger_id__in=[(s.outcome or {}).get("ledger_id", "") for s in steps if not s.local_number],
        )
    }
    # Only a downloaded record gets a link to our page: its number was made by Fieldbook during
    # the run, so the user has not seen it yet (an upload's row names the record they chose).
    found = run.organisation.customers.filter(account_ref__in=set(created.values()))
    urls = dict(found.values_list("account_ref", "pk"))
    for step in steps:
        record = _record(step)
        ledger_id = (step.outcome or {}).get("ledger_id", "") or record.get("ledger_id") or ""
        number = step.local_number or created.get((step.kind, ledger_id), "")
        step.record_number = number  # type: ignore[attr-defined]
        step.record_name = record.get("name") or record.get("customer_name") or ""  # type: ignore[attr-defined]
        pk = urls.get(number) if not step.local_number and step.kind == "customer" else None
        step.record_url = reverse("customers:detail", args=[pk]) if pk else ""  # type: ignore[attr-defined]
        step.ledger_link = ledger_url(run.connection, step.kind, ledger_id)  # type: ignore[attr-defined]
        # A step still to send (or one that failed before the ledger answered) has no outcome yet.
        outcome = step.outcome or {}
        step.ledger_text = outcome.get("ledger_number") or outcome.get("ledger_id") or "open"  # type: ignore[attr-defined]
    return steps

