"""OAuth 2.0 token bookkeeping for the QBO sandbox (ref §11).

Access tokens live 1 h. Every refresh returns a new refresh token (rolling 100 days); the
previous one stays valid for 24 h, then gives `invalid_grant`. Revoking any token of a grant (one
app's connection to one company) revokes all of them.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from fieldbook.sandbox.common.tokens import OAuthError as OAuthError  # re-exported: oauth.py catches it
from fieldbook.sandbox.common.tokens import TokenStore

ACCESS_TTL = timedelta(hours=1)
REFRESH_TTL = timedelta(days=100)
STALE_GRACE = timedelta(hours=24)
CODE_TTL = timedelta(minutes=10)  # authorization-code lifetime: UNCONFIRMED, our choice
DEFAULT_CLIENT_ID = "fieldbook-sandbox-qbo"
DEFAULT_CLIENT_SECRET = "fieldbook-sandbox-qbo-secret"
ACCOUNTING_SCOPE = "com.intuit.quickbooks.accounting"

# ref §11: the rotated-out token "is now stale and expires after 24 hours". Expired rows are kept
# as long again, so an expired token is told apart from an unknown one.
STORE = TokenStore("qbo", ACCESS_TTL, REFRESH_TTL, CODE_TTL, DEFAULT_CLIENT_ID, {"secret": DEFAULT_CLIENT_SECRET},
                   rotation_grace=STALE_GRACE, grace_latest_only=True, keep_expired=STALE_GRACE,
                   invalid_refresh="Incorrect or invalid refresh token")
state = STORE.state
register_app = STORE.register_app
check_client = STORE.check_client
revoke_token = STORE.revoke_token
revoke_grant = STORE.revoke_grant


def _pair(oauth: dict[str, Any], grant_id: str, now: datetime) -> dict[str, Any]:
    grant = oauth["grants"][grant_id]
    base = {"grant": grant_id, "realm_id": grant["realm_id"], "client_id": grant["client_id"]}
    access, refresh = STORE.mint(oauth, base, now)
    return {"access_token": access, "refresh_token": refresh, "token_type": "bearer",
            "expires_in": int(ACCESS_TTL.total_seconds()),
            "x_refresh_token_expires_in": int(REFRESH_TTL.total_seconds())}


def issue(tree: dict[str, Any], client_id: str, realm_id: str, now: datetime,
          scope: str = ACCOUNTING_SCOPE) -> dict[str, Any]:
    grant_id = STORE.open_grant(tree, {"client_id": client_id, "realm_id": realm_id, "scope": scope}, now)
    return _pair(state(tree), grant_id, now)


def refresh(tree: dict[str, Any], client_id: str, refresh_token: str, now: datetime) -> dict[str, Any]:
    return STORE.refresh(tree, client_id, refresh_token, now, _pair)


def create_code(tree: dict[str, Any], client_id: str, redirect_uri: str, realm_id: str, scope: str,
                now: datetime) -> str:
    return STORE.create_code(tree, client_id, redirect_uri, now, {"realm_id": realm_id, "scope": scope})


def exchange_code(tree: dict[str, Any], client_id: str, code: str, redirect_uri: str,
                  now: datetime) -> dict[str, Any]:
    row = STORE.take_code(tree, client_id, code, now)
    if row is None:
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


def revoke_realm(tree: dict[str, Any], realm_id: str) -> None:
    STORE.revoke_grants(tree, [g for g, row in state(tree)["grants"].items() if row["realm_id"] == realm_id])


def expire_access(tree: dict[str, Any], realm_id: str, now: datetime) -> None:
    STORE.expire_access(tree, now, lambda row: bool(row["realm_id"] == realm_id))
