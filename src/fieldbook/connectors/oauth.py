"""OAuth 2 for every ledger: the authorization-code flow and token refresh through our token store.

DESIGN "OAuth tokens": refresh ahead of expiry under a short token lock, commit the rotated
refresh token before the new access token is used, `invalid_grant` means "reconnect required".
Authlib builds the URLs and token bodies; the httpx client handed in carries every request
(token calls included) so tests can count them at the transport. Authlib's own automatic refresh
is not used: a refresh that is not saved first is how rotated refresh tokens get lost (QBO
reference §16 "Refresh-token rotation loss").
"""

from __future__ import annotations

import base64
import json
import logging
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

import httpx
from authlib.common.security import generate_token
from authlib.oauth2.rfc6749.errors import MismatchingStateException, MissingCodeException
from authlib.oauth2.rfc6749.parameters import (
    parse_authorization_code_response,
    prepare_grant_uri,
    prepare_token_request,
)

from fieldbook.connectors.base import ConnectionSettings, TokenSet, TokenStore
from fieldbook.connectors.errors import LedgerError, Permanent, ReconnectRequired, Retriable, Uncertain
from fieldbook.connectors.profile import OAuthDialect, RevokeBody
from fieldbook.core.clock import Clock

log = logging.getLogger(__name__)

# Refresh this long before the access token lapses (QBO access tokens live 1 h, §11), so a batch
# sent just before expiry does not bounce on 401.
DEFAULT_REFRESH_MARGIN = timedelta(minutes=5)


@dataclass(frozen=True)
class OAuthEndpoints:
    authorize_url: str
    token_url: str
    revoke_url: str = ""
    scope: str = ""


def _basic(client_id: str, client_secret: str) -> str:
    raw = f"{client_id}:{client_secret}".encode("latin-1")
    return "Basic " + base64.b64encode(raw).decode("ascii")


class OAuthSession:
    """Tokens for one connection. `request` adds the bearer token and, on a 401, refreshes and
    retries once (DESIGN "Errors": 401 / QBO 3200 are handled inside the auth layer)."""

    def __init__(
        self,
        settings: ConnectionSettings,
        endpoints: OAuthEndpoints,
        store: TokenStore,
        client: httpx.Client,
        clock: Clock,
        refresh_margin: timedelta = DEFAULT_REFRESH_MARGIN,
        dialect: OAuthDialect | None = None,
    ) -> None:
        """`dialect`: where the ledger departs from the plain RFC (its profile says)."""
        self.settings = settings
        self.endpoints = endpoints
        self.store = store
        self.client = client
        self.clock = clock
        self.refresh_margin = refresh_margin
        self.dialect = dialect or OAuthDialect()
        self.refresh_count = 0

    # --- the authorization-code flow ---------------------------------------------------------

    def authorization_url(self, state: str | None = None) -> tuple[str, str]:
        """The consent URL and the state to keep in the user's session (CSRF check)."""
        state = state or generate_token(32)
        url = prepare_grant_uri(
            self.endpoints.authorize_url,
            self.settings.client_id,
            "code",
            redirect_uri=self.settings.redirect_uri,
            scope=self.endpoints.scope or None,
            state=state,
        )
        return str(url), state

    def exchange_code(self, callback_url: str, state: str) -> TokenSet:
        """Turn the callback (code, state, and the company when the ledger names it there) into
        saved tokens."""
        try:
            params = parse_authorization_code_response(callback_url, state=state)
        except MismatchingStateException:
            raise Permanent(
                "The sign-in reply did not match the request Fieldbook made.",
                code="state_mismatch",
                fix="Start Connect again from Settings.",
            ) from None
        except MissingCodeException:
            raise ReconnectRequired(
                "The ledger did not grant access.", code="access_denied", fix="Start Connect again."
            ) from None
        body = prepare_token_request(
            "authorization_code", code=params["code"], redirect_uri=self.settings.redirect_uri
        )
        payload = self._token_call(body)
        named = params.get(self.dialect.company_param, "") if self.dialect.company_param else ""
        company = str(named) or self.settings.company_id
        tokens = self._token_set(payload, previous=None, company_id=company)
        self.store.save(tokens)
        return tokens

    def revoke(self) -> bool:
        """Revoke the refresh token (and with it the access token) at the ledger. False when
        there is nothing to revoke or the ledger has no revoke endpoint."""
        tokens = self.store.load()
        if tokens is None or not self.endpoints.revoke_url:
            return False
        headers = {"Authorization": _basic(self.settings.client_id, self.settings.client_secret)}
        if self.dialect.revoke_body == RevokeBody.JSON:
            body: dict[str, Any] = {"json": {"token": tokens.refresh_token}}
        else:  # RFC 7009
            body = {"data": {"token": tokens.refresh_token, "token_type_hint": "refresh_token"}}
        try:
            response = self.client.post(self.endpoints.revoke_url, headers=headers, **body)
        except httpx.TransportError as exc:
            raise Retriable("Could not reach the ledger's sign-in service.", code="connect") from exc
        return response.status_code < 400

    # --- access tokens -----------------------------------------------------------------------

    def current(self) -> TokenSet:
        tokens = self.store.load()
        if tokens is None:
            raise ReconnectRequired(
                "Fieldbook is not connected to this ledger.", code="no_tokens", fix="Connect in Settings."
            )
        return tokens

    def access_token(self) -> str:
        tokens = self.current()
        if tokens.expires_at - self.refresh_margin <= self.clock.now():
            tokens = self.refresh(stale_access=tokens.access_token)
        return tokens.access_token

    def refresh(self, stale_access: str | None = None) -> TokenSet:
        """Refresh under the token lock. Another process may have refreshed while we waited for
        the lock: then its saved tokens are used and no second refresh is spent."""
        with self.store.lock():
            tokens = self.current()
            fresh = tokens.expires_at - self.refresh_margin > self.clock.now()
            if stale_access is not None and tokens.access_token != stale_access and fresh:
                return tokens
            body = prepare_token_request("refresh_token", refresh_token=tokens.refresh_token)
            payload = self._token_call(body)
            new = self._token_set(payload, previous=tokens, company_id=tokens.company_id)
            # Saved (committed) before the new access token is ever used: QBO rotates the refresh
            # token on every refresh and the old one dies 24 h later (§11).
            self.store.save(new)
            self.refresh_count += 1
            return new

    def request(self, method: str, url: str, **kw: Any) -> httpx.Response:
        """One authorised exchange; on 401 refresh and retry exactly once."""
        base_headers = dict(kw.pop("headers", None) or {})

        def send(token: str) -> httpx.Response:
            headers = {**base_headers, "Authorization": f"Bearer {token}"}
            return self.client.request(method, url, headers=headers, **kw)

        token = self.access_token()
        response = send(token)
        if response.status_code != 401:
            return response
        fresh = self.refresh(stale_access=token)
        return send(fresh.access_token)

    # --- internals ---------------------------------------------------------------------------

    def _token_call(self, body: str) -> dict[str, Any]:
        headers = {
            "Authorization": _basic(self.settings.client_id, self.settings.client_secret),
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "application/json",
        }
        try:
            response = self.client.post(self.endpoints.token_url, content=body, headers=headers)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            raise Retriable("Could not reach the ledger's sign-in service.", code="connect") from exc
        except httpx.TransportError as exc:
            # A refresh that may have happened: the old refresh token still works for QBO's 24 h
            # grace (§11), so trying again later is safe.
            raise Uncertain("The ledger's sign-in service did not answer.", code="timeout") from exc
        try:
            payload = json.loads(response.content or b"{}")
        except ValueError:
            payload = {}
        if not isinstance(payload, dict):
            payload = {}
        if response.status_code == 200 and "access_token" in payload:
            return payload
        error = str(payload.get("error", ""))
        if error in ("invalid_grant", "invalid_client", "unauthorized_client"):
            log.warning("token endpoint refused the grant: %s", error)  # never the token itself
            raise ReconnectRequired(
                "The ledger no longer accepts Fieldbook's sign-in for this company.",
                code=error,
                detail=str(payload.get("error_description", "")),
                fix="Reconnect in Settings; queued work is kept and resumes afterwards.",
                status=response.status_code,
            )
        if response.status_code == 429 or response.status_code >= 500:
            raise Retriable(
                "The ledger's sign-in service is busy.", code=str(response.status_code),
                status=response.status_code,
            )
        raise LedgerError(
            "The ledger's sign-in service gave an unexpected answer.",
            code=error or str(response.status_code),
            status=response.status_code,
        )

    def _token_set(self, payload: dict[str, Any], previous: TokenSet | None, company_id: str) -> TokenSet:
        now = self.clock.now()
        field = self.dialect.refresh_expiry_field
        refresh_expires = payload.get(field) if field else None
        tokens = TokenSet(
            access_token=str(payload["access_token"]),
            # A ledger that does not rotate may omit refresh_token: keep the one we have.
            refresh_token=str(payload.get("refresh_token") or (previous.refresh_token if previous else "")),
            expires_at=now + timedelta(seconds=int(payload.get("expires_in", 3600))),
            refresh_expires_at=(
                now + timedelta(seconds=int(refresh_expires))
                if refresh_expires is not None
                else (previous.refresh_expires_at if previous else None)
            ),
            company_id=company_id,
        )
        return tokens if previous is None else replace(tokens, company_id=previous.company_id or company_id)
