"""Identity endpoints of the Xero sandbox (ref §1, §9), under the `/xero` prefix, real paths kept:

- GET|POST /identity/connect/authorize   consent page: tick the organisations, Allow access
- POST     /connect/token                authorization_code and refresh_token grants
- POST     /connect/revocation           revoke a refresh token (and the user's connections)
- GET      /connections                  the token's connections; DELETE /connections/{id} -> 204

Sandbox-only: `...authorize?...&fieldbook_approve=1[&tenantId=...]` approves without a browser,
as does the control call approve_consent (for `fieldbook connect --local-sandbox`).
"""

from __future__ import annotations

import base64
import binascii
import html
from datetime import datetime
from typing import Any

from fieldbook.sandbox.common.http import Request, Response, with_query
from fieldbook.sandbox.xero import tokens

PREFIX = "/xero"


def approval_url(tree: dict[str, Any], client_id: str, redirect_uri: str, state: str,
                 tenants: list[tuple[str, str]], scope: str, now: datetime) -> str:
    tokens.check_client(tree, client_id)
    tokens.check_scope(tree, client_id, scope)
    code = tokens.create_code(tree, client_id, redirect_uri, tenants, scope, now)
    return with_query(redirect_uri, {"code": code, "scope": scope, "state": state})


def _consent_error(message: str) -> Response:
    return Response.html(f"<!doctype html><title>Authorization error</title><h1>Authorization error</h1>"
                         f"<p>{html.escape(message)}</p>", status=400)


def authorize(req: Request, tree: dict[str, Any], orgs: list[tuple[str, str]], now: datetime) -> Response:
    if req.method == "POST":
        params = req.form()
        chosen = [v for k, v in _pairs(req.body.decode("utf-8", "replace")) if k == "tenantId"]
    else:
        params = {k: v[0] for k, v in req.args.items()}
        chosen = req.args.get("tenantId", [])
    client_id, redirect_uri = params.get("client_id", ""), params.get("redirect_uri", "")
    state, scope = params.get("state", ""), params.get("scope", "")
    try:
        tokens.check_client(tree, client_id)
    except tokens.OAuthError:
        return _consent_error(f"Unknown client_id {client_id!r}.")
    if not redirect_uri:
        return _consent_error("redirect_uri is required.")
    if params.get("response_type", "code") != "code":
        return _consent_error("response_type must be code.")
    try:
        tokens.check_scope(tree, client_id, scope)
    except tokens.OAuthError as exc:
        return Response.redirect(with_query(redirect_uri, {"error": exc.error, "error_description": exc.description,
                                                           "state": state}))
    if req.method == "POST" and params.get("decision") == "deny":
        return Response.redirect(with_query(redirect_uri, {"error": "access_denied", "state": state}))
    if (req.method == "POST" and params.get("decision") == "allow") or params.get("fieldbook_approve") == "1":
        names = dict(orgs)
        picked = chosen or ([orgs[0][0]] if orgs else [])
        unknown = [t for t in picked if t not in names]
        if unknown or not picked:
            return _consent_error(f"Unknown organisation {', '.join(unknown) or '(none)'}.")
        return Response.redirect(approval_url(tree, client_id, redirect_uri, state,
                                              [(t, names[t]) for t in picked], scope, now))
    return Response.html(_consent_page(client_id, redirect_uri, state, scope, orgs))


def _pairs(body: str) -> list[tuple[str, str]]:
    from urllib.parse import parse_qsl

    return parse_qsl(body, keep_blank_values=True)


def _consent_page(client_id: str, redirect_uri: str, state: str, scope: str, orgs: list[tuple[str, str]]) -> str:
    e = html.escape
    options = "\n".join(
        f'<label><input type="checkbox" name="tenantId" value="{e(tid)}"{" checked" if i == 0 else ""}> '
        f"{e(name)} <small>({e(tid)})</small></label><br>" for i, (tid, name) in enumerate(orgs))
    hidden = "".join(f'<input type="hidden" name="{e(k)}" value="{e(v)}">' for k, v in
                     (("client_id", client_id), ("redirect_uri", redirect_uri), ("state", state),
                      ("scope", scope), ("response_type", "code")))
    scopes = "".join(f"<li><code>{e(s)}</code></li>" for s in scope.split())
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Connect to Xero (sandbox)</title></head>
<body><h1>Connect an app to Xero</h1>
<p>The app <strong>{e(client_id)}</strong> wants access to:</p><ul>{scopes}</ul>
<form method="post" action="{e(PREFIX)}/identity/connect/authorize">
{hidden}
<fieldset><legend>Choose the organisations</legend>
{options}
</fieldset>
<button type="submit" name="decision" value="allow" id="allow">Allow access</button>
<button type="submit" name="decision" value="deny" id="deny">Cancel</button>
</form></body></html>"""


def _client_credentials(req: Request, form: dict[str, str]) -> tuple[str, str] | None:
    header = req.headers.get("authorization", "")
    if header.lower().startswith("basic "):
        try:
            decoded = base64.b64decode(header[6:].strip()).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None
        client_id, _, secret = decoded.partition(":")
        return client_id, secret
    if form.get("client_id"):
        return form.get("client_id", ""), form.get("client_secret", "")
    return None


def _oauth_error(exc: tokens.OAuthError) -> Response:
    # ref §9: HTTP 400 {"error": "invalid_grant"}
    return Response.json({"error": exc.error}, status=exc.status)


def token(req: Request, tree: dict[str, Any], now: datetime) -> Response:
    form = req.form()
    try:
        credentials = _client_credentials(req, form)
        if credentials is None:
            raise tokens.OAuthError("invalid_client", "Client authentication required")
        client_id, secret = credentials
        tokens.check_client(tree, client_id, secret)
        grant_type = form.get("grant_type", "")
        if grant_type == "authorization_code":
            body = tokens.exchange_code(tree, client_id, form.get("code", ""), form.get("redirect_uri", ""), now)
        elif grant_type == "refresh_token":
            body = tokens.refresh(tree, client_id, form.get("refresh_token", ""), now)
        else:  # client_credentials (Custom Connections) is out of scope for this sandbox
            raise tokens.OAuthError("unsupported_grant_type", f"Unsupported grant_type {grant_type!r}")
    except tokens.OAuthError as exc:
        return _oauth_error(exc)
    return Response.json(body, headers=[("Cache-Control", "no-store")])


def revoke(req: Request, tree: dict[str, Any]) -> Response:
    form = req.form()
    try:
        credentials = _client_credentials(req, form)
        if credentials is None:
            raise tokens.OAuthError("invalid_client", "Client authentication required")
        tokens.check_client(tree, *credentials)
        if not form.get("token"):
            raise tokens.OAuthError("invalid_request", "token is required")
    except tokens.OAuthError as exc:
        return _oauth_error(exc)
    tokens.revoke_token(tree, credentials[0], form["token"])
    return Response(200, b"", [("Content-Type", "application/json")])


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
