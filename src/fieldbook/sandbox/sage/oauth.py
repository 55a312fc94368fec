"""OAuth endpoints of the Sage sandbox (ref §2), under the `/sage` prefix:

- GET|POST /oauth2/auth/central   consent page: choose the business, Allow (callback ?code&state)
- POST     /token                 form body: authorization_code or refresh_token grant
- POST     /revoke                form body token=<refresh token> (revokes the whole grant)

Client credentials go in the form body as Sage's sample sends them; HTTP Basic is accepted too.
Sandbox-only: `...&fieldbook_approve=1[&business_id=...]` approves without a browser, as does
the control call approve_consent (`fieldbook connect sage --local-sandbox`).
"""

from __future__ import annotations

import base64
import binascii
import html
from datetime import datetime
from typing import Any

from fieldbook.sandbox.common.http import Request, Response, with_query
from fieldbook.sandbox.sage import tokens

PREFIX = "/sage"


def approval_url(tree: dict[str, Any], client_id: str, redirect_uri: str, state: str, business_id: str,
                 scope: str, now: datetime) -> str:
    tokens.check_client(tree, client_id)
    code = tokens.create_code(tree, client_id, redirect_uri, business_id, scope, now)
    return with_query(redirect_uri, {"code": code, "state": state})


def _consent_error(message: str) -> Response:
    return Response.html("<!doctype html><title>Authorisation error</title><h1>Authorisation error</h1>"
                         f"<p>{html.escape(message)}</p>", status=400)


def authorize(req: Request, tree: dict[str, Any], businesses: list[tuple[str, str]], now: datetime) -> Response:
    params = req.form() if req.method == "POST" else {k: v[0] for k, v in req.args.items()}
    client_id = params.get("client_id", "")
    redirect_uri = params.get("redirect_uri", "")
    state = params.get("state", "")
    scope = params.get("scope", "full_access")
    try:
        tokens.check_client(tree, client_id)
    except tokens.OAuthError:
        return _consent_error(f"Unknown client_id {client_id!r}.")
    if not redirect_uri:
        return _consent_error("redirect_uri is required.")
    if req.method == "GET" and params.get("response_type", "code") != "code":
        return _consent_error("response_type must be code.")
    if scope not in tokens.SCOPES:
        return _consent_error(f"scope must be one of {', '.join(tokens.SCOPES)}.")
    ids = [key for key, _ in businesses]
    chosen = params.get("business_id") or (ids[0] if ids else "")
    if req.method == "POST" and params.get("decision") == "deny":
        return Response.redirect(with_query(redirect_uri, {"error": "access_denied", "state": state}))
    if (req.method == "POST" and params.get("decision") == "allow") or params.get("fieldbook_approve") == "1":
        if chosen not in ids:
            return _consent_error(f"Unknown business {chosen!r}.")
        return Response.redirect(approval_url(tree, client_id, redirect_uri, state, chosen, scope, now))
    return Response.html(_consent_page(client_id, redirect_uri, state, scope, businesses))


def _consent_page(client_id: str, redirect_uri: str, state: str, scope: str,
                  businesses: list[tuple[str, str]]) -> str:
    e = html.escape
    options = "\n".join(
        f'<label><input type="radio" name="business_id" value="{e(key)}"{" checked" if i == 0 else ""}> '
        f"{e(name)} <small>({e(key)})</small></label><br>" for i, (key, name) in enumerate(businesses))
    hidden = "".join(f'<input type="hidden" name="{e(k)}" value="{e(v)}">' for k, v in
                     (("client_id", client_id), ("redirect_uri", redirect_uri), ("state", state), ("scope", scope)))
    access = "read and change" if scope == "full_access" else "read"
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sign in to Sage Accounting (sandbox)</title></head>
<body><h1>Allow access to Sage Accounting</h1>
<p>The app <strong>{e(client_id)}</strong> wants to {access} your business's accounting data.</p>
<form method="post" action="{e(PREFIX)}/oauth2/auth/central">
{hidden}
<fieldset><legend>Choose a business</legend>
{options}
</fieldset>
<button type="submit" name="decision" value="allow" id="allow">Allow</button>
<button type="submit" name="decision" value="deny" id="deny">Cancel</button>
</form></body></html>"""


def _credentials(req: Request, form: dict[str, str]) -> tuple[str, str] | None:
    if form.get("client_id"):
        return form.get("client_id", ""), form.get("client_secret", "")
    header = req.headers.get("authorization", "")
    if not header.lower().startswith("basic "):
        return None
    try:
        decoded = base64.b64decode(header[6:].strip()).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, _, secret = decoded.partition(":")
    return client_id, secret


def _oauth_error(exc: tokens.OAuthError) -> Response:
    body = {"error": exc.error}
    if exc.description:
        body["error_description"] = exc.description
    return Response.json(body, status=exc.status)


def token(req: Request, tree: dict[str, Any], now: datetime) -> Response:
    form = req.form()
    try:
        credentials = _credentials(req, form)
        if credentials is None:
            raise tokens.OAuthError("invalid_client", "Client authentication required", status=401)
        tokens.check_client(tree, *credentials)
        grant_type = form.get("grant_type", "")
        if grant_type == "authorization_code":
            body = tokens.exchange_code(tree, credentials[0], form.get("code", ""), form.get("redirect_uri", ""), now)
        elif grant_type == "refresh_token":
            body = tokens.refresh(tree, credentials[0], form.get("refresh_token", ""), now)
        else:
            # ref §2: a bad grant type is invalid_grant too.
            raise tokens.OAuthError("invalid_grant")
    except tokens.OAuthError as exc:
        return _oauth_error(exc)
    return Response.json(body, headers=[("Cache-Control", "no-store")])


def refresh_token_row(req: Request, tree: dict[str, Any]) -> dict[str, Any] | None:
    """The stored row of the refresh token this request presents (for token faults)."""
    row: dict[str, Any] | None = tokens.state(tree)["refresh"].get(req.form().get("refresh_token", ""))
    return row


def revoke(req: Request, tree: dict[str, Any]) -> Response:
    form = req.form()
    try:
        credentials = _credentials(req, form)
        if credentials is None:
            raise tokens.OAuthError("invalid_client", "Client authentication required", status=401)
        tokens.check_client(tree, *credentials)
    except tokens.OAuthError as exc:
        return _oauth_error(exc)
    value = form.get("token")
    if not value:
        return _oauth_error(tokens.OAuthError("invalid_request", "token is required"))
    tokens.revoke_token(tree, credentials[0], value)
    return Response(200, b"", [("Content-Type", "application/json")])
