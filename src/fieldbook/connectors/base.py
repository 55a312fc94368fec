"""The connector interface: how the sync engine speaks to any ledger.

A connector is built from a Connection's settings, a token store and an httpx client (the one
seam to the outside world; tests pass a transport). The engine never sees vendor field names:
it hands over canonical records wrapped in steps, journals the requests `prepare` renders, and
feeds each journalled request to `send` unchanged, as many times as it takes.
"""

from __future__ import annotations

import hashlib
import threading
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar, Protocol

import httpx

from fieldbook.connectors.errors import LedgerError
from fieldbook.connectors.limiter import BudgetStore
from fieldbook.connectors.profile import LedgerProfile
from fieldbook.connectors.records import (
    CompanyInfo,
    CustomerRecord,
    InvoiceRecord,
    ReadResult,
    ReferenceData,
    Totals,
)
from fieldbook.core.clock import Clock

# Fixed namespace: keys must be the same in every process and after every restart.
KEY_NAMESPACE = uuid.UUID("6f1c1b8e-5d0a-4b8e-9a57-1f1e7c0b2a10")


def request_key(connection_id: str, member_ids: Sequence[str], body: bytes) -> str:
    """Deterministic idempotency key: 32 hex characters, within QBO's requestid (36 on a batch),
    Xero's Idempotency-Key (128) and Sage's idempotency_id. The body is hashed before any key
    field is written into it."""
    digest = hashlib.sha256(body).hexdigest()
    return uuid.uuid5(KEY_NAMESPACE, f"{connection_id}|{','.join(member_ids)}|{digest}").hex


def marker(org_slug: str, number: str) -> str:
    """Our hidden-field marker: tells "mine" from "someone else's" after an uncertain outcome."""
    return f"fieldbook:{org_slug}:{number}"


# --- settings and tokens -------------------------------------------------------------------


@dataclass(frozen=True)
class Mapping:
    """The user's choices in Settings: our tax codes to the ledger's, defaults for lines."""

    tax_codes: dict[str, str] = field(default_factory=dict)
    default_item: str = ""
    income_account: str = ""
    payment_terms: str = ""
    invoice_status: str = ""


@dataclass(frozen=True)
class ConnectionSettings:
    connection_id: str
    org_slug: str
    ledger: str
    base_url: str  # API root, e.g. https://quickbooks.api.intuit.com or http://127.0.0.1:8765/quickbooks
    auth_url: str  # OAuth root (authorize/token/revoke live under it); may equal base_url locally
    client_id: str
    client_secret: str = field(repr=False)  # never in a log line or an assertion message
    redirect_uri: str = ""
    company_id: str = ""  # QBO realmId, Xero tenant id, Sage business id
    home_currency: str = "GBP"
    mapping: Mapping = field(default_factory=Mapping)
    options: dict[str, Any] = field(default_factory=dict)  # batch_size, backoff_cap, limits...


@dataclass(frozen=True)
class TokenSet:
    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    expires_at: datetime
    refresh_expires_at: datetime | None = None
    company_id: str = ""


class TokenStore(Protocol):
    """Where a connection's tokens live. `save` must be durable (committed) when it returns:
    the rotated refresh token is saved before the new access token is ever used."""

    def load(self) -> TokenSet | None: ...

    def save(self, tokens: TokenSet) -> None: ...

    def lock(self) -> AbstractContextManager[None]:
        """A short lock serialising refreshes of one connection across processes."""
        ...


class CachedTokens:
    """A token store read once per connector, not once per HTTP call: concurrent sends from
    worker threads then never touch the caller's storage. Taking the refresh lock drops the
    cached copy, so a refresh always judges the stored tokens (another process may have rotated
    them)."""

    def __init__(self, inner: TokenStore) -> None:
        self.inner = inner
        self._cached: TokenSet | None = None
        self._mutex = threading.Lock()

    def load(self) -> TokenSet | None:
        with self._mutex:
            if self._cached is None:
                self._cached = self.inner.load()
            return self._cached

    def save(self, tokens: TokenSet) -> None:
        self.inner.save(tokens)
        with self._mutex:
            self._cached = tokens

    @contextmanager
    def lock(self) -> Iterator[None]:
        with self.inner.lock():
            with self._mutex:
                self._cached = None
            yield


# --- steps, requests, results --------------------------------------------------------------


class RecordKind(StrEnum):
    CUSTOMER = "customer"
    INVOICE = "invoice"


class Operation(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    VOID = "void"


@dataclass(frozen=True)
class Step:
    """One record's change, planned by the engine. `id` is deterministic (run + kind + number);
    for updates `record.ledger_id`/`record.version` carry the ledger's id and lock token, and an
    invoice's `record.customer_ledger_id` is filled in once its customer step has finished."""

    id: str
    kind: RecordKind
    operation: Operation
    record: CustomerRecord | InvoiceRecord
    depends_on: tuple[str, ...] = ()
    # A create the user selected to replace our record voided in the ledger (its flags set
    # again): the ledger's id of the voided copy, which may keep the same number there.
    replaces_voided: str = ""


@dataclass(frozen=True)
class Request:
    """A rendered HTTP request, journalled before it is sent and resent byte for byte.
    `parts` maps each member step to its handle inside the request (QBO batch bId)."""

    key: str
    method: str
    path: str
    members: tuple[str, ...]
    body: bytes = b""
    params: tuple[tuple[str, str], ...] = ()
    headers: tuple[tuple[str, str], ...] = ()
    parts: tuple[tuple[str, str], ...] = ()


class ResultStatus(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    VOIDED = "voided"
    FAILED = "failed"


@dataclass(frozen=True)
class StepResult:
    step_id: str
    status: ResultStatus
    ledger_id: str = ""
    ledger_number: str = ""
    version: str = ""
    record: CustomerRecord | InvoiceRecord | None = None  # the ledger's copy after the write
    error: LedgerError | None = None


@dataclass(frozen=True)
class Attempt:
    """One HTTP exchange, as the journal keeps it (cf. Saleor's EventDeliveryAttempt)."""

    key: str
    status: int | None
    duration_ms: int
    excerpt: str
    error_class: str = ""
    at: datetime | None = None


@dataclass(frozen=True)
class SendOutcome:
    results: tuple[StepResult, ...]
    attempt: Attempt


@dataclass(frozen=True)
class Found:
    """A ledger record found by our number; `mine` when it carries our marker."""

    record: CustomerRecord | InvoiceRecord
    mine: bool


# --- the interface ---------------------------------------------------------------------------


class Connector(ABC):
    """One ledger. Kept under ~15 methods on purpose (cf. NetBox's DataBackend)."""

    profile: ClassVar[LedgerProfile]  # what the ledger declares (connectors.profile)
    name: str = ""
    label: str = ""
    # Requests the engine may have in flight at once for this company (the ledger's concurrency
    # limit; the limiter enforces it across processes too).
    max_concurrency: int = 1

    def __init__(
        self,
        settings: ConnectionSettings,
        tokens: TokenStore,
        client: httpx.Client,
        clock: Clock,
        on_attempt: Callable[[Attempt], None] | None = None,
        *,
        budget: BudgetStore | None = None,
        patience: float | None = None,
        company: CompanyInfo | None = None,
    ) -> None:
        """`budget`: the company's rate budget shared by every process (None: this connector's
        own); `patience`: the most a call may wait on it (None: as long as needed; a web request
        passes a small number and gets `Throttled` instead); `company`: the rules Connect read."""
        self.settings = settings
        self.tokens: TokenStore = CachedTokens(tokens)
        self.client = client
        self.clock = clock
        self.on_attempt = on_attempt
        self.budget = budget
        self.patience = patience

    # reads
    @abstractmethod
    def company_info(self) -> CompanyInfo: ...

    @abstractmethod
    def reference_data(self) -> ReferenceData: ...

    @abstractmethod
    def customers(self, since: datetime | None = None) -> ReadResult[CustomerRecord]: ...

    @abstractmethod
    def invoices(self, since: datetime | None = None) -> ReadResult[InvoiceRecord]: ...

    @abstractmethod
    def read(self, kind: RecordKind, ledger_id: str) -> CustomerRecord | InvoiceRecord:
        """The current ledger copy (raises NotFound); used after a Conflict."""

    # writes
    @abstractmethod
    def prepare(self, steps: Sequence[Step]) -> list[Request]:
        """Render steps into requests (batched, ordered). Every step whose dependencies are
        already resolved appears in exactly one request; the connector refuses what its ledger
        cannot take by raising nothing: it returns a failed StepResult from `send` instead."""

    @abstractmethod
    def send(self, request: Request) -> SendOutcome:
        """Send a journalled request as is. Raises Retriable / Uncertain / ReconnectRequired for
        the whole request; per-record refusals come back as FAILED results."""

    @abstractmethod
    def lookup(self, step: Step) -> Found | None:
        """Find the ledger record carrying this step's number and tell whether it is ours."""

    @abstractmethod
    def predict_totals(self, invoice: InvoiceRecord) -> Totals | None:
        """The totals this ledger will compute, or None when the ledger computes tax itself."""

    # connect (the web-app authorization-code flow)
    def authorization_url(self, state: str | None = None) -> tuple[str, str]:
        """The consent URL and the state to keep in the user's session."""
        raise NotImplementedError(f"{self.label} cannot connect through OAuth")

    def connect(self, callback_url: str, state: str) -> CompanyInfo:
        """Finish Connect from the callback URL: tokens saved, the company read."""
        raise NotImplementedError(f"{self.label} cannot connect through OAuth")

    # tokens
    def keep_alive(self) -> bool:
        """Use the refresh token so an idle connection does not lapse (the rotated token saved
        before anything uses it). False: this ledger has no tokens to keep alive."""
        return False

    def disconnect(self) -> bool:
        """Revoke Fieldbook's access at the ledger. False: nothing was revoked (no tokens, or
        the ledger has no way to revoke)."""
        return False


# --- registry ---------------------------------------------------------------------------------

_REGISTRY: dict[str, type[Connector]] = {}


def register(cls: type[Connector]) -> type[Connector]:
    _REGISTRY[cls.name] = cls
    return cls


def get_connector_class(name: str) -> type[Connector]:
    try:
        return _REGISTRY[name]
    except KeyError:
        raise KeyError(f"No connector for ledger {name!r}; known: {sorted(_REGISTRY)}") from None


def registered() -> Iterator[tuple[str, type[Connector]]]:
    yield from sorted(_REGISTRY.items())
