"""The connector's TokenStore on a Connection row: saved tokens are committed when `save`
returns, and refreshes are serialised across processes by a compare-and-set lock."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from fieldbook.connectors.base import TokenSet
from fieldbook.integration.models import Connection

# Longer than the HTTP client's read timeout (60 s): a slow token call must never let a second
# process refresh with the same refresh token (Sage has no grace period). A crashed holder
# frees the lock after this long.
TOKEN_LOCK_SECONDS = 120


class ConnectionTokenStore:
    def __init__(self, connection_id: int) -> None:
        self.connection_id = connection_id

    def load(self) -> TokenSet | None:
        c = Connection.objects.get(pk=self.connection_id)
        if not c.refresh_token or c.access_expires_at is None:
            return None
        return TokenSet(
            access_token=c.access_token, refresh_token=c.refresh_token, expires_at=c.access_expires_at,
            refresh_expires_at=c.refresh_expires_at, company_id=c.company_id,
        )  # fmt: skip

    def save(self, tokens: TokenSet) -> None:
        # Its own transaction, committed on return: the rotated refresh token is on disk before
        # the new access token is used (DESIGN "OAuth tokens").
        with transaction.atomic():
            c = Connection.objects.select_for_update().get(pk=self.connection_id)
            c.access_token = tokens.access_token
            c.refresh_token = tokens.refresh_token
            c.access_expires_at = tokens.expires_at
            c.refresh_expires_at = tokens.refresh_expires_at
            if tokens.company_id:
                c.company_id = tokens.company_id
            c.save(update_fields=["access_token", "refresh_token", "access_expires_at", "refresh_expires_at",
                                  "company_id"])  # fmt: skip

    @contextmanager
    def lock(self) -> Iterator[None]:
        deadline = time.monotonic() + TOKEN_LOCK_SECONDS
        while True:
            now = timezone.now()
            mine = now + timedelta(seconds=TOKEN_LOCK_SECONDS)
            taken = Connection.objects.filter(
                Q(token_lock_until__isnull=True) | Q(token_lock_until__lt=now), pk=self.connection_id
            ).update(token_lock_until=mine)
            if taken:
                break
            if time.monotonic() > deadline:
                raise TimeoutError("Another process is refreshing this connection's tokens.")
            time.sleep(0.05)
        try:
            yield
        finally:
            # Only our own lock: if it expired and someone else took it, theirs stays.
            Connection.objects.filter(pk=self.connection_id, token_lock_until=mine).update(token_lock_until=None)
