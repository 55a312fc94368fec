"""Apply: carry out a plan so that every record ends in the ledger exactly once.

The order of writes is the whole design (DESIGN.md "Idempotency and the journal"):
1. a request is journalled (key, exact body, members) before it is sent;
2. it is marked SENT before the connector sees it, so a crash at any later point leaves a
   request that may have committed, which is resolved by looking its members up by our number
   and marker, never by sending blindly;
3. a resend is the journalled request byte for byte (same key: the ledger replays instead of
   writing twice);
4. a step's link is saved before its outcome, so a crash between the two only repeats an
   idempotent link.
Any number of engine instances may take turns on one run (a crash, a sweeper, a reconnect);
each starts by finishing what the journal says was left open.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TypeVar

from fieldbook.connectors.base import (
    Attempt,
    Connector,
    Operation,
    RecordKind,
    Request,
    ResultStatus,
    SendOutcome,
    StepResult,
)
from fieldbook.connectors.errors import (
    Conflict,
    DuplicateName,
    DuplicateNumber,
    LedgerError,
    NotFound,
    ReconnectRequired,
    Retriable,
    Uncertain,
)
from fieldbook.connectors.records import InvoiceRecord
from fieldbook.core.clock import Clock
from fieldbook.sync.normalise import field_values
from fieldbook.sync.plan import Plan
from fieldbook.sync.resolve import Resolver
from fieldbook.sync.store import (
    Link,
    LocalSide,
    Mode,
    Outcome,
    OutcomeStatus,
    PlannedStep,
    Record,
    RequestState,
    Run,
    RunState,
    StepRow,
    SyncStore,
    Transfer,
    link_identity,
)

T = TypeVar("T")

_STOPPED = (OutcomeStatus.FAILED, OutcomeStatus.SKIPPED, OutcomeStatus.CONFLICT)


@dataclass(frozen=True)
class EngineOptions:
    max_tries: int = 8  # sends of one request (or reads) in a run before it pauses, resumable
    backoff: float = 1.0  # first wait after a retriable error, doubling
    backoff_cap: float = 60.0  # never wait longer than this, whatever Retry-After says
    max_replans: int = 2  # stale-version re-reads of one step before it is a conflict


@dataclass
class _Delivery:
    """One journalled request being carried to an outcome for every member."""

    request: Request
    uncertain: bool  # may have committed: members are looked up before any resend
    tries: int = 0
    replans: list[PlannedStep] = field(default_factory=list)
    done: bool = False


class Pause(Exception):
    """Stop the run, keep every remaining step: reconnect required, or the ledger keeps failing."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Engine:
    def __init__(
        self,
        store: SyncStore,
        connector: Connector,
        clock: Clock,
        *,
        local: LocalSide | None = None,
        options: EngineOptions | None = None,
        on_heartbeat: Callable[[Run], None] | None = None,
        after_thread_send: Callable[[], None] | None = None,
    ) -> None:
        """`after_thread_send` runs in a sending thread after each of its sends (the integration
        closes that thread's database connections, opened by the shared budget or a token
        refresh)."""
        self.store = store
        self.connector = connector
        self.clock = clock
        self.local = local
        self.options = options or EngineOptions()
        self.on_heartbeat = on_heartbeat
        self.after_thread_send = after_thread_send
        self.connection_id = connector.settings.connection_id
        self.run_id = ""
        self.run_created: datetime | None = None
        self.transfer = Transfer.INVOICES_UP
        self.rows: dict[str, StepRow] = {}
        self.resolver = Resolver(self)

    # --- entry points --------------------------------------------------------------------

    def start(self, plan: Plan) -> Run:
        run = Run(plan.run_id, self.connection_id, plan.transfer, created_at=self.clock.now())
        self.store.create_run(run, plan.steps)
        return self.resume(plan.run_id)

    def resume(self, run_id: str) -> Run:
        """Continue a run from its journal: open requests first, then the remaining waves."""
        run = self.store.run(run_id)
        if run.state == RunState.DONE:
            return run
        self.run_id = run_id
        self.run_created = run.created_at
        self.transfer = run.transfer
        self.rows = {row.planned.id: row for row in self.store.steps(run_id)}
        self._save_run(RunState.RUNNING, "")
        try:
            # The open requests are all of one wave (a wave ends before the next is journalled).
            journal = [e for e in self.store.requests(run_id) if e.state != RequestState.DONE]
            self.deliver_all([(e.request, e.state == RequestState.SENT) for e in journal])
            while self._wave():
                self.beat()
        except Pause as pause:
            return self._save_run(RunState.PAUSED, pause.reason)
        return self._save_run(RunState.DONE, "")

    # --- waves ----------------------------------------------------------------------------

    def _wave(self) -> bool:
        """Run every step whose dependencies are finished; False when nothing is left."""
        pending = [row for row in self.rows.values() if row.outcome is None]
        if not pending:
            return False
        ready: list[PlannedStep] = []
        for row in sorted(pending, key=lambda r: r.seq):
            deps = [self.rows.get(d) for d in row.planned.step.depends_on]
            stopped = [d for d in deps if d is None or (d.outcome and d.outcome.status in _STOPPED)]
            if stopped:
                self.finish(row.planned, self._skipped_because(stopped[0]))
            elif all(d is not None and d.outcome is not None for d in deps):
                ready.append(row.planned)
        if not ready:
            # Whatever is left waits on itself: a plan bug, reported rather than looped on.
            for row in pending:
                if row.outcome is None:
                    self.finish(row.planned, Outcome(OutcomeStatus.SKIPPED, message="Its dependency never ran."))
            return True
        ledger_steps: list[PlannedStep] = []
        # One read of the links per wave, not one per record.
        customers = {link.local_number: link for link in self.store.links(self.connection_id, RecordKind.CUSTOMER)}
        links = {RecordKind.CUSTOMER: customers}
        if any(p.step.kind == RecordKind.INVOICE for p in ready):
            invoices = self.store.links(self.connection_id, RecordKind.INVOICE)
            links[RecordKind.INVOICE] = {link.local_number: link for link in invoices}
        for planned in ready:
            if planned.mode == Mode.LEDGER and self._sent_since_planned(planned, links.get(planned.step.kind, {})):
                message = "The ledger already holds this record as planned: another run sent it since."
                self.finish(planned, Outcome(OutcomeStatus.UNCHANGED, message=message))
            elif planned.mode == Mode.LINK:
                assert planned.ledger is not None and planned.ledger.ledger_id
                self.succeed(planned, OutcomeStatus.LINKED, planned.ledger)
            elif planned.mode == Mode.LOCAL:
                self._apply_locally(planned)
            else:
                filled = self._with_customer(planned, customers)
                if filled is not None:
                    ledger_steps.append(filled)
        self.send_steps(ledger_steps)
        return True

    def _sent_since_planned(self, planned: PlannedStep, links: dict[str, Link]) -> bool:
        """Another run (a second tab, a retry) linked this record, with the same local values we
        were about to send, after this run was planned: sending again could only fail as stale
        or duplicate (issue 10 §4)."""
        link = links.get(planned.local_number)
        if link is None or self.run_created is None or link.synced_at is None:
            return False
        if link.synced_at < self.run_created or dict(link.local_values) != dict(planned.local_values):
            return False
        # The link Compare saw is still there, unchanged: nobody sent it since (a forced re-send of
        # an unchanged record, or a re-creation after the ledger's copy was voided): it must go.
        return link_identity(link) != planned.link_seen

    def _skipped_because(self, dep: StepRow | None) -> Outcome:
        if dep is None or dep.outcome is None:
            return Outcome(OutcomeStatus.SKIPPED, message="It depends on a step missing from this run.")
        what = f"{dep.planned.step.kind.value} {dep.planned.local_number}"
        detail = f": {dep.outcome.message}" if dep.outcome.message else ""
        return Outcome(
            OutcomeStatus.SKIPPED,
            code=dep.outcome.code,
            message=f"Not sent because its {what} {dep.outcome.status.value}{detail}",
            fix=dep.outcome.fix or f"Fix the {dep.planned.step.kind.value}, then sync this again.",
        )

    def _with_customer(self, planned: PlannedStep, customers: dict[str, Link]) -> PlannedStep | None:
        """Fill an invoice's customer id from the links (its customer step, if any, is done)."""
        record = planned.step.record
        if not isinstance(record, InvoiceRecord) or planned.step.operation == Operation.VOID:
            return planned  # a void names the ledger's invoice by id: no customer needed
        link = customers.get(record.customer_number)
        if link is None and not record.customer_ledger_id:
            message = f"Its customer {record.customer_number} is not in the ledger."
            fix = "Sync the customer (or select it with this invoice), then sync this again."
            self.finish(planned, Outcome(OutcomeStatus.SKIPPED, message=message, fix=fix))
            return None
        if link is None or link.ledger_id == record.customer_ledger_id:
            return planned
        filled = replace(planned, step=replace(planned.step, record=replace(record, customer_ledger_id=link.ledger_id)))
        # Persisted before it is rendered: a lookup after a crash needs the same step.
        self.store.replace_step(self.run_id, filled)
        self.rows[planned.id].planned = filled
        return filled

    def send_steps(self, steps: Sequence[PlannedStep]) -> None:
        if not steps:
            return
        try:
            # prepare may read (company rules, a token refresh): a reconnect pauses the run and a
            # transient error waits, like any read; only a refusal fails the steps.
            requests = self.retrying(lambda: self.connector.prepare([p.step for p in steps]))
        except LedgerError as e:
            for planned in steps:
                self.fail(planned, e)
            return
        for request in requests:
            self.store.journal(self.run_id, request, self.clock.now())
        self.deliver_all([(request, False) for request in requests])
        for planned in steps:
            if self.rows[planned.id].outcome is None and not self.resolver.replanned(planned.id):
                message = "The connector did not render this record."
                self.finish(planned, Outcome(OutcomeStatus.FAILED, message=message))

    # --- one request ----------------------------------------------------------------------

    def pending(self, request: Request) -> list[PlannedStep]:
        rows = (self.rows.get(m) for m in request.members)
        return [r.planned for r in rows if r is not None and r.outcome is None]

    def deliver(self, request: Request, *, uncertain: bool) -> None:
        self.deliver_all([(request, uncertain)])

    def deliver_all(self, pending: Sequence[tuple[Request, bool]]) -> None:
        """Send journalled requests until every member has an outcome (or is re-planned). The
        requests of one wave are independent (a customer goes a wave before the invoices that
        need it), so they are sent concurrently, up to the connector's limit (issue 10 §5); every
        write to the store stays on this thread, in the order a lone request would make it."""
        jobs = [_Delivery(request, uncertain) for request, uncertain in pending]
        active = list(jobs)
        limit = max(1, self.connector.max_concurrency)
        while active:
            sending: list[tuple[_Delivery, list[PlannedStep]]] = []
            for job in active:
                if len(sending) >= limit:
                    break  # marked SENT only when really sent: a crash leaves no more to look up
                open_steps = self._open_steps(job)
                if not open_steps:
                    job.done = True
                    self.store.mark_request(self.run_id, job.request.key, RequestState.DONE)
                    self.beat()
                    continue
                if job.tries >= self.options.max_tries:
                    raise Pause("The ledger kept failing; the run will continue from where it stopped.")
                job.tries += 1
                self.store.mark_request(self.run_id, job.request.key, RequestState.SENT)
                sending.append((job, open_steps))
            wait = 0.0
            for (job, open_steps), (sent, started, ended) in zip(sending, self._send([j.request for j, _ in sending]),
                                                                  strict=True):  # fmt: skip
                if isinstance(sent, LedgerError):
                    self._attempt(job.request, ended - started, sent)
                    after, uncertain = self._after_error(sent, job.tries, open_steps, job.replans)
                    job.uncertain = job.uncertain or uncertain
                    wait = max(wait, after)
                    continue
                self.store.record_attempt(self.run_id, sent.attempt)
                results = {r.step_id: r for r in sent.results}
                for planned in open_steps:
                    result = results.get(planned.id)
                    if result is None or isinstance(result.error, Uncertain):
                        job.uncertain = True  # no (certain) word on this member: look it up before resending
                    else:
                        self._take_result(planned, result, job.replans)
            if wait > 0:
                self.clock.sleep(min(wait, self.options.backoff_cap))
            active = [job for job in active if not job.done]
        for job in jobs:
            self.send_steps(job.replans)

    def _open_steps(self, job: _Delivery) -> list[PlannedStep]:
        replanned = {r.id for r in job.replans}
        open_steps = [p for p in self.pending(job.request) if p.id not in replanned]
        if job.uncertain and open_steps:
            self.resolver.by_lookup(open_steps)
            open_steps = [p for p in open_steps if self.rows[p.id].outcome is None]
        return open_steps

    def _send(self, requests: list[Request]) -> list[tuple[SendOutcome | LedgerError, float, float]]:
        """Each request's outcome (or whole-request error) with its start and end times."""

        def one(request: Request) -> tuple[SendOutcome | LedgerError, float, float]:
            started = self.clock.monotonic()
            try:
                return self.connector.send(request), started, self.clock.monotonic()
            except LedgerError as e:
                return e, started, self.clock.monotonic()

        def in_thread(request: Request) -> tuple[SendOutcome | LedgerError, float, float]:
            try:
                return one(request)
            finally:
                if self.after_thread_send is not None:
                    self.after_thread_send()

        workers = min(len(requests), max(1, self.connector.max_concurrency))
        if workers <= 1:
            return [one(request) for request in requests]
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="fieldbook-send") as pool:
            return list(pool.map(in_thread, requests))

    def _after_error(self, e: LedgerError, tries: int, steps: list[PlannedStep],
                     replans: list[PlannedStep]) -> tuple[float, bool]:  # fmt: skip
        """Handle an error for the whole request: (seconds to wait before the next try, whether
        it may have committed)."""
        if isinstance(e, ReconnectRequired):
            raise Pause(f"Reconnect required: {e.message}")
        if isinstance(e, Retriable | Uncertain):
            wait = e.retry_after if isinstance(e, Retriable) and e.retry_after else self._backoff(tries)
            return wait, isinstance(e, Uncertain)
        for planned in steps:
            if isinstance(e, Conflict):
                self.resolver.stale(planned, replans)
            else:
                self.fail(planned, e)
        return 0.0, False

    def _take_result(self, planned: PlannedStep, result: StepResult, replans: list[PlannedStep]) -> None:
        if result.status != ResultStatus.FAILED:
            status = {ResultStatus.CREATED: OutcomeStatus.CREATED,
                      ResultStatus.VOIDED: OutcomeStatus.VOIDED}.get(result.status, OutcomeStatus.UPDATED)  # fmt: skip
            record = result.record or replace(planned.step.record, ledger_id=result.ledger_id, version=result.version)
            self.succeed(planned, status, record, result.ledger_id, result.ledger_number, result.version,
                         ledger_copy=result.record is not None)  # fmt: skip
            return
        error = result.error or LedgerError("The ledger refused this record without saying why.")
        if isinstance(error, DuplicateNumber | DuplicateName) and planned.step.operation == Operation.CREATE:
            self.resolver.duplicate(planned, error)
        elif isinstance(error, Conflict):
            self.resolver.stale(planned, replans)
        elif isinstance(error, NotFound):
            self.fail(planned, error, fix="It was deleted in the ledger; compare again.")
        else:
            self.fail(planned, error)

    def _attempt(self, request: Request, seconds: float, e: LedgerError) -> None:
        attempt = Attempt(request.key, e.status, int(seconds * 1000), e.message[:500], e.kind, self.clock.now())
        self.store.record_attempt(self.run_id, attempt)

    def _backoff(self, tries: int) -> float:
        return min(self.options.backoff_cap, self.options.backoff * 2 ** (tries - 1))

    def retrying(self, call: Callable[[], T]) -> T:
        """A read (lookup, re-read) with the same patience as a send; reads are always safe to
        repeat, so an uncertain read is simply retried."""
        for tries in range(1, self.options.max_tries + 1):
            try:
                return call()
            except ReconnectRequired as e:
                raise Pause(f"Reconnect required: {e.message}") from e
            except (Retriable, Uncertain) as e:
                wait = e.retry_after if isinstance(e, Retriable) and e.retry_after else self._backoff(tries)
                self.clock.sleep(min(wait, self.options.backoff_cap))
        raise Pause("The ledger kept failing to answer a lookup; the run will continue later.")

    # --- outcomes -------------------------------------------------------------------------

    def _apply_locally(self, planned: PlannedStep) -> None:
        if self.local is None:
            raise RuntimeError("A customers-down run needs the local side")
        record, ledger = planned.step.record, planned.ledger
        assert ledger is not None and not isinstance(record, InvoiceRecord)
        try:
            if planned.step.operation == Operation.CREATE:
                number = self.local.create_customer(record)
                planned = replace(planned, local_number=number)
                status = OutcomeStatus.CREATED
            else:
                self.local.update_customer(planned.local_number, record)
                status = OutcomeStatus.UPDATED
        except Exception as e:  # one bad record never stops the run
            message = f"Fieldbook could not save this customer: {e}"
            # The local side may say what to do (a ledger value too long for our field).
            fix = str(getattr(e, "fix", "")) or (
                "Check the customer in Fieldbook (it may have been deleted or renamed), then compare again.")
            self.finish(planned, Outcome(OutcomeStatus.FAILED, message=message, fix=fix, at=self.clock.now()))
            return
        self.succeed(planned, status, ledger)

    def succeed(
        self,
        planned: PlannedStep,
        status: OutcomeStatus,
        ledger: Record,
        ledger_id: str = "",
        ledger_number: str = "",
        version: str | None = None,
        *,
        ledger_copy: bool = False,
    ) -> None:
        """`ledger_copy`: `ledger` is the ledger's own copy after the write (not ours with its id)."""
        ledger_id = ledger_id or ledger.ledger_id or ""
        number = ledger_number or getattr(ledger, "ledger_number", "") or ledger.number
        link = Link(
            self.connection_id,
            planned.step.kind,
            planned.local_number,
            ledger_id,
            version or ledger.version,
            number,
            dict(planned.local_values),
            field_values(ledger),
            self.clock.now(),
        )
        self.store.save_link(link)
        if ledger_copy and ledger_id:
            self.store.keep_ledger_copy(self.connection_id, planned.step.kind, ledger)
        if self.local is not None and self.transfer != Transfer.CUSTOMERS_DOWN:
            self.local.mark_transferred(planned.step.kind, planned.local_number, ledger_id)
        self.finish(planned, Outcome(status, ledger_id, number, at=self.clock.now()))

    def fail(self, planned: PlannedStep, e: LedgerError, *, fix: str = "") -> None:
        outcome = Outcome(OutcomeStatus.FAILED, code=e.code, message=e.message, fix=e.fix or fix)
        self.finish(planned, outcome)

    def finish(self, planned: PlannedStep, outcome: Outcome) -> None:
        if outcome.at is None:
            outcome = replace(outcome, at=self.clock.now())
        self.store.save_outcome(self.run_id, planned.id, outcome)
        self.rows[planned.id].outcome = outcome

    # --- the run row ----------------------------------------------------------------------

    def counts(self) -> dict[str, int]:
        return dict(Counter(row.outcome.status.value for row in self.rows.values() if row.outcome))

    def beat(self) -> None:
        self.store.heartbeat(self.run_id, self.clock.now())
        if self.on_heartbeat is not None:
            run = self.store.run(self.run_id)
            run.counts = self.counts()
            self.on_heartbeat(run)

    def _save_run(self, state: RunState, reason: str) -> Run:
        run = self.store.run(self.run_id)
        run.state = state
        run.reason = reason
        run.counts = self.counts()
        run.heartbeat_at = self.clock.now()
        self.store.save_run(run)
        return run
