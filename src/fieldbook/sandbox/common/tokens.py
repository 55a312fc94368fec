"""OAuth 2.0 token bookkeeping shared by every ledger's sandbox.

The rows live in the ledger's state tree under "oauth" (apps, codes, access, refresh, grants and
any tables a ledger adds), so a served sandbox keeps them in its state file. What differs between
ledgers is a parameter of `TokenStore`: token and code lifetimes, how a used refresh token is
rotated out (spent at once, or good for a grace period), how long expired rows are kept, and the
status of a bad client. Each ledger's tokens.py keeps its own grant shape, token bodies, error
texts and access check.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

Row = dict[str, Any]


class OAuthError(Exception):
    def __init__(self, error: str, description: str = "", status: int = 400) -> None:
        super().__init__(description or error)
        self.error = error
        self.description = description
        self.status = status


@dataclass(frozen=True)
class TokenStore:
    prefix: str  # tokens read "<prefix>-at-…", "<prefix>-rt-…", codes "<prefix>-code-…"
    access_ttl: timedelta
    refresh_ttl: timedelta
    code_ttl: timedelta
    default_client_id: str
    default_app: Mapping[str, Any]  # the sandbox's own app, there from the start
    # None: a used refresh token is spent at once. Else it stays good this long (a retry after a
    # lost answer); with grace_latest_only, only the newest token of the grant gets cut short.
    rotation_grace: timedelta | None = None
    grace_latest_only: bool = False
    keep_expired: timedelta = timedelta(0)  # expired rows kept so long (to tell expired from unknown)
    bad_client_status: int = 401
    grant_tables: tuple[str, ...] = ()  # tables whose rows belong to a grant and go with it
    invalid_refresh: str = ""  # the error_description of a refused refresh token
    _tables: tuple[str, ...] = field(init=False, default=())

    def __post_init__(self) -> None:
        object.__setattr__(self, "_tables", ("apps", "codes", "access", "refresh", "grants", *self.grant_tables))

    def state(self, tree: dict[str, Any]) -> dict[str, Any]:
        oauth: dict[str, Any] = tree.setdefault("oauth", {})
        for key in self._tables:
            oauth.setdefault(key, {})
        oauth["apps"].setdefault(self.default_client_id, dict(self.default_app))
        return oauth

    def register_app(self, tree: dict[str, Any], client_id: str, client_secret: str) -> None:
        self.state(tree)["apps"][client_id] = {"secret": client_secret}

    def check_client(self, tree: dict[str, Any], client_id: str, client_secret: str | None = None) -> Row:
        """The app's row, or OAuthError invalid_client (unknown id, or a secret that does not match)."""
        app: Row | None = self.state(tree)["apps"].get(client_id)
        if app is None or (client_secret is not None and not secrets.compare_digest(app["secret"], client_secret)):
            raise OAuthError("invalid_client", "Invalid client credentials", status=self.bad_client_status)
        return app

    def prune(self, oauth: dict[str, Any], now: datetime) -> None:
        for kind in ("access", "refresh", "codes"):
            table = oauth[kind]
            for token in [t for t, row in table.items() if row["expires_at"] <= now - self.keep_expired]:
                del table[token]

    def open_grant(self, tree: dict[str, Any], grant: Row, now: datetime) -> str:
        """Store a new grant (an app's consent) and return its id; stale rows are pruned first."""
        oauth = self.state(tree)
        self.prune(oauth, now)
        grant_id = f"g{len(oauth['grants']) + 1}-{secrets.token_hex(4)}"
        oauth["grants"][grant_id] = grant
        return grant_id

    def mint(self, oauth: dict[str, Any], base: Row, now: datetime, with_refresh: bool = True) -> tuple[str, str]:
        """A new access token (and refresh token, else "") for the grant `base["grant"]`, rows from `base`."""
        access = f"{self.prefix}-at-{secrets.token_urlsafe(24)}"
        oauth["access"][access] = {**base, "expires_at": now + self.access_ttl}
        if not with_refresh:
            return access, ""
        refresh = f"{self.prefix}-rt-{secrets.token_urlsafe(24)}"
        oauth["refresh"][refresh] = {**base, "expires_at": now + self.refresh_ttl}
        if self.grace_latest_only:
            oauth["grants"][base["grant"]]["latest_refresh"] = refresh
        return access, refresh

    def use_refresh(self, tree: dict[str, Any], client_id: str, refresh_token: str, now: datetime) -> Row:
        """The row of a refresh token being used (now rotated out), or OAuthError invalid_grant."""
        oauth = self.state(tree)
        row: Row | None = oauth["refresh"].get(refresh_token)
        if row is None or row["client_id"] != client_id:
            raise OAuthError("invalid_grant", self.invalid_refresh)
        if self.rotation_grace is None:
            # Spent by this use whatever happens next: a lost answer loses the grant.
            del oauth["refresh"][refresh_token]
        if row["expires_at"] <= now or row["grant"] not in oauth["grants"]:
            raise OAuthError("invalid_grant", self.invalid_refresh)
        latest = oauth["grants"][row["grant"]].get("latest_refresh") == refresh_token
        if self.rotation_grace is not None and (latest or not self.grace_latest_only):
            row["expires_at"] = min(row["expires_at"], now + self.rotation_grace)
        return row

    def refresh(self, tree: dict[str, Any], client_id: str, refresh_token: str, now: datetime,
                pair: Callable[[dict[str, Any], str, datetime], Row]) -> Row:
        """The refresh_token grant: rotate the token out, and `pair` makes the new tokens' body."""
        row = self.use_refresh(tree, client_id, refresh_token, now)
        return pair(self.state(tree), row["grant"], now)

    def create_code(self, tree: dict[str, Any], client_id: str, redirect_uri: str, now: datetime,
                    fields: Row) -> str:
        code = f"{self.prefix}-code-{secrets.token_urlsafe(18)}"
        self.state(tree)["codes"][code] = {"client_id": client_id, "redirect_uri": redirect_uri, **fields,
                                           "expires_at": now + self.code_ttl}
        return code

    def take_code(self, tree: dict[str, Any], client_id: str, code: str, now: datetime) -> Row | None:
        """The code's row if it is this client's and still good, else None; a code is used once."""
        row: Row | None = self.state(tree)["codes"].pop(code, None)
        if row is None or row["expires_at"] <= now or row["client_id"] != client_id:
            return None
        return row

    def revoke_token(self, tree: dict[str, Any], client_id: str, token: str) -> None:
        """Revoking any token of a grant revokes the whole grant."""
        oauth = self.state(tree)
        row = oauth["refresh"].get(token) or oauth["access"].get(token)
        if row is not None and row["client_id"] == client_id:
            self.revoke_grant(tree, row["grant"])

    def revoke_grant(self, tree: dict[str, Any], grant_id: str) -> None:
        oauth = self.state(tree)
        oauth["grants"].pop(grant_id, None)
        for kind in ("access", "refresh", *self.grant_tables):
            for key in [k for k, row in oauth[kind].items() if row["grant"] == grant_id]:
                del oauth[kind][key]

    def revoke_grants(self, tree: dict[str, Any], grant_ids: Iterable[str]) -> None:
        for grant_id in list(grant_ids):
            self.revoke_grant(tree, grant_id)

    def expire_access(self, tree: dict[str, Any], now: datetime, which: Callable[[Row], bool]) -> None:
        """Access tokens for which `which(row)` holds expire now (a control call's "expire")."""
        for row in self.state(tree)["access"].values():
            if which(row) and row["expires_at"] > now:
                row["expires_at"] = now
