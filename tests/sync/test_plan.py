"""Plan: the user's selection into ordered, deterministic steps; undecided records left out."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from fieldbook.connectors.base import Operation, RecordKind
from fieldbook.connectors.records import CustomerRecord, LedgerState, Totals
from fieldbook.sync.compare import Action, Compared, Side, compare
from fieldbook.sync.limits import Limits
from fieldbook.sync.plan import Selection, plan
from fieldbook.sync.store import Mode, Transfer
from tests.sync.factories import ORG, customer, invoice, line, theirs
from tests.sync.test_compare import ACME, ACME_LEDGER, linked

pytestmark = pytest.mark.pure

RUN = "run1"
BETA = customer("C002", "Beta Ltd")
GAMMA = customer("C003", "Gamma Ltd")


def compared(transfer: Transfer, local: list, ledger: list, links: list | None = None) -> list[Compared]:
    return compare(transfer, ORG, local, ledger, links or [])


def select(*keys: str, **kw: object) -> Selection:
    return Selection(frozenset(keys), **kw)  # type: ignore[arg-type]


def test_an_add_becomes_a_create_step_with_a_deterministic_id() -> None:
    cs = compared(Transfer.CUSTOMERS_UP, [ACME, BETA], [])
    p = plan(RUN, Transfer.CUSTOMERS_UP, cs, select("C001"))
    (s,) = p.steps
    assert s.id == "run1:customer:C001"
    assert (s.mode, s.step.operation, s.step.kind) == (Mode.LEDGER, Operation.CREATE, RecordKind.CUSTOMER)
    assert s.step.record == ACME
    assert p == plan(RUN, Transfer.CUSTOMERS_UP, cs, select("C001"))


def test_a_strong_match_is_a_link_step_and_writes_nothing() -> None:
    p = plan(RUN, Transfer.CUSTOMERS_UP, compared(Transfer.CUSTOMERS_UP, [ACME], [ACME_LEDGER]), select("C001"))
    (s,) = p.steps
    assert s.mode == Mode.LINK
    assert s.ledger == ACME_LEDGER and s.step.record.ledger_id == "58"


@pytest.mark.parametrize(
    ("confirmed", "linked_to", "blocked"),
    [({}, None, "confirm the link first"), ({"C001": "58"}, "58", None), ({"C001": "59"}, None, "confirm")],
)
def test_a_name_candidate_needs_the_users_confirmation(
    confirmed: dict, linked_to: str | None, blocked: str | None
) -> None:
    lookalike = replace(ACME_LEDGER, number="", marker="", email="", name="ACME Limited")
    p = plan(
        RUN,
        Transfer.CUSTOMERS_UP,
        compared(Transfer.CUSTOMERS_UP, [ACME], [lookalike]),
        select("C001", confirmed=confirmed),
    )
    if blocked:
        assert p.steps == () and blocked in p.blocked[0].reason
    else:
        (s,) = p.steps
        assert s.mode == Mode.LINK and s.ledger is not None and s.ledger.ledger_id == linked_to


def test_one_of_several_candidates_is_chosen_by_its_ledger_id() -> None:
    a = replace(ACME_LEDGER, number="", marker="", email="", name="ACME Limited")
    b = replace(a, ledger_id="77", name="acme ltd")
    cs = compared(Transfer.CUSTOMERS_UP, [ACME], [a, b])
    assert plan(RUN, Transfer.CUSTOMERS_UP, cs, select("C001")).blocked[0].reason.startswith("2 records")
    (s,) = plan(RUN, Transfer.CUSTOMERS_UP, cs, select("C001", confirmed={"C001": "77"})).steps
    assert s.mode == Mode.LINK and s.ledger == b


def test_an_update_merges_what_the_ledger_changed_and_sends_ours() -> None:
    link = linked(ACME, ACME_LEDGER)
    ledger = replace(ACME_LEDGER, version="4", phone="999")
    ours = replace(ACME, email="new@acme.example")
    (s,) = plan(
        RUN, Transfer.CUSTOMERS_UP, compared(Transfer.CUSTOMERS_UP, [ours], [ledger], [link]), select("C001")
    ).steps
    assert (s.mode, s.step.operation) == (Mode.LEDGER, Operation.UPDATE)
    record = s.step.record
    assert isinstance(record, CustomerRecord)
    assert (record.email, record.phone, record.ledger_id, record.version) == ("new@acme.example", "999", "58", "4")
    assert s.local_values["phone"] == ACME.phone  # ours as it is, so the merge is not read as our change


@pytest.mark.parametrize(
    ("choice", "email", "reason"),
    [
        (None, None, "choose ours or theirs for email"),
        (Side.OURS, "ours@acme.example", None),
        (Side.THEIRS, None, "Changed only in the ledger: nothing to send"),
    ],
)
def test_a_conflict_waits_for_a_side_per_field(choice: Side | None, email: str | None, reason: str | None) -> None:
    link = linked(ACME, ACME_LEDGER)
    ledger = replace(ACME_LEDGER, version="1", email="theirs@acme.example")
    cs = compared(Transfer.CUSTOMERS_UP, [replace(ACME, email="ours@acme.example")], [ledger], [link])
    choices = {"C001": {"email": choice}} if choice else {}
    p = plan(RUN, Transfer.CUSTOMERS_UP, cs, select("C001", choices=choices))
    if reason:
        assert p.steps == () and reason in p.blocked[0].reason
    else:
        (s,) = p.steps
        assert isinstance(s.step.record, CustomerRecord) and s.step.record.email == email


@pytest.mark.parametrize(
    ("ledger", "links", "reason"),
    [
        ([ACME_LEDGER], [linked(ACME, ACME_LEDGER)], "Unchanged"),
        ([replace(ACME_LEDGER, state=LedgerState.INACTIVE)], [linked(ACME, ACME_LEDGER)], "inactive in the ledger"),
    ],
)
def test_nothing_is_planned_for_unchanged_or_ledger_state_records(ledger: list, links: list, reason: str) -> None:
    p = plan(RUN, Transfer.CUSTOMERS_UP, compared(Transfer.CUSTOMERS_UP, [ACME], ledger, links), select("C001"))
    assert p.steps == ()
    assert reason in p.blocked[0].reason


# --- invoices and their customers -------------------------------------------------------------


def test_invoices_wait_for_the_customer_steps_they_need() -> None:
    local_customers = [ACME, BETA, GAMMA, customer("C004", "Delta Ltd")]
    ledger_customers = [ACME_LEDGER, replace(theirs(GAMMA, "60"), marker="", number="", name="GAMMA LIMITED")]
    customer_view = compared(Transfer.CUSTOMERS_UP, local_customers, ledger_customers, [linked(ACME, ACME_LEDGER)])
    invoices = [
        invoice("J1", "C001"),  # customer linked: no dependency
        invoice("J2", "C002"),  # new customer: created first
        invoice("S1", "C002"),  # ... once, for both invoices
        invoice("J3", "C003"),  # a name candidate, not confirmed
        invoice("J4", "C999"),  # not a customer of ours
    ]
    cs = compared(Transfer.INVOICES_UP, invoices, [])
    p = plan(RUN, Transfer.INVOICES_UP, cs, select("J1", "J2", "S1", "J3", "J4"), customers=customer_view)
    ids = [s.id for s in p.steps]
    assert ids == ["run1:customer:C002", "run1:invoice:J1", "run1:invoice:J2", "run1:invoice:S1"]
    by_id = {s.id: s for s in p.steps}
    assert by_id["run1:invoice:J1"].step.depends_on == ()
    assert by_id["run1:invoice:J2"].step.depends_on == ("run1:customer:C002",)
    assert by_id["run1:invoice:S1"].step.depends_on == ("run1:customer:C002",)
    blocked = {b.key: b.reason for b in p.blocked}
    assert "Its customer C003 is not in the ledger yet: Only the name matches" in blocked["J3"]
    assert blocked["J4"] == "Its customer C999 is not in Fieldbook."

    confirmed = plan(RUN, Transfer.INVOICES_UP, cs, select("J3", confirmed={"C003": "60"}), customers=customer_view)
    link_step, invoice_step = confirmed.steps
    assert link_step.mode == Mode.LINK and link_step.id == "run1:customer:C003"
    assert invoice_step.step.depends_on == (link_step.id,)


def test_an_invoice_for_a_customer_inactive_in_the_ledger_is_not_planned() -> None:
    customer_view = compared(Transfer.CUSTOMERS_UP, [ACME], [replace(ACME_LEDGER, state=LedgerState.INACTIVE)])
    p = plan(
        RUN,
        Transfer.INVOICES_UP,
        compared(Transfer.INVOICES_UP, [invoice("J1", "C001")], []),
        select("J1"),
        customers=customer_view,
    )
    assert p.steps == ()
    assert "inactive in the ledger" in p.blocked[0].reason


# --- customers down ----------------------------------------------------------------------------


def test_customers_down_become_local_steps() -> None:
    newcomer = CustomerRecord(number="", name="Brand New Ltd", ledger_id="90", version="0")
    link = linked(ACME, ACME_LEDGER)
    edited_there = replace(ACME_LEDGER, version="1", phone="999")
    edited_here = replace(ACME, email="new@acme.example")
    cs = compared(Transfer.CUSTOMERS_DOWN, [edited_here], [edited_there, newcomer], [link])
    p = plan(RUN, Transfer.CUSTOMERS_DOWN, cs, select("C001", "ledger:90"))
    create, update = sorted(p.steps, key=lambda s: s.step.operation)
    assert (create.mode, create.step.operation, create.id) == (Mode.LOCAL, Operation.CREATE, "run1:customer:ledger:90")
    assert (update.mode, update.local_number) == (Mode.LOCAL, "C001")
    record = update.step.record
    assert isinstance(record, CustomerRecord)
    assert (record.phone, record.email) == ("999", "new@acme.example")  # theirs brought down, ours kept


def test_a_document_flagged_again_is_planned_as_an_update_of_the_same_ledger_record() -> None:
    j1 = invoice("J1042", "C001")
    link = linked(j1, theirs(j1, "130"))
    found = compare(Transfer.INVOICES_UP, ORG, [j1], [theirs(j1, "130")], [link], resend=True)
    p = plan("run", Transfer.INVOICES_UP, found, select("J1042"), customers=compared(
        Transfer.CUSTOMERS_UP, [ACME], [ACME_LEDGER], [linked(ACME, ACME_LEDGER)]))  # fmt: skip
    [step] = p.steps
    assert step.step.operation == Operation.UPDATE and step.step.record.ledger_id == "130" and not p.blocked
# --- invoices Compare flags: sent only when the user accepts them, never when the ledger can't take them ----------


def _invoices_up(inv, predicted):  # type: ignore[no-untyped-def]
    return compare(Transfer.INVOICES_UP, ORG, [inv], [], [], predict_totals=lambda _: predicted)


def _plan(cs, selection):  # type: ignore[no-untyped-def]
    return plan(RUN, Transfer.INVOICES_UP, cs, selection, customers=compared(Transfer.CUSTOMERS_UP, [ACME], []))


def test_a_zero_invoice_is_flagged_and_sent_only_when_accepted() -> None:
    zero = invoice("J1062", "C001", line("Call-out, no charge", "0", "65.00"))
    (c,) = _invoices_up(zero, Totals(zero.net_total, zero.tax_total, zero.total))
    assert c.totals is not None and "totals 0.00" in c.totals.warning
    p = _plan([c], select("J1062"))
    assert not [s for s in p.steps if s.step.kind == RecordKind.INVOICE]
    assert p.blocked[0].key == "J1062" and "Send anyway" in p.blocked[0].reason
    p = _plan([c], select("J1062", accepted=frozenset({"J1062"})))
    assert [s.local_number for s in p.steps if s.step.kind == RecordKind.INVOICE] == ["J1062"]


def test_totals_that_would_differ_need_acceptance_and_a_refusal_is_never_planned() -> None:
    inv = invoice("J1051", "C001")
    off = Totals(inv.net_total, inv.tax_total - Decimal("0.01"), inv.total - Decimal("0.01"))
    (c,) = _invoices_up(inv, off)
    assert c.totals is not None and c.totals.differs and c.totals.warning
    p = _plan([c], select("J1051"))
    assert p.blocked[0].key == "J1051" and not [s for s in p.steps if s.step.kind == RecordKind.INVOICE]
    assert len(_plan([c], select("J1051", accepted=frozenset({"J1051"}))).steps) == 2  # customer, invoice
    refused = replace(off, problem="The credit is more than the lines with its tax code. Reduce the credit.")
    (c,) = _invoices_up(inv, refused)
    p = _plan([c], select("J1051", accepted=frozenset({"J1051"})))
    assert p.blocked[0].reason == refused.problem
    assert not [s for s in p.steps if s.step.kind == RecordKind.INVOICE]


def test_a_merged_duplicates_ledger_record_is_made_inactive_only_when_selected() -> None:
    from fieldbook.sync.compare import Absent, Action

    link = linked(ACME, ACME_LEDGER)
    [c] = compare(Transfer.CUSTOMERS_DOWN, ORG, [], [ACME_LEDGER], [link], absent=Absent(merged={"C001": "C009"}))
    assert c.action == Action.MERGED and "merged into C009" in c.reason
    assert plan("run", Transfer.CUSTOMERS_DOWN, [c], select()).steps == ()
    [step] = plan("run", Transfer.CUSTOMERS_DOWN, [c], select("C001")).steps
    assert step.mode == Mode.LEDGER and step.step.operation == Operation.UPDATE
    assert isinstance(step.step.record, CustomerRecord) and step.step.record.active is False
    assert step.step.record.ledger_id == ACME_LEDGER.ledger_id and step.local_number == "C001"
    inactive = replace(ACME_LEDGER, active=False, state=LedgerState.INACTIVE)
    [done] = compare(Transfer.CUSTOMERS_DOWN, ORG, [], [inactive], [link], absent=Absent(merged={"C001": "C009"}))
    assert done.action == Action.UNCHANGED  # made inactive: nothing more to ask


def test_a_void_is_planned_only_when_ticked() -> None:
    from fieldbook.sync.compare import Action
    from fieldbook.sync.plan import VOID_CONFIRMED

    j1 = replace(invoice("J1042", "C001"), state=LedgerState.VOIDED)
    ledger = theirs(invoice("J1042", "C001"), "130")
    [c] = compare(Transfer.INVOICES_UP, ORG, [j1], [ledger], [linked(invoice("J1042", "C001"), ledger)])
    assert c.action == Action.VOID
    unticked = plan("run", Transfer.INVOICES_UP, [c], select("J1042"))
    assert unticked.steps == () and "tick" in unticked.blocked[0].reason
    [step] = plan("run", Transfer.INVOICES_UP, [c], select("J1042", confirmed={"J1042": VOID_CONFIRMED})).steps
    assert step.step.operation == Operation.VOID and step.step.record.ledger_id == "130"
    assert step.step.depends_on == ()


LIMITS = Limits(max_amount=Decimal("99999999.99"), max_unit_price=Decimal("99999999.99"),
                max_quantity=Decimal("999999"))


@pytest.mark.parametrize(
    ("quantity", "price", "named"),
    [
        ("999999999", "1", "quantity 999,999,999 is beyond the 999,999 every ledger accepts"),
        ("1", "100000000", "unit price 100,000,000.00 is beyond the 99,999,999.99"),
        ("999999", "1000", "Line 1 comes to 1,199,998,800.00, beyond the 99,999,999.99"),
    ],
)
def test_an_invoice_beyond_the_limits_every_ledger_accepts_cannot_be_sent(quantity: str, price: str,
                                                                          named: str) -> None:
    inv = invoice("J1070", "C001", line("Huge", quantity, price))
    for predicted in (Totals(inv.net_total, inv.tax_total, inv.total), None):  # None: the ledger computes tax
        (c,) = compare(Transfer.INVOICES_UP, ORG, [inv], [], [], predict_totals=lambda _, p=predicted: p,
                       limits=LIMITS)  # fmt: skip
        assert c.action == Action.ADD and c.totals is not None and named in c.totals.problem, c.totals
        assert not c.totals.warning  # refused, whatever is ticked: nothing to accept
        p = _plan([c], select("J1070", accepted=frozenset({"J1070"})))
        assert p.blocked[0].key == "J1070" and named in p.blocked[0].reason
        assert not [s for s in p.steps if s.step.kind == RecordKind.INVOICE]


def test_an_invoice_total_beyond_the_limit_cannot_be_sent_and_one_within_is_untouched() -> None:
    big = invoice("J1071", "C001", *(line("Big", "1", "50000000") for _ in range(2)))
    (c,) = compare(Transfer.INVOICES_UP, ORG, [big], [], [], limits=LIMITS)
    assert c.totals is not None and "total is 120,000,000.00, beyond the 99,999,999.99" in c.totals.problem
    ok = invoice("J1072", "C001", line("Largest", "1", "83333333.32"))
    (c,) = compare(Transfer.INVOICES_UP, ORG, [ok], [], [], limits=LIMITS)
    assert c.totals is None


@pytest.mark.parametrize("state", [LedgerState.VOIDED, LedgerState.DELETED])
def test_a_re_create_after_a_void_in_the_ledger_names_the_voided_copy(state: LedgerState) -> None:
    from tests.sync.test_compare import J1

    link = linked(J1, theirs(J1, "130"))
    ledger = [theirs(J1, "130", "2", state=state)] if state == LedgerState.VOIDED else []
    cs = compare(Transfer.INVOICES_UP, ORG, [J1], ledger, [link], resend=True)
    [step] = [s.step for s in _plan(cs, select(J1.number)).steps if s.step.kind == RecordKind.INVOICE]
    assert step.operation == Operation.CREATE and step.record.ledger_id is None
    # Only a voided copy keeps the number in the ledger: the connector may then allow a duplicate.
    assert step.replaces_voided == ("130" if state == LedgerState.VOIDED else "")
