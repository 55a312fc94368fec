"""Xero's error bodies (ref §4) and the API's problem responses."""

from __future__ import annotations

from typing import Any

from fieldbook.sandbox.common.http import Response

ZERO_ID = "00000000-0000-0000-0000-000000000000"


class XeroError(Exception):
    """A whole-request failure with its HTTP response."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.body.decode("utf-8", "replace"))
        self.response = response


class Invalid(Exception):
    """One element's validation messages (collected, not raised per field)."""

    def __init__(self, *messages: str) -> None:
        super().__init__("; ".join(messages))
        self.messages = list(messages)


def validation_exception(elements: list[dict[str, Any]]) -> Response:
    return Response.json({"ErrorNumber": 10, "Type": "ValidationException",
                          "Message": "A validation exception occurred", "Elements": elements}, status=400)


def no_data() -> XeroError:
    return XeroError(Response.json({"ErrorNumber": 17, "Type": "NoDataProcessedException",
                                    "Message": "No data has been processed for this endpoint"}, status=400))


def bad_request(message: str) -> XeroError:
    # UNCONFIRMED body for malformed requests; the ValidationException envelope without elements.
    return XeroError(Response.json({"ErrorNumber": 10, "Type": "ValidationException", "Message": message,
                                    "Elements": []}, status=400))


def query_error(message: str) -> XeroError:
    return XeroError(Response.json({"ErrorNumber": 16, "Type": "QueryParseException", "Message": message},
                                   status=400))


def problem(status: int, title: str, detail: str) -> Response:
    return Response.json({"Type": None, "Title": title, "Status": status, "Detail": detail, "Instance": None,
                          "Extensions": {}}, status=status)


def not_found() -> XeroError:
    return XeroError(problem(404, "Not Found", "The resource you're looking for cannot be found"))


def forbidden(detail: str = "AuthenticationUnsuccessful") -> Response:
    return problem(403, "Forbidden", detail)
