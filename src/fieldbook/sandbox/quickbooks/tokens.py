"""OAuth 2.0 token bookkeeping for the QBO sandbox (ref §11).

Access tokens live 1 h. Every refresh returns a new refresh token (rolling 100 days); the
previous one stays valid for 24 h, then gives `invalid_grant`. Revoking any token of a grant (one
app's connection to one company) revokes all of them.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

ACCESS_TTL = timedelta(hours=1)
REFRESH_TTL = timedelta(days=100)
STALE_GRACE = timedelta(hours=24)
CODE_TTL = timedelta(minutes=10)  # authorization-code lifetime: UNCONFIRMED, our choice
DEFAULT_CLIENT_ID = "fieldbook-sandbox-qbo"
DEFAULT_CLIENT_SECRET = "fieldbook-sandbox-qbo-secret"
ACCOUNTING_SCOPE = "com.intuit.quickbooks.accounting"


class OAuthError(Exception):
    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status


def state(tree: dict[str, Any]) -> dict[str, Any]:
    oauth: dict[str, Any] = tree.setdefault("oauth", {})
    for key in ("apps", "codes", "access", "refresh", "grants"):
        oauth.setdefault(key, {})
    oauth["apps"].setdefault(DEFAULT_CLIENT_ID, {"secret": DEFAULT_CLIENT_SECRET})
    return oauth


def register_app(tree: dict[str, Any], client_id: str, client_secret: str) -> None:
    state(tree)["apps"][client_id] = {"secret": client_secret}


def check_client(tree: dict[str, Any], client_id: str, client_secret: str | None = None) -> None:
    app = state(tree)["apps"].get(client_id)
    if app is None or (client_secret is not None and not secrets.compare_digest(app["secret"], client_secret)):
        raise OAuthError("invalid_client", "Invalid client credentials", status=401)


def _prune(oauth: dict[str, Any], now: datetime) -> None:
    for kind in ("access", "refresh", "codes"):
        table = oauth[kind]
        for token in [t for t, row in table.items() if row["expires_at"] <= now - STALE_GRACE]:
            del table[token]


def _pair(oauth: dict[str, Any], grant_id: str, now: datetime) -> dict[str, Any]:
    grant = oauth["grants"][grant_id]
    access = f"qbo-at-{secrets.token_urlsafe(24)}"
    refresh = f"qbo-rt-{secrets.token_urlsafe(24)}"
    base = {"grant": grant_id, "realm_id": grant["realm_id"], "client_id": grant["client_id"]}
    oauth["access"][access] = {**base, "expires_at": now + ACCESS_TTL}
    oauth["refresh"][refresh] = {**base, "expires_at": now + REFRESH_TTL}
    grant["latest_refresh"] = refresh
    return {"access_token": access, "refresh_token": refresh, "token_type": "bearer",
            "expires_in": int(ACCESS_TTL.total_seconds()),
            "x_refresh_token_expires_in": int(REFRESH_TTL.total_seconds())}


def issue(tree: dict[str, Any], client_id: str, realm_id: str, now: datetime,
          scope: str = ACCOUNTING_SCOPE) -> dict[str, Any]:
    oauth = state(tree)
    _prune(oauth, now)
    grant_id = f"g{len(oauth['grants']) + 1}-{secrets.token_hex(4)}"
    oauth["grants"][grant_id] = {"client_id": client_id, "realm_id": realm_id, "scope": scope}
    return _pair(oauth, grant_id, now)


def refresh(tree: dict[str, Any], client_id: str, refresh_token: str, now: datetime) -> dict[str, Any]:
    oauth = state(tree)
    row = oauth["refresh"].get(refresh_token)
    if row is None or row["client_id"] != client_id or row["expires_at"] <= now:
        raise OAuthError("invalid_grant", "Incorrect or invalid refresh token")
    grant = oauth["grants"].get(row["grant"])
    if grant is None:
        raise OAuthError("invalid_grant", "Incorrect or invalid refresh token")
    if grant.get("latest_refresh") == refresh_token:
        # ref §11: the rotated-out token "is now stale and expires after 24 hours".
        row["expires_at"] = min(row["expires_at"], now + STALE_GRACE)
    return _pair(oauth, row["grant"], now)


def create_code(tree: dict[str, Any], client_id: str, redirect_uri: str, realm_id: str, scope: str,
                now: datetime) -> str:
    oauth = state(tree)
    code = f"qbo-code-{secrets.token_urlsafe(18)}"
    oauth["codes"][code] = {"client_id": client_id, "redirect_uri": redirect_uri, "realm_id": realm_id,
                            "scope": scope, "expires_at": now + CODE_TTL}
    return code


def exchange_code(tree: dict[str, Any], client_id: str, code: str, redirect_uri: str,
                  now: datetime) -> dict[str, Any]:
    oauth = state(tree)
    row = oauth["codes"].pop(code, None)  # one use only
    if row is None or row["expires_at"] <= now or row["client_id"] != client_id:
        raise OAuthError("invalid_grant", "Incorrect or invalid authorization code")
    if row["redirect_uri"] != redirect_uri:
        raise OAuthError("invalid_grant", "redirect_uri does not match the authorization request")
    tokens = issue(tree, client_id, row["realm_id"], now, row["scope"])
    return {**tokens, "realmId": row["realm_id"]}


def access(tree: dict[str, Any], token: str, now: datetime) -> tuple[dict[str, Any] | None, str]:
    """(row, "") for a valid access token, else (None, reason)."""
    row = state(tree)["access"].get(token)
    if row is None:
        return None, "Token invalid or revoked"
    if row["expires_at"] <= now:
        return None, "Token expired: the access token has expired"
    return row, ""


def revoke_token(tree: dict[str, Any], client_id: str, token: str) -> None:
    oauth = state(tree)
    row = oauth["refresh"].get(token) or oauth["access"].get(token)
    if row is not None and row["client_id"] == client_id:
        revoke_grant(tree, row["grant"])


def revoke_grant(tree: dict[str, Any], grant_id: str) -> None:
    oauth = state(tree)
    oauth["grants"].pop(grant_id, None)
    for kind in ("access", "refresh"):
        for token in [t for t, row in oauth[kind].items() if row["grant"] == grant_id]:
            del oauth[kind][token]


def revoke_realm(tree: dict[str, Any], realm_id: str) -> None:
    oauth = state(tree)
    for grant_id in [g for g, row in oauth["grants"].items() if row["realm_id"] == realm_id]:
        revoke_grant(tree, grant_id)


def expire_access(tree: dict[str, Any], realm_id: str, now: datetime) -> None:
    for row in state(tree)["access"].values():
        if row["realm_id"] == realm_id and row["expires_at"] > now:
            row["expires_at"] = now
