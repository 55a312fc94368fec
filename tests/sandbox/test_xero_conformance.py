"""Conformance over real HTTP on an ephemeral port: the unmodified xero-python SDK (the real
client, test-only) against the served Xero sandbox. `AccountingApi(api_client, base_url=...)`
and `IdentityApi(..., base_url=...)`; the token URL through `TokenApi`'s public attribute."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from xero_python.accounting import (
    AccountingApi,
    Contact,
    Contacts,
    Invoice,
    Invoices,
    LineAmountTypes,
    LineItem,
)
from xero_python.accounting import Contact as InvoiceContact
from xero_python.api_client import ApiClient
from xero_python.api_client.configuration import Configuration
from xero_python.api_client.oauth2 import OAuth2Token, TokenApi
from xero_python.exceptions import AccountingBadRequestException, NotFoundException
from xero_python.identity import IdentityApi

from fieldbook.sandbox import Sandbox
from fieldbook.sandbox.server import start_in_thread


class Served:
    def __init__(self, url: str, sandbox: Sandbox) -> None:
        self.url, self.sandbox = url, sandbox
        issued = sandbox.xero.issue_tokens()
        self.tenant = issued["tenant_id"]
        self.token: dict[str, Any] = {k: issued[k] for k in ("access_token", "refresh_token", "expires_in",
                                                             "token_type", "scope", "id_token")}
        self.client = ApiClient(Configuration(oauth2_token=OAuth2Token(client_id=issued["client_id"],
                                                                       client_secret=issued["client_secret"])),
                                pool_threads=1, oauth2_token_getter=lambda: self.token,
                                oauth2_token_saver=self._save)
        self.api = AccountingApi(self.client, base_url=f"{url}/xero/api.xro/2.0")

    def _save(self, token: dict[str, Any]) -> None:
        self.token = token


@pytest.fixture(scope="module")
def served() -> Iterator[Served]:
    url, sandbox, stop = start_in_thread(relaxed_limits=True)
    try:
        yield Served(url, sandbox)
    finally:
        stop()


def _invoice(contact_id: str, number: str, amount: str = "100.00", **fields: Any) -> Invoice:
    return Invoice(type="ACCREC", contact=InvoiceContact(contact_id=contact_id), date=date(2026, 11, 2),
                   due_date=date(2026, 12, 2), invoice_number=number, reference=number, status="AUTHORISED",
                   line_amount_types=LineAmountTypes.EXCLUSIVE,
                   line_items=[LineItem(description="Boiler service", quantity=Decimal(1),
                                        unit_amount=Decimal(amount), account_code="200", tax_type="OUTPUT2")],
                   **fields)


def test_identity_connections_and_refresh_through_the_sdk(served: Served, monkeypatch: pytest.MonkeyPatch) -> None:
    connections = IdentityApi(served.client, base_url=f"{served.url}/xero").get_connections()
    assert [c.tenant_id for c in connections] == [served.tenant]
    monkeypatch.setattr(TokenApi, "refresh_token_url", f"{served.url}/xero/connect/token")
    before = served.token["refresh_token"]
    assert served.client.refresh_oauth2_token()
    assert served.token["refresh_token"] != before
    assert served.api.get_organisations(served.tenant).organisations[0].base_currency.value == "GBP"


def test_contacts_create_read_update_query(served: Served) -> None:
    api, tenant = served.api, served.tenant
    made = api.create_contacts(tenant, Contacts(contacts=[Contact(name="SDK Ltd", contact_number="SDK-1",
                                                                  email_address="jo@sdk.example")]),
                               summarize_errors=False).contacts[0]
    assert made.contact_id and made.status_attribute_string == "OK"
    read = api.get_contact(tenant, made.contact_id).contacts[0]
    assert read.name == "SDK Ltd" and read.contact_status == "ACTIVE" and read.updated_date_utc is not None
    updated = api.update_contact(tenant, made.contact_id,
                                 Contacts(contacts=[Contact(contact_id=made.contact_id, first_name="Jo")])).contacts[0]
    assert updated.first_name == "Jo" and updated.name == "SDK Ltd"
    found = api.get_contacts(tenant, where='ContactNumber=="SDK-1"', page=1, page_size=10)
    assert [c.contact_id for c in found.contacts] == [made.contact_id] and found.pagination.item_count == 1
    since = served.sandbox.clock.now() - timedelta(seconds=1)  # what a changed-since read sends (wall time)
    assert made.contact_id in [c.contact_id for c in api.get_contacts(tenant, if_modified_since=since).contacts]
    later = served.sandbox.clock.now() + timedelta(hours=1)
    assert api.get_contacts(tenant, if_modified_since=later).contacts == []
    by_number = api.get_contact_by_contact_number(tenant, "SDK-1").contacts[0]
    assert by_number.contact_id == made.contact_id
    with pytest.raises(NotFoundException):
        api.get_contact(tenant, "7cb59f93-2964-421d-bb5e-a0f7a4572a44")


def test_duplicate_active_contact_name_is_a_bad_request(served: Served) -> None:
    api, tenant = served.api, served.tenant
    api.create_contacts(tenant, Contacts(contacts=[Contact(name="Twice Ltd")]))
    with pytest.raises(AccountingBadRequestException) as raised:
        api.create_contacts(tenant, Contacts(contacts=[Contact(name="Twice Ltd")]))
    assert raised.value.error_data["Type"] == "ValidationException"  # error_data is the parsed JSON body
    assert "must be unique across all active contacts" in raised.value.reason


def test_invoices_create_read_update_query_and_per_element_errors(served: Served) -> None:
    api, tenant = served.api, served.tenant
    contact = api.create_contacts(tenant, Contacts(contacts=[Contact(name="Invoiced Ltd")])).contacts[0]
    made = api.create_invoices(tenant, Invoices(invoices=[_invoice(contact.contact_id, "SDK-J1", "47.50")]),
                               summarize_errors=False, unitdp=4).invoices[0]
    assert made.status == "AUTHORISED" and made.total == 57.0 and made.total_tax == 9.5
    assert made.date == date(2026, 11, 2) and made.line_items[0].line_item_id
    read = api.get_invoice(tenant, made.invoice_id).invoices[0]
    assert read.invoice_number == "SDK-J1" and read.contact.contact_id == contact.contact_id
    line = read.line_items[0]
    line.quantity = 2
    updated = api.update_invoice(tenant, made.invoice_id, Invoices(invoices=[
        Invoice(invoice_id=made.invoice_id, line_items=[LineItem(line_item_id=line.line_item_id, quantity=2)])]),
        unitdp=4).invoices[0]
    assert updated.total == 114.0 and updated.line_items[0].line_item_id == line.line_item_id
    queried = api.get_invoices(tenant, where=f'Contact.ContactID==Guid("{contact.contact_id}")', page=1,
                               statuses=["AUTHORISED"])
    assert [i.invoice_id for i in queried.invoices] == [made.invoice_id] and queried.invoices[0].line_items
    mixed = api.create_invoices(tenant, Invoices(invoices=[_invoice(contact.contact_id, "SDK-J1"),
                                                           _invoice(contact.contact_id, "SDK-J2")]),
                                summarize_errors=False).invoices
    assert [i.status_attribute_string for i in mixed] == ["ERROR", "OK"]
    assert mixed[0].has_errors and mixed[0].validation_errors[0].message == "Invoice # must be unique."
    with pytest.raises(AccountingBadRequestException) as raised:
        api.create_invoices(tenant, Invoices(invoices=[_invoice(contact.contact_id, "SDK-J2")]))
    assert raised.value.reason == "Invoice # must be unique."


def test_idempotency_key_replays_through_the_sdk(served: Served) -> None:
    api, tenant = served.api, served.tenant
    contact = api.create_contacts(tenant, Contacts(contacts=[Contact(name="Replayed Ltd")])).contacts[0]
    body = Invoices(invoices=[_invoice(contact.contact_id, "SDK-R1")])
    first = api.create_invoices(tenant, body, summarize_errors=False, idempotency_key="fieldbook-r1")
    again = api.create_invoices(tenant, body, summarize_errors=False, idempotency_key="fieldbook-r1")
    assert again.invoices[0].invoice_id == first.invoices[0].invoice_id
    assert again.invoices[0].status_attribute_string == "OK"  # not "Invoice # must be unique."
    numbers = [i.invoice_number for i in api.get_invoices(tenant, invoice_numbers=["SDK-R1"]).invoices]
    assert numbers == ["SDK-R1"]
    with pytest.raises(AccountingBadRequestException):
        api.update_or_create_invoices(tenant, body, summarize_errors=False, idempotency_key="fieldbook-r1")
