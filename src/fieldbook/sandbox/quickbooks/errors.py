"""QBO fault envelopes and the validation errors the emulator raises (ref §2, §8)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from fieldbook.sandbox.common.http import Response
from fieldbook.sandbox.quickbooks.timefmt import epoch_ms, qbo_time


@dataclass
class QboErrorItem:
    code: str
    message: str
    detail: str = ""
    element: str = ""

    def to_json(self) -> dict[str, Any]:
        # ref §2: `code` is a string; Message, Detail, code, element as in the XSD `Error`.
        return {"Message": self.message, "Detail": self.detail, "code": self.code, "element": self.element}


@dataclass
class QboError(Exception):
    """One or more errors of one Fault; raised by validation, turned into HTTP 400 (or a batch item Fault)."""

    errors: list[QboErrorItem] = field(default_factory=list)
    status: int = 400
    fault_type: str = "ValidationFault"

    def fault(self) -> dict[str, Any]:
        return {"Error": [e.to_json() for e in self.errors], "type": self.fault_type}

    @property
    def code(self) -> str:
        return self.errors[0].code if self.errors else ""


def error(code: str, message: str, detail: str = "", element: str = "", status: int = 400,
          fault_type: str = "ValidationFault") -> QboError:
    return QboError([QboErrorItem(code, message, detail, element)], status, fault_type)


class Collector:
    """Gathers several errors so one Fault can carry them all (ref §2: e.g. 6140 + two 2020)."""

    def __init__(self) -> None:
        self.items: list[QboErrorItem] = []

    def add(self, exc: QboError) -> None:
        self.items.extend(exc.errors)

    def raise_if_any(self) -> None:
        if self.items:
            raise QboError(list(self.items))


# ---- the catalogue (ref §8); wording marked UNCONFIRMED in the reference is our best guess ----

def duplicate_name() -> QboError:
    return error("6240", "Duplicate Name Exists Error",
                 "The name supplied already exists. : Another customer, vendor or employee is already "
                 "using this name. Please use a different name.")


def stale_object() -> QboError:
    return error("5010", "Stale Object Error",
                 "Stale Object Error : You and Sandbox User were working on this at the same time. "
                 "Sandbox User finished before you did, so your work was not saved.")


def duplicate_doc_number(doc_number: str) -> QboError:
    return error("6140", "Duplicate Document Number Error",
                 f"Duplicate Document Number Error : You must specify a different number. "
                 f"This number has already been used. DocNumber={doc_number}", "DocNumber")


def invalid_reference(element: str, value: str) -> QboError:
    return error("2500", "Invalid Reference Id",
                 f"Invalid Reference Id : {element} assigned is not valid: {value}", element)


def not_found(what: str = "Object") -> QboError:
    return error("610", "Object Not Found",
                 f"Object Not Found : Something you're trying to use has been made inactive. Check the "
                 f"fields with accounts, customers, items, vendors or employees. ({what})")


def missing(element: str, what: str | None = None) -> QboError:
    return error("2020", "Required param missing, need to supply the required value for the API",
                 f"Required parameter {what or element} is missing in the request", element)


def invalid_string(element: str) -> QboError:
    return error("2040", "Invalid String",
                 f"{element} must not contain colon (:), tab (\\t) or newline (\\n) characters", element)


def bad_length(element: str, maximum: int, supplied: int) -> QboError:
    return error("2050", "String length is either shorter or longer than supported by specification",
                 f"Min:0 Max:{maximum} supported. Supplied length:{supplied}", element)


def amount_calculation(element: str = "Line.Amount") -> QboError:
    return error("6070", "Amount calculation incorrect in the request",
                 "Amount is not equal to UnitPrice * Qty.", element)


def negative_amount(element: str = "Line.Amount") -> QboError:
    return error("2290", "Invalid amount", "Amount must not be negative.", element)


def bad_email(element: str) -> QboError:
    return error("2210", "Invalid Email Address format",
                 "Email Address does not conform to the syntax rules of RFC 822.", element)


def no_name() -> QboError:
    return error("6080", "No Name Provided",
                 "Provide a display name or at least one of Title, GivenName, MiddleName, FamilyName, Suffix.")


def business(detail: str, element: str = "") -> QboError:
    return error("6000", "A business validation error has occurred while processing your request",
                 f"Business Validation Error: {detail}", element)


def us_tax_code() -> QboError:
    return error("6100", "Invalid tax code", "For US, specify TAX or NON as the TaxCodeRef of a line.",
                 "TaxCodeRef")


def unsupported_property(name: str, entity: str) -> QboError:
    return error("2010", "Request has invalid or unsupported property",
                 f"Property Name:Unrecognized field \"{name}\" (class {entity}), not marked as ignorable", name)


def invalid_value(element: str, value: Any) -> QboError:
    return error("2010", "Request has invalid or unsupported property",
                 f"Property Name:{element} specified is unsupported or invalid: {value}", element)


def batch_too_large(limit: int) -> QboError:
    return error("1040", "Batch size exceeds allowed limit",
                 f"Batch size exceeds allowed limit. Max batch items allowed is {limit}.")


def duplicate_request_id(request_id: str) -> QboError:
    return error("600", "Duplicate Request ID",
                 f"Duplicate Request ID: {request_id} was used before with a different request.")


def query_parser(detail: str) -> QboError:
    return error("4000", "Error parsing query", f"QueryParserError: {detail}")


def unsupported_operation(detail: str) -> QboError:
    return error("500", "Unsupported Operation", detail)


def fault_envelope(exc: QboError, now: datetime) -> dict[str, Any]:
    return {"Fault": exc.fault(), "time": qbo_time(now)}


def fault_response(exc: QboError, now: datetime) -> Response:
    return Response.json(fault_envelope(exc, now), status=exc.status)


def auth_failure(now: datetime, detail: str) -> Response:
    """ref §2: 401 uses a different, lower-case envelope, `time` in epoch ms."""
    body = {"warnings": None, "intuitObject": None, "fault": {"error": [{
        "message": "message=AuthenticationFailed; errorCode=003200; statusCode=401",
        "detail": detail, "code": "3200", "element": None}], "type": "AUTHENTICATION"}, "time": epoch_ms(now)}
    return Response.json(body, status=401, headers=[("WWW-Authenticate", 'Bearer realm="Intuit"')])


def authorization_failure(now: datetime, detail: str = "") -> Response:
    body = {"warnings": None, "intuitObject": None, "fault": {"error": [{
        "message": "message=ApplicationAuthorizationFailed; errorCode=003100; statusCode=403",
        "detail": detail, "code": "3100", "element": None}], "type": "AUTHORIZATION"}, "time": epoch_ms(now)}
    return Response.json(body, status=403)


THROTTLE_MESSAGE = "message=ThrottleExceeded; errorCode=003001; statusCode=429"
THROTTLE_DETAIL = "The request limit was reached.  Try again later"


def throttled(now: datetime, variant: str = "json", retry_after: int | None = None) -> Response:
    """ref §9: 429 + Fault 3001; the XML body (ref §2) and the older 403 form are switches."""
    extra = [("Retry-After", str(retry_after))] if retry_after is not None else []
    if variant == "xml":
        xml = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
               f'<IntuitResponse xmlns="http://schema.intuit.com/finance/v3" time="{qbo_time(now)}">'
               f'<Fault type="SERVICE"><Error code="3001"><Message>{THROTTLE_MESSAGE}</Message>'
               f'<Detail>{THROTTLE_DETAIL}</Detail></Error></Fault></IntuitResponse>')
        return Response(429, xml.encode(), [("Content-Type", "application/xml"), *extra])
    exc = error("3001", THROTTLE_MESSAGE, THROTTLE_DETAIL, fault_type="SERVICE")
    status = 403 if variant == "legacy403" else 429
    return Response.json(fault_envelope(exc, now), status=status, headers=extra)


def system_failure(now: datetime, status: int) -> Response:
    if status == 503:
        exc = error("10000", "Service Unavailable", "The service is temporarily unavailable. Try again later.",
                    fault_type="SystemFault")
    else:
        exc = error("10000", "An application error has occurred while processing your request",
                    "System Failure Error: An unexpected error occurred while accessing or saving your data.",
                    fault_type="SystemFault")
    return Response.json(fault_envelope(exc, now), status=status)
