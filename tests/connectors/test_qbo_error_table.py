"""Every error body quoted in the QBO reference sheet goes through the boundary and comes out with
the right class, code and field, a plain-language message and a fix."""

from __future__ import annotations

import json

import httpx
import pytest

from fieldbook.connectors import errors
from fieldbook.connectors.quickbooks import faults


def fault(code: str, message: str, detail: str = "", element: str = "", kind: str = "ValidationFault") -> bytes:
    return json.dumps({"Fault": {"Error": [{"Message": message, "Detail": detail, "code": code,
                                            "element": element}], "type": kind},
                       "time": "2017-09-29T09:17:31.892-07:00"}).encode()


XML_THROTTLE = b"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<IntuitResponse xmlns="http://schema.intuit.com/finance/v3" time="2017-03-01T10:00:00.000-08:00">
<Fault type="SERVICE"><Error code="3001"><Message>message=ThrottleExceeded; errorCode=003001; statusCode=429</Message>
  <Detail>The request limit was reached.  Try again later</Detail></Error></Fault></IntuitResponse>"""

LOWER_401 = json.dumps({"warnings": None, "intuitObject": None, "fault": {"error": [{
    "message": "message=AuthenticationFailed; errorCode=003200; statusCode=401",
    "detail": "Token expired: eyJ...", "code": "3200", "element": None}], "type": "AUTHENTICATION"},
    "time": 1730024394085}).encode()

LOWER_403 = json.dumps({"fault": {"error": [{
    "message": "message=ApplicationAuthorizationFailed; errorCode=003100; statusCode=403", "code": "3100"}]}}).encode()

LEGACY_403_THROTTLE = json.dumps({"Fault": {"Error": [{
    "Message": "message=ThrottleExceeded; errorCode=003001; statusCode=429",
    "Detail": "The request limit was reached.  Try again later", "code": "3001"}], "type": "SERVICE"}}).encode()

CASES = [
    # (name, status, body, class, code, field)
    ("200 with Fault (6240)", 200, fault("6240", "Duplicate Name Exists Error", "The name supplied already exists."),
     errors.DuplicateName, "6240", "DisplayName"),
    ("XML 3001 throttle", 429, XML_THROTTLE, errors.Retriable, "3001", ""),
    ("legacy 403 throttle", 403, LEGACY_403_THROTTLE, errors.Retriable, "3001", ""),
    ("lower-case 401 fault", 401, LOWER_401, errors.ReconnectRequired, "3200", ""),
    ("lower-case 403 fault", 403, LOWER_403, errors.ReconnectRequired, "3100", ""),
    ("5010 stale", 400, fault("5010", "Stale Object Error", "You and Jo were working on this at the same time."),
     errors.Conflict, "5010", "SyncToken"),
    ("6240 duplicate name", 400, fault("6240", "Duplicate Name Exists Error", "The name supplied already exists."),
     errors.DuplicateName, "6240", "DisplayName"),
    ("6140 duplicate number", 400, fault("6140", "Duplicate Document Number Error", "Duplicate Document Number"),
     errors.DuplicateNumber, "6140", "DocNumber"),
    ("610 not found", 400, fault("610", "Object Not Found", "Something you're trying to use has been made inactive."),
     errors.NotFound, "610", ""),
    ("1040 batch too big", 400, fault("1040", "Batch size exceeds allowed limit", ""), errors.Permanent, "1040", ""),
    ("6070 amount", 400, fault("6070", "Amount calculation incorrect", "Amount is not equal to UnitPrice * Qty"),
     errors.Permanent, "6070", "Line.Amount"),
    ("2290 negative", 400, fault("2290", "Negative line amount", "Amount can not be negative", element="Line.Amount"),
     errors.Permanent, "2290", "Line.Amount"),
    ("2020 with element", 400, fault("2020", "Required param missing",
                                     "Required parameter Line is missing in the request", element="Line"),
     errors.Permanent, "2020", "Line"),
    ("503", 503, b"Service Unavailable", errors.Retriable, "503", ""),
    ("500", 500, b"", errors.Uncertain, "500", ""),
]


@pytest.mark.parametrize(("name", "status", "body", "cls", "code", "field"), CASES, ids=[c[0] for c in CASES])
def test_error_table(name: str, status: int, body: bytes, cls: type, code: str, field: str) -> None:
    response = httpx.Response(status, content=body, headers={"Content-Type": "application/json"})
    error = faults.response_error(response)
    assert type(error) is cls
    assert error.code == code
    assert error.field == field
    # Plain language: no vendor jargon in the sentence, a fix to act on, the vendor's words kept.
    assert error.message and "errorCode" not in error.message and "Fault" not in error.message
    assert error.fix
    if body and code not in ("503", "500"):
        assert error.detail


def test_throttle_carries_retry_after_when_given() -> None:
    response = httpx.Response(429, content=XML_THROTTLE, headers={"Retry-After": "7"})
    error = faults.response_error(response)
    assert isinstance(error, errors.Retriable) and error.retry_after == 7.0


def test_several_errors_are_all_kept() -> None:
    body = json.dumps({"Fault": {"Error": [
        {"Message": "Duplicate Document Number Error", "code": "6140"},
        {"Message": "Required param missing", "Detail": "Required parameter CustomerRef is missing", "code": "2020"},
        {"Message": "Required param missing", "Detail": "Required parameter Line is missing", "code": "2020"},
    ], "type": "ValidationFault"}}).encode()
    error = faults.response_error(httpx.Response(400, content=body))
    assert isinstance(error, errors.DuplicateNumber)
    assert "2 more errors" in error.message
    assert "CustomerRef" in error.detail and "Line is missing" in error.detail


def test_normal_reply_is_not_an_error() -> None:
    body = b'{"QueryResponse": {}, "time": "2026-11-02T01:00:00.000-08:00"}'
    assert faults.response_error(httpx.Response(200, content=body)) is None


@pytest.mark.parametrize(("exc", "cls"), [
    (httpx.ConnectError("refused"), errors.Retriable),
    (httpx.ReadTimeout("slow"), errors.Uncertain),
    (httpx.RemoteProtocolError("reset"), errors.Uncertain),
])
def test_transport_errors(exc: httpx.TransportError, cls: type) -> None:
    assert type(faults.transport_error(exc)) is cls
