"""An in-memory ledger and its connector, with the faults the engine must survive.

The fake behaves like the ledgers where it matters to exactly-once: a request id is replayed
instead of executed twice, numbers and names are unique, updates carry a version, and a batch's
items succeed or fail one by one. Faults are queued per send:
- "retriable": refused before anything is committed (429 with Retry-After);
- "uncertain": the connection drops before the ledger sees the request;
- "commit_then_drop": the ledger commits, then the answer is lost;
- "reconnect": the refresh token was revoked.
Per-item refusals come from `reject` (by our number); someone editing in the ledger is `edit`.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from decimal import Decimal
from itertools import count

from fieldbook.connectors.base import (
    Attempt,
    ConnectionSettings,
    Connector,
    Found,
    Operation,
    RecordKind,
    Request,
    ResultStatus,
    SendOutcome,
    Step,
    StepResult,
    marker,
    request_key,
)
from fieldbook.connectors.errors import (
    Conflict,
    DuplicateName,
    DuplicateNumber,
    LedgerError,
    NotFound,
    Permanent,
    ReconnectRequired,
    Retriable,
    Uncertain,
)
from fieldbook.connectors.records import (
    CompanyInfo,
    CustomerRecord,
    InvoiceRecord,
    ReadResult,
    ReferenceData,
    Totals,
)
from fieldbook.core.clock import Clock
from fieldbook.sync import codec
from fieldbook.sync.normalise import name_key
from tests.sync.factories import ORG, money

CONNECTION = "conn-1"
SETTINGS = ConnectionSettings(CONNECTION, ORG, "fake", "http://fake", "http://fake", "id", "secret")


@dataclass
class FakeLedger:
    customers: dict[str, CustomerRecord] = field(default_factory=dict)
    invoices: dict[str, InvoiceRecord] = field(default_factory=dict)
    faults: list[str | tuple[str, float]] = field(default_factory=list)  # one per send, in order
    reject: dict[str, LedgerError] = field(default_factory=dict)
    replays: dict[str, tuple[StepResult, ...]] = field(default_factory=dict)
    received: list[tuple[str, bytes]] = field(default_factory=list)  # (key, body) of every send
    commits: Counter[tuple[str, str]] = field(default_factory=Counter)  # creates per (kind, number)
    _ids: count[int] = field(default_factory=lambda: count(100))

    def table(self, kind: RecordKind) -> dict:
        return self.customers if kind == RecordKind.CUSTOMER else self.invoices

    def edit(self, kind: RecordKind, ledger_id: str, **changes: object) -> None:
        """Someone saves the record in the ledger: a new version, whatever changed."""
        table = self.table(kind)
        current = table[ledger_id]
        table[ledger_id] = replace(current, **changes, version=str(int(current.version or 0) + 1))

    def add_foreign(self, record: CustomerRecord | InvoiceRecord) -> str:
        ledger_id = str(next(self._ids))
        self.table(_kind(record))[ledger_id] = replace(record, ledger_id=ledger_id, version="0", marker="")
        return ledger_id

    def execute(
        self, kind: RecordKind, op: Operation, step_id: str, record: CustomerRecord | InvoiceRecord
    ) -> StepResult:
        table = self.table(kind)
        if record.number in self.reject:
            return StepResult(step_id, ResultStatus.FAILED, error=self.reject[record.number])
        if op == Operation.UPDATE:
            current = table.get(record.ledger_id or "")
            if current is None:
                return StepResult(step_id, ResultStatus.FAILED, error=NotFound("Object Not Found", code="610"))
            if current.version != record.version:
                return StepResult(step_id, ResultStatus.FAILED, error=Conflict("Stale Object", code="5010"))
            saved = replace(record, version=str(int(current.version) + 1), marker=current.marker)
            table[current.ledger_id] = saved
            return StepResult(step_id, ResultStatus.UPDATED, saved.ledger_id or "", saved.number, saved.version, saved)
        if isinstance(record, CustomerRecord):
            if any(name_key(c.name) == name_key(record.name) for c in self.customers.values()):
                return StepResult(step_id, ResultStatus.FAILED, error=DuplicateName("Duplicate Name", code="6240"))
        else:
            if any(i.number == record.number for i in self.invoices.values()):
                return StepResult(step_id, ResultStatus.FAILED, error=DuplicateNumber("Duplicate", code="6140"))
            if record.customer_ledger_id not in self.customers:
                return StepResult(step_id, ResultStatus.FAILED, error=Permanent("Invalid Reference Id", code="2500"))
        ledger_id = str(next(self._ids))
        saved = replace(record, ledger_id=ledger_id, version="0", marker=marker(ORG, record.number))
        table[ledger_id] = saved
        self.commits[(kind.value, record.number)] += 1
        return StepResult(step_id, ResultStatus.CREATED, ledger_id, record.number, "0", saved)


def _kind(record: CustomerRecord | InvoiceRecord) -> RecordKind:
    return RecordKind.CUSTOMER if isinstance(record, CustomerRecord) else RecordKind.INVOICE


class FakeConnector(Connector):
    name = "fake"

    def __init__(self, ledger: FakeLedger, clock: Clock, batch_size: int = 3) -> None:
        super().__init__(SETTINGS, tokens=None, client=None, clock=clock)  # type: ignore[arg-type]
        self.ledger = ledger
        self.batch_size = batch_size

    def company_info(self) -> CompanyInfo:
        return CompanyInfo("1", "Fake Books", "GB", "GBP")

    def reference_data(self) -> ReferenceData:
        return ReferenceData()

    def customers(self, since: datetime | None = None) -> ReadResult[CustomerRecord]:
        return ReadResult(tuple(self.ledger.customers.values()), datetime.now(UTC))

    def invoices(self, since: datetime | None = None) -> ReadResult[InvoiceRecord]:
        return ReadResult(tuple(self.ledger.invoices.values()), datetime.now(UTC))

    def read(self, kind: RecordKind, ledger_id: str) -> CustomerRecord | InvoiceRecord:
        try:
            return self.ledger.table(kind)[ledger_id]
        except KeyError:
            raise NotFound("Object Not Found", code="610") from None

    def prepare(self, steps: Sequence[Step]) -> list[Request]:
        ordered = sorted(steps, key=lambda s: s.kind != RecordKind.CUSTOMER)
        requests = []
        for start in range(0, len(ordered), self.batch_size):
            chunk = ordered[start : start + self.batch_size]
            items = [
                {
                    "bId": str(i),
                    "step": s.id,
                    "op": s.operation.value,
                    "kind": s.kind.value,
                    "record": codec.dump(s.record),
                }
                for i, s in enumerate(chunk, 1)
            ]
            body = json.dumps({"items": items}, sort_keys=True).encode()
            members = tuple(s.id for s in chunk)
            key = request_key(CONNECTION, members, body)
            parts = tuple((s.id, str(i)) for i, s in enumerate(chunk, 1))
            requests.append(Request(key, "POST", "/batch", members, body, parts=parts))
        return requests

    def send(self, request: Request) -> SendOutcome:
        self.ledger.received.append((request.key, request.body))
        fault = self.ledger.faults.pop(0) if self.ledger.faults else None
        name, after = (fault, None) if not isinstance(fault, tuple) else fault
        if name == "retriable":
            raise Retriable("The request limit was reached", retry_after=after, status=429, code="3001")
        if name == "uncertain":
            raise Uncertain("The connection dropped before an answer")
        if name == "reconnect":
            raise ReconnectRequired("invalid_grant", code="invalid_grant")
        results = self.ledger.replays.get(request.key)
        if results is None:
            items = json.loads(request.body)["items"]
            results = tuple(
                self.ledger.execute(
                    RecordKind(item["kind"]),
                    Operation(item["op"]),
                    item["step"],
                    codec.load(CustomerRecord | InvoiceRecord, item["record"]),  # type: ignore[arg-type]
                )
                for item in items
            )
            self.ledger.replays[request.key] = results
        if name == "commit_then_drop":
            raise Uncertain("Connection reset after the request was sent")
        return SendOutcome(results, Attempt(request.key, 200, 12, '{"BatchItemResponse": [...]}'))

    def lookup(self, step: Step) -> Found | None:
        for record in self.ledger.table(step.kind).values():
            if record.number == step.record.number:
                return Found(record, record.marker == marker(ORG, step.record.number))
        return None

    def predict_totals(self, invoice: InvoiceRecord) -> Totals | None:
        net = sum((ln.net_amount for ln in invoice.lines), Decimal(0))
        tax = money(sum((ln.net_amount * ln.tax_rate / 100 for ln in invoice.lines), Decimal(0)))
        return Totals(net, tax, net + tax)
