"""Keep LedgerRecord in step with the ledger: a full read the first time (or when the ledger
says it could not read incrementally), then only what changed since the watermark."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction

from fieldbook.connectors.base import Connector, RecordKind
from fieldbook.connectors.records import CustomerRecord, InvoiceRecord, ReadResult
from fieldbook.integration.models import LedgerRecord
from fieldbook.integration.store import DjangoSyncStore
from fieldbook.sync import codec

Record = CustomerRecord | InvoiceRecord
# Re-read a little before the watermark: a change committed as the ledger stamped its reply time
# is read twice rather than never (upserts by id make the overlap harmless).
OVERLAP = timedelta(seconds=60)


def refresh(connector: Connector, kind: RecordKind, store: DjangoSyncStore) -> list[Record]:
    connection_id = connector.settings.connection_id
    watermark = store.watermark(connection_id, kind)
    since = watermark - OVERLAP if watermark else None
    result: ReadResult[CustomerRecord] | ReadResult[InvoiceRecord]
    result = connector.customers(since) if kind == RecordKind.CUSTOMER else connector.invoices(since)
    with transaction.atomic():
        rows = LedgerRecord.objects.filter(connection_id=connection_id, kind=kind)
        if not result.incremental:
            rows.delete()
        changed = {r.ledger_id: r for r in result.records if r.ledger_id}
        if result.incremental and changed:
            rows.filter(ledger_id__in=list(changed)).delete()
        LedgerRecord.objects.bulk_create(
            [LedgerRecord(connection_id=connection_id, kind=kind, ledger_id=i, data=codec.dump(r))
             for i, r in changed.items()],
            batch_size=1000,
        )  # fmt: skip
        # Move the bookmark only with the evidence: in the same transaction as the records.
        if result.watermark is not None:
            store.save_watermark(connection_id, kind, result.watermark)
    return stored(connection_id, kind)


def stored(connection_id: str, kind: RecordKind) -> list[Record]:
    """Our copy as last read (what a page shows when the ledger asks us to slow down)."""
    cls: type[Record] = CustomerRecord if kind == RecordKind.CUSTOMER else InvoiceRecord
    return [codec.load(cls, data) for data in
            LedgerRecord.objects.filter(connection_id=connection_id, kind=kind).values_list("data", flat=True)]
