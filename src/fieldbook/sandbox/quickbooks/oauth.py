"""OAuth endpoints of the QBO sandbox (ref §11), under the `/quickbooks` prefix:

- GET  /.well-known/openid_configuration   discovery (URLs built from the request's Host)
- GET|POST /connect/oauth2                  consent page: choose the company, Approve
- POST /oauth2/v1/tokens/bearer             token (Basic auth, form body)
- POST /v2/oauth2/tokens/revoke             revoke (Basic auth, JSON {"token": ...})

Sandbox-only: `GET /connect/oauth2?...&fieldbook_approve=1[&realmId=...]` approves without a
browser (for `fieldbook connect --local-sandbox`), as does the control call approve_consent.
"""

from __future__ import annotations

import base64
import binascii
import html
import json
from datetime import datetime
from typing import Any

from fieldbook.sandbox.common.http import Request, Response, with_query
from fieldbook.sandbox.quickbooks import tokens

PREFIX = "/quickbooks"


def discovery(req: Request) -> Response:
    base = f"{req.base_url}{PREFIX}"
    return Response.json({
        "issuer": f"{base}/op/v1",
        "authorization_endpoint": f"{base}/connect/oauth2",
        "token_endpoint": f"{base}/oauth2/v1/tokens/bearer",
        "userinfo_endpoint": f"{base}/v1/openid_connect/userinfo",
        "revocation_endpoint": f"{base}/v2/oauth2/tokens/revoke",
        "jwks_uri": f"{base}/op/v1/jwks",
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "scopes_supported": ["openid", "email", "profile", "address", "phone",
                             "com.intuit.quickbooks.accounting", "com.intuit.quickbooks.payment"],
        "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
        "claims_supported": ["aud", "exp", "iat", "iss", "realmid", "sub"],
    })


def jwks(req: Request) -> Response:
    return Response.json({"keys": []})


def approval_url(tree: dict[str, Any], client_id: str, redirect_uri: str, state: str, realm_id: str,
                 scope: str, now: datetime) -> str:
    tokens.check_client(tree, client_id)
    code = tokens.create_code(tree, client_id, redirect_uri, realm_id, scope, now)
    # ref §11: the callback gets code, state and realmId.
    return with_query(redirect_uri, {"code": code, "state": state, "realmId": realm_id})


def _consent_error(message: str) -> Response:
    return Response.html(f"<!doctype html><title>Authorization error</title><h1>Authorization error</h1>"
                         f"<p>{html.escape(message)}</p>", status=400)


def authorize(req: Request, tree: dict[str, Any], companies: list[tuple[str, str]], now: datetime) -> Response:
    params = req.form() if req.method == "POST" else {k: v[0] for k, v in req.args.items()}
    client_id = params.get("client_id", "")
    redirect_uri = params.get("redirect_uri", "")
    state = params.get("state", "")
    scope = params.get("scope", tokens.ACCOUNTING_SCOPE)
    try:
        tokens.check_client(tree, client_id)
    except tokens.OAuthError:
        return _consent_error(f"Unknown client_id {client_id!r}.")
    if not redirect_uri:
        return _consent_error("redirect_uri is required.")
    if req.method == "GET" and params.get("response_type", "code") != "code":
        return _consent_error("response_type must be code.")
    if tokens.ACCOUNTING_SCOPE not in scope.split():
        return _consent_error(f"scope must include {tokens.ACCOUNTING_SCOPE}.")
    realm_ids = [realm for realm, _ in companies]
    chosen = params.get("realmId") or (realm_ids[0] if realm_ids else "")
    approve = (req.method == "POST" and params.get("decision") == "approve") or params.get("fieldbook_approve") == "1"
    if req.method == "POST" and params.get("decision") == "deny":
        return Response.redirect(with_query(redirect_uri, {"error": "access_denied", "state": state}))
    if approve:
        if chosen not in realm_ids:
            return _consent_error(f"Unknown company {chosen!r}.")
        return Response.redirect(approval_url(tree, client_id, redirect_uri, state, chosen, scope, now))
    return Response.html(_consent_page(req, client_id, redirect_uri, state, scope, companies))


def _consent_page(req: Request, client_id: str, redirect_uri: str, state: str, scope: str,
                  companies: list[tuple[str, str]]) -> str:
    e = html.escape
    options = "\n".join(
        f'<label><input type="radio" name="realmId" value="{e(realm)}"{" checked" if i == 0 else ""}> '
        f"{e(name)} <small>({e(realm)})</small></label><br>"
        for i, (realm, name) in enumerate(companies))
    hidden = "".join(f'<input type="hidden" name="{e(k)}" value="{e(v)}">' for k, v in
                     (("client_id", client_id), ("redirect_uri", redirect_uri), ("state", state),
                      ("scope", scope)))
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Connect to QuickBooks (sandbox)</title></head>
<body><h1>Connect an app to QuickBooks</h1>
<p>The app <strong>{e(client_id)}</strong> wants access to your company's accounting data.</p>
<form method="post" action="{e(PREFIX)}/connect/oauth2">
{hidden}
<fieldset><legend>Choose a company</legend>
{options}
</fieldset>
<button type="submit" name="decision" value="approve" id="approve">Approve</button>
<button type="submit" name="decision" value="deny" id="deny">Cancel</button>
</form></body></html>"""


def _basic_auth(req: Request) -> tuple[str, str] | None:
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
    # ref §11: HTTP 400 {"error": "invalid_grant", "error_description": ...}
    return Response.json({"error": exc.error, "error_description": exc.description}, status=exc.status)


def token(req: Request, tree: dict[str, Any], now: datetime) -> Response:
    credentials = _basic_auth(req)
    form = req.form()
    if credentials is None and form.get("client_id"):
        credentials = (form.get("client_id", ""), form.get("client_secret", ""))
    try:
        if credentials is None:
            raise tokens.OAuthError("invalid_client", "Client authentication required", status=401)
        client_id, secret = credentials
        tokens.check_client(tree, client_id, secret)
        grant_type = form.get("grant_type", "")
        if grant_type == "authorization_code":
            body = tokens.exchange_code(tree, client_id, form.get("code", ""), form.get("redirect_uri", ""), now)
            body.pop("realmId", None)
        elif grant_type == "refresh_token":
            body = tokens.refresh(tree, client_id, form.get("refresh_token", ""), now)
        else:
            raise tokens.OAuthError("unsupported_grant_type", f"Unsupported grant_type {grant_type!r}")
    except tokens.OAuthError as exc:
        return _oauth_error(exc)
    return Response.json(body, headers=[("Cache-Control", "no-store")])


def revoke(req: Request, tree: dict[str, Any]) -> Response:
    credentials = _basic_auth(req)
    try:
        if credentials is None:
            raise tokens.OAuthError("invalid_client", "Client authentication required", status=401)
        tokens.check_client(tree, *credentials)
    except tokens.OAuthError as exc:
        return _oauth_error(exc)
    try:
        payload = json.loads(req.body or b"{}")
    except ValueError:
        payload = req.form()
    value = payload.get("token") if isinstance(payload, dict) else None
    if not value:
        return _oauth_error(tokens.OAuthError("invalid_request", "token is required"))
    tokens.revoke_token(tree, credentials[0], str(value))
    return Response(200, b"", [("Content-Type", "application/json")])
