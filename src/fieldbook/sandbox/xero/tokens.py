"""OAuth 2.0 bookkeeping for the Xero sandbox (ref §9).

A *grant* is one user's consent for one app; it holds the *connections* (one per organisation
chosen on the consent page). Access tokens live 30 minutes. Every refresh returns a new refresh
token; the one used stays valid for a 30-minute grace (a client whose response was lost retries
with it), then gives `invalid_grant`. A refresh token not used for 60 days gives `invalid_grant`.
Revoking a token removes its grant and all the user's connections for that app.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime, timedelta
from typing import Any

from fieldbook.sandbox.common.tokens import OAuthError as OAuthError  # re-exported: oauth.py catches it
from fieldbook.sandbox.common.tokens import TokenStore

ACCESS_TTL = timedelta(minutes=30)
REFRESH_IDLE = timedelta(days=60)
ROTATION_GRACE = timedelta(minutes=30)
CODE_TTL = timedelta(minutes=5)  # authorization-code lifetime: UNCONFIRMED, our choice
DEFAULT_CLIENT_ID = "FIELDBOOKSANDBOXXERO0000000000001"
DEFAULT_CLIENT_SECRET = "fieldbook-sandbox-xero-secret"

IDENTITY_SCOPES = frozenset({"openid", "profile", "email", "offline_access"})
CLASSIC_SCOPES = frozenset({
    "accounting.transactions", "accounting.transactions.read", "accounting.reports.read",
    "accounting.reports.tenninetynine.read", "accounting.journals.read", "accounting.budgets.read",
})
SHARED_SCOPES = frozenset({
    "accounting.contacts", "accounting.contacts.read", "accounting.settings", "accounting.settings.read",
    "accounting.attachments", "accounting.attachments.read", "paymentservices",
})
# ref §9 "Granular scopes": accounting.transactions splits into these (+ .read).
GRANULAR_SCOPES = frozenset(f"accounting.{name}{suffix}" for name in
                            ("invoices", "payments", "banktransactions", "manualjournals", "classicexpenses")
                            for suffix in ("", ".read"))
KNOWN_SCOPES = IDENTITY_SCOPES | CLASSIC_SCOPES | SHARED_SCOPES | GRANULAR_SCOPES
CLASSIC_DEFAULT = "openid profile email offline_access accounting.contacts accounting.transactions accounting.settings"
GRANULAR_DEFAULT = ("openid profile email offline_access accounting.contacts accounting.invoices "
                    "accounting.payments accounting.settings")


# The sandbox's own app predates 2 March 2026: it may ask for classic or granular scopes.
STORE = TokenStore("xero", ACCESS_TTL, REFRESH_IDLE, CODE_TTL, DEFAULT_CLIENT_ID,
                   {"secret": DEFAULT_CLIENT_SECRET, "granular_only": False}, rotation_grace=ROTATION_GRACE,
                   bad_client_status=400, grant_tables=("connections",), invalid_refresh="invalid_grant")
state = STORE.state
check_client = STORE.check_client
revoke_token = STORE.revoke_token
revoke_grant = STORE.revoke_grant


def register_app(tree: dict[str, Any], client_id: str, client_secret: str, granular_only: bool = True) -> None:
    """A new app: created after 2 March 2026, so granular scopes only unless said otherwise."""
    state(tree)["apps"][client_id] = {"secret": client_secret, "granular_only": bool(granular_only)}


def check_scope(tree: dict[str, Any], client_id: str, scope: str) -> list[str]:
    """The requested scopes, or OAuthError invalid_scope (unknown, or classic for a granular-only app)."""
    wanted = scope.split()
    unknown = [s for s in wanted if s not in KNOWN_SCOPES]
    if unknown:
        raise OAuthError("invalid_scope", f"Unknown scope(s): {' '.join(unknown)}")
    if check_client(tree, client_id)["granular_only"]:
        classic = [s for s in wanted if s in CLASSIC_SCOPES]
        if classic:
            raise OAuthError("invalid_scope", "This app was created after 2 March 2026 and must use granular "
                             f"scopes instead of: {' '.join(classic)}")
    if not any(s.startswith("accounting.") for s in wanted):
        raise OAuthError("invalid_scope", "At least one accounting scope is required")
    return wanted


def _pair(oauth: dict[str, Any], grant_id: str, now: datetime) -> dict[str, Any]:
    grant = oauth["grants"][grant_id]
    scopes = grant["scope"].split()
    access, refresh = STORE.mint(oauth, {"grant": grant_id, "client_id": grant["client_id"]}, now,
                                 with_refresh="offline_access" in scopes)
    out: dict[str, Any] = {"access_token": access, "expires_in": int(ACCESS_TTL.total_seconds()),
                           "token_type": "Bearer", "scope": grant["scope"]}
    if "openid" in scopes:
        out["id_token"] = f"xero-id-{secrets.token_urlsafe(16)}"
    if refresh:
        out["refresh_token"] = refresh
    return out


def connect(tree: dict[str, Any], client_id: str, tenants: list[tuple[str, str]], scope: str,
            now: datetime) -> str:
    """A new grant with one connection per (tenant_id, tenant_name); returns the grant id."""
    oauth = state(tree)
    grant_id = str(uuid.uuid4())
    auth_event = str(uuid.uuid4())
    oauth["grants"][grant_id] = {"client_id": client_id, "scope": scope, "auth_event": auth_event}
    for tenant_id, _name in tenants:
        connection_id = str(uuid.uuid4())
        oauth["connections"][connection_id] = {"grant": grant_id, "client_id": client_id, "tenant_id": tenant_id,
                                               "auth_event": auth_event, "created": now, "updated": now}
    return grant_id


def issue(tree: dict[str, Any], client_id: str, tenants: list[tuple[str, str]], scope: str,
          now: datetime) -> dict[str, Any]:
    oauth = state(tree)
    STORE.prune(oauth, now)
    return _pair(oauth, connect(tree, client_id, tenants, scope, now), now)


def refresh(tree: dict[str, Any], client_id: str, refresh_token: str, now: datetime) -> dict[str, Any]:
    # The token used stays good for the grace period only (a retry after a lost response).
    return STORE.refresh(tree, client_id, refresh_token, now, _pair)


def create_code(tree: dict[str, Any], client_id: str, redirect_uri: str, tenants: list[tuple[str, str]],
                scope: str, now: datetime) -> str:
    return STORE.create_code(tree, client_id, redirect_uri, now,
                             {"tenants": [list(t) for t in tenants], "scope": scope})


def exchange_code(tree: dict[str, Any], client_id: str, code: str, redirect_uri: str,
                  now: datetime) -> dict[str, Any]:
    row = STORE.take_code(tree, client_id, code, now)
    if row is None:
        raise OAuthError("invalid_grant", "invalid_grant")
    if row["redirect_uri"] != redirect_uri:
        raise OAuthError("invalid_grant", "redirect_uri does not match the authorization request")
    return issue(tree, client_id, [(str(t[0]), str(t[1])) for t in row["tenants"]], row["scope"], now)


def access(tree: dict[str, Any], token: str, now: datetime) -> tuple[dict[str, Any] | None, str]:
    """(grant row with "grant_id", "") for a valid access token, else (None, reason)."""
    oauth = state(tree)
    row = oauth["access"].get(token)
    if row is None or row["grant"] not in oauth["grants"]:
        return None, "AuthenticationUnsuccessful"
    if row["expires_at"] <= now:
        return None, f"TokenExpired: token expired at {row['expires_at'].strftime('%m/%d/%Y %H:%M:%S')}"
    return {**oauth["grants"][row["grant"]], "grant_id": row["grant"]}, ""


def connections_of(tree: dict[str, Any], grant_id: str) -> list[tuple[str, dict[str, Any]]]:
    return [(cid, row) for cid, row in state(tree)["connections"].items() if row["grant"] == grant_id]


def connected(tree: dict[str, Any], grant_id: str, tenant_id: str) -> bool:
    return any(row["tenant_id"] == tenant_id for _, row in connections_of(tree, grant_id))


def _grants_of_tenant(tree: dict[str, Any], tenant_id: str) -> set[str]:
    return {row["grant"] for row in state(tree)["connections"].values() if row["tenant_id"] == tenant_id}


def revoke_tenant(tree: dict[str, Any], tenant_id: str) -> None:
    STORE.revoke_grants(tree, _grants_of_tenant(tree, tenant_id))


def expire_access(tree: dict[str, Any], tenant_id: str, now: datetime) -> None:
    grants = _grants_of_tenant(tree, tenant_id)
    STORE.expire_access(tree, now, lambda row: row["grant"] in grants)
