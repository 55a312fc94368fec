"""The Sage sandbox's read-only books page (anchors per record) and the control calls that
change the books as a ledger user would: void an invoice, record a payment."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from fieldbook.sandbox import Sandbox
from tests.sandbox.sage_helpers import Sage


@pytest.fixture
def sage(sandbox: Sandbox) -> Iterator[Sage]:
    client = Sage(sandbox)
    yield client
    client.http.close()


@pytest.fixture
def http(sandbox: Sandbox) -> Iterator[httpx.Client]:
    with httpx.Client(transport=sandbox.transport(), base_url="http://sandbox.test") as client:
        yield client


def test_index_and_business_list_link_the_books(sage: Sage, http: httpx.Client) -> None:
    books = f"/sage/books/{sage.business}"
    assert f'href="{books}"' in http.get("/").text
    assert f'href="{books}"' in http.get("/sage/").text
    assert http.get(books).status_code == 200
    assert http.get("/sage/books/" + "0" * 32).status_code == 404


def test_every_record_has_an_anchor_and_user_data_is_escaped(sandbox: Sandbox, sage: Sage,
                                                              http: httpx.Client) -> None:
    contact = sage.create_contact("<script>x</script> & Sons", reference="R&D",
                                  main_contact_person={"name": "Jo", "email": "jo@example.com"})
    invoice = sage.create_invoice(contact["id"], reference="<b>JOB</b>")
    payment = sandbox.sage.record_payment(invoice["id"], "10.00", reference="BACS")
    page = http.get(f"/sage/books/{sage.business}").text
    for anchor in (f'id="contact-{contact["id"]}"', f'id="invoice-{invoice["id"]}"', f'id="payment-{payment["id"]}"'):
        assert anchor in page
    assert "&lt;script&gt;x&lt;/script&gt; &amp; Sons" in page and "<script>x" not in page
    assert "&lt;b&gt;JOB&lt;/b&gt;" in page and "R&amp;D" in page
    assert f'href="#invoice-{invoice["id"]}">SI-1</a>' in page and "Part Paid" in page
    assert "86.00" in page  # the invoice's outstanding and the contact's balance


def test_the_books_page_is_read_only(sage: Sage, http: httpx.Client) -> None:
    page = http.get(f"/sage/books/{sage.business}").text
    assert "<form" not in page
    assert http.post(f"/sage/books/{sage.business}", data={"x": "1"}).status_code == 405


def test_control_calls_void_and_record_payments_over_http(sandbox: Sandbox, sage: Sage, http: httpx.Client) -> None:
    contact = sage.create_contact()
    paid = sage.create_invoice(contact["id"], [sage.line(100, tax=20)])
    voided = sage.create_invoice(contact["id"])
    reply = http.post("/control/sage/record_payment", json={"invoice_id": paid["id"], "amount": "12.50"})
    assert reply.status_code == 200, reply.text
    assert reply.json()["result"]["total_amount"] == "12.50"
    assert sage.get(f"sales_invoices/{paid['id']}").json()["outstanding_amount"] == 107.5
    too_much = http.post("/control/sage/record_payment", json={"invoice_id": paid["id"], "amount": "107.51"})
    assert too_much.status_code == 409 and "outstanding" in too_much.json()["error"]
    reply = http.post("/control/sage/void_invoice", json={"invoice_id": voided["id"], "void_reason": "Duplicate"})
    assert reply.status_code == 200 and reply.json()["result"]["status"]["id"] == "VOID"
    assert sage.get(f"sales_invoices/{voided['id']}").json()["void_reason"] == "Duplicate"
    assert "void: Duplicate" in http.get(f"/sage/books/{sage.business}").text
    assert http.post("/control/sage/void_invoice", json={"invoice_id": paid["id"]}).status_code == 409
    assert http.post("/control/sage/void_invoice", json={"invoice_id": "nope"}).status_code == 400
    assert http.post("/control/sage/drop_tables", json={}).status_code == 404


def test_control_lists_businesses_and_default(sandbox: Sandbox, http: httpx.Client) -> None:
    assert http.get("/control/sage/default_realm").json()["result"] == sandbox.sage.default_business
    listed = http.get("/control/sage/businesses").json()["result"]
    assert listed == [{"business_id": sandbox.sage.default_business, "name": "Harbour Heating Ltd (Sage sandbox)"}]
