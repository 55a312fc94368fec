"""Identity endpoints of the Xero sandbox (ref §1, §9), under the `/xero` prefix, real paths kept:

- GET|POST /identity/connect/authorize   consent page: tick the organisations, Allow access
- POST     /connect/token                authorization_code and refresh_token grants
- POST     /connect/revocation           revoke a refresh token (and the user's connections)
- GET      /connections                  the token's connections; DELETE /connections/{id} -> 204

Sandbox-only: `...authorize?...&fieldbook_approve=1[&tenantId=...]` approves without a browser,
as does the control call approve_consent (for `fieldbook connect --local-sandbox`).
"""

from __future__ import annotations

import html
from datetime import datetime
from typing import Any

from fieldbook.sandbox.common import consent
from fieldbook.sandbox.common.http import Request, Response, with_query
from fieldbook.sandbox.xero import tokens

PREFIX = "/xero"


def approval_url(tree: dict[str, Any], client_id: str, redirect_uri: str, state: str,
                 tenants: list[tuple[str, str]], scope: str, now: datetime) -> str:
    tokens.check_client(tree, client_id)
    tokens.check_scope(tree, client_id, scope)
    code = tokens.create_code(tree, client_id, redirect_uri, tenants, scope, now)
    return with_query(redirect_uri, {"code": code, "scope": scope, "state": state})


def authorize(req: Request, tree: dict[str, Any], orgs: list[tuple[str, str]], now: datetime) -> Response:
    ask = consent.ConsentRequest.read(req)
    if req.method == "POST":  # ticked organisations: a key given once per box
        chosen = [v for k, v in _pairs(req.body.decode("utf-8", "replace")) if k == "tenantId"]
    else:
        chosen = req.args.get("tenantId", [])
    refused = ask.refusal(req, tree, tokens, response_type_on_post=True)
    if refused is not None:
        return refused
    try:
        tokens.check_scope(tree, ask.client_id, ask.scope)
    except tokens.OAuthError as exc:
        return Response.redirect(with_query(ask.redirect_uri, {"error": exc.error,
                                                               "error_description": exc.description,
                                                               "state": ask.state}))
    denied = ask.denied(req)
    if denied is not None:
        return denied
    if ask.approved(req, "allow"):
        names = dict(orgs)
        picked = chosen or ([orgs[0][0]] if orgs else [])
        unknown = [t for t in picked if t not in names]
        if unknown or not picked:
            return consent.error_page(f"Unknown organisation {', '.join(unknown) or '(none)'}.")
        return Response.redirect(approval_url(tree, ask.client_id, ask.redirect_uri, ask.state,
                                              [(t, names[t]) for t in picked], ask.scope, now))
    scopes = "".join(f"<li><code>{html.escape(s)}</code></li>" for s in ask.scope.split())
    return Response.html(consent.page(
        "Connect to Xero (sandbox)", "Connect an app to Xero",
        f"<p>The app <strong>{html.escape(ask.client_id)}</strong> wants access to:</p><ul>{scopes}</ul>",
        f"{PREFIX}/identity/connect/authorize",
        (("client_id", ask.client_id), ("redirect_uri", ask.redirect_uri), ("state", ask.state),
         ("scope", ask.scope), ("response_type", "code")),
        "Choose the organisations", consent.choices("checkbox", "tenantId", orgs), ("allow", "Allow access")))


def _pairs(body: str) -> list[tuple[str, str]]:
    from urllib.parse import parse_qsl

    return parse_qsl(body, keep_blank_values=True)


def _client_credentials(req: Request, form: dict[str, str]) -> tuple[str, str] | None:
    # An HTTP Basic header wins, even a malformed one (then: no credentials).
    if req.headers.get("authorization", "").lower().startswith("basic "):
        return consent.basic_credentials(req)
    return consent.form_credentials(form)


def _oauth_error(exc: tokens.OAuthError) -> Response:
    # ref §9: HTTP 400 {"error": "invalid_grant"}
    return Response.json({"error": exc.error}, status=exc.status)


def token(req: Request, tree: dict[str, Any], now: datetime) -> Response:
    form = req.form()
    try:
        # client_credentials (Custom Connections) is out of scope for this sandbox: unsupported.
        body = consent.grant(tokens, tree, form, _client_credentials(req, form), now, missing_status=400)
    except tokens.OAuthError as exc:
        return _oauth_error(exc)
    return consent.no_store(body)


def revoke(req: Request, tree: dict[str, Any]) -> Response:
    form = req.form()
    try:
        consent.revoke(tokens, tree, _client_credentials(req, form), form.get("token"), missing_status=400)
    except tokens.OAuthError as exc:
        return _oauth_error(exc)
    return consent.revoked()


def _bearer(req: Request, tree: dict[str, Any], now: datetime) -> tuple[dict[str, Any] | None, Response | None]:
    auth = req.headers.get("authorization", "")
    if not auth.lower().startswith("bearer "):
        return None, unauthorized("AuthenticationUnsuccessful")
    grant, reason = tokens.access(tree, auth[7:].strip(), now)
    if grant is None:
        return None, unauthorized(reason)
    return grant, None


def unauthorized(detail: str) -> Response:
    return Response.json({"Type": None, "Title": "Unauthorized", "Status": 401, "Detail": detail,
                          "Instance": None, "Extensions": {}}, status=401,
                         headers=[("WWW-Authenticate", f'Bearer error="invalid_token", error_description="{detail}"')])


def _utc_text(moment: datetime) -> str:
    # ref §1: /connections dates carry no zone.
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f0")


def connections(req: Request, tree: dict[str, Any], orgs: dict[str, str], rest: str, now: datetime) -> Response:
    grant, refused = _bearer(req, tree, now)
    if refused is not None or grant is None:
        return refused or unauthorized("AuthenticationUnsuccessful")
    mine = tokens.connections_of(tree, grant["grant_id"])
    if rest and req.method == "DELETE":
        for connection_id, _row in mine:
            if connection_id == rest:
                del tokens.state(tree)["connections"][connection_id]
                return Response(204, b"", [])
        return Response.json({"Title": "Not Found", "Status": 404, "Detail": f"No connection {rest}"}, status=404)
    if rest or req.method != "GET":
        return Response.json({"Title": "Method Not Allowed", "Status": 405}, status=405)
    event = req.arg("authEventId")
    return Response.json([
        {"id": cid, "authEventId": row["auth_event"], "tenantId": row["tenant_id"], "tenantType": "ORGANISATION",
         "tenantName": orgs.get(row["tenant_id"], ""), "createdDateUtc": _utc_text(row["created"]),
         "updatedDateUtc": _utc_text(row["updated"])}
        for cid, row in mine if event is None or row["auth_event"] == event])
