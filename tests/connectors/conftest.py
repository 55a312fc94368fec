"""Shared pieces for connector tests: an in-memory token store (with a crash switch) and settings."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from fieldbook.connectors.base import ConnectionSettings, Mapping, TokenSet
from fieldbook.core.clock import VirtualClock


class MemoryTokenStore:
    """A TokenStore: `crash_on_save` makes the next save fail as if the process died there."""

    def __init__(self, tokens: TokenSet | None = None) -> None:
        self.tokens = tokens
        self.saves: list[TokenSet] = []
        self.crash_on_save = False
        self.locks = 0
        self._lock = threading.Lock()

    def load(self) -> TokenSet | None:
        return self.tokens

    def save(self, tokens: TokenSet) -> None:
        if self.crash_on_save:
            self.crash_on_save = False
            raise SystemExit("crashed between refresh and save")
        self.tokens = tokens
        self.saves.append(tokens)

    @contextmanager
    def lock(self) -> Iterator[None]:
        with self._lock:
            self.locks += 1
            yield


def qbo_settings(base: str = "http://sandbox.test/quickbooks", realm: str = "9130", **options: object
                 ) -> ConnectionSettings:
    return ConnectionSettings(
        connection_id="conn-1",
        org_slug="acme",
        ledger="quickbooks",
        base_url=base,
        auth_url=base,
        client_id="fieldbook-sandbox-qbo",
        client_secret="s3cret",
        redirect_uri="http://localhost:8000/integration/callback",
        company_id=realm,
        mapping=Mapping(tax_codes={"S": "3", "R": "4", "Z": "5"}, default_item="1"),
        options={"backoff_cap": 5.0, **options},
    )


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock()
