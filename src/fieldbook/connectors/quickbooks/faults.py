"""QBO's error boundary: every reply and transport failure becomes one of our error classes, with
QBO's code and field kept and a sentence a bookkeeper understands plus what to do about it.

Reference §2 (envelopes): a Fault may arrive with HTTP 200; 401/403 use a lower-case `fault`
envelope; throttles have come back as XML and as a legacy 403. §8 lists the codes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import httpx

from fieldbook.connectors.errors import (
    Conflict,
    DuplicateName,
    DuplicateNumber,
    LedgerError,
    NotFound,
    Permanent,
    ReconnectRequired,
    Retriable,
    Uncertain,
)
from fieldbook.connectors.limiter import retry_after_seconds

# code -> (class, plain-language message, fix, default field) — reference §8.
_CODES: dict[str, tuple[type[LedgerError], str, str, str]] = {
    "6240": (DuplicateName, "QuickBooks already has a customer, supplier or employee with this name.",
             "Link this customer to the existing QuickBooks record, or rename it.", "DisplayName"),
    "6140": (DuplicateNumber, "QuickBooks already has an invoice with this number.",
             "Fieldbook checks whether that invoice is its own; if not, renumber one of them.", "DocNumber"),
    "5010": (Conflict, "Someone changed this record in QuickBooks since Fieldbook last read it.",
             "Compare again to see both versions, then choose which to keep.", "SyncToken"),
    "610": (NotFound, "QuickBooks cannot find this record or something it refers to (it may be deleted "
            "or made inactive).", "Reactivate it in QuickBooks or pick another in Settings, then sync again.", ""),
    "2500": (Permanent, "This record refers to something QuickBooks does not have (an item, tax code or "
             "customer).", "Check the mappings in Settings, then sync again.", ""),
    "1040": (Permanent, "QuickBooks refused the batch as too large; nothing in it was saved.",
             "Fieldbook sends smaller batches automatically.", ""),
    "6070": (Permanent, "A line's amount does not equal its quantity times its unit price.",
             "Check the line's quantity, price and discount.", "Line.Amount"),
    "2290": (Permanent, "QuickBooks does not accept negative line amounts on an invoice.",
             "Raise a credit note for the refund instead of a negative line.", "Line.Amount"),
    "2020": (Permanent, "A required value is missing.", "Fill in the missing value and sync again.", ""),
    "2040": (Permanent, "A name or text contains characters QuickBooks does not allow (colon, tab or new line).",
             "Remove those characters and sync again.", ""),
    "2050": (Permanent, "A value is longer than QuickBooks allows.", "Shorten it and sync again.", ""),
    "2210": (Permanent, "The email address is not valid.", "Correct the email address.", "PrimaryEmailAddr"),
    "6000": (Permanent, "QuickBooks refused this record.", "Read QuickBooks' explanation below.", ""),
    "6080": (Permanent, "The customer has no name.", "Give the customer a name.", "DisplayName"),
    "6100": (Permanent, "A US company needs each line marked taxable or non-taxable.",
             "Map every tax code to TAX or NON in Settings.", "TaxCodeRef"),
    "6170": (Permanent, "Tax details were sent with tax set to not applicable.", "Check the tax settings.", ""),
    "6200": (Permanent, "The books are closed for this date in QuickBooks.",
             "Change the date or ask the accountant to reopen the period.", "TxnDate"),
    "6210": (Permanent, "The books are closed for this date in QuickBooks.",
             "Change the date or ask the accountant to reopen the period.", "TxnDate"),
    "6540": (Permanent, "This invoice's payment has been deposited, so QuickBooks will not change it.",
             "Leave it as it is, or undo the deposit in QuickBooks first.", ""),
    "3200": (ReconnectRequired, "QuickBooks no longer accepts Fieldbook's sign-in.",
             "Reconnect to QuickBooks in Settings; queued work is kept.", ""),
    "3100": (ReconnectRequired, "This QuickBooks company no longer authorises Fieldbook.",
             "Reconnect to QuickBooks in Settings.", ""),
    "120": (ReconnectRequired, "The QuickBooks user who connected Fieldbook lost access.",
            "Reconnect with a user who has admin access.", ""),
    "6190": (ReconnectRequired, "The QuickBooks subscription for this company has ended.",
             "Renew the subscription, then reconnect.", ""),
    "3001": (Retriable, "QuickBooks asked Fieldbook to slow down.", "Nothing to do: Fieldbook waits and retries.", ""),
    "10000": (Retriable, "QuickBooks had an internal error.", "Nothing to do: Fieldbook retries.", ""),
}

_THROTTLE = re.compile(r"ThrottleExceeded|errorCode=003001|statusCode=429", re.I)
_XML_ERROR = re.compile(r'<Error[^>]*code="(\d+)"[^>]*>(.*?)</Error>', re.S)
_XML_TAG = re.compile(r"<(Message|Detail)>(.*?)</\1>", re.S)


def loads(content: bytes) -> Any:
    """QBO JSON with money kept exact (Money principle: never float)."""
    return json.loads(content, parse_float=Decimal)


def classify_error(error: Mapping[str, Any], status: int | None, headers: Mapping[str, str] | None = None,
                   extra: int = 0) -> LedgerError:
    """One QBO `Error` object (either envelope's spelling) to our class."""
    code = str(error.get("code") or error.get("Code") or "").lstrip("0") or "0"
    ledger_message = str(error.get("Message") or error.get("message") or "")
    detail = str(error.get("Detail") or error.get("detail") or "")
    element = str(error.get("element") or "")
    if _THROTTLE.search(ledger_message) or code == "3001":
        code = "3001"
    kind, message, fix, default_field = _CODES.get(
        code, (Permanent, "QuickBooks refused this record.", "Read QuickBooks' explanation below.", "")
    )
    if code == "2020" and detail:
        message = f"A required value is missing: {detail}"
    if extra:
        message += f" ({extra} more error{'s' if extra > 1 else ''} from QuickBooks.)"
    kw: dict[str, Any] = {
        "code": code, "field": element or default_field, "fix": fix, "status": status,
        "detail": "; ".join(part for part in (ledger_message, detail) if part),
    }
    if kind is Retriable:
        after = retry_after_seconds(headers or {})
        return Retriable(message, retry_after=after, **kw)
    return kind(message, **kw)


def fault_error(fault: Mapping[str, Any], status: int | None, headers: Mapping[str, str] | None = None) -> LedgerError:
    """A Fault with several Errors (e.g. one 6140 + two 2020) is reported by its first error, the
    others counted in the message and kept in `detail`."""
    errors = fault.get("Error") or fault.get("error") or []
    if not errors:
        return Permanent("QuickBooks refused the request without saying why.", code="0", status=status)
    first = classify_error(errors[0], status, headers, extra=len(errors) - 1)
    for other in errors[1:]:
        first.detail += f" | {other.get('code', '')}: {other.get('Detail') or other.get('detail') or ''}"
    return first


def response_error(response: httpx.Response) -> LedgerError | None:
    """The whole-response error, or None when the body is a normal reply (batch items still need
    their own check)."""
    status = response.status_code
    headers = {k.lower(): v for k, v in response.headers.items()}
    content = response.content or b""
    text = content.decode("utf-8", "replace")
    if content.lstrip().startswith(b"<"):
        # XML even with Accept: application/json (§2: throttle replies).
        match = _XML_ERROR.search(text)
        if match:
            parts = dict(_XML_TAG.findall(match.group(2)))
            return classify_error({"code": match.group(1), "Message": parts.get("Message", ""),
                                   "Detail": parts.get("Detail", "")}, status, headers)
        if status < 400:
            return Permanent("QuickBooks answered in an unexpected format.", code="0", status=status)
    body: Any = None
    try:
        body = loads(content) if content else None
    except ValueError:
        body = None
    if isinstance(body, dict):
        fault = body.get("Fault") or body.get("fault")
        if isinstance(fault, dict):
            error = fault_error(fault, status, headers)
            if status == 403 and error.code not in ("3001", "3100", "120"):
                return ReconnectRequired("QuickBooks refused access to this company.", code=error.code,
                                         detail=error.detail, fix="Reconnect to QuickBooks in Settings.",
                                         status=status)
            return error
    if status < 400:
        return None if isinstance(body, dict) else Permanent(
            "QuickBooks answered in an unexpected format.", code="0", status=status)
    return status_error(status, headers, text)


def status_error(status: int, headers: Mapping[str, str], text: str) -> LedgerError:
    if status == 429 or _THROTTLE.search(text):
        return classify_error({"code": "3001", "Message": text[:200]}, status, headers)
    if status == 401:
        return classify_error({"code": "3200", "Message": text[:200]}, status, headers)
    if status == 403:
        return classify_error({"code": "3100", "Message": text[:200]}, status, headers)
    if status in (502, 503, 504):
        # Gateway and unavailable replies come before processing (DESIGN "Errors": 503 before
        # processing is Retriable).
        return Retriable("QuickBooks is unavailable for a moment.", code=str(status), status=status,
                         retry_after=retry_after_seconds(headers), fix="Nothing to do: Fieldbook retries.")
    if status >= 500:
        # 500 may have committed: a write is resolved by lookup (reference §2: "500 retry once").
        return Uncertain("QuickBooks had an internal error; the change may or may not have been saved.",
                         code=str(status), status=status, fix="Fieldbook checks the ledger before resending.")
    if status == 404:
        return NotFound("QuickBooks cannot find this record.", code="404", status=status)
    return Permanent("QuickBooks refused the request.", code=str(status), status=status, detail=text[:300])


def transport_error(exc: httpx.TransportError) -> LedgerError:
    """Before the request left (connect, pool) nothing was committed; after, it may have been."""
    if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout):
        return Retriable("Could not reach QuickBooks.", code="connect", fix="Nothing to do: Fieldbook retries.")
    return Uncertain("The connection to QuickBooks broke after the request was sent; it may have been saved.",
                     code=type(exc).__name__, fix="Fieldbook checks the ledger before resending.")
