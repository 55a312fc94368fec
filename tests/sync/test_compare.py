"""Compare, table by table: every classification, for customers up, customers down and invoices."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from fieldbook.connectors.base import RecordKind
from fieldbook.connectors.records import CustomerRecord, InvoiceRecord, LedgerState, Totals
from fieldbook.sync.compare import Action, Compared, Side, compare
from fieldbook.sync.normalise import field_values
from fieldbook.sync.store import Link, Transfer
from tests.sync.factories import ORG, customer, invoice, line, money, theirs

pytestmark = pytest.mark.pure

ACME = customer("C001", "Acme Ltd", email="jo@acme.example", phone="01632 960001")
ACME_LEDGER = theirs(ACME, "58")


def linked(local: CustomerRecord | InvoiceRecord, ledger: CustomerRecord | InvoiceRecord) -> Link:
    """The link a sync of `local` as `ledger` would have left behind."""
    kind = RecordKind.CUSTOMER if isinstance(local, CustomerRecord) else RecordKind.INVOICE
    return Link(
        "conn",
        kind,
        local.number,
        ledger.ledger_id or "",
        ledger.version,
        ledger.number,
        field_values(local),
        field_values(ledger),
    )


def one(transfer: Transfer, local: list, ledger: list, links: list | None = None, **kw: object) -> Compared:
    result = compare(transfer, ORG, local, ledger, links or [], **kw)  # type: ignore[arg-type]
    assert len(result) == 1, result
    return result[0]


# --- customers up ------------------------------------------------------------------------------

CUSTOMER_CASES = [
    # (case, ledger records, links, expected action, words in the reason, needs confirmation)
    ("nothing in the ledger", [], [], Action.ADD, "Not in the ledger", False),
    (
        "our marker, whatever the reference",
        [replace(ACME_LEDGER, number="", name="Acme Heating")],
        [],
        Action.LINK,
        "marker fieldbook:acme:C001",
        False,
    ),
    (
        "the ledger's reference is our account reference",
        [replace(ACME_LEDGER, marker="", name="Acme Heating")],
        [],
        Action.LINK,
        "reference C001",
        False,
    ),
    (
        "an email unique on both sides",
        [replace(ACME_LEDGER, number="", marker="", name="Jo's Boilers", email="JO@acme.example ")],
        [],
        Action.LINK,
        "email jo@acme.example",
        False,
    ),
    (
        "an email shared by two ledger customers is no key",
        [
            replace(ACME_LEDGER, number="", marker="", name="Jo's Boilers"),
            replace(ACME_LEDGER, ledger_id="59", number="", marker="", name="Jo Two"),
        ],
        [],
        Action.ADD,
        "Not in the ledger",
        False,
    ),
    (
        "only the name, normalised",
        [replace(ACME_LEDGER, number="", marker="", email="", name="ACME Limited.")],
        [],
        Action.LINK,
        "Only the name matches",
        True,
    ),
    (
        "several name matches",
        [
            replace(ACME_LEDGER, number="", marker="", email="", name="ACME Limited"),
            replace(ACME_LEDGER, ledger_id="77", number="", marker="", email="", name="Acme  Ltd"),
        ],
        [],
        Action.CONFLICT,
        "2 records in the ledger have this name",
        False,
    ),
    ("linked, nothing changed", [ACME_LEDGER], [linked(ACME, ACME_LEDGER)], Action.UNCHANGED, "No change", False),
    ("linked, gone from a full read", [], [linked(ACME, ACME_LEDGER)], Action.LEDGER_STATE, "no longer in", False),
    (
        "linked, inactive in the ledger",
        [replace(ACME_LEDGER, state=LedgerState.INACTIVE, version="1")],
        [linked(ACME, ACME_LEDGER)],
        Action.LEDGER_STATE,
        "inactive in the ledger",
        False,
    ),
    (
        "matched by reference but merged away",
        [replace(ACME_LEDGER, state=LedgerState.MERGED)],
        [],
        Action.LEDGER_STATE,
        "merged into another record",
        False,
    ),
    (
        "matched by marker but archived",
        [replace(ACME_LEDGER, state=LedgerState.ARCHIVED)],
        [],
        Action.LEDGER_STATE,
        "archived",
        False,
    ),
]


@pytest.mark.parametrize(
    ("case", "ledger", "links", "action", "words", "confirm"), CUSTOMER_CASES, ids=[c[0] for c in CUSTOMER_CASES]
)
def test_customers_up(case: str, ledger: list, links: list, action: Action, words: str, confirm: bool) -> None:
    c = one(Transfer.CUSTOMERS_UP, [ACME], ledger, links)
    assert c.action == action, c.reason
    assert words in c.reason
    assert c.needs_confirmation is confirm
    assert c.key == "C001"
    if action == Action.LINK:
        assert c.ledger is not None and c.ledger.ledger_id == "58"
    if action == Action.LEDGER_STATE:
        assert c.state is not None and c.state != LedgerState.ACTIVE


def test_a_link_and_an_add_show_the_differing_fields() -> None:
    ledger = replace(ACME_LEDGER, marker="", phone="01632 960999")
    c = one(Transfer.CUSTOMERS_UP, [ACME], [ledger])
    assert [(ch.field, ch.ours, ch.theirs) for ch in c.changes] == [("phone", "01632 960001", "01632 960999")]
    add = one(Transfer.CUSTOMERS_UP, [ACME], [])
    assert {ch.field for ch in add.changes} == {"name", "email", "phone", "address"}


def test_a_ledger_record_linked_to_another_customer_is_not_matched_again() -> None:
    other = customer("C002", "Other Ltd")
    links = [
        Link("conn", RecordKind.CUSTOMER, "C002", "58", "0", "C001", field_values(other), field_values(ACME_LEDGER))
    ]
    result = {c.key: c for c in compare(Transfer.CUSTOMERS_UP, ORG, [ACME, other], [ACME_LEDGER], links)}
    # Not matched (no link, no ledger record) — and not a plain Add either: the ledger already
    # has that name, for our C002, so it is a name clash with a unique ledger name offered.
    assert result["C001"].action == Action.CONFLICT and result["C001"].ledger is None
    assert "C002" in result["C001"].reason and result["C001"].rename == "Acme Ltd (C001)"
    assert result["C002"].action == Action.UNCHANGED


# changes since the last sync: (case, our edit, their edit (None: version unchanged), action, ours, theirs)
CHANGE_CASES = [
    ("changed in Fieldbook", {"email": "new@acme.example"}, None, Action.UPDATE, ("email",), ()),
    ("changed in the ledger", {}, {"phone": "999"}, Action.UPDATE, (), ("phone",)),
    (
        "different fields on both sides merge",
        {"email": "new@acme.example"},
        {"phone": "999"},
        Action.UPDATE,
        ("email",),
        ("phone",),
    ),
    (
        "the same field on both sides",
        {"email": "ours@acme.example"},
        {"email": "theirs@acme.example"},
        Action.CONFLICT,
        ("email",),
        ("email",),
    ),
    (
        "the same field, the same new value",
        {"email": "same@acme.example"},
        {"email": "same@acme.example"},
        Action.UPDATE,
        ("email",),
        ("email",),
    ),
    ("a new version with no synced field changed", {}, {}, Action.UNCHANGED, (), ()),
]


@pytest.mark.parametrize(
    ("case", "ours", "their_edit", "action", "ours_changed", "theirs_changed"),
    CHANGE_CASES,
    ids=[c[0] for c in CHANGE_CASES],
)
def test_changes_since_the_last_sync(
    case: str, ours: dict, their_edit: dict | None, action: Action, ours_changed: tuple, theirs_changed: tuple
) -> None:
    link = linked(ACME, ACME_LEDGER)
    ledger = ACME_LEDGER if their_edit is None else replace(ACME_LEDGER, version="1", **their_edit)
    c = one(Transfer.CUSTOMERS_UP, [replace(ACME, **ours)], [ledger], [link])
    assert c.action == action, c.reason
    assert c.changed(Side.OURS) == ours_changed
    assert c.changed(Side.THEIRS) == theirs_changed
    conflicts = [ch.field for ch in c.changes if ch.conflict]
    assert conflicts == (["email"] if action == Action.CONFLICT else [])
    if action == Action.CONFLICT:
        (change,) = c.changes
        assert (change.ours, change.theirs) == ("ours@acme.example", "theirs@acme.example")


def test_an_unchanged_version_means_an_unchanged_ledger_record() -> None:
    # The connector renders a field differently from last time, but the version says nothing moved.
    link = linked(ACME, ACME_LEDGER)
    link.ledger_values["phone"] = "+44 1632 960001"
    assert one(Transfer.CUSTOMERS_UP, [ACME], [ACME_LEDGER], [link]).action == Action.UNCHANGED


def test_an_incremental_read_without_the_record_means_the_ledger_did_not_change_it() -> None:
    link = linked(ACME, ACME_LEDGER)
    assert one(Transfer.CUSTOMERS_UP, [ACME], [], [link], complete=False).action == Action.UNCHANGED
    changed = one(Transfer.CUSTOMERS_UP, [replace(ACME, phone="1")], [], [link], complete=False)
    assert changed.action == Action.UPDATE and changed.changed(Side.OURS) == ("phone",)


# --- customers down ----------------------------------------------------------------------------


def test_customers_down() -> None:
    newcomer = CustomerRecord(number="", name="Brand New Ltd", ledger_id="90", version="0")
    closed = CustomerRecord(number="", name="Closed Ltd", ledger_id="91", version="3", state=LedgerState.INACTIVE)
    lookalike = CustomerRecord(number="", name="BETA LIMITED", ledger_id="92", version="0")
    beta = customer("C002", "Beta Ltd")
    edited = replace(ACME_LEDGER, version="1", phone="999")
    local = [ACME, beta]
    result = {
        c.key: c
        for c in compare(
            Transfer.CUSTOMERS_DOWN, ORG, local, [edited, newcomer, closed, lookalike], [linked(ACME, ACME_LEDGER)]
        )
    }
    assert result["ledger:90"].action == Action.ADD
    assert "Not in Fieldbook" in result["ledger:90"].reason
    assert result["ledger:91"].action == Action.LEDGER_STATE
    assert result["C001"].action == Action.UPDATE and result["C001"].changed(Side.THEIRS) == ("phone",)
    candidate = result["ledger:92"]
    assert candidate.action == Action.LINK and candidate.needs_confirmation
    assert candidate.local == beta
    assert len(result) == 4  # our unlinked C002 is not a download by itself


# --- invoices up -------------------------------------------------------------------------------

J1 = invoice("J1042", "C001")


def per_rate(inv: InvoiceRecord) -> Totals:
    """A ledger that taxes the total per rate (QBO outside the US), as a connector would say."""
    by_rate: dict[Decimal, Decimal] = {}
    for ln in inv.lines:
        by_rate[ln.tax_rate] = by_rate.get(ln.tax_rate, Decimal(0)) + ln.net_amount
    net = sum(by_rate.values(), Decimal(0))
    tax = sum((money(n * r / 100) for r, n in by_rate.items()), Decimal(0))
    return Totals(net, tax, net + tax)


INVOICE_CASES = [
    ("not in the ledger", [], [], Action.ADD),
    ("found by our marker after a lost answer", [replace(theirs(J1, "130"), number="1001")], [], Action.LINK),
    ("found by its number", [theirs(J1, "130", ours=False)], [], Action.LINK),
    ("linked and unchanged", [theirs(J1, "130")], [linked(J1, theirs(J1, "130"))], Action.UNCHANGED),
    (
        "voided in the ledger",
        [theirs(J1, "130", "2", state=LedgerState.VOIDED)],
        [linked(J1, theirs(J1, "130"))],
        Action.LEDGER_STATE,
    ),
    (
        "paid in the ledger",
        [theirs(J1, "130", "2", state=LedgerState.PAID)],
        [linked(J1, theirs(J1, "130"))],
        Action.LEDGER_STATE,
    ),
    ("deleted in the ledger", [], [linked(J1, theirs(J1, "130"))], Action.LEDGER_STATE),
]


@pytest.mark.parametrize(("case", "ledger", "links", "action"), INVOICE_CASES, ids=[c[0] for c in INVOICE_CASES])
def test_invoices_up(case: str, ledger: list, links: list, action: Action) -> None:
    c = one(Transfer.INVOICES_UP, [J1], ledger, links, predict_totals=per_rate)
    assert c.action == action, c.reason
    assert c.kind == RecordKind.INVOICE
    assert c.totals is not None and not c.totals.differs


def test_an_invoice_changed_here_is_an_update_with_its_lines() -> None:
    link = linked(J1, theirs(J1, "130"))
    edited = invoice("J1042", "C001", line("Boiler service", "2", "100.00"))
    c = one(Transfer.INVOICES_UP, [edited], [theirs(J1, "130")], [link])
    assert c.action == Action.UPDATE
    assert c.changed(Side.OURS) == ("lines", "total")
    assert c.changed(Side.THEIRS) == ()


def test_one_cent_between_per_line_and_per_rate_tax_is_flagged() -> None:
    # Three lines of 33.335 at 20 %: Fieldbook rounds each line (net 33.34, tax 6.67, so 20.01);
    # a per-rate ledger taxes the rate's net total once: 100.02 x 20 % = 20.004 -> 20.00.
    inv = invoice("J2000", "C001", *(line(f"Visit {i}", "1", "33.335") for i in range(3)))
    assert (inv.net_total, inv.tax_total, inv.total) == (Decimal("100.02"), Decimal("20.01"), Decimal("120.03"))
    c = one(Transfer.INVOICES_UP, [inv], [], predict_totals=per_rate)
    assert c.totals is not None
    assert c.totals.theirs == Totals(Decimal("100.02"), Decimal("20.00"), Decimal("120.02"))
    assert c.totals.differs
    assert c.totals.difference == Decimal("-0.01")
    assert "120.02" in c.totals.note and "120.03" in c.totals.note


def test_a_ledger_that_computes_tax_is_said_so() -> None:
    c = one(Transfer.INVOICES_UP, [J1], [], predict_totals=lambda inv: None)
    assert c.totals is not None and not c.totals.differs
    assert c.totals.note == "The ledger computes tax: its totals may differ from ours."


# Flags set again after a transfer force a re-send (issue 11): (case, ledger, action, state)
RESEND_CASES = [
    ("unchanged: the current version again", [theirs(J1, "130")], Action.UPDATE, None),
    ("voided in the ledger: a new one", [theirs(J1, "130", "2", state=LedgerState.VOIDED)], Action.ADD,
     LedgerState.VOIDED),
    ("deleted in the ledger: a new one", [], Action.ADD, LedgerState.DELETED),
    ("paid in the ledger: shown only", [theirs(J1, "130", "2", state=LedgerState.PAID)], Action.LEDGER_STATE,
     LedgerState.PAID),
]  # fmt: skip


@pytest.mark.parametrize(("case", "ledger", "action", "state"), RESEND_CASES, ids=[c[0] for c in RESEND_CASES])
def test_a_document_flagged_again_is_sent_again(case: str, ledger: list, action: Action, state: object) -> None:
    c = one(Transfer.INVOICES_UP, [J1], ledger, [linked(J1, theirs(J1, "130"))], resend=True)
    assert (c.action, c.state) == (action, state), c.reason
    assert c.resend == (action != Action.LEDGER_STATE)
    if action != Action.LEDGER_STATE:
        assert "flags were set again" in c.reason


def test_a_renumbered_customer_is_an_update_of_its_number() -> None:
    renamed = replace(ACME, number="ACME-HEAT", marker=f"fieldbook:{ORG}:ACME-HEAT")
    link = replace(linked(ACME, ACME_LEDGER), local_number="ACME-HEAT", synced_number="C001")
    c = one(Transfer.CUSTOMERS_UP, [renamed], [ACME_LEDGER], [link])
    assert c.action == Action.UPDATE and c.link is link
    assert [(ch.field, ch.ours, ch.theirs) for ch in c.changes] == [("number", "ACME-HEAT", "C001")]
