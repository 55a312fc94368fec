"""Normal forms used to match and compare records across Fieldbook and a ledger.

Two jobs live here:
- matching keys: a customer's name and email as a person would judge them equal
  ("ACME Ltd." and "Acme Limited" are the same firm; "Smith & Sons" and "Smith and Sons" too);
- field values: each synced field rendered as a plain string, so the values stored at the last
  sync (JSON in the database) can be compared with today's record without caring whether a
  quantity came back as 5, 5.0 or 5.00.
"""

from __future__ import annotations

import unicodedata
from datetime import date, datetime
from decimal import Decimal

from fieldbook.connectors.records import Address, CustomerRecord, InvoiceLine, InvoiceRecord

Record = CustomerRecord | InvoiceRecord

# Legal-form words that mean the same firm; the user's books spell them either way.
_EQUIVALENT_WORDS = {"limited": "ltd", "&": "and"}


def name_key(name: str) -> str:
    """The matching form of a name: NFKC, casefolded, punctuation removed, whitespace collapsed,
    Ltd/Limited and &/and made equal. Empty names never match anything (caller checks)."""
    text = unicodedata.normalize("NFKC", name).casefold()
    # '&' is punctuation to Unicode, so it becomes a word before punctuation is dropped.
    text = text.replace("&", " and ")
    text = "".join(ch for ch in text if not unicodedata.category(ch).startswith("P"))
    words = [_EQUIVALENT_WORDS.get(word, word) for word in text.split()]
    return " ".join(words)


def email_key(email: str) -> str:
    """Emails compare case-insensitively; surrounding blanks are typing noise."""
    return unicodedata.normalize("NFKC", email).strip().casefold()


def decimal_text(value: Decimal) -> str:
    """5, 5.0 and 5.00 are one quantity; fixed-point so 100 never prints as 1E+2."""
    if value == 0:
        return "0"
    return format(value.normalize(), "f")


def _text(value: object) -> str:
    if isinstance(value, str):  # most fields: checked first
        return " ".join(value.split())
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return decimal_text(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Address):
        return _address_text(value)
    if isinstance(value, tuple):
        return "\n".join(_line_text(line) if isinstance(line, InvoiceLine) else _text(line) for line in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return " ".join(str(value).split())


def _address_text(address: Address) -> str:
    parts = (
        address.line1,
        address.line2,
        address.line3,
        address.city,
        address.region,
        address.postcode,
        address.country,
    )
    return " | ".join(" ".join(part.split()) for part in parts)


def _line_text(line: InvoiceLine) -> str:
    # Only what the ledger keeps about a line: our per-line net/tax results are our own maths
    # and are compared through the invoice totals instead.
    parts = (
        line.description,
        _text(line.quantity),
        _text(line.unit_price),
        line.tax_code,
        _text(line.discount_percent),
        line.item_code,
        "credit" if line.is_credit else "",
    )
    return " ; ".join(" ".join(part.split()) for part in parts)


def field_values(record: Record) -> dict[str, str]:
    """The synced fields of a record as strings: what a link stores as "values at last sync"."""
    return {name: _text(getattr(record, name)) for name in record.SYNCED_FIELDS}


_LABELS = {"number": "reference (number)"}


def field_label(name: str) -> str:
    return _LABELS.get(name, name.replace("_", " "))
