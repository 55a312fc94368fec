"""QBO reads: company rules, reference lists, customers and invoices (all or changed since), one
record, and the lookup by our number and marker after an uncertain outcome.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from fieldbook.connectors.base import ConnectionSettings, Found, RecordKind, Step, marker
from fieldbook.connectors.errors import NotFound
from fieldbook.connectors.quickbooks.api import QboApi, quote
from fieldbook.connectors.quickbooks.mapping import (
    customer_from_qbo,
    display_name,
    find_marker,
    invoice_from_qbo,
    unique_name,
)
from fieldbook.connectors.records import (
    Account,
    CompanyInfo,
    CustomerRecord,
    InvoiceRecord,
    Item,
    LedgerState,
    Payment,
    ReadResult,
    ReferenceData,
    TaxCode,
    Term,
)


def company_info(api: QboApi) -> CompanyInfo:
    """Preferences (custom numbers, home currency, automated sales tax) and CompanyInfo
    (country: US sales-tax rules or not), reference §4."""
    prefs = _first(api.query_page("SELECT * FROM Preferences"), "Preferences")
    info = _first(api.query_page("SELECT * FROM CompanyInfo"), "CompanyInfo")
    country = str(info.get("Country") or (info.get("CompanyAddr") or {}).get("Country") or "")
    country = "US" if country.upper() in ("US", "USA", "UNITED STATES") else country.upper()
    tax_prefs = prefs.get("TaxPrefs") or {}
    return CompanyInfo(
        company_id=api.realm,
        name=str(info.get("CompanyName", "")),
        country=country,
        home_currency=str(((prefs.get("CurrencyPrefs") or {}).get("HomeCurrency") or {}).get("value", "")),
        custom_numbers=bool((prefs.get("SalesFormsPrefs") or {}).get("CustomTxnNumbers", False)),
        ledger_computes_tax=country == "US" and bool(tax_prefs.get("PartnerTaxEnabled", True)),
    )


def _first(body: dict[str, Any], entity: str) -> dict[str, Any]:
    rows = body.get("QueryResponse", {}).get(entity, [])
    return dict(rows[0]) if rows else {}


def _dec(value: Any) -> Decimal:
    return Decimal(str(value)) if value is not None else Decimal(0)


def reference_data(api: QboApi) -> ReferenceData:
    rates = {str(r["Id"]): _dec(r.get("RateValue")) for r in api.query_all("TaxRate")[0]}
    tax_codes = []
    for code in api.query_all("TaxCode")[0]:
        details = (code.get("SalesTaxRateList") or {}).get("TaxRateDetail") or []
        ids = [str((d.get("TaxRateRef") or {}).get("value", "")) for d in details]
        parts = tuple((i, rates[i]) for i in ids if i in rates)
        rate = sum((percent for _, percent in parts), Decimal(0))
        tax_codes.append(TaxCode(str(code["Id"]), str(code.get("Name", "")), rate, bool(code.get("Active", True)),
                                 parts))
    items = tuple(
        Item(str(i["Id"]), str(i.get("Name", "")), str(i.get("Sku", "")),
             str((i.get("IncomeAccountRef") or {}).get("value", "")), bool(i.get("Active", True)))
        for i in api.query_all("Item")[0]
    )
    accounts = tuple(
        Account(str(a["Id"]), str(a.get("Name", "")), str(a.get("AcctNum", "")), str(a.get("AccountType", "")),
                bool(a.get("Active", True)))
        for a in api.query_all("Account")[0]
    )
    terms = tuple(
        Term(str(t["Id"]), str(t.get("Name", "")), int(t["DueDays"]) if t.get("DueDays") is not None else None)
        for t in api.query_all("Term")[0]
    )
    payments = []
    for p in api.query_all("Payment")[0]:
        linked = [str(t.get("TxnId")) for line in p.get("Line", []) for t in line.get("LinkedTxn", [])
                  if t.get("TxnType") == "Invoice"]
        payments.append(Payment(
            str(p["Id"]), str((p.get("CustomerRef") or {}).get("value", "")), _dec(p.get("TotalAmt")),
            datetime.fromisoformat(str(p.get("TxnDate"))).date(), tuple(linked),
        ))
    return ReferenceData(tax_codes=tuple(tax_codes), items=items, accounts=accounts, terms=terms,
                         payments=tuple(payments))


def _changed(api: QboApi, entity: str, since: datetime) -> tuple[list[dict[str, Any]], datetime | None]:
    """CDC from `since` (§7). A reply holding 1,000 objects was truncated silently (§16): the
    window is split at the newest change it holds and the rest read from there (with a second of
    overlap, ids de-duplicated, newest copy kept). The watermark is the first reply's server time.
    A single instant with 1,000+ changes cannot be split: that part is read by a paged query."""
    rows_by_id: dict[str, dict[str, Any]] = {}
    found, watermark = api.cdc(entity, since)
    start = since
    while True:
        rows = found.get(entity, [])
        for row in rows:
            rows_by_id[str(row.get("Id"))] = row
        if sum(len(v) for v in found.values()) < api.cdc_cap:
            return list(rows_by_id.values()), watermark
        newest = max((t for t in (_updated(r) for r in rows) if t is not None), default=None)
        if newest is None or newest - timedelta(seconds=1) <= start:
            where = f"MetaData.LastUpdatedTime >= {quote(start.isoformat())}"
            for row in api.query_all(entity, where)[0]:
                rows_by_id[str(row.get("Id"))] = row
            return list(rows_by_id.values()), watermark
        start = newest - timedelta(seconds=1)
        found, _ = api.cdc(entity, start)


def _updated(row: dict[str, Any]) -> datetime | None:
    value = (row.get("MetaData") or {}).get("LastUpdatedTime")
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")) if value else None
    except ValueError:
        return None


def customers(api: QboApi, since: datetime | None, full: bool) -> ReadResult[CustomerRecord]:
    if since is None or full:
        # Inactive rows by default are unconfirmed (§3): ask for both explicitly.
        active, watermark = api.query_all("Customer", "Active = true")
        inactive, _ = api.query_all("Customer", "Active = false")
        records = tuple(customer_from_qbo(row) for row in active + inactive)
        return ReadResult(records, watermark, incremental=False)
    rows, watermark = _changed(api, "Customer", since)
    return ReadResult(tuple(customer_from_qbo(row) for row in rows), watermark, incremental=True)


def invoices(api: QboApi, since: datetime | None, full: bool, tax_names: dict[str, str]) -> ReadResult[InvoiceRecord]:
    if since is None or full:
        rows, watermark = api.query_all("Invoice")
        return ReadResult(tuple(invoice_from_qbo(r, tax_names) for r in rows), watermark, incremental=False)
    rows, watermark = _changed(api, "Invoice", since)
    return ReadResult(tuple(invoice_from_qbo(r, tax_names) for r in rows), watermark, incremental=True)


def read_one(
    api: QboApi, kind: RecordKind, ledger_id: str, tax_names: dict[str, str]
) -> CustomerRecord | InvoiceRecord:
    entity = "Customer" if kind == RecordKind.CUSTOMER else "Invoice"
    body = api.get(f"{entity.lower()}/{ledger_id}")
    obj = body.get(entity)
    if not isinstance(obj, dict):
        raise NotFound(f"QuickBooks has no {entity.lower()} with id {ledger_id}.", code="610")
    return customer_from_qbo(obj) if kind == RecordKind.CUSTOMER else invoice_from_qbo(obj, tax_names)


def lookup(api: QboApi, settings: ConnectionSettings, step: Step, custom_numbers: bool,
           tax_names: dict[str, str]) -> Found | None:
    """DESIGN "How a ledger record is known to be ours": customers by DisplayName (either the
    name we send or its unique variant) then the Notes marker; invoices by DocNumber, or without
    custom numbers by CustomerRef + TxnDate (PrivateNote cannot be filtered), then the marker."""
    record = step.record
    ours = record.marker or marker(settings.org_slug, record.number)
    if isinstance(record, CustomerRecord):
        names = sorted({display_name(record.name), unique_name(record.name, record.number)})
        where = "DisplayName IN (" + ", ".join(quote(n) for n in names) + ")"
        rows, _ = api.query_all("Customer", where)
        return _pick([customer_from_qbo(r) for r in rows], ours, foreign_ok=True)
    if custom_numbers:
        rows, _ = api.query_all("Invoice", f"DocNumber = {quote(record.number)}")
        return _pick([invoice_from_qbo(r, tax_names) for r in rows], ours, foreign_ok=True)
    if not record.customer_ledger_id:
        return None
    where = f"CustomerRef = {quote(record.customer_ledger_id)} AND TxnDate = {quote(record.issue_date.isoformat())}"
    rows, _ = api.query_all("Invoice", where)
    # Without our number, another invoice on the same day is simply someone else's: not a clash.
    return _pick([invoice_from_qbo(r, tax_names) for r in rows], ours, foreign_ok=False)


def _pick(records: list[Any], ours: str, foreign_ok: bool) -> Found | None:
    mine = [rec for rec in records if find_marker(rec.marker) == ours]
    # Our invoice re-created after a void shares its number with the voided copy (§4
    # allowduplicatedocnum): the live one is the record a send made, so it comes first.
    mine.sort(key=lambda rec: rec.state in (LedgerState.VOIDED, LedgerState.DELETED))
    if mine:
        return Found(record=mine[0], mine=True)
    if foreign_ok and records:
        return Found(record=records[0], mine=False)
    return None
