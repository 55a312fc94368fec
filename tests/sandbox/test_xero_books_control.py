"""The Xero books page (read-only, an anchor per record, user data escaped) and the control calls
over the served control endpoint: void, record a payment, archive, merge, the daily budget."""

from __future__ import annotations

import httpx

from fieldbook.sandbox import Sandbox
from fieldbook.sandbox.server import start_in_thread
from tests.sandbox.xero_helpers import Xero, line


def test_books_page_has_an_anchor_per_record_and_escapes(sandbox: Sandbox, xero: Xero) -> None:
    keep = xero.create_contact("<script>x</script> & Co", ContactNumber="C-1")
    gone = xero.create_contact("Gone Ltd")
    invoice = xero.create_invoice(keep["ContactID"], [line(100)], InvoiceNumber="J-1")
    payment = sandbox.xero.record_payment(invoice["InvoiceID"], "20")
    sandbox.xero.merge_contacts(gone["ContactID"], keep["ContactID"])
    page = xero.http.get(f"/xero/books/{xero.tenant}")
    assert page.status_code == 200
    html = page.text
    for anchor in (f'id="contact-{keep["ContactID"]}"', f'id="contact-{gone["ContactID"]}"',
                   f'id="invoice-{invoice["InvoiceID"]}"', f'id="payment-{payment["PaymentID"]}"'):
        assert anchor in html
    assert "&lt;script&gt;x&lt;/script&gt; &amp; Co" in html and "<script>x" not in html
    assert "merged into" in html and "120.00" in html and "100.00" in html  # total, then due after 20 paid
    assert "<form" not in html
    assert xero.http.post(f"/xero/books/{xero.tenant}").status_code == 405
    assert xero.http.get("/xero/books/unknown").status_code == 404
    index = xero.http.get("/").text
    assert f"/xero/books/{xero.tenant}" in index and f"/xero/books/{xero.tenant}" in xero.http.get("/xero/").text


def test_control_calls_over_http() -> None:
    url, sandbox, stop = start_in_thread(relaxed_limits=False)
    try:
        issued = sandbox.xero.issue_tokens()
        api = httpx.Client(base_url=f"{url}/xero/api.xro/2.0", timeout=10, headers={
            "Authorization": f"Bearer {issued['access_token']}", "xero-tenant-id": issued["tenant_id"],
            "Accept": "application/json"})
        control = httpx.Client(base_url=f"{url}/control/xero", timeout=10)
        made = control.post("/add_contact", json={"name": "Acme Ltd", "contact_number": "C-1"}).json()["result"]
        other = control.post("/add_contact", json={"name": "Other Ltd"}).json()["result"]
        invoice = api.put("/Invoices", params={"summarizeErrors": "false"}, json={"Invoices": [{
            "Type": "ACCREC", "Contact": {"ContactID": made["ContactID"]}, "Status": "AUTHORISED",
            "LineItems": [{"Description": "Service", "Quantity": 1, "UnitAmount": 50, "AccountCode": "200"}]}]}
        ).json()["Invoices"][0]
        paid = control.post("/record_payment", json={"invoice_id": invoice["InvoiceID"], "amount": "60.00"})
        assert paid.status_code == 200, paid.text
        shown = api.get(f"/Invoices/{invoice['InvoiceID']}").json()["Invoices"][0]
        assert shown["Status"] == "PAID"
        refused = control.post("/void_invoice", json={"invoice_id": invoice["InvoiceID"]})
        assert refused.status_code == 409 and "payment" in refused.json()["error"]
        second = api.put("/Invoices", json={"Invoices": [{
            "Type": "ACCREC", "Contact": {"ContactID": made["ContactID"]}, "Status": "AUTHORISED",
            "LineItems": [{"Description": "Service", "LineAmount": 10, "AccountCode": "200"}]}]}).json()["Invoices"][0]
        assert control.post("/void_invoice", json={"invoice_id": second["InvoiceID"]}).json()["result"]["Status"] \
            == "VOIDED"
        merged = control.post("/merge_contacts", json={"source_id": made["ContactID"],
                                                       "target_id": other["ContactID"]}).json()["result"]
        assert merged["MergedToContactID"] == other["ContactID"]
        moved = api.get("/Invoices", params={"ContactIDs": other["ContactID"]}).json()["Invoices"]
        assert len(moved) == 2
        archived = control.post("/archive_contact", json={"contact_id": other["ContactID"]}).json()["result"]
        assert archived["ContactStatus"] == "ARCHIVED"
        assert api.get("/Contacts").json()["Contacts"] == []
        assert control.post("/set_limits", json={"per_day": 6}).json()["result"]["per_day"] == 6
        assert api.get("/Organisation").headers["X-DayLimit-Remaining"] == "0"  # the 6th API call
        assert api.get("/Organisation").status_code == 429
        assert control.post("/no_such_action", json={}).status_code == 404
    finally:
        stop()
