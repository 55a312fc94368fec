"""Conformance over real HTTP: the unmodified vendor SDKs against the served QBO sandbox.

python-quickbooks and intuit-oauth are test dependencies and imported plainly: when they are
missing these tests fail, never skip. Only public attributes are pointed at the sandbox.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from intuitlib.client import AuthClient
from intuitlib.enums import Scopes
from intuitlib.exceptions import AuthClientError
from quickbooks import QuickBooks
from quickbooks.batch import batch_create
from quickbooks.exceptions import QuickbooksException, ValidationException
from quickbooks.objects.base import Ref
from quickbooks.objects.customer import Customer
from quickbooks.objects.detailline import SalesItemLine, SalesItemLineDetail
from quickbooks.objects.invoice import Invoice

from fieldbook.sandbox import Sandbox
from fieldbook.sandbox.quickbooks.control import CLIENT_ID, CLIENT_SECRET
from fieldbook.sandbox.server import start_in_thread

REDIRECT = "http://localhost:8000/integration/quickbooks/callback"


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[str, Sandbox]]:
    base_url, sandbox, stop = start_in_thread(relaxed_limits=True)
    yield base_url, sandbox
    stop()


@pytest.fixture
def auth(served: tuple[str, Sandbox], monkeypatch: pytest.MonkeyPatch) -> AuthClient:
    base_url, sandbox = served
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")  # plain http on 127.0.0.1
    client = AuthClient(CLIENT_ID, CLIENT_SECRET, REDIRECT,
                        environment=f"{base_url}/quickbooks/.well-known/openid_configuration")
    url = sandbox.quickbooks.approve_consent(CLIENT_ID, REDIRECT, state="conformance")
    query = parse_qs(urlsplit(url).query)
    client.get_bearer_token(query["code"][0], realm_id=query["realmId"][0])
    return client


@pytest.fixture
def qb(served: tuple[str, Sandbox], auth: AuthClient) -> QuickBooks:
    base_url, _sandbox = served
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        client = QuickBooks(auth_client=auth, refresh_token=auth.refresh_token, company_id=auth.realm_id,
                            minorversion=75)
    client.api_url_v3 = f"{base_url}/quickbooks/v3"  # the public attribute the SDK builds URLs from
    return client


def unique(prefix: str) -> str:
    unique.counter = getattr(unique, "counter", 0) + 1  # type: ignore[attr-defined]
    return f"{prefix} {unique.counter}"  # type: ignore[attr-defined]


def make_invoice(customer: Customer, amount: str = "47.50", qty: int = 5, price: str = "9.50") -> Invoice:
    invoice = Invoice()
    invoice.CustomerRef = customer.to_ref()
    line = SalesItemLine()
    line.Amount = Decimal(amount)
    line.Description = "Boiler service"
    line.SalesItemLineDetail = SalesItemLineDetail()
    line.SalesItemLineDetail.Qty = qty
    line.SalesItemLineDetail.UnitPrice = Decimal(price)
    item = Ref()
    item.value = "2"
    line.SalesItemLineDetail.ItemRef = item
    tax_code = Ref()
    tax_code.value = "1"  # 20.0% S
    line.SalesItemLineDetail.TaxCodeRef = tax_code
    invoice.Line.append(line)
    return invoice


def test_intuit_oauth_reads_discovery_exchanges_a_code_and_refreshes(served: tuple[str, Sandbox],
                                                                     auth: AuthClient) -> None:
    base_url, _sandbox = served
    assert auth.token_endpoint == f"{base_url}/quickbooks/oauth2/v1/tokens/bearer"
    assert auth.get_authorization_url([Scopes.ACCOUNTING]).startswith(f"{base_url}/quickbooks/connect/oauth2?")
    assert auth.access_token and auth.expires_in == 3600
    first_refresh = auth.refresh_token
    auth.refresh()
    assert auth.refresh_token != first_refresh and auth.access_token
    auth.revoke(token=auth.refresh_token)
    with pytest.raises(AuthClientError) as caught:
        auth.refresh()
    assert caught.value.status_code == 400 and b"invalid_grant" in caught.value.content


def test_consent_page_over_http(served: tuple[str, Sandbox], auth: AuthClient) -> None:
    page = requests.get(auth.get_authorization_url([Scopes.ACCOUNTING]), timeout=10)
    assert page.status_code == 200 and "Approve" in page.text


def test_customers_create_read_update_query(qb: QuickBooks) -> None:
    name = unique("Conformance Customer")
    customer = Customer()
    customer.DisplayName = name
    customer.Notes = "fieldbook:acme:C1"
    saved = customer.save(qb=qb)
    assert saved.Id and saved.SyncToken == "0"
    read = Customer.get(saved.Id, qb=qb)
    assert read.DisplayName == name
    read.Notes = "changed"
    updated = read.save(qb=qb)  # a full update of the object as read
    assert updated.SyncToken == "1" and updated.Notes == "changed"
    found = Customer.filter(DisplayName=name, qb=qb)
    assert [c.Id for c in found] == [saved.Id]
    assert Customer.count(f"DisplayName = '{name}'", qb=qb) == 1
    assert saved.Id in [c.Id for c in Customer.where("Active = true", order_by="DisplayName", qb=qb)]
    assert len(Customer.all(qb=qb)) >= 1


def test_invoices_create_read_update_query(qb: QuickBooks) -> None:
    customer = Customer()
    customer.DisplayName = unique("Invoice Customer")
    customer = customer.save(qb=qb)
    saved = make_invoice(customer).save(qb=qb)
    assert float(saved.TotalAmt) == 57.0 and float(saved.Balance) == 57.0
    read = Invoice.get(saved.Id, qb=qb)
    read.PrivateNote = "fieldbook:acme:J1"
    updated = read.save(qb=qb)
    assert updated.SyncToken == "1" and updated.PrivateNote == "fieldbook:acme:J1"
    assert float(updated.TotalAmt) == 57.0
    assert [i.Id for i in Invoice.filter(DocNumber=saved.DocNumber, qb=qb)] == [saved.Id]


def test_batch_create_with_a_failing_item(qb: QuickBooks) -> None:
    taken = Customer()
    taken.DisplayName = unique("Batch Taken")
    taken.save(qb=qb)
    fresh = Customer()
    fresh.DisplayName = unique("Batch Fresh")
    clash = Customer()
    clash.DisplayName = taken.DisplayName
    result = batch_create([fresh, clash], qb=qb)  # 36-character uuid bIds, no requestid
    assert [c.DisplayName for c in result.successes] == [fresh.DisplayName]
    assert [f.Error[0].code for f in result.faults] == ["6240"]


def test_requestid_replay(served: tuple[str, Sandbox], qb: QuickBooks) -> None:
    _, sandbox = served
    customer = Customer()
    customer.DisplayName = unique("Replay")
    first = customer.save(qb=qb, request_id="conformance-replay-1")
    again = Customer()
    again.DisplayName = customer.DisplayName
    second = again.save(qb=qb, request_id="conformance-replay-1")
    assert second.Id == first.Id
    stored = [c for c in sandbox.quickbooks.customers(qb.company_id) if c["DisplayName"] == customer.DisplayName]
    assert len(stored) == 1


def test_errors_surface_as_quickbooks_exceptions(qb: QuickBooks) -> None:
    customer = Customer()
    customer.DisplayName = unique("Errors")
    saved = customer.save(qb=qb)
    first_copy = Customer.get(saved.Id, qb=qb)
    second_copy = Customer.get(saved.Id, qb=qb)
    first_copy.Notes = "one"
    first_copy.save(qb=qb)
    second_copy.Notes = "two"
    with pytest.raises(QuickbooksException) as stale:
        second_copy.save(qb=qb)
    assert stale.value.error_code == 5010
    duplicate = Customer()
    duplicate.DisplayName = customer.DisplayName
    with pytest.raises(QuickbooksException) as dup:
        duplicate.save(qb=qb)
    assert dup.value.error_code == 6240
    bad = Customer()
    bad.DisplayName = "Parent:Child"
    with pytest.raises(ValidationException) as invalid:
        bad.save(qb=qb)
    assert invalid.value.error_code == 2040
    with pytest.raises(QuickbooksException) as calc:  # 6070 is outside python-quickbooks' 2000-4999 band
        make_invoice(saved, amount="47.49").save(qb=qb)
    assert calc.value.error_code == 6070


def test_batch_create_invoices(qb: QuickBooks) -> None:
    customer = Customer()
    customer.DisplayName = unique("Batch Invoices")
    customer = customer.save(qb=qb)
    result = batch_create([make_invoice(customer), make_invoice(customer, "19.00", 2, "9.50")], qb=qb)
    assert sorted(float(i.TotalAmt) for i in result.successes) == [22.8, 57.0]
    assert result.faults == []
