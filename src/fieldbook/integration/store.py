"""The engine's storage interfaces (fieldbook.sync.store) on the Django ORM.

Every method commits before it returns (autocommit, or its own atomic block): the journal is
only worth anything if a request is on disk before it is sent. Rows cross the boundary as the
engine's plain dataclasses, serialised with sync.codec (Decimal money as strings, bytes base64).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.db import transaction
from django.db.models import F, OuterRef, Subquery

from fieldbook.connectors.base import Attempt, RecordKind, Request
from fieldbook.customers.models import Customer
from fieldbook.integration import models as m
from fieldbook.sync import codec
from fieldbook.sync.store import (
    JournalEntry,
    Link,
    Outcome,
    PlannedStep,
    Record,
    RequestState,
    Run,
    RunState,
    StepRow,
    Transfer,
)


def _link(row: m.ExternalLink) -> Link:
    return Link(
        connection_id=str(row.connection_id), kind=RecordKind(row.kind), local_number=row.local_number,
        ledger_id=row.ledger_id, ledger_version=row.ledger_version, ledger_number=row.ledger_number,
        local_values=dict(row.local_values), ledger_values=dict(row.ledger_values), synced_at=row.synced_at,
        synced_number=row.synced_number,
    )  # fmt: skip


def follow_renames(connection_id: int | str) -> None:
    """Links belong to records, not to their numbers: a customer whose account reference changed
    keeps its link, renumbered here (the ledger's number stays in `synced_number` until the next
    transfer sends the new one), and the links of its invoices name the new reference too."""
    current = Customer.objects.filter(pk=OuterRef("local_id")).values("account_ref")[:1]
    moved = list(
        m.ExternalLink.objects.filter(connection_id=connection_id, kind=RecordKind.CUSTOMER, local_id__isnull=False)
        .annotate(now=Subquery(current))
        .exclude(now=F("local_number"))
        .exclude(now__isnull=True)
    )
    if not moved:
        return
    with transaction.atomic():
        # Two steps, so references swapped between two customers never collide on the way.
        for row in moved:
            m.ExternalLink.objects.filter(pk=row.pk).update(local_number=f"~{row.pk}")
        for row in moved:
            synced = row.synced_number or row.local_number
            m.ExternalLink.objects.filter(pk=row.pk).update(
                local_number=row.now, synced_number="" if synced == row.now else synced
            )
            for invoice in m.ExternalLink.objects.filter(
                connection_id=connection_id, kind=RecordKind.INVOICE, local_values__customer_number=row.local_number
            ):
                invoice.local_values["customer_number"] = row.now
                invoice.save(update_fields=["local_values"])


def _local_id(connection_id: str, kind: RecordKind, number: str) -> int | None:
    if kind != RecordKind.CUSTOMER:
        return None
    org = m.Connection.objects.filter(pk=connection_id).values("organisation_id")[:1]
    return Customer.objects.filter(organisation_id=Subquery(org), account_ref=number).values_list(
        "pk", flat=True
    ).first()


def _run(row: m.SyncRun) -> Run:
    return Run(
        id=row.id, connection_id=str(row.connection_id), transfer=Transfer(row.transfer), state=RunState(row.state),
        created_at=row.created_at, heartbeat_at=row.heartbeat_at, counts=dict(row.counts), reason=row.reason,
    )  # fmt: skip


class DjangoSyncStore:
    """A `SyncStore` for one organisation's connections."""

    # links ------------------------------------------------------------------------------------
    def links(self, connection_id: str, kind: RecordKind) -> list[Link]:
        follow_renames(connection_id)
        return [_link(r) for r in m.ExternalLink.objects.filter(connection_id=connection_id, kind=kind)]

    def link(self, connection_id: str, kind: RecordKind, local_number: str) -> Link | None:
        follow_renames(connection_id)
        row = m.ExternalLink.objects.filter(connection_id=connection_id, kind=kind, local_number=local_number).first()
        return _link(row) if row else None

    def save_link(self, link: Link) -> None:
        # Renames were followed by the links() read that planned this step (once per wave).
        with transaction.atomic():
            m.ExternalLink.objects.filter(
                connection_id=link.connection_id, kind=link.kind, ledger_id=link.ledger_id
            ).exclude(local_number=link.local_number).delete()
            m.ExternalLink.objects.update_or_create(
                connection_id=link.connection_id, kind=link.kind, local_number=link.local_number,
                defaults={
                    "ledger_id": link.ledger_id, "ledger_version": link.ledger_version,
                    "ledger_number": link.ledger_number, "local_values": link.local_values,
                    "ledger_values": link.ledger_values, "synced_at": link.synced_at,
                    # Saved after a transfer: the ledger now has this number.
                    "synced_number": "" if link.synced_at else link.synced_number,
                    "local_id": _local_id(link.connection_id, link.kind, link.local_number),
                },
            )  # fmt: skip

    # watermarks ------------------------------------------------------------------------------
    def watermark(self, connection_id: str, kind: RecordKind) -> datetime | None:
        row = m.Watermark.objects.filter(connection_id=connection_id, kind=kind).first()
        return row.at if row else None

    def save_watermark(self, connection_id: str, kind: RecordKind, at: datetime) -> None:
        m.Watermark.objects.update_or_create(connection_id=connection_id, kind=kind, defaults={"at": at})

    def keep_ledger_copy(self, connection_id: str, kind: RecordKind, record: Record) -> None:
        if record.ledger_id:
            m.LedgerRecord.objects.update_or_create(connection_id=connection_id, kind=kind, ledger_id=record.ledger_id,
                                                    defaults={"data": codec.dump(record)})  # fmt: skip

    # runs -------------------------------------------------------------------------------------
    def create_run(self, run: Run, steps: Sequence[PlannedStep]) -> None:
        with transaction.atomic():
            row, _ = m.SyncRun.objects.get_or_create(
                id=run.id,
                defaults={
                    "connection_id": run.connection_id,
                    "organisation_id": m.Connection.objects.values_list("organisation_id", flat=True).get(
                        pk=run.connection_id
                    ),
                    "transfer": run.transfer, "state": run.state, "created_at": run.created_at,
                    "heartbeat_at": run.heartbeat_at, "counts": run.counts, "reason": run.reason,
                },
            )  # fmt: skip
            row.total_steps = len(steps)
            row.save(update_fields=["total_steps"])
            m.SyncStep.objects.bulk_create(
                m.SyncStep(
                    run=row, seq=i, step_id=p.id, kind=p.step.kind, local_number=p.local_number,
                    operation=p.step.operation, mode=p.mode, planned=codec.dump(p),
                )
                for i, p in enumerate(steps)
            )

    def run(self, run_id: str) -> Run:
        return _run(m.SyncRun.objects.get(pk=run_id))

    def save_run(self, run: Run) -> None:
        finished = {"finished_at": run.heartbeat_at} if run.state == RunState.DONE else {}
        m.SyncRun.objects.filter(pk=run.id).update(
            state=run.state, counts=run.counts, reason=run.reason, heartbeat_at=run.heartbeat_at, **finished
        )

    def heartbeat(self, run_id: str, at: datetime) -> None:
        m.SyncRun.objects.filter(pk=run_id).update(heartbeat_at=at)

    def steps(self, run_id: str) -> list[StepRow]:
        return [
            StepRow(
                run_id=run_id, seq=row.seq, planned=codec.load(PlannedStep, row.planned),
                outcome=codec.load(Outcome, row.outcome) if row.outcome else None,
            )
            for row in m.SyncStep.objects.filter(run_id=run_id).order_by("seq")
        ]

    def replace_step(self, run_id: str, planned: PlannedStep) -> None:
        changed = m.SyncStep.objects.filter(run_id=run_id, step_id=planned.id, outcome__isnull=True).update(
            planned=codec.dump(planned)
        )
        if not changed:
            raise ValueError(f"Step {planned.id} already has an outcome (or does not exist)")

    def save_outcome(self, run_id: str, step_id: str, outcome: Outcome) -> None:
        m.SyncStep.objects.filter(run_id=run_id, step_id=step_id).update(
            outcome=codec.dump(outcome), status=outcome.status
        )

    # journal ----------------------------------------------------------------------------------
    def journal(self, run_id: str, request: Request, at: datetime) -> None:
        with transaction.atomic():
            if m.JournalRequest.objects.filter(run_id=run_id, key=request.key).exists():
                return
            seq = m.JournalRequest.objects.filter(run_id=run_id).count()
            m.JournalRequest.objects.create(
                run_id=run_id, seq=seq, key=request.key, state=RequestState.JOURNALLED,
                request=codec.dump(request), journalled_at=at,
            )  # fmt: skip

    def mark_request(self, run_id: str, key: str, state: RequestState) -> None:
        if not m.JournalRequest.objects.filter(run_id=run_id, key=key).update(state=state):
            raise KeyError(f"No request {key} in run {run_id}")

    def requests(self, run_id: str) -> list[JournalEntry]:
        return [
            JournalEntry(
                run_id=run_id, seq=row.seq, request=codec.load(Request, row.request),
                state=RequestState(row.state), journalled_at=row.journalled_at,
            )
            for row in m.JournalRequest.objects.filter(run_id=run_id).order_by("seq")
        ]

    def record_attempt(self, run_id: str, attempt: Attempt) -> None:
        m.SyncAttempt.objects.create(run_id=run_id, **m.attempt_fields(attempt))

    def attempts(self, run_id: str) -> list[Attempt]:
        return [
            Attempt(key=a.key, status=a.status, duration_ms=a.duration_ms, excerpt=a.excerpt,
                    error_class=a.error_class, at=a.at)
            for a in m.SyncAttempt.objects.filter(run_id=run_id).order_by("id")
        ]
