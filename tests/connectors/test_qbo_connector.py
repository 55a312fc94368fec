"""QuickBooks-specific behaviour against the QBO sandbox: company rules, reference data, invoice
totals as QBO computes them, names, numbers, voids, 1040 halving, US tax."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from fieldbook.connectors.base import Operation, RecordKind, ResultStatus
from fieldbook.connectors.errors import DuplicateName, Permanent
from fieldbook.connectors.records import LedgerState
from fieldbook.core.clock import VirtualClock
from tests.connectors import factories as f
from tests.connectors.harness import QuickBooksHarness

D = Decimal


def test_company_info_uk_and_us(clock: VirtualClock) -> None:
    uk = QuickBooksHarness(clock).connector().company_info()
    assert (uk.country, uk.home_currency, uk.custom_numbers, uk.ledger_computes_tax) == ("GB", "GBP", True, False)
    us = QuickBooksHarness(clock, country="US", custom_numbers=False).connector().company_info()
    assert (us.country, us.home_currency, us.custom_numbers, us.ledger_computes_tax) == ("US", "USD", False, True)


def test_reference_data_lists(clock: VirtualClock) -> None:
    refs = QuickBooksHarness(clock).connector().reference_data()
    assert {t.rate for t in refs.tax_codes} >= {D(20), D(5), D(0)}
    assert refs.items and refs.accounts and refs.terms


def test_invoice_totals_match_prediction_including_the_cent_case(clock: VirtualClock) -> None:
    ledger = QuickBooksHarness(clock)
    connector = ledger.connector()
    cent = f.invoice(1, "C0001", *(f.line(qty="1", price="33.335") for _ in range(3)))
    mixed = f.invoice(2, "C0001", f.line(qty="3", price="19.99"), f.line(qty="1", price="7.50", code="R", rate="5"),
                      f.line(qty="2", price="12.00", code="Z", rate="0", discount_percent=D("12.5")))
    results = f.push(connector, [f.customer(1)], [cent, mixed])
    for number, inv in (("J0001", cent), ("J0002", mixed)):
        ledger_copy = results[f"i-{number}"].record
        predicted = connector.predict_totals(inv)
        assert predicted is not None
        assert (ledger_copy.total, ledger_copy.tax_total) == (predicted.total, predicted.tax)
        assert ledger_copy.ledger_number == number and ledger_copy.marker == f"fieldbook:acme:{number}"
    # The ledger keeps Fieldbook's per-line 20.01 (left to itself it would charge 20.00 per rate).
    assert connector.predict_totals(cent).tax == D("20.01") == cent.tax_total
    assert results["i-J0001"].record.total == cent.total == D("120.03")


def test_an_invoice_with_a_credit_line_reaches_the_ledger_to_the_penny(clock: VirtualClock) -> None:
    ledger = QuickBooksHarness(clock)
    connector = ledger.connector()
    credit = f.line(qty="-1", price="25.00", is_credit=True, description="Goodwill credit")
    inv = f.invoice(1, "C0001", f.line(qty="3", price="33.34"), f.line(qty="1", price="7.50", code="R", rate="5"),
                    credit)
    predicted = connector.predict_totals(inv)
    assert predicted is not None and predicted.total == inv.total and not predicted.problem
    assert "discount line of 25.00" in predicted.note
    results = f.push(connector, [f.customer(1)], [inv])
    assert results["i-J0001"].status == ResultStatus.CREATED, results["i-J0001"].error
    [stored] = ledger.ledger_invoices()
    assert stored["TotalAmt"] == inv.total and stored["TxnTaxDetail"]["TotalTax"] == inv.tax_total
    by_percent = {str(t["TaxLineDetail"]["TaxPercent"]): t["Amount"] for t in stored["TxnTaxDetail"]["TaxLine"]}
    assert by_percent == {"20": D("15.00"), "5": D("0.38")}  # 20.00 - 5.00 on 100.02 - 25.00; 7.50 x 5 %
    [customer] = ledger.ledger_customers()
    assert customer["Balance"] == inv.total
    # Read back, the discount is our one credit line again.
    created = results["i-J0001"]
    again = connector.read(RecordKind.INVOICE, created.ledger_id)
    assert [ln.is_credit for ln in again.lines] == [False, False, True] and again.lines[-1].unit_price == D(25)
    # An update with a larger credit, then one with none: the ledger follows ours each time.
    for lines in ((inv.lines[0], inv.lines[1], f.line(qty="-1", price="40.00", is_credit=True)), inv.lines[:2]):
        edited = replace(f.invoice(1, "C0001", *lines), ledger_id=created.ledger_id, version=created.version,
                         customer_ledger_id=results["c-C0001"].ledger_id)
        [step] = f.invoice_steps([edited], {}, op=Operation.UPDATE, depends=False)
        created = f.run(connector, [step])["i-J0001"]
        assert created.status == ResultStatus.UPDATED, created.error
        [stored] = ledger.ledger_invoices()
        assert (stored["TotalAmt"], stored["TxnTaxDetail"]["TotalTax"]) == (edited.total, edited.tax_total)
        assert ledger.ledger_customers()[0]["Balance"] == edited.total


def test_a_credit_the_ledger_cannot_hold_is_refused_before_sending(clock: VirtualClock) -> None:
    ledger = QuickBooksHarness(clock)
    connector = ledger.connector()
    inv = f.invoice(1, "C0001", f.line(qty="1", price="10.00"), f.line(qty="-1", price="25.00", is_credit=True))
    predicted = connector.predict_totals(inv)
    assert predicted is not None and "2290" in predicted.problem
    results = f.push(connector, [f.customer(1)], [inv])
    error = results["i-J0001"].error
    assert results["i-J0001"].status == ResultStatus.FAILED and error is not None and error.code == "credit_exceeds"
    assert error.fix and ledger.ledger_invoices() == []


def test_us_company_ledger_computes_tax_and_numbers(clock: VirtualClock) -> None:
    ledger = QuickBooksHarness(clock, country="US", custom_numbers=False)
    connector = ledger.connector()
    inv = f.invoice(1, "C0001", f.line(), f.line(code="Z", rate="0"), currency="USD")
    assert connector.predict_totals(inv) is None
    results = f.push(connector, [f.customer(1)], [inv])
    created = results["i-J0001"]
    assert created.status == ResultStatus.CREATED and created.ledger_number and created.ledger_number != "J0001"
    assert created.record.tax_total > 0
    steps = f.invoice_steps([inv], {"C0001": results["c-C0001"].ledger_id})
    found = connector.lookup(steps[0])  # by CustomerRef + TxnDate, then the PrivateNote marker
    assert found is not None and found.mine and found.record.ledger_id == created.ledger_id


def test_display_name_made_valid_unique_and_reported(clock: VirtualClock) -> None:
    connector = QuickBooksHarness(clock).connector()
    twins = [f.customer(1, name="Acme: Bristol"), f.customer(2, name="Acme - Bristol")]
    results = f.run(connector, f.customer_steps(twins))
    assert results["c-C0001"].record.name == "Acme - Bristol"
    assert results["c-C0002"].record.name == "Acme - Bristol (C0002)"


def test_duplicate_name_is_a_link_candidate_or_rename(clock: VirtualClock) -> None:
    connector = QuickBooksHarness(clock).connector()
    clash = f.customer(7, name="Northwind Plumbing Supplies")  # a seeded vendor (§3: unique across names)
    result = f.run(connector, f.customer_steps([clash]))["c-C0007"]
    assert isinstance(result.error, DuplicateName) and result.error.code == "6240"
    assert "Northwind Plumbing Supplies (C0007)" in result.error.fix


def test_update_and_void_invoice(clock: VirtualClock) -> None:
    ledger = QuickBooksHarness(clock)
    connector = ledger.connector()
    results = f.push(connector, [f.customer(1)], [f.invoice(1, "C0001")])
    created = results["i-J0001"]
    changed = f.invoice(1, "C0001", f.line(qty="3"), f.line(qty="1", price="10.00"),
                        ledger_id=created.ledger_id, version=created.version)
    ids = {"C0001": results["c-C0001"].ledger_id}
    updated = f.run(connector, f.invoice_steps([changed], ids, Operation.UPDATE))["i-J0001"]
    assert updated.status == ResultStatus.UPDATED and len(updated.record.lines) == 2
    voiding = replace(changed, version=updated.version)
    voided = f.run(connector, f.invoice_steps([voiding], ids, Operation.VOID))["i-J0001"]
    assert voided.status == ResultStatus.VOIDED
    assert connector.read(RecordKind.INVOICE, created.ledger_id).state == LedgerState.VOIDED


def test_batch_too_large_is_halved_and_remembered(clock: VirtualClock) -> None:
    ledger = QuickBooksHarness(clock, batch_size=50)
    connector = ledger.connector()
    customers = [f.customer(n) for n in range(1, 51)]
    results = f.run(connector, f.customer_steps(customers))
    assert all(r.status == ResultStatus.CREATED for r in results.values())
    assert connector.batch_size == 25  # type: ignore[attr-defined]
    assert len(connector.prepare(f.customer_steps([f.customer(n) for n in range(100, 150)]))) == 2


def test_invoices_wait_for_their_customer_step(clock: VirtualClock) -> None:
    connector = QuickBooksHarness(clock).connector()
    steps = f.customer_steps([f.customer(1)]) + f.invoice_steps([f.invoice(1, "C0001")], {})
    requests = connector.prepare(steps)
    assert [r.members for r in requests] == [("c-C0001",)]


def test_cdc_truncation_splits_the_window(clock: VirtualClock) -> None:
    ledger = QuickBooksHarness(clock, cdc_cap=25)
    ledger.sandbox.qbo_settings.cdc_cap = 25
    connector = ledger.connector()
    since = clock.now()
    clock.advance(5)
    for n in range(1, 71, 10):  # seven batches of ten, a few seconds apart
        f.run(connector, f.customer_steps([f.customer(k) for k in range(n, n + 10)]))
        clock.advance(3)
    before = ledger.transport.count("/cdc")
    read = connector.customers(since=since)
    assert read.incremental and sorted(c.number for c in read.records) == [f"C{k:04d}" for k in range(1, 71)]
    assert ledger.transport.count("/cdc") - before >= 3


def test_connect_through_consent_reads_company_and_refuses_other_currency(clock: VirtualClock) -> None:
    ledger = QuickBooksHarness(clock)
    ledger.store.tokens = None
    connector = ledger.connector()
    url, state = connector.authorization_url()  # type: ignore[attr-defined]
    assert "state=" + state in url and "/quickbooks/connect/oauth2?" in url
    callback = ledger.sandbox.quickbooks.approve_consent("fieldbook-sandbox-qbo", ledger.settings.redirect_uri, state)
    company = connector.connect(callback, state)  # type: ignore[attr-defined]
    assert company.home_currency == "GBP" and ledger.store.tokens.company_id == ledger.realm
    us = QuickBooksHarness(clock, country="US")
    us.store.tokens = None
    connector = us.connector()
    url, state = connector.authorization_url()  # type: ignore[attr-defined]
    callback = us.sandbox.quickbooks.approve_consent("fieldbook-sandbox-qbo", us.settings.redirect_uri, state,
                                                     realm_id=us.realm)
    with pytest.raises(Permanent, match="USD"):
        connector.connect(callback, state)  # type: ignore[attr-defined]


def test_reference_data_includes_payments(clock: VirtualClock) -> None:
    ledger = QuickBooksHarness(clock)
    connector = ledger.connector()
    created = f.push(connector, [f.customer(1)], [f.invoice(1, "C0001")])["i-J0001"]
    ledger.sandbox.quickbooks.record_payment(ledger.realm, created.ledger_id, "50.00")
    payments = connector.reference_data().payments
    assert [(p.amount, p.invoice_ledger_ids) for p in payments] == [(D("50.00"), (created.ledger_id,))]
    assert connector.read(RecordKind.INVOICE, created.ledger_id).state == LedgerState.PART_PAID


def test_tax_inclusive_totals_match_prediction(clock: VirtualClock) -> None:
    connector = QuickBooksHarness(clock).connector()
    inc = f.invoice(1, "C0001", f.line(qty="1", price="99.99"), f.line(qty="3", price="10.01"),
                    f.line(qty="1", price="21.00", code="R", rate="5"), amounts_include_tax=True)
    created = f.push(connector, [f.customer(1)], [inc])["i-J0001"].record
    predicted = connector.predict_totals(inc)
    assert predicted is not None and (created.total, created.tax_total) == (predicted.total, predicted.tax)


def test_duplicate_number_then_lookup_says_mine(clock: VirtualClock) -> None:
    connector = QuickBooksHarness(clock).connector()
    first = f.push(connector, [f.customer(1)], [f.invoice(1, "C0001")])
    steps = f.invoice_steps([f.invoice(1, "C0001")], {"C0001": first["c-C0001"].ledger_id})
    again = f.run(connector, [replace(steps[0], id="i-J0001-rerun")])["i-J0001-rerun"]
    assert again.status == ResultStatus.FAILED and again.error is not None and again.error.code == "6140"
    found = connector.lookup(steps[0])
    assert found is not None and found.mine and found.record.ledger_id == first["i-J0001"].ledger_id


def test_an_invoice_voided_in_the_ledger_is_recreated_under_its_number_only_when_replacing_it(
        clock: VirtualClock) -> None:
    ledger = QuickBooksHarness(clock)
    connector = ledger.connector()
    first = f.push(connector, [f.customer(1)], [f.invoice(1, "C0001")])
    voided = first["i-J0001"].ledger_id
    ledger.sandbox.quickbooks.void_invoice(ledger.realm, voided)
    [step] = f.invoice_steps([f.invoice(1, "C0001")], {"C0001": first["c-C0001"].ledger_id}, depends=False)
    # An ordinary create under the number is still a duplicate (6140): nothing said it replaces.
    plain = f.run(connector, [replace(step, id="i-J0001-plain")])["i-J0001-plain"]
    assert plain.status == ResultStatus.FAILED and plain.error is not None and plain.error.code == "6140"
    # The re-create the user selected after the void goes alone, with include=allowduplicatedocnum.
    again = replace(step, id="i-J0001-again", replaces_voided=voided)
    other = replace(step, id="i-J0002", record=replace(step.record, number="J0002"))
    by_members = {r.members: r.params for r in connector.prepare([again, other])}
    assert by_members == {("i-J0002",): (), ("i-J0001-again",): (("include", "allowduplicatedocnum"),)}
    made = f.run(connector, [again])["i-J0001-again"]
    assert made.status == ResultStatus.CREATED, made.error
    assert made.ledger_id != voided and made.ledger_number == "J0001"
    assert sorted(i["Id"] for i in ledger.ledger_invoices() if i["DocNumber"] == "J0001") == sorted([voided,
                                                                                                     made.ledger_id])
    # After an uncertain outcome the lookup by number finds the new invoice, not the voided one.
    found = connector.lookup(again)
    assert found is not None and found.mine and found.record.ledger_id == made.ledger_id
    assert found.record.state == LedgerState.ACTIVE


def test_incremental_invoices_report_deleted_and_voided(clock: VirtualClock) -> None:
    ledger = QuickBooksHarness(clock)
    connector = ledger.connector()
    made = f.push(connector, [f.customer(1)], [f.invoice(1, "C0001"), f.invoice(2, "C0001")])
    clock.advance(60)
    since = clock.now()
    clock.advance(60)
    ledger.sandbox.quickbooks.delete_invoice(ledger.realm, made["i-J0001"].ledger_id)
    ledger.sandbox.quickbooks.void_invoice(ledger.realm, made["i-J0002"].ledger_id)
    states = {r.ledger_id: r.state for r in connector.invoices(since=since).records}
    assert states == {made["i-J0001"].ledger_id: LedgerState.DELETED, made["i-J0002"].ledger_id: LedgerState.VOIDED}


@pytest.mark.parametrize("variant", ["json", "xml", "legacy403"])
def test_every_throttle_shape_is_backed_off(clock: VirtualClock, variant: str) -> None:
    ledger = QuickBooksHarness(clock, backoff_cap=2.0)
    connector = ledger.connector()
    ledger.fault("throttle", match="/batch", variant=variant)
    start = clock.monotonic()
    assert f.run(connector, f.customer_steps([f.customer(1)]))["c-C0001"].status == ResultStatus.CREATED
    assert clock.monotonic() - start >= 1.0  # backed off: about a second, the minute being unspent
    assert ledger.attempts[-2].error_class == "Retriable" and ledger.attempts[-1].status == 200


def test_customer_notes_too_long_for_the_ledger_are_refused_never_cut(clock: VirtualClock) -> None:
    ledger = QuickBooksHarness(clock)
    connector = ledger.connector()
    room = 2000 - len("fieldbook:acme:C0001") - 1  # QBO Notes hold 2,000 characters, our marker included
    fits, too_long = f.customer(1, notes="n" * room), f.customer(2, notes="n" * (room + 1))
    results = f.run(connector, f.customer_steps([fits, too_long]))
    assert results["c-C0001"].status == ResultStatus.CREATED, results["c-C0001"].error
    [stored] = ledger.ledger_customers()
    assert stored["Notes"] == f"{fits.notes}\nfieldbook:acme:C0001"  # whole
    refused = results["c-C0002"]
    assert refused.status == ResultStatus.FAILED and refused.error is not None
    assert refused.error.code == "notes_too_long" and refused.error.field == "Notes"
    assert f"{room + 1:,} characters, at most {room:,}" in refused.error.message
    assert "never cut" in refused.error.message and "Shorten the notes" in refused.error.fix
