"""OAuth endpoints of the QBO sandbox (ref §11), under the `/quickbooks` prefix:

- GET  /.well-known/openid_configuration   discovery (URLs built from the request's Host)
- GET|POST /connect/oauth2                  consent page: choose the company, Approve
- POST /oauth2/v1/tokens/bearer             token (Basic auth, form body)
- POST /v2/oauth2/tokens/revoke             revoke (Basic auth, JSON {"token": ...})

Sandbox-only: `GET /connect/oauth2?...&fieldbook_approve=1[&realmId=...]` approves without a
browser (for `fieldbook connect --local-sandbox`), as does the control call approve_consent.
"""

from __future__ import annotations

import html
import json
from datetime import datetime
from typing import Any

from fieldbook.sandbox.common import consent
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


def authorize(req: Request, tree: dict[str, Any], companies: list[tuple[str, str]], now: datetime) -> Response:
    ask = consent.ConsentRequest.read(req, tokens.ACCOUNTING_SCOPE)
    refused = ask.refusal(req, tree, tokens)
    if refused is not None:
        return refused
    if tokens.ACCOUNTING_SCOPE not in ask.scope.split():
        return consent.error_page(f"scope must include {tokens.ACCOUNTING_SCOPE}.")
    realm_ids = [realm for realm, _ in companies]
    chosen = ask.params.get("realmId") or (realm_ids[0] if realm_ids else "")
    approve = ask.approved(req, "approve")
    denied = ask.denied(req)
    if denied is not None:
        return denied
    if approve:
        if chosen not in realm_ids:
            return consent.error_page(f"Unknown company {chosen!r}.")
        return Response.redirect(approval_url(tree, ask.client_id, ask.redirect_uri, ask.state, chosen, ask.scope,
                                              now))
    return Response.html(consent.page(
        "Connect to QuickBooks (sandbox)", "Connect an app to QuickBooks",
        f"<p>The app <strong>{html.escape(ask.client_id)}</strong> wants access to your company's accounting "
        "data.</p>", f"{PREFIX}/connect/oauth2",
        (("client_id", ask.client_id), ("redirect_uri", ask.redirect_uri), ("state", ask.state),
         ("scope", ask.scope)), "Choose a company", consent.choices("radio", "realmId", companies),
        ("approve", "Approve")))


def _oauth_error(exc: tokens.OAuthError) -> Response:
    # ref §11: HTTP 400 {"error": "invalid_grant", "error_description": ...}
    return Response.json({"error": exc.error, "error_description": exc.description}, status=exc.status)


def token(req: Request, tree: dict[str, Any], now: datetime) -> Response:
    form = req.form()
    try:
        body = consent.grant(tokens, tree, form, consent.basic_credentials(req) or consent.form_credentials(form), now)
    except tokens.OAuthError as exc:
        return _oauth_error(exc)
    body.pop("realmId", None)  # the callback gave it; the token body does not repeat it
    return consent.no_store(body)


def revoke(req: Request, tree: dict[str, Any]) -> Response:
    try:
        payload = json.loads(req.body or b"{}")
    except ValueError:
        payload = req.form()
    value = payload.get("token") if isinstance(payload, dict) else None
    try:
        consent.revoke(tokens, tree, consent.basic_credentials(req), value)
    except tokens.OAuthError as exc:
        return _oauth_error(exc)
    return consent.revoked()
