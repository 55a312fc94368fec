"""The OAuth endpoints' common steps, shared by every ledger's oauth.py: reading and checking a
consent request, the consent page's skeleton, client authentication, the token and revoke grants.

Each ledger keeps what is its own: paths, wording, which choices the page offers, where client
credentials may come from, and the shape of its error bodies (`OAuthError` is raised here and
turned into a response by the ledger).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from html import escape as e
from typing import Any, Protocol

from fieldbook.sandbox.common.http import Request, Response, with_query
from fieldbook.sandbox.common.tokens import OAuthError

Body = dict[str, Any]


class LedgerTokens(Protocol):
    """What a ledger's tokens module offers these endpoints."""

    def check_client(self, tree: dict[str, Any], client_id: str, client_secret: str | None = None) -> Any: ...

    def exchange_code(self, tree: dict[str, Any], client_id: str, code: str, redirect_uri: str,
                      now: datetime) -> Body: ...

    def refresh(self, tree: dict[str, Any], client_id: str, refresh_token: str, now: datetime) -> Body: ...

    def revoke_token(self, tree: dict[str, Any], client_id: str, token: str) -> None: ...


def error_page(message: str, title: str = "Authorization error") -> Response:
    return Response.html(f"<!doctype html><title>{title}</title><h1>{title}</h1><p>{e(message)}</p>", status=400)


@dataclass(frozen=True)
class ConsentRequest:
    """The parameters of a consent (authorize) request: the query of a GET, the form of a POST."""

    params: dict[str, str]
    client_id: str
    redirect_uri: str
    state: str
    scope: str

    @classmethod
    def read(cls, req: Request, default_scope: str = "") -> ConsentRequest:
        params = req.form() if req.method == "POST" else {k: v[0] for k, v in req.args.items()}
        return cls(params, params.get("client_id", ""), params.get("redirect_uri", ""), params.get("state", ""),
                   params.get("scope", default_scope))

    def refusal(self, req: Request, tree: dict[str, Any], tokens: LedgerTokens, title: str = "Authorization error",
                response_type_on_post: bool = False) -> Response | None:
        """The error page for an unknown client, no redirect_uri or a response_type other than code."""
        try:
            tokens.check_client(tree, self.client_id)
        except OAuthError:
            return error_page(f"Unknown client_id {self.client_id!r}.", title)
        if not self.redirect_uri:
            return error_page("redirect_uri is required.", title)
        checked = req.method == "GET" or response_type_on_post
        if checked and self.params.get("response_type", "code") != "code":
            return error_page("response_type must be code.", title)
        return None

    def denied(self, req: Request) -> Response | None:
        """The redirect back with access_denied when the user pressed Cancel, else None."""
        if req.method == "POST" and self.params.get("decision") == "deny":
            return Response.redirect(with_query(self.redirect_uri, {"error": "access_denied", "state": self.state}))
        return None

    def approved(self, req: Request, decision: str) -> bool:
        """The user pressed the approve button (its value is `decision`), or the sandbox-only shortcut."""
        return (req.method == "POST" and self.params.get("decision") == decision) \
            or self.params.get("fieldbook_approve") == "1"


def choices(kind: str, name: str, items: Iterable[tuple[str, str]]) -> str:
    """Radio buttons or checkboxes (`kind`), one per (value, label), the first checked."""
    return "\n".join(
        f'<label><input type="{kind}" name="{e(name)}" value="{e(key)}"{" checked" if i == 0 else ""}> '
        f"{e(label)} <small>({e(key)})</small></label><br>" for i, (key, label) in enumerate(items))


def page(title: str, heading: str, intro: str, action: str, hidden: Iterable[tuple[str, str]],
                 legend: str, options: str, approve: tuple[str, str]) -> str:
    """The page; `intro` and `options` are HTML, `approve` is the button's (value, label)."""
    fields = "".join(f'<input type="hidden" name="{e(k)}" value="{e(v)}">' for k, v in hidden)
    value, label = approve
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{e(title)}</title></head>
<body><h1>{e(heading)}</h1>
{intro}
<form method="post" action="{e(action)}">
{fields}
<fieldset><legend>{e(legend)}</legend>
{options}
</fieldset>
<button type="submit" name="decision" value="{value}" id="{value}">{e(label)}</button>
<button type="submit" name="decision" value="deny" id="deny">Cancel</button>
</form></body></html>"""


def basic_credentials(req: Request) -> tuple[str, str] | None:
    """(client_id, secret) from an HTTP Basic header; None without one or when it is malformed."""
    header = req.headers.get("authorization", "")
    if not header.lower().startswith("basic "):
        return None
    try:
        decoded = base64.b64decode(header[6:].strip()).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, _, secret = decoded.partition(":")
    return client_id, secret


def form_credentials(form: dict[str, str]) -> tuple[str, str] | None:
    if form.get("client_id"):
        return form.get("client_id", ""), form.get("client_secret", "")
    return None


def authenticate(tokens: LedgerTokens, tree: dict[str, Any], credentials: tuple[str, str] | None,
                 missing_status: int = 401) -> str:
    """The client id, once its credentials are checked; else OAuthError invalid_client."""
    if credentials is None:
        raise OAuthError("invalid_client", "Client authentication required", status=missing_status)
    tokens.check_client(tree, *credentials)
    return credentials[0]


def _unsupported(grant_type: str) -> OAuthError:
    return OAuthError("unsupported_grant_type", f"Unsupported grant_type {grant_type!r}")


def grant(tokens: LedgerTokens, tree: dict[str, Any], form: dict[str, str], credentials: tuple[str, str] | None,
          now: datetime, missing_status: int = 401,
          unsupported: Callable[[str], OAuthError] = _unsupported) -> Body:
    """The token endpoint's body (authorization_code or refresh_token grant), or OAuthError."""
    client_id = authenticate(tokens, tree, credentials, missing_status)
    grant_type = form.get("grant_type", "")
    if grant_type == "authorization_code":
        return tokens.exchange_code(tree, client_id, form.get("code", ""), form.get("redirect_uri", ""), now)
    if grant_type == "refresh_token":
        return tokens.refresh(tree, client_id, form.get("refresh_token", ""), now)
    raise unsupported(grant_type)


def revoke(tokens: LedgerTokens, tree: dict[str, Any], credentials: tuple[str, str] | None, token: Any,
           missing_status: int = 401) -> None:
    """Revoke the grant of `token` (any token of it), or OAuthError."""
    client_id = authenticate(tokens, tree, credentials, missing_status)
    if not token:
        raise OAuthError("invalid_request", "token is required")
    tokens.revoke_token(tree, client_id, str(token))


def no_store(body: Body) -> Response:
    return Response.json(body, headers=[("Cache-Control", "no-store")])


def revoked() -> Response:
    return Response(200, b"", [("Content-Type", "application/json")])
