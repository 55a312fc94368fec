"""The only place that speaks QuickBooks Online's protocol: URLs, headers, minorversion, requestid,
query paging, CDC and batch envelopes. Everything goes through the OAuth session (401 → refresh
and retry once), the limiter (reference §9) and the error boundary (faults.py).
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

import httpx

from fieldbook.connectors.base import Attempt, ConnectionSettings
from fieldbook.connectors.errors import LedgerError, Retriable, Uncertain
from fieldbook.connectors.limiter import Backoff, Limiter, Throttled, retry_after_seconds
from fieldbook.connectors.oauth import OAuthEndpoints, OAuthSession
from fieldbook.connectors.quickbooks import faults
from fieldbook.connectors.quickbooks.profile import PROFILE, SCOPE
from fieldbook.core.clock import Clock

PRODUCTION = PROFILE.environments[0].api_root
# §1: minorversion floor is 75 and values above are unconfirmed: send 75 explicitly.
MINOR_VERSION = "75"
MAX_RESULTS = 1000  # §5: MAXRESULTS max 1000
CDC_CAP = 1000  # §7: at most 1,000 objects per CDC reply, silently truncated


def endpoints_for(settings: ConnectionSettings) -> OAuthEndpoints:
    """Intuit's real OAuth hosts, or the same paths under a local sandbox root (§11)."""
    root = (settings.auth_url or settings.base_url).rstrip("/")
    host = urlsplit(root).hostname or ""
    if host.endswith("intuit.com"):
        return OAuthEndpoints(
            authorize_url="https://appcenter.intuit.com/connect/oauth2",
            token_url="https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer",
            revoke_url="https://developer.api.intuit.com/v2/oauth2/tokens/revoke",
            scope=SCOPE,
        )
    return OAuthEndpoints(
        authorize_url=f"{root}/connect/oauth2",
        token_url=f"{root}/oauth2/v1/tokens/bearer",
        revoke_url=f"{root}/v2/oauth2/tokens/revoke",
        scope=SCOPE,
    )


def dumps(body: Any) -> bytes:
    """Compact JSON with Decimals written as exact JSON numbers, never through float (DESIGN
    "Money"): each Decimal becomes a string carrying a one-off nonce, then loses its quotes."""
    nonce = uuid.uuid4().hex

    def default(o: Any) -> Any:
        if isinstance(o, Decimal):
            return f"{nonce}{format(o, 'f')}"
        raise TypeError(f"not JSON serialisable: {type(o).__name__}")

    text = json.dumps(body, default=default, separators=(",", ":"), ensure_ascii=False)
    text = re.sub(f'"{nonce}(-?[0-9]+(?:\\.[0-9]+)?)"', r"\1", text)
    return text.encode("utf-8")


def server_time(body: Mapping[str, Any]) -> datetime | None:
    """The reply's `time` (ISO with offset): the watermark for the next incremental read (DESIGN
    "Money, tax and time": from the ledger's clock, never ours)."""
    value = body.get("time")
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    return None


def _as_throttled(error: LedgerError, wait: float) -> Throttled:
    return Throttled(
        "QuickBooks asked us to slow down: too many requests for this company just now.",
        code="3001", retry_after=wait, status=error.status, detail=error.detail,
        fix="What Fieldbook already holds is shown; try again in a few seconds.",
    )  # fmt: skip


def quote(value: str) -> str:
    """A query literal: §5, backslash escapes the quote."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


class QboApi:
    def __init__(
        self,
        settings: ConnectionSettings,
        session: OAuthSession,
        client: httpx.Client,
        clock: Clock,
        limiter: Limiter,
        backoff: Backoff,
        on_attempt: Callable[[Attempt], None] | None = None,
    ) -> None:
        self.settings = settings
        self.session = session
        self.client = client
        self.clock = clock
        self.limiter = limiter
        self.backoff = backoff
        self.on_attempt = on_attempt
        self.calls = 0
        self.cdc_cap = int(settings.options.get("cdc_cap", CDC_CAP))

    @property
    def realm(self) -> str:
        tokens = self.session.store.load()
        return self.settings.company_id or (tokens.company_id if tokens else "")

    def url(self, path: str) -> str:
        root = (self.settings.base_url or PRODUCTION).rstrip("/")
        return f"{root}/v3/company/{self.realm}/{path.lstrip('/')}"

    # --- one exchange, with limiter, back-off and classification ------------------------------

    def exchange(
        self,
        method: str,
        path: str,
        *,
        params: tuple[tuple[str, str], ...] = (),
        body: bytes = b"",
        key: str = "",
        items: int = 1,
        idempotent_read: bool = False,
        content_type: str = "application/json",
    ) -> tuple[dict[str, Any], Attempt]:
        """Send until answered: Retriable errors wait (Retry-After, else about a second for the
        per-second throttle and up to 60 s for the per-minute one, capped) and resend the same
        bytes under the same requestid; a read also retries Uncertain (nothing to duplicate). An
        impatient limiter (a web request) raises instead of waiting. Returns the parsed body and
        the last attempt."""
        query = [("minorversion", MINOR_VERSION), *params]
        if key:
            query.append(("requestid", key))  # §10: a repeat replays the original response
        headers = {"Accept": "application/json"}
        if body:
            headers["Content-Type"] = content_type
        batch = path.rstrip("/").endswith("batch")
        cost = {"calls": 1, "items": max(1, items), "batches": 1 if batch else 0}
        attempt_no = 0
        waited = 0.0
        while True:
            attempt_no += 1
            error: LedgerError | None
            response: httpx.Response | None = None
            with self.limiter.spending(cost):
                started = self.clock.monotonic()
                try:
                    self.calls += 1
                    response = self.session.request(
                        method, self.url(path), params=query, content=body or None, headers=headers
                    )
                    error = faults.response_error(response)
                except httpx.TransportError as exc:
                    error = faults.transport_error(exc)
            attempt = self._attempt(key, response, error, started)
            if self.on_attempt is not None:
                self.on_attempt(attempt)
            if error is None and response is not None:
                hint = retry_after_seconds({k.lower(): v for k, v in response.headers.items()})
                if hint:
                    self.limiter.block_for(min(hint, self.backoff.cap))
                return faults.loads(response.content), attempt
            assert error is not None
            retry = isinstance(error, Retriable) or (idempotent_read and isinstance(error, Uncertain))
            if not retry or attempt_no >= self.backoff.max_attempts:
                raise error
            wait = self._wait_after(error, attempt_no)
            if self.limiter.patience is not None and waited + wait > self.limiter.patience:
                # A web request answers now with what it has (DESIGN principle 4); the pause is
                # already in the shared budget for everyone else.
                raise _as_throttled(error, wait) if error.code == "3001" else error
            waited += wait
            if error.code != "3001":
                self.clock.sleep(wait)  # only this request waits; the budget is not the problem

    def _wait_after(self, error: LedgerError, attempt_no: int) -> float:
        """A throttle pauses the whole company (every process, through the shared budget) for
        what the ledger said, else about a second for the per-second rule, or up to the ledger's
        60 s when our count says the minute is spent. Other retriable errors back off."""
        after = error.retry_after if isinstance(error, Retriable) else None
        if error.code != "3001":
            return self.backoff.delay(attempt_no, after, throttled=False)
        if after is None:
            after = self.limiter.throttle_wait(attempt_no, self.backoff.throttle_default)
        wait = max(0.0, min(self.backoff.cap, after))
        self.limiter.block_for(wait)
        return wait

    def _attempt(
        self, key: str, response: httpx.Response | None, error: LedgerError | None, started: float
    ) -> Attempt:
        excerpt = ""
        if response is not None:
            excerpt = response.content[:500].decode("utf-8", "replace")
        elif error is not None:
            excerpt = error.message
        return Attempt(
            key=key,
            status=response.status_code if response is not None else None,
            duration_ms=int((self.clock.monotonic() - started) * 1000),
            excerpt=excerpt,
            error_class=error.kind if error is not None else "",
            at=self.clock.now(),
        )

    # --- reads -----------------------------------------------------------------------------------

    def get(self, path: str) -> dict[str, Any]:
        return self.exchange("GET", path, idempotent_read=True)[0]

    def query_page(self, statement: str) -> dict[str, Any]:
        return self.exchange("GET", "query", params=(("query", statement),), idempotent_read=True)[0]

    def query_all(self, entity: str, where: str = "") -> tuple[list[dict[str, Any]], datetime | None]:
        """Every row, paged by STARTPOSITION (1-based) and MAXRESULTS 1000 (§5). The watermark is
        the first page's server time: anything changed later shows up in the next read."""
        rows: list[dict[str, Any]] = []
        watermark: datetime | None = None
        start = 1
        clause = f" WHERE {where}" if where else ""
        while True:
            statement = f"SELECT * FROM {entity}{clause} STARTPOSITION {start} MAXRESULTS {MAX_RESULTS}"  # noqa: S608
            body = self.query_page(statement)
            if watermark is None:
                watermark = server_time(body)
            page = body.get("QueryResponse", {}).get(entity, [])  # empty = no entity key (§2)
            rows.extend(page)
            if len(page) < MAX_RESULTS:
                return rows, watermark
            start += MAX_RESULTS

    def cdc(self, entities: str, changed_since: datetime) -> tuple[dict[str, list[dict[str, Any]]], datetime | None]:
        """One CDC call (§7): changed objects per entity, deleted ones with status Deleted."""
        body, _ = self.exchange(
            "GET",
            "cdc",
            params=(("entities", entities), ("changedSince", changed_since.isoformat())),
            idempotent_read=True,
        )
        found: dict[str, list[dict[str, Any]]] = {}
        for block in body.get("CDCResponse", []):
            for response in block.get("QueryResponse", []):
                for name, rows in response.items():
                    if isinstance(rows, list):
                        found.setdefault(name, []).extend(rows)
        return found, server_time(body)

    # --- writes ----------------------------------------------------------------------------------

    def batch(self, body: bytes, key: str, items: int) -> tuple[dict[str, Any], Attempt]:
        return self.exchange("POST", "batch", body=body, key=key, items=items)
