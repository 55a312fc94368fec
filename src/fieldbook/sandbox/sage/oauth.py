"""OAuth endpoints of the Sage sandbox (ref §2), under the `/sage` prefix:

- GET|POST /oauth2/auth/central   consent page: choose the business, Allow (callback ?code&state)
- POST     /token                 form body: authorization_code or refresh_token grant
- POST     /revoke                form body token=<refresh token> (revokes the whole grant)

Client credentials go in the form body as Sage's sample sends them; HTTP Basic is accepted too.
Sandbox-only: `...&fieldbook_approve=1[&business_id=...]` approves without a browser, as does
the control call approve_consent (`fieldbook connect sage --local-sandbox`).
"""

from __future__ import annotations

import html
from datetime import datetime
from typing import Any

from fieldbook.sandbox.common import consent
from fieldbook.sandbox.common.http import Request, Response, with_query
from fieldbook.sandbox.sage import tokens

PREFIX = "/sage"


def approval_url(tree: dict[str, Any], client_id: str, redirect_uri: str, state: str, business_id: str,
                 scope: str, now: datetime) -> str:
    tokens.check_client(tree, client_id)
    code = tokens.create_code(tree, client_id, redirect_uri, business_id, scope, now)
    return with_query(redirect_uri, {"code": code, "state": state})


TITLE = "Authorisation error"


def authorize(req: Request, tree: dict[str, Any], businesses: list[tuple[str, str]], now: datetime) -> Response:
    ask = consent.ConsentRequest.read(req, "full_access")
    refused = ask.refusal(req, tree, tokens, TITLE)
    if refused is not None:
        return refused
    if ask.scope not in tokens.SCOPES:
        return consent.error_page(f"scope must be one of {', '.join(tokens.SCOPES)}.", TITLE)
    ids = [key for key, _ in businesses]
    chosen = ask.params.get("business_id") or (ids[0] if ids else "")
    denied = ask.denied(req)
    if denied is not None:
        return denied
    if ask.approved(req, "allow"):
        if chosen not in ids:
            return consent.error_page(f"Unknown business {chosen!r}.", TITLE)
        return Response.redirect(approval_url(tree, ask.client_id, ask.redirect_uri, ask.state, chosen, ask.scope,
                                              now))
    access = "read and change" if ask.scope == "full_access" else "read"
    return Response.html(consent.page(
        "Sign in to Sage Accounting (sandbox)", "Allow access to Sage Accounting",
        f"<p>The app <strong>{html.escape(ask.client_id)}</strong> wants to {access} your business's accounting "
        "data.</p>", f"{PREFIX}/oauth2/auth/central",
        (("client_id", ask.client_id), ("redirect_uri", ask.redirect_uri), ("state", ask.state),
         ("scope", ask.scope)), "Choose a business", consent.choices("radio", "business_id", businesses),
        ("allow", "Allow")))


def _credentials(req: Request, form: dict[str, str]) -> tuple[str, str] | None:
    # Sage's sample sends the client credentials in the form body; HTTP Basic is accepted too.
    return consent.form_credentials(form) or consent.basic_credentials(req)


def _oauth_error(exc: tokens.OAuthError) -> Response:
    body = {"error": exc.error}
    if exc.description:
        body["error_description"] = exc.description
    return Response.json(body, status=exc.status)


def _invalid_grant(grant_type: str) -> tokens.OAuthError:
    return tokens.OAuthError("invalid_grant")  # ref §2: a bad grant type is invalid_grant too


def token(req: Request, tree: dict[str, Any], now: datetime) -> Response:
    form = req.form()
    try:
        body = consent.grant(tokens, tree, form, _credentials(req, form), now, unsupported=_invalid_grant)
    except tokens.OAuthError as exc:
        return _oauth_error(exc)
    return consent.no_store(body)


def refresh_token_row(req: Request, tree: dict[str, Any]) -> dict[str, Any] | None:
    """The stored row of the refresh token this request presents (for token faults)."""
    row: dict[str, Any] | None = tokens.state(tree)["refresh"].get(req.form().get("refresh_token", ""))
    return row


def revoke(req: Request, tree: dict[str, Any]) -> Response:
    form = req.form()
    try:
        consent.revoke(tokens, tree, _credentials(req, form), form.get("token"))
    except tokens.OAuthError as exc:
        return _oauth_error(exc)
    return consent.revoked()
