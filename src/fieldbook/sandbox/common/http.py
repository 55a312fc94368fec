"""Minimal request/response objects over WSGI, shared by every ledger's emulator."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlencode

from fieldbook.sandbox.common import jsonutil

StartResponse = Callable[..., Any]
WSGIEnviron = dict[str, Any]

REASONS = {
    200: "OK", 204: "No Content", 302: "Found", 303: "See Other", 400: "Bad Request", 401: "Unauthorized",
    403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed", 409: "Conflict", 429: "Too Many Requests",
    500: "Internal Server Error", 503: "Service Unavailable",
}

# Set in the WSGI environ by the transport or the server: the fault chosen for this request
# (or None). When absent, the app chooses itself (the app mounted in some other server).
FAULT_ENVIRON_KEY = "fieldbook.sandbox.fault"


@dataclass
class Request:
    method: str
    path: str
    query_string: str
    headers: dict[str, str]
    body: bytes
    host: str
    scheme: str
    environ: WSGIEnviron = field(default_factory=dict)

    @classmethod
    def from_environ(cls, environ: WSGIEnviron) -> Request:
        length = environ.get("CONTENT_LENGTH") or "0"
        try:
            size = int(length)
        except ValueError:
            size = 0
        body = environ["wsgi.input"].read(size) if size > 0 else b""
        headers = {key[5:].replace("_", "-").lower(): str(value)
                   for key, value in environ.items() if key.startswith("HTTP_")}
        if environ.get("CONTENT_TYPE"):
            headers["content-type"] = str(environ["CONTENT_TYPE"])
        host = headers.get("host") or f"{environ.get('SERVER_NAME', 'localhost')}:{environ.get('SERVER_PORT', '80')}"
        raw_path = environ.get("PATH_INFO", "") or "/"
        # WSGI hands PATH_INFO over as latin-1 decoded bytes; undo that for UTF-8 paths.
        path = raw_path.encode("latin-1").decode("utf-8", "replace")
        return cls(
            method=str(environ.get("REQUEST_METHOD", "GET")).upper(),
            path=path,
            query_string=str(environ.get("QUERY_STRING", "")),
            headers=headers,
            body=body,
            host=host,
            scheme=str(environ.get("wsgi.url_scheme", "http")),
            environ=environ,
        )

    @property
    def args(self) -> dict[str, list[str]]:
        return parse_qs(self.query_string, keep_blank_values=True)

    def arg(self, name: str) -> str | None:
        values = self.args.get(name)
        return values[0] if values else None

    @property
    def target(self) -> str:
        return f"{self.path}?{self.query_string}" if self.query_string else self.path

    @property
    def base_url(self) -> str:
        return f"{self.scheme}://{self.host}"

    def form(self) -> dict[str, str]:
        parsed = parse_qs(self.body.decode("utf-8", "replace"), keep_blank_values=True)
        return {key: values[0] for key, values in parsed.items()}

    def json(self) -> Any:
        return jsonutil.loads(self.body) if self.body.strip() else None


@dataclass
class Response:
    status: int = 200
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)

    @classmethod
    def json(cls, payload: Any, status: int = 200, headers: Iterable[tuple[str, str]] = ()) -> Response:
        return cls(status, jsonutil.dumps(payload).encode("utf-8"),
                   [("Content-Type", "application/json;charset=UTF-8"), *headers])

    @classmethod
    def html(cls, text: str, status: int = 200) -> Response:
        return cls(status, text.encode("utf-8"), [("Content-Type", "text/html; charset=utf-8")])

    @classmethod
    def text(cls, text: str, status: int = 200, content_type: str = "text/plain; charset=utf-8") -> Response:
        return cls(status, text.encode("utf-8"), [("Content-Type", content_type)])

    @classmethod
    def redirect(cls, url: str) -> Response:
        return cls(302, b"", [("Location", url)])

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None

    def to_wsgi(self, start_response: StartResponse) -> list[bytes]:
        reason = REASONS.get(self.status, "Unknown")
        headers = [*self.headers, ("Content-Length", str(len(self.body)))]
        start_response(f"{self.status} {reason}", headers)
        return [self.body]

    def to_record(self) -> dict[str, Any]:
        """A JSON-able copy (for requestid replays kept in the store)."""
        return {"status": self.status, "body": self.body.decode("utf-8"), "headers": [list(h) for h in self.headers]}

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Response:
        return cls(int(record["status"]), str(record["body"]).encode("utf-8"),
                   [(str(k), str(v)) for k, v in record["headers"]])


def with_query(url: str, params: dict[str, str]) -> str:
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}{urlencode(params)}"


def json_error(message: str, status: int = 400) -> Response:
    return Response(status, json.dumps({"error": message}).encode(), [("Content-Type", "application/json")])
