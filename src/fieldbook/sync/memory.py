"""In-memory implementations of the storage interfaces, for tests and the bench.

They behave like a database would where the engine can tell: rows are copied in and out (an
engine holding a row cannot change the store behind its back), and everything written is there
for the next engine instance that opens the same store.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from fieldbook.connectors.base import Attempt, RecordKind, Request
from fieldbook.connectors.records import CustomerRecord
from fieldbook.sync.store import (
    JournalEntry,
    Link,
    Outcome,
    PlannedStep,
    Record,
    RequestState,
    Run,
    StepRow,
)


class MemoryStore:
    """A `SyncStore` in dictionaries."""

    def __init__(self) -> None:
        self._links: dict[tuple[str, RecordKind, str], Link] = {}
        self._by_ledger: dict[tuple[str, RecordKind, str], str] = {}  # ledger id -> our number
        self._rows: dict[tuple[str, str], StepRow] = {}
        self._watermarks: dict[tuple[str, RecordKind], datetime] = {}
        self.ledger_copies: dict[tuple[str, RecordKind, str], Record] = {}
        self._runs: dict[str, Run] = {}
        self._steps: dict[str, list[StepRow]] = {}
        self._journal: dict[str, list[JournalEntry]] = {}
        self._attempts: dict[str, list[Attempt]] = {}

    # links
    # Copies out and in, as a database would give: a caller never shares our objects. Shallow
    # copies with their dicts copied are enough (the records inside are frozen), and cheap enough
    # that bench/day.py measures the engine rather than deep copies.
    def links(self, connection_id: str, kind: RecordKind) -> list[Link]:
        return [
            _copy_link(link)
            for (conn, k, _), link in sorted(self._links.items())
            if conn == connection_id and k == kind
        ]

    def link(self, connection_id: str, kind: RecordKind, local_number: str) -> Link | None:
        found = self._links.get((connection_id, kind, local_number))
        return _copy_link(found) if found else None

    def save_link(self, link: Link) -> None:
        # A ledger record is linked once: the link it had under another local number goes.
        other = self._by_ledger.get((link.connection_id, link.kind, link.ledger_id))
        if other is not None and other != link.local_number:
            self._links.pop((link.connection_id, link.kind, other), None)
        old = self._links.get((link.connection_id, link.kind, link.local_number))
        if old is not None and self._by_ledger.get((link.connection_id, link.kind, old.ledger_id)) == link.local_number:
            del self._by_ledger[(link.connection_id, link.kind, old.ledger_id)]
        self._links[(link.connection_id, link.kind, link.local_number)] = _copy_link(link)
        self._by_ledger[(link.connection_id, link.kind, link.ledger_id)] = link.local_number

    # watermarks
    def watermark(self, connection_id: str, kind: RecordKind) -> datetime | None:
        return self._watermarks.get((connection_id, kind))

    def save_watermark(self, connection_id: str, kind: RecordKind, at: datetime) -> None:
        self._watermarks[(connection_id, kind)] = at

    def keep_ledger_copy(self, connection_id: str, kind: RecordKind, record: Record) -> None:
        self.ledger_copies[(connection_id, kind, record.ledger_id or "")] = record

    # runs and steps
    def create_run(self, run: Run, steps: Sequence[PlannedStep]) -> None:
        if run.id in self._runs:
            raise ValueError(f"Run {run.id} already exists")
        self._runs[run.id] = copy.deepcopy(run)
        self._steps[run.id] = [StepRow(run.id, seq, planned) for seq, planned in enumerate(steps)]
        self._rows.update({(run.id, row.planned.id): row for row in self._steps[run.id]})
        self._journal[run.id] = []
        self._attempts[run.id] = []

    def run(self, run_id: str) -> Run:
        return copy.deepcopy(self._runs[run_id])

    def save_run(self, run: Run) -> None:
        self._runs[run.id] = copy.deepcopy(run)

    def heartbeat(self, run_id: str, at: datetime) -> None:
        self._runs[run_id].heartbeat_at = at

    def steps(self, run_id: str) -> list[StepRow]:
        return [copy.copy(row) for row in self._steps[run_id]]  # planned steps and outcomes are frozen

    def _row(self, run_id: str, step_id: str) -> StepRow:
        try:
            return self._rows[(run_id, step_id)]
        except KeyError:
            raise KeyError(f"No step {step_id} in run {run_id}") from None

    def replace_step(self, run_id: str, planned: PlannedStep) -> None:
        row = self._row(run_id, planned.id)
        if row.outcome is not None:
            raise ValueError(f"Step {planned.id} already has an outcome")
        row.planned = planned

    def save_outcome(self, run_id: str, step_id: str, outcome: Outcome) -> None:
        self._row(run_id, step_id).outcome = outcome

    # journal
    def journal(self, run_id: str, request: Request, at: datetime) -> None:
        entries = self._journal[run_id]
        if any(entry.request.key == request.key for entry in entries):
            return
        entries.append(JournalEntry(run_id, len(entries), request, RequestState.JOURNALLED, at))

    def mark_request(self, run_id: str, key: str, state: RequestState) -> None:
        for entry in self._journal[run_id]:
            if entry.request.key == key:
                entry.state = state
                return
        raise KeyError(f"No request {key} in run {run_id}")

    def requests(self, run_id: str) -> list[JournalEntry]:
        return copy.deepcopy(self._journal[run_id])

    def record_attempt(self, run_id: str, attempt: Attempt) -> None:
        self._attempts[run_id].append(attempt)

    def attempts(self, run_id: str) -> list[Attempt]:
        return list(self._attempts[run_id])


def _copy_link(link: Link) -> Link:
    return replace(link, local_values=dict(link.local_values), ledger_values=dict(link.ledger_values))


class MemoryLocalSide:
    """A `LocalSide`: Fieldbook's customers in a dict, plus what was marked transferred."""

    def __init__(self, customers: Sequence[CustomerRecord] = ()) -> None:
        self.records: dict[str, CustomerRecord] = {c.number: c for c in customers}
        self.transferred: list[tuple[RecordKind, str, str]] = []
        self.created_from: dict[str, str] = {}  # ledger id -> our number, for idempotent creates
        self._next = 1

    def customers(self) -> list[CustomerRecord]:
        return [self.records[number] for number in sorted(self.records)]

    def create_customer(self, record: CustomerRecord) -> str:
        if record.ledger_id and record.ledger_id in self.created_from:
            return self.created_from[record.ledger_id]
        number = record.number
        while not number or number in self.records:
            number = f"C{self._next:05d}"
            self._next += 1
        self.records[number] = replace(record, number=number, ledger_id=None, version=None)
        if record.ledger_id:
            self.created_from[record.ledger_id] = number
        return number

    def update_customer(self, number: str, record: CustomerRecord) -> None:
        current = self.records[number]
        synced = {name: getattr(record, name) for name in CustomerRecord.SYNCED_FIELDS}
        self.records[number] = replace(current, **synced)

    def mark_transferred(self, kind: RecordKind, number: str, ledger_id: str) -> None:
        self.transferred.append((kind, number, ledger_id))
