"""Plan: the user's selection of compared records, turned into ordered steps.

Nothing here talks to a ledger. Steps get deterministic ids (`keys.step_id`), customers come
before the invoices that need them, and anything the user has not decided (a name-only candidate
not confirmed, a field changed on both sides with no side chosen, a record paid or voided in the
ledger) is left out with a reason rather than guessed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from fieldbook.connectors.base import Operation, RecordKind, Step
from fieldbook.connectors.records import CustomerRecord, InvoiceRecord, LedgerState
from fieldbook.sync.compare import Action, Compared, Side
from fieldbook.sync.keys import step_id
from fieldbook.sync.normalise import field_label, field_values
from fieldbook.sync.store import Mode, PlannedStep, Record, Transfer, link_identity

VOID_CONFIRMED = "void"  # confirmed[key] for a record to void in the ledger


@dataclass(frozen=True)
class Selection:
    """What the user ticked on the Compare page.

    `choices[key][field]` picks a side for a field changed on both sides; `confirmed[key]` names
    the counterpart a name-only candidate (or one of several) is to be linked to: the ledger id
    going up, our account reference coming down."""

    keys: frozenset[str]
    choices: Mapping[str, Mapping[str, Side]] = field(default_factory=dict)
    confirmed: Mapping[str, str] = field(default_factory=dict)
    accepted: frozenset[str] = frozenset()  # invoices sent despite Compare's warning (0.00, totals differ)


@dataclass(frozen=True)
class Blocked:
    key: str
    reason: str


@dataclass(frozen=True)
class Plan:
    run_id: str
    transfer: Transfer
    steps: tuple[PlannedStep, ...]
    blocked: tuple[Blocked, ...] = ()


class _NotPlanned(Exception):
    """A selected record that cannot be planned; the message says why, for the user."""


class _Planner:
    def __init__(self, run_id: str, transfer: Transfer, selection: Selection) -> None:
        self.run_id = run_id
        self.up = transfer != Transfer.CUSTOMERS_DOWN
        self.selection = selection
        self.customer_steps: dict[str, PlannedStep] = {}
        self.invoice_steps: list[PlannedStep] = []
        self.blocked: list[Blocked] = []

    def step_for(self, c: Compared) -> PlannedStep:
        """The one step carrying out this compared record, or _NotPlanned. It remembers the link
        Compare saw, so the engine can tell a record another run sent since from one to send."""
        return replace(self._step_for(c), link_seen=link_identity(c.link))

    def _step_for(self, c: Compared) -> PlannedStep:
        if c.totals is not None and c.action in (Action.ADD, Action.UPDATE, Action.CONFLICT):
            # Start Sync never sends what the ledger would refuse, nor, unless the user accepted
            # it on Compare, an invoice whose ledger totals would differ from ours or total 0.00.
            if c.totals.problem:
                raise _NotPlanned(c.totals.problem)
            if c.totals.warning and c.key not in self.selection.accepted:
                raise _NotPlanned(c.totals.warning)
        if c.rename:
            return self._renamed(c)
        if c.action == Action.MERGED:
            return self._deactivate(c)
        if c.action == Action.VOID:
            return self._void(c)
        if c.action == Action.ADD:
            return self._add(c)
        if c.action == Action.LINK:
            if c.needs_confirmation:
                assert c.ledger is not None and c.local is not None
                chosen = c.ledger.ledger_id if self.up else c.local.number
                if self.selection.confirmed.get(c.key) != chosen:
                    raise _NotPlanned("Only the name matches: confirm the link first.")
            return self._link(c, c.local, c.ledger)
        if c.action == Action.CONFLICT and c.candidates:
            return self._choose_candidate(c)
        if c.action in (Action.UPDATE, Action.CONFLICT):
            return self._update(c)
        if c.action == Action.UNCHANGED:
            raise _NotPlanned("Unchanged since the last sync: nothing to do.")
        raise _NotPlanned(c.reason)

    def _id(self, kind: RecordKind, key: str) -> str:
        return step_id(self.run_id, kind, key)

    def _add(self, c: Compared) -> PlannedStep:
        if self.up:
            assert c.local is not None
            record = replace(c.local, ledger_id=None, version=None)
            # Re-sent after a void in the ledger: the voided copy may hold the number there.
            voided = c.link.ledger_id if c.resend and c.link and c.state == LedgerState.VOIDED else ""
            step = Step(self._id(c.kind, c.key), c.kind, Operation.CREATE, record, replaces_voided=voided)
            return PlannedStep(step, Mode.LEDGER, c.local.number, field_values(c.local), None, c.reason)
        assert c.ledger is not None
        step = Step(self._id(c.kind, c.key), c.kind, Operation.CREATE, c.ledger)
        number = c.ledger.number
        return PlannedStep(step, Mode.LOCAL, number, field_values(c.ledger), c.ledger, c.reason)

    def _link(self, c: Compared, local: Record | None, ledger: Record | None) -> PlannedStep:
        # A link writes nothing anywhere: the step's record is ours, carrying the ledger's id.
        assert local is not None and ledger is not None
        record = replace(local, ledger_id=ledger.ledger_id, version=ledger.version)
        step = Step(self._id(c.kind, c.key), c.kind, Operation.UPDATE, record)
        return PlannedStep(step, Mode.LINK, local.number, field_values(local), ledger, c.reason)

    def _renamed(self, c: Compared) -> PlannedStep:
        """A name clash: sent under the unique ledger name only when the user ticked it."""
        if self.selection.confirmed.get(c.key) != c.rename:
            raise _NotPlanned(f"{c.reason} Not sent: nothing was ticked.")
        planned = self._add(c) if c.link is None else self._update(replace(c, action=Action.UPDATE))
        record = planned.step.record
        assert isinstance(record, CustomerRecord)
        record = replace(record, name=c.rename)
        return replace(planned, step=replace(planned.step, record=record))

    def _deactivate(self, c: Compared) -> PlannedStep:
        """A merged duplicate's ledger record made inactive: the ledger's own copy, Active off.
        Our side's values stay those of the last sync (nothing of ours changed)."""
        assert isinstance(c.ledger, CustomerRecord)
        record = replace(c.ledger, active=False)
        step = Step(self._id(c.kind, c.key), c.kind, Operation.UPDATE, record)
        note = f"{c.reason} Made inactive in the ledger."
        # Not linked yet (found by our marker): the link is made now, under the duplicate's number.
        number, values = (c.link.local_number, dict(c.link.local_values)) if c.link else (c.ledger.number, {})
        return PlannedStep(step, Mode.LEDGER, number, values, c.ledger, note)

    def _void(self, c: Compared) -> PlannedStep:
        """Voided in Fieldbook: voided in the ledger only with the user's tick (DESIGN principle 3)."""
        if self.selection.confirmed.get(c.key) != VOID_CONFIRMED:
            raise _NotPlanned("Voided in Fieldbook: tick “Yes, void it in the ledger” to void it there.")
        assert isinstance(c.local, InvoiceRecord) and c.link is not None
        version = c.ledger.version if c.ledger is not None else c.link.ledger_version
        customer = c.ledger.customer_ledger_id if isinstance(c.ledger, InvoiceRecord) else None
        record = replace(c.local, ledger_id=c.link.ledger_id, version=version, customer_ledger_id=customer)
        step = Step(self._id(c.kind, c.key), c.kind, Operation.VOID, record)
        return PlannedStep(step, Mode.LEDGER, c.local.number, field_values(c.local), c.ledger, c.reason)

    def _choose_candidate(self, c: Compared) -> PlannedStep:
        chosen = self.selection.confirmed.get(c.key)
        for other in c.candidates:
            if chosen and chosen == (other.ledger_id if self.up else other.number):
                return self._link(c, c.local if self.up else other, other if self.up else c.ledger)
        raise _NotPlanned(f"{len(c.candidates)} records share this name: choose the one to link.")

    def _update(self, c: Compared) -> PlannedStep:
        choices = self.selection.choices.get(c.key, {})
        ours_win: list[str] = []
        theirs_win: list[str] = []
        undecided: list[str] = []
        for change in c.changes:
            if change.conflict:
                side = choices.get(change.field)
                if side is None:
                    undecided.append(field_label(change.field))
                    continue
            elif len(change.changed_by) == 2:
                continue  # both sides made the same change
            else:
                (side,) = change.changed_by
            (ours_win if side == Side.OURS else theirs_win).append(change.field)
        if undecided:
            raise _NotPlanned(f"Changed on both sides: choose ours or theirs for {', '.join(undecided)}.")
        assert c.local is not None and c.link is not None
        if self.up:
            if not ours_win and not c.resend:
                raise _NotPlanned("Changed only in the ledger: nothing to send.")
            values = {name: getattr(c.ledger, name) for name in theirs_win}
            if isinstance(c.ledger, CustomerRecord) and "name" not in ours_win:
                # A name we did not change stays as the ledger has it (a unique ledger name
                # chosen for a clash is not sent back to clash again).
                values["name"] = c.ledger.name
            version = c.ledger.version if c.ledger is not None else c.link.ledger_version
            record = replace(c.local, **values, ledger_id=c.link.ledger_id, version=version)
            step = Step(self._id(c.kind, c.key), c.kind, Operation.UPDATE, record)
            return PlannedStep(step, Mode.LEDGER, c.local.number, field_values(c.local), c.ledger, c.reason)
        if not theirs_win:
            raise _NotPlanned("Changed only in Fieldbook: nothing to bring down.")
        assert c.ledger is not None
        merged = replace(c.ledger, **{name: getattr(c.local, name) for name in ours_win})
        step = Step(self._id(c.kind, c.key), c.kind, Operation.UPDATE, merged)
        return PlannedStep(step, Mode.LOCAL, c.link.local_number, field_values(merged), c.ledger, c.reason)

    def customer_dependency(self, invoice: InvoiceRecord, customers: Mapping[str, Compared]) -> tuple[str, ...]:
        """The step the invoice must wait for: none when its customer is linked already,
        otherwise the step that creates or links it (planned once, however many invoices)."""
        number = invoice.customer_number
        if number in self.customer_steps:
            return (self.customer_steps[number].id,)
        c = customers.get(number)
        if c is None:
            raise _NotPlanned(f"Its customer {number} is not in Fieldbook.")
        if c.action == Action.LEDGER_STATE:
            raise _NotPlanned(f"Its customer {number}: {c.reason}")
        if c.link is not None:
            return ()
        try:
            planned = self.step_for(c)
        except _NotPlanned as e:
            raise _NotPlanned(f"Its customer {number} is not in the ledger yet: {e}") from None
        self.customer_steps[number] = planned
        return (planned.id,)


def plan(
    run_id: str,
    transfer: Transfer,
    compared: Sequence[Compared],
    selection: Selection,
    *,
    customers: Sequence[Compared] = (),
) -> Plan:
    """Steps for the selected records. For invoices, `customers` is Compare's view of our
    customers up (all of them, or at least those the invoices name): an invoice whose customer
    is not in the ledger gets that customer created or linked first."""
    planner = _Planner(run_id, transfer, selection)
    by_number = {c.key: c for c in customers}
    for c in sorted(compared, key=lambda c: (c.kind != RecordKind.CUSTOMER, c.key)):
        if c.key not in selection.keys:
            continue
        try:
            if c.kind == RecordKind.CUSTOMER:
                number = c.local.number if c.local is not None and planner.up else c.key
                if number not in planner.customer_steps:
                    planner.customer_steps[number] = planner.step_for(c)
                continue
            planned = planner.step_for(c)
            assert isinstance(planned.step.record, InvoiceRecord)
            # A void names the ledger's invoice by id: its customer is not needed.
            voiding = planned.step.operation == Operation.VOID
            depends = () if voiding else planner.customer_dependency(planned.step.record, by_number)
            planner.invoice_steps.append(replace(planned, step=replace(planned.step, depends_on=depends)))
        except _NotPlanned as e:
            planner.blocked.append(Blocked(c.key, str(e)))
    customer_steps = sorted(planner.customer_steps.values(), key=lambda s: s.id)
    return Plan(run_id, transfer, (*customer_steps, *planner.invoice_steps), tuple(planner.blocked))
