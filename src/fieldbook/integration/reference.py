"""The ledger's reference lists (tax codes, items, accounts, terms), read at Connect and on the
user's "Refresh from ledger" (or by the sweeper once they are old) and kept on the Connection:
Settings never reads them from the ledger on a page load (issue 10 §1)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from fieldbook.connectors.base import Connector
from fieldbook.connectors.records import CompanyInfo, ReferenceData
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


def save(connection: Connection, ref: ReferenceData, company: CompanyInfo | None = None) -> None:
    values = {"data": codec.dump(ref), "read_at": timezone.now()}
    if company is not None:
        company = company.with_reference(ref)
        values["company"] = codec.dump(company)
    LedgerReference.objects.update_or_create(connection=connection, defaults=values)


def refresh(connection: Connection, host_url: str = "", connector: Connector | None = None) -> ReferenceData:
    """Read the company's rules and lists from the ledger and store them (runs and Compare use
    the stored rules, so this is where a change of, say, custom invoice numbers is noticed).
    Raises LedgerError (Throttled when the ledger asked a web request to slow down: nothing is
    stored then)."""
    with ledgers.open_connector(connection, host_url, connector=connector, stored_rules=False) as conn:
        company = conn.company_info()
        ref = conn.reference_data()
    Connection.objects.filter(pk=connection.pk).update(
        company_name=company.name or connection.company_name, company_country=company.country[:2],
        custom_numbers=company.custom_numbers, ledger_computes_tax=company.ledger_computes_tax,
    )  # fmt: skip
    save(connection, ref, company)
    return ref


def due(connection: Connection, now: datetime) -> bool:
    """Connected, and the lists were never read or are older than REFRESH_AFTER."""
    if not connection.is_connected:
        return False
    _, read_at = stored(connection)
    return read_at is None or now - read_at >= REFRESH_AFTER
