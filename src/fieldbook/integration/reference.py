"""The ledger's reference lists (tax codes, items, accounts, terms), read at Connect and on the
user's "Refresh from ledger" (or by the sweeper once they are old) and kept on the Connection:
Settings never reads them from the ledger on a page load (issue 10 §1)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from fieldbook.connectors.base import Connector
from fieldbook.connectors.records import ReferenceData
from fieldbook.integration import ledgers
from fieldbook.integration.models import Connection, LedgerReference
from fieldbook.sync import codec

# How old the stored lists may grow before the sweeper reads them again in the background.
REFRESH_AFTER = timedelta(hours=24)


def stored(connection: Connection) -> tuple[ReferenceData | None, datetime | None]:
    """The lists as last read, and when (None, None before the first read)."""
    row = LedgerReference.objects.filter(connection=connection).first()
    if row is None:
        return None, None
    return codec.load(ReferenceData, row.data), row.read_at


def save(connection: Connection, ref: ReferenceData) -> None:
    LedgerReference.objects.update_or_create(
        connection=connection, defaults={"data": codec.dump(ref), "read_at": timezone.now()}
    )


def refresh(connection: Connection, host_url: str = "", connector: Connector | None = None) -> ReferenceData:
    """Read the lists from the ledger and store them. Raises LedgerError (Throttled when the
    ledger asked a web request to slow down: nothing is stored then)."""
    with ledgers.open_connector(connection, host_url, connector=connector) as conn:
        ref = conn.reference_data()
    save(connection, ref)
    return ref


def due(connection: Connection, now: datetime) -> bool:
    """Connected, and the lists were never read or are older than REFRESH_AFTER."""
    if not connection.is_connected:
        return False
    _, read_at = stored(connection)
    return read_at is None or now - read_at >= REFRESH_AFTER
