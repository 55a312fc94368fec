"""Sage error bodies (ref §10): a JSON array of {"$severity", "$dataCode", "$message", "$source"}.

The codes and wording of validation errors are UNCONFIRMED (ref §10); ours name the offending
attribute in `$source` (dotted, with list indexes: "invoice_lines[1].tax_amount").
"""

from __future__ import annotations

from dataclasses import dataclass, field

from fieldbook.sandbox.common.http import Response


@dataclass
class Problem:
    data_code: str
    message: str
    source: str = ""
    severity: str = "error"

    def to_json(self) -> dict[str, str]:
        return {"$severity": self.severity, "$dataCode": self.data_code, "$message": self.message,
                "$source": self.source}


@dataclass
class SageError(Exception):
    problems: list[Problem] = field(default_factory=list)
    status: int = 422
    headers: list[tuple[str, str]] = field(default_factory=list)

    def response(self) -> Response:
        return Response.json([p.to_json() for p in self.problems], status=self.status, headers=self.headers)


def error(data_code: str, message: str, source: str = "", status: int = 422) -> SageError:
    return SageError([Problem(data_code, message, source)], status)


def invalid(source: str, message: str) -> SageError:
    return error("RecordInvalid", message, source)


def required(source: str) -> SageError:
    return error("RecordInvalid", f"{source.rsplit('.', 1)[-1]} is required", source)


def not_found(what: str, key: str) -> SageError:
    return error("RecordNotFound", f"{what} {key} was not found", "", status=404)


def unauthorized(message: str = "Invalid or expired access token") -> SageError:
    return error("AuthorizationFailure", message, "", status=401)


def no_subscription() -> SageError:
    return error("AuthorizationFailure", "No active subscription. (MSE)", "", status=401)


def forbidden(message: str) -> SageError:
    return error("AccessDenied", message, "", status=403)


def throttled(retry_after: int | None = None) -> SageError:
    headers = [("Retry-After", str(retry_after))] if retry_after is not None else []
    return SageError([Problem("TooManyRequests", "Too many requests: the rate limit was exceeded")], 429,
                     headers)


def server_error(status: int) -> SageError:
    code = "InternalServerError" if status == 500 else "ServiceUnavailable"
    return error(code, "The service is temporarily unavailable" if status == 503 else "Internal server error",
                 "", status=status)


class Collector:
    """Several problems of one request answered together, as Sage's array allows."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, exc: SageError) -> None:
        self.problems.extend(exc.problems)

    def raise_if_any(self) -> None:
        if self.problems:
            raise SageError(list(self.problems))

