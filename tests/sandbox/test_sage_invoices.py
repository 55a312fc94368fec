"""Sage sales invoices (ref §5): lines, tax_amount, totals, invoice_number, reference, void;
contact payments and the contact's balance."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from fieldbook.sandbox import Sandbox
from tests.sandbox.sage_helpers import Sage, codes, invoice_body, sources


@pytest.fixture
def sage(sandbox: Sandbox) -> Iterator[Sage]:
    client = Sage(sandbox)
    yield client
    client.http.close()


@pytest.fixture
def contact(sage: Sage) -> str:
    return str(sage.create_contact("Acme Ltd", reference="ACME01")["id"])


def post(sage: Sage, contact: str, lines: list[dict[str, object]], **fields: object) -> httpx.Response:
    return sage.post("sales_invoices", {"sales_invoice": invoice_body(contact, lines, **fields)})


def test_lines_with_ledger_account_tax_rate_and_tax_amount_and_summed_totals(sage: Sage, contact: str) -> None:
    made = sage.create_invoice(contact, [sage.line(9.5, quantity=5, tax=9.5),
                                         sage.line(10, "GB_LOWER", 0.5), sage.line(12.34, "GB_ZERO", None)],
                               reference="JOB-1042", due_date="2026-12-02")
    lines = made["invoice_lines"]
    assert [(line["net_amount"], line["tax_amount"], line["total_amount"]) for line in lines] == [
        (47.5, 9.5, 57.0), (10.0, 0.5, 10.5), (12.34, 0.0, 12.34)]
    assert [line["tax_rate"]["id"] for line in lines] == ["GB_STANDARD", "GB_LOWER", "GB_ZERO"]
    assert lines[0]["ledger_account"]["id"] == sage.sales_ledger
    assert (made["net_amount"], made["tax_amount"], made["total_amount"], made["outstanding_amount"]) == (
        69.84, 10.0, 79.84, 79.84)
    assert {row["tax_rate"]["id"]: row["tax_amount"] for row in made["tax_analysis"]} == {
        "GB_STANDARD": 9.5, "GB_LOWER": 0.5, "GB_ZERO": 0.0}
    assert (made["reference"], made["status"]["id"], made["contact"]["id"]) == ("JOB-1042", "UNPAID", contact)
    assert made["contact_reference"] == "ACME01"


def test_invoice_number_is_assigned_by_the_ledger(sage: Sage, contact: str) -> None:
    numbers = [sage.create_invoice(contact, reference=f"J{n}")["invoice_number"] for n in range(3)]
    assert numbers == ["SI-1", "SI-2", "SI-3"]
    chosen = post(sage, contact, [sage.line()], invoice_number="MINE-1")
    assert chosen.status_code == 422 and sources(chosen) == ["sales_invoice.invoice_number"]


@pytest.mark.parametrize(("length", "status"), [(25, 201), (26, 422)])
def test_reference_is_at_most_25(sage: Sage, contact: str, length: int, status: int) -> None:
    reply = post(sage, contact, [sage.line()], reference="R" * length)
    assert reply.status_code == status


def test_a_taxable_line_without_tax_amount_is_refused(sage: Sage, contact: str) -> None:
    reply = post(sage, contact, [sage.line(), sage.line(50, "GB_LOWER", None)])
    assert reply.status_code == 422
    assert reply.json() == [{"$severity": "error", "$dataCode": "RecordInvalid",
                             "$message": "tax_amount is required for a line at the Lower rate",
                             "$source": "invoice_lines[1].tax_amount"}]
    assert sage.get("sales_invoices").json()["$total"] == 0


def test_the_switch_gives_the_older_silent_zero(sandbox: Sandbox, sage: Sage, contact: str) -> None:
    sandbox.sage.set_tax_amount_required(False)
    made = sage.create_invoice(contact, [sage.line(80, "GB_STANDARD", None)])
    assert (made["invoice_lines"][0]["tax_amount"], made["tax_amount"], made["total_amount"]) == (0.0, 0.0, 80.0)


@pytest.mark.parametrize("rate", ["GB_ZERO", "GB_EXEMPT", "GB_NO_TAX"])
def test_zero_exempt_and_no_tax_lines_need_no_tax_amount_and_refuse_one(sage: Sage, contact: str, rate: str) -> None:
    assert sage.create_invoice(contact, [sage.line(10, rate, None)])["tax_amount"] == 0.0
    refused = post(sage, contact, [sage.line(10, rate, 2)])
    assert sources(refused) == ["invoice_lines[0].tax_amount"]


def test_a_line_without_tax_rate_takes_the_ledger_accounts(sage: Sage, contact: str) -> None:
    line = sage.line(100, tax=None)
    del line["tax_rate_id"]
    assert sources(post(sage, contact, [line])) == ["invoice_lines[0].tax_amount"]
    line["tax_amount"] = 20
    assert sage.create_invoice(contact, [line])["invoice_lines"][0]["tax_rate"]["id"] == "GB_STANDARD"


def test_required_fields_of_invoice_and_line(sage: Sage, contact: str) -> None:
    reply = sage.post("sales_invoices", {"sales_invoice": {"reference": "X"}})
    assert sources(reply) == ["sales_invoice.contact_id", "sales_invoice.date", "sales_invoice.invoice_lines"]
    bare = post(sage, contact, [{"quantity": 1}])
    assert sources(bare) == ["invoice_lines[0].description", "invoice_lines[0].ledger_account_id",
                             "invoice_lines[0].unit_price"]
    bank = next(a["id"] for a in sage.get("ledger_accounts", params={"attributes": "nominal_code"}).json()["$items"]
                if a["nominal_code"] == 1200)
    assert sources(post(sage, contact, [sage.line(ledger_account_id=bank)])) == [
        "invoice_lines[0].ledger_account_id"]
    assert sources(post(sage, "f" * 32, [sage.line()])) == ["sales_invoice.contact_id"]
    assert sources(post(sage, contact, [sage.line()], date="02/11/2026")) == ["sales_invoice.date"]


def test_misspelt_line_key_is_refused_not_ignored(sage: Sage, contact: str) -> None:
    line = sage.line(80, tax=None, tax_ammount=16)
    reply = post(sage, contact, [line])
    assert codes(reply) == ["UnexpectedAttribute"]
    assert sources(reply) == ["invoice_lines[0].tax_ammount"]


def test_negative_lines_allowed_but_not_a_negative_total(sage: Sage, contact: str) -> None:
    made = sage.create_invoice(contact, [sage.line(100, tax=20), sage.line(-25, tax=-5, description="Credit")])
    assert (made["net_amount"], made["tax_amount"], made["total_amount"]) == (75.0, 15.0, 90.0)
    refused = post(sage, contact, [sage.line(-1, tax=0)])
    assert sources(refused) == ["sales_invoice.total_amount"]


def test_supplied_net_and_total_must_agree(sage: Sage, contact: str) -> None:
    assert sage.create_invoice(contact, [sage.line(80, tax=16, net_amount=80, total_amount=96)])["total_amount"] == 96.0
    assert sources(post(sage, contact, [sage.line(80, tax=16, net_amount=79)])) == [
        "invoice_lines[0].net_amount"]


def test_idempotency_id_twice_creates_one_invoice(sage: Sage, contact: str) -> None:
    body = {"sales_invoice": invoice_body(contact, [sage.line()], idempotency_id="9b2f6d1c0a8e4f3b8c7d6e5f4a3b2c1d")}
    first, again = sage.post("sales_invoices", body), sage.post("sales_invoices", body)
    assert (first.status_code, again.status_code) == (201, 201) and again.json() == first.json()
    assert sage.get("sales_invoices").json()["$total"] == 1
    assert sage.create_invoice(contact)["invoice_number"] == "SI-2"  # the replay used no number


def test_put_replaces_lines_and_recomputes(sage: Sage, contact: str) -> None:
    made = sage.create_invoice(contact)
    reply = sage.put(f"sales_invoices/{made['id']}", {"sales_invoice": {
        "reference": "JOB-2", "invoice_lines": [sage.line(200, tax=40)]}})
    assert reply.status_code == 200
    assert (reply.json()["reference"], reply.json()["total_amount"], reply.json()["invoice_number"]) == (
        "JOB-2", 240.0, made["invoice_number"])


def test_delete_voids_with_a_reason_and_answers_the_voided_invoice(sage: Sage, contact: str) -> None:
    made = sage.create_invoice(contact)
    assert sources(sage.delete(f"sales_invoices/{made['id']}")) == ["void_reason"]
    reply = sage.delete(f"sales_invoices/{made['id']}", params={"void_reason": "Raised in error"})
    assert reply.status_code == 200
    voided = reply.json()
    assert (voided["status"]["id"], voided["void_reason"], voided["outstanding_amount"]) == (
        "VOID", "Raised in error", 0.0)
    assert voided["deleted_at"] is not None and voided["editable"] is False
    assert sage.get(f"sales_invoices/{made['id']}").json()["status"]["id"] == "VOID"  # kept, not removed
    assert sage.delete(f"sales_invoices/{made['id']}", params={"void_reason": "again"}).status_code == 422
    edit = sage.put(f"sales_invoices/{made['id']}", {"sales_invoice": {"reference": "X"}})
    assert edit.status_code == 422


def test_payments_lower_outstanding_and_the_contacts_balance(sandbox: Sandbox, sage: Sage, contact: str) -> None:
    invoice = sage.create_invoice(contact, [sage.line(100, tax=20)])
    sage.create_invoice(contact, [sage.line(10, tax=2)])
    assert sage.get(f"contacts/{contact}").json()["balance"] == 132.0
    payment = sandbox.sage.record_payment(invoice["id"], "20.00")
    part = sage.get(f"sales_invoices/{invoice['id']}").json()
    assert (part["status"]["id"], part["total_paid"], part["outstanding_amount"]) == ("PART_PAID", 20.0, 100.0)
    assert part["payments_allocations"][0]["contact_payment"]["id"] == payment["id"]
    bank = payment["bank_account"]["id"]
    paid = sage.post("contact_payments", {"contact_payment": {
        "transaction_type_id": "CUSTOMER_RECEIPT", "contact_id": contact, "bank_account_id": bank,
        "date": "2026-11-03", "total_amount": 100, "reference": "BACS",
        "allocated_artefacts": [{"artefact_id": invoice["id"], "amount": 100}]}})
    assert paid.status_code == 201, paid.text
    assert sage.get(f"sales_invoices/{invoice['id']}").json()["status"]["id"] == "PAID"
    assert sage.get(f"contacts/{contact}").json()["balance"] == 12.0
    listed = sage.get("contact_payments", params={"contact_id": contact, "attributes": "all"}).json()
    assert [p["total_amount"] for p in listed["$items"]] == [20.0, 100.0]
    with pytest.raises(ValueError, match="outstanding"):
        sandbox.sage.record_payment(invoice["id"], "0.01")
    assert sage.delete(f"sales_invoices/{invoice['id']}", params={"void_reason": "x"}).status_code == 422
