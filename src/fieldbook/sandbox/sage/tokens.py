"""OAuth 2.0 token bookkeeping for the Sage sandbox (ref §2).

Access tokens live 300 s, refresh tokens 31 days. Every refresh returns a new refresh token and
the old one is rejected at once (no grace: ref §2 and §18, the pitfall a connector must survive).
Authorization codes are single use and live 60 s. A grant is one app's connection for one user;
the sandbox has one user who owns every business, and the business chosen at consent is the
grant's lead business (used when a call sends no X-Business, ref §3).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from fieldbook.sandbox.common.tokens import OAuthError as OAuthError  # re-exported: oauth.py catches it
from fieldbook.sandbox.common.tokens import TokenStore

ACCESS_TTL = timedelta(seconds=300)
REFRESH_TTL = timedelta(seconds=2_678_400)
CODE_TTL = timedelta(seconds=60)
DEFAULT_CLIENT_ID = "fieldbook-sandbox-sage"
DEFAULT_CLIENT_SECRET = "fieldbook-sandbox-sage-secret"
SCOPES = ("full_access", "readonly")
USER_ID = "a1b2c3d4e5f60718293a4b5c6d7e8f90"  # the sandbox's one user (`requested_by_id`)

# No rotation grace (ref §2): a used refresh token is spent at once.
STORE = TokenStore("sage", ACCESS_TTL, REFRESH_TTL, CODE_TTL, DEFAULT_CLIENT_ID, {"secret": DEFAULT_CLIENT_SECRET})
state = STORE.state
register_app = STORE.register_app
check_client = STORE.check_client
revoke_token = STORE.revoke_token
revoke_grant = STORE.revoke_grant


def _pair(oauth: dict[str, Any], grant_id: str, now: datetime) -> dict[str, Any]:
    grant = oauth["grants"][grant_id]
    base = {"grant": grant_id, "business_id": grant["business_id"], "client_id": grant["client_id"],
            "scope": grant["scope"]}
    access, refresh = STORE.mint(oauth, base, now)
    return {"access_token": access, "scope": grant["scope"], "token_type": "bearer",
            "expires_in": int(ACCESS_TTL.total_seconds()), "refresh_token": refresh,
            "refresh_token_expires_in": int(REFRESH_TTL.total_seconds()), "requested_by_id": USER_ID}


def issue(tree: dict[str, Any], client_id: str, business_id: str, now: datetime,
          scope: str = "full_access") -> dict[str, Any]:
    grant_id = STORE.open_grant(tree, {"client_id": client_id, "business_id": business_id, "scope": scope}, now)
    return _pair(state(tree), grant_id, now)


def refresh(tree: dict[str, Any], client_id: str, refresh_token: str, now: datetime) -> dict[str, Any]:
    return STORE.refresh(tree, client_id, refresh_token, now, _pair)


def create_code(tree: dict[str, Any], client_id: str, redirect_uri: str, business_id: str, scope: str,
                now: datetime) -> str:
    return STORE.create_code(tree, client_id, redirect_uri, now, {"business_id": business_id, "scope": scope})


def exchange_code(tree: dict[str, Any], client_id: str, code: str, redirect_uri: str,
                  now: datetime) -> dict[str, Any]:
    row = STORE.take_code(tree, client_id, code, now)
    # ref §2: bad code, a code older than 60 s or a non-identical redirect_uri: invalid_grant.
    if row is None or row["redirect_uri"] != redirect_uri:
        raise OAuthError("invalid_grant")
    return issue(tree, client_id, row["business_id"], now, row["scope"])


def access(tree: dict[str, Any], token: str, now: datetime) -> dict[str, Any] | None:
    row = state(tree)["access"].get(token)
    if row is None or row["expires_at"] <= now or row["grant"] not in state(tree)["grants"]:
        return None
    result: dict[str, Any] = row
    return result


def revoke_all(tree: dict[str, Any]) -> None:
    STORE.revoke_grants(tree, state(tree)["grants"])


def expire_access(tree: dict[str, Any], now: datetime) -> None:
    STORE.expire_access(tree, now, lambda row: True)
