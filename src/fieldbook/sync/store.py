"""What the engine keeps, and the storage interfaces it keeps it through.

The engine is pure: it never sees the ORM. `integration/store.py` implements these protocols
with Django models; `sync/memory.py` implements them in memory for the engine's own tests.
Rows are plain dataclasses. An implementation must:
- make every write durable when the method returns (the journal is only worth anything if a
  request is on disk before it is sent);
- return copies, never live objects the engine could mutate behind the store's back;
- keep rows per `connection_id` (links, watermarks) or per `run_id` (steps, journal, attempts).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from fieldbook.connectors.base import Attempt, RecordKind, Request, Step
from fieldbook.connectors.records import CustomerRecord, InvoiceRecord

Record = CustomerRecord | InvoiceRecord


class Transfer(StrEnum):
    CUSTOMERS_UP = "customers_up"  # Fieldbook -> ledger
    CUSTOMERS_DOWN = "customers_down"  # ledger -> Fieldbook
    INVOICES_UP = "invoices_up"  # job and service invoices -> ledger


# --- links -------------------------------------------------------------------------------------


@dataclass
class Link:
    """Our record <-> the ledger's, with each side's synced-field values at the last sync.

    Both sides are kept because each is judged against itself: "did the ledger change?" compares
    the ledger's record today with `ledger_values` (same connector, same rendering), never with
    ours. `ledger_version` short-cuts that: an unchanged version means an unchanged record.
    Unique on (connection_id, kind, local_number) and on (connection_id, kind, ledger_id)."""

    connection_id: str
    kind: RecordKind
    local_number: str
    ledger_id: str
    ledger_version: str | None = None
    ledger_number: str = ""
    local_values: dict[str, str] = field(default_factory=dict)
    ledger_values: dict[str, str] = field(default_factory=dict)
    synced_at: datetime | None = None
    # The number the ledger last received when our record's number has changed since (a
    # customer's account reference): Compare shows it as an Update. '' = `local_number`.
    synced_number: str = ""


# --- runs and steps ----------------------------------------------------------------------------


class RunState(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    PAUSED = "paused"  # reconnect required, or the ledger kept failing: resumable as is
    DONE = "done"


class Mode(StrEnum):
    """How a planned step is carried out."""

    LEDGER = "ledger"  # a write through the connector (journalled)
    LINK = "link"  # no write anywhere: record the link (a strong match or a confirmed candidate)
    LOCAL = "local"  # customers down: create or update the Fieldbook customer


@dataclass(frozen=True)
class PlannedStep:
    """A connector step plus what the engine needs to finish it.

    `local_values` are our side's synced values once the step succeeds (stored in the link);
    `ledger` is the ledger's copy Compare saw (the record a LINK step links to, the base of an
    update, the source of a LOCAL step)."""

    step: Step
    mode: Mode
    local_number: str
    local_values: Mapping[str, str] = field(default_factory=dict)
    ledger: Record | None = None
    note: str = ""
    link_seen: str = ""  # the link Compare saw (link_identity), "" for none

    @property
    def id(self) -> str:
        return self.step.id


def link_identity(link: Link | None) -> str:
    """A link's ledger record and version as one comparable string ("" for no link)."""
    return "" if link is None else f"{link.ledger_id}@{link.ledger_version or ''}"


class OutcomeStatus(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    LINKED = "linked"
    VOIDED = "voided"  # voided in the ledger (it keeps the record, amounts zeroed)
    UNCHANGED = "unchanged"  # the ledger already holds the planned state (another run sent it)
    SKIPPED = "skipped"
    FAILED = "failed"
    CONFLICT = "conflict"  # needs the user: changed on both sides, or a foreign record in the way


@dataclass(frozen=True)
class Outcome:
    """How a step ended. `code` is the ledger's (e.g. QBO 6240), `message` a sentence a
    bookkeeper understands, `fix` what to do next."""

    status: OutcomeStatus
    ledger_id: str = ""
    ledger_number: str = ""
    code: str = ""
    message: str = ""
    fix: str = ""
    at: datetime | None = None


@dataclass
class StepRow:
    run_id: str
    seq: int  # plan order; the engine goes wave by wave in this order
    planned: PlannedStep
    outcome: Outcome | None = None


@dataclass
class Run:
    id: str
    connection_id: str
    transfer: Transfer
    state: RunState = RunState.PENDING
    created_at: datetime | None = None
    heartbeat_at: datetime | None = None
    counts: dict[str, int] = field(default_factory=dict)  # OutcomeStatus value -> steps
    reason: str = ""  # why a run is paused, in words the user reads


# --- the journal -------------------------------------------------------------------------------


class RequestState(StrEnum):
    JOURNALLED = "journalled"  # on disk, never handed to the connector: safe to send
    SENT = "sent"  # handed to the connector at least once, result not recorded: look up first
    DONE = "done"  # every member's outcome is recorded (or the step was re-planned)


@dataclass
class JournalEntry:
    """One rendered request, exactly as it will be (re)sent: key, method, path, params, body
    bytes, headers, members and their parts (QBO batch bIds) — a `connectors.base.Request`."""

    run_id: str
    seq: int
    request: Request
    state: RequestState = RequestState.JOURNALLED
    journalled_at: datetime | None = None


# --- the protocols -----------------------------------------------------------------------------


class LinkStore(Protocol):
    def links(self, connection_id: str, kind: RecordKind) -> list[Link]: ...

    def link(self, connection_id: str, kind: RecordKind, local_number: str) -> Link | None: ...

    def save_link(self, link: Link) -> None:
        """Insert or replace by (connection_id, kind, local_number); a link to the same ledger id
        under another local number is replaced too (a record is linked once)."""
        ...


class WatermarkStore(Protocol):
    def watermark(self, connection_id: str, kind: RecordKind) -> datetime | None: ...

    def save_watermark(self, connection_id: str, kind: RecordKind, at: datetime) -> None: ...

    def keep_ledger_copy(self, connection_id: str, kind: RecordKind, record: Record) -> None:
        """The ledger's copy of a record a run just wrote (or found) joins our copy of the ledger,
        so a Compare planned from that copy sees it without reading the ledger again."""
        ...


class RunStore(Protocol):
    def create_run(self, run: Run, steps: Sequence[PlannedStep]) -> None:
        """The run and all its steps in one transaction, `seq` in the given order."""
        ...

    def run(self, run_id: str) -> Run: ...

    def save_run(self, run: Run) -> None:
        """State, counts, reason and heartbeat."""
        ...

    def heartbeat(self, run_id: str, at: datetime) -> None: ...

    def steps(self, run_id: str) -> list[StepRow]:
        """In `seq` order."""
        ...

    def replace_step(self, run_id: str, planned: PlannedStep) -> None:
        """Same step id, new content: the invoice's customer id filled in, or a newer version
        after a stale-version conflict. Only for steps without an outcome."""
        ...

    def save_outcome(self, run_id: str, step_id: str, outcome: Outcome) -> None: ...


class Journal(Protocol):
    def journal(self, run_id: str, request: Request, at: datetime) -> None:
        """Append in state JOURNALLED; a key already journalled for the run is left as it is."""
        ...

    def mark_request(self, run_id: str, key: str, state: RequestState) -> None: ...

    def requests(self, run_id: str) -> list[JournalEntry]:
        """In journal order."""
        ...

    def record_attempt(self, run_id: str, attempt: Attempt) -> None: ...

    def attempts(self, run_id: str) -> list[Attempt]: ...


class SyncStore(LinkStore, WatermarkStore, RunStore, Journal, Protocol):
    """Everything the engine keeps, for one database."""


class LocalSide(Protocol):
    """Fieldbook's own records, for customers down and for clearing transfer flags."""

    def customers(self) -> list[CustomerRecord]: ...

    def create_customer(self, record: CustomerRecord) -> str:
        """Create a customer from a ledger record; returns our account reference (the record's
        `number` when it has one and it is free, otherwise a new one). Idempotent per
        `record.ledger_id`: a second call for the same ledger record (a run resumed after a crash
        between this call and the link being saved) returns the customer made the first time;
        the ORM keeps that ledger id on the customer row, or writes the link in the same
        transaction."""
        ...

    def update_customer(self, number: str, record: CustomerRecord) -> None:
        """Write the synced fields of `record` onto our customer `number`."""
        ...

    def mark_transferred(self, kind: RecordKind, number: str, ledger_id: str) -> None:
        """Clear the "ready for invoice" flags (or a customer's changed flag) after a transfer."""
        ...
