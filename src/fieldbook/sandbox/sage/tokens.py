"""OAuth 2.0 token bookkeeping for the Sage sandbox (ref §2).

Access tokens live 300 s, refresh tokens 31 days. Every refresh returns a new refresh token and
the old one is rejected at once (no grace: ref §2 and §18, the pitfall a connector must survive).
Authorization codes are single use and live 60 s. A grant is one app's connection for one user;
the sandbox has one user who owns every business, and the business chosen at consent is the
grant's lead business (used when a call sends no X-Business, ref §3).
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

ACCESS_TTL = timedelta(seconds=300)
REFRESH_TTL = timedelta(seconds=2_678_400)
CODE_TTL = timedelta(seconds=60)
DEFAULT_CLIENT_ID = "fieldbook-sandbox-sage"
DEFAULT_CLIENT_SECRET = "fieldbook-sandbox-sage-secret"
SCOPES = ("full_access", "readonly")
USER_ID = "a1b2c3d4e5f60718293a4b5c6d7e8f90"  # the sandbox's one user (`requested_by_id`)


class OAuthError(Exception):
    def __init__(self, error: str, description: str = "", status: int = 400) -> None:
        super().__init__(description or error)
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
        for token in [t for t, row in table.items() if row["expires_at"] <= now]:
            del table[token]


def _pair(oauth: dict[str, Any], grant_id: str, now: datetime) -> dict[str, Any]:
    grant = oauth["grants"][grant_id]
    access = f"sage-at-{secrets.token_urlsafe(24)}"
    refresh = f"sage-rt-{secrets.token_urlsafe(24)}"
    base = {"grant": grant_id, "business_id": grant["business_id"], "client_id": grant["client_id"],
            "scope": grant["scope"]}
    oauth["access"][access] = {**base, "expires_at": now + ACCESS_TTL}
    oauth["refresh"][refresh] = {**base, "expires_at": now + REFRESH_TTL}
    return {"access_token": access, "scope": grant["scope"], "token_type": "bearer",
            "expires_in": int(ACCESS_TTL.total_seconds()), "refresh_token": refresh,
            "refresh_token_expires_in": int(REFRESH_TTL.total_seconds()), "requested_by_id": USER_ID}


def issue(tree: dict[str, Any], client_id: str, business_id: str, now: datetime,
          scope: str = "full_access") -> dict[str, Any]:
    oauth = state(tree)
    _prune(oauth, now)
    grant_id = f"g{len(oauth['grants']) + 1}-{secrets.token_hex(4)}"
    oauth["grants"][grant_id] = {"client_id": client_id, "business_id": business_id, "scope": scope}
    return _pair(oauth, grant_id, now)


def refresh(tree: dict[str, Any], client_id: str, refresh_token: str, now: datetime) -> dict[str, Any]:
    oauth = state(tree)
    row = oauth["refresh"].get(refresh_token)
    if row is None or row["client_id"] != client_id:
        raise OAuthError("invalid_grant")
    # Spent by this use whatever happens next (no grace, ref §2): a lost answer loses the grant.
    del oauth["refresh"][refresh_token]
    if row["expires_at"] <= now:
        raise OAuthError("invalid_grant")
    if row["grant"] not in oauth["grants"]:
        raise OAuthError("invalid_grant")
    return _pair(oauth, row["grant"], now)


def create_code(tree: dict[str, Any], client_id: str, redirect_uri: str, business_id: str, scope: str,
                now: datetime) -> str:
    oauth = state(tree)
    code = f"sage-code-{secrets.token_urlsafe(18)}"
    oauth["codes"][code] = {"client_id": client_id, "redirect_uri": redirect_uri, "business_id": business_id,
                            "scope": scope, "expires_at": now + CODE_TTL}
    return code


def exchange_code(tree: dict[str, Any], client_id: str, code: str, redirect_uri: str,
                  now: datetime) -> dict[str, Any]:
    oauth = state(tree)
    row = oauth["codes"].pop(code, None)  # one use only
    # ref §2: bad code, a code older than 60 s or a non-identical redirect_uri: invalid_grant.
    if row is None or row["expires_at"] <= now or row["client_id"] != client_id \
            or row["redirect_uri"] != redirect_uri:
        raise OAuthError("invalid_grant")
    return issue(tree, client_id, row["business_id"], now, row["scope"])


def access(tree: dict[str, Any], token: str, now: datetime) -> dict[str, Any] | None:
    row = state(tree)["access"].get(token)
    if row is None or row["expires_at"] <= now or row["grant"] not in state(tree)["grants"]:
        return None
    result: dict[str, Any] = row
    return result


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


def revoke_all(tree: dict[str, Any]) -> None:
    for grant_id in list(state(tree)["grants"]):
        revoke_grant(tree, grant_id)


def expire_access(tree: dict[str, Any], now: datetime) -> None:
    for row in state(tree)["access"].values():
        if row["expires_at"] > now:
            row["expires_at"] = now
