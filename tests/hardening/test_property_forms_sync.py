"""Property-based (hypothesis): whatever a user types into the customer, job and contract forms,
no page answers 500, and the sync of what the forms accepted, through the QuickBooks sandbox,
ends every record with an outcome and duplicates nothing, even when run twice (issue 18, Done when).

Each example is a fresh organisation connected to a fresh in-process sandbox, so examples never
see each other's rows."""

from __future__ import annotations

import contextlib
import io
import itertools
import json
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from fieldbook.contracts.models import ServiceInvoice
from fieldbook.core import bounds
from fieldbook.core.models import Membership, Organisation
from fieldbook.customers.models import Customer
from fieldbook.integration import ledgers
from fieldbook.integration.models import ExternalLink
from fieldbook.jobs.models import Job
from fieldbook.sandbox import Sandbox, VirtualClock
from tests.integration.test_connect import consent, save_settings
from tests.web.isolation.catalogue import tax_codes

pytestmark = pytest.mark.django_db
OUTCOMES = {"created", "updated", "linked", "skipped", "failed"}
KNOWN_REFUSALS = {"credit_lines"}
_orgs = itertools.count(1)

# Text as people (and attackers) type it: letters in many scripts, spaces, punctuation, and the
# invisible or direction-changing characters the forms must refuse. Each value is mostly
# ordinary, sometimes hostile, so both the acceptance and the refusal paths are exercised.
ODD = "\u202e\u202d\u2066\u200b\u200e\u00a0\u3000\t\n"
any_text = st.text(alphabet=st.one_of(st.characters(codec="utf-8", exclude_categories=("Cs",)),
                                      st.sampled_from(ODD)), max_size=60)  # fmt: skip
words = st.text(alphabet=st.sampled_from("abcdefghij KLMNOP'&-.éÿßŁ中文مכ"), min_size=1, max_size=40)
text = st.one_of(words, words, any_text)
refs = st.one_of(st.from_regex(r"[A-Za-z0-9-]{1,20}", fullmatch=True),
                 st.text(alphabet=st.sampled_from("ABCXYZ019-_ ." + ODD), max_size=24))  # fmt: skip


def _decimal(low: str, high: str, places: int) -> st.SearchStrategy[Decimal]:
    return st.decimals(min_value=Decimal(low), max_value=Decimal(high), places=places, allow_nan=False,
                       allow_infinity=False)  # fmt: skip


quantities = st.one_of(_decimal("0.001", "50", 3), _decimal("0.001", "50", 3), _decimal("-3", "-0.5", 3),
                       _decimal("-2000000000", "2000000000", 3))  # fmt: skip
prices = st.one_of(_decimal("0", "5000", 2), _decimal("0", "5000", 2), _decimal("0", "20000000000", 4))
days = st.one_of(st.dates(min_value=date(2024, 1, 1), max_value=date(2027, 12, 31)),
                 st.dates(min_value=date(1890, 1, 1), max_value=date(2110, 12, 31)), st.dates())  # fmt: skip

customer_data = st.fixed_dictionaries({
    "account_ref": refs, "name": text, "email": st.one_of(st.just(""), st.emails()), "city": text,
})  # fmt: skip
line_data = st.fixed_dictionaries({
    "description": text, "quantity": quantities, "unit_price": prices,
    "discount_percent": st.sampled_from(["0", "0", "10", "100", "-5", "250"]), "is_credit": st.booleans(),
})  # fmt: skip
contract_data = st.fixed_dictionaries({
    "reference": st.one_of(st.just(""), refs), "description": text, "start_date": days,
    "end_date": st.one_of(st.none(), st.none(), days),
    "line": line_data,
})  # fmt: skip


def _connect_new_org(sandbox: Sandbox) -> tuple[Organisation, Client]:
    n = next(_orgs)
    org = Organisation.objects.create(name=f"Property {n}", slug=f"property-{n}")
    user = get_user_model().objects.create_user(username=f"prop{n}", password="correct horse battery")
    Membership.objects.create(user=user, organisation=org, role=Membership.Role.ADMIN)
    tax_codes(org)  # before Connect, so Connect suggests the tax mapping
    client = Client()
    client.force_login(user)
    save_settings(client)
    client.get(consent(client, sandbox))
    return org, client


def _post(client: Client, url: str, data: dict[str, Any]) -> int:
    response = client.post(url, data)  # a 500 would raise here (the test client re-raises)
    assert response.status_code in (200, 302), (url, response.status_code)
    return response.status_code


def _line_fields(prefix: str, line: dict[str, Any], tax_code: int) -> dict[str, str]:
    return {f"{prefix}-{k}": str(v) for k, v in {
        "description": line["description"], "quantity": line["quantity"], "unit_price": line["unit_price"],
        "discount_percent": line["discount_percent"], "tax_code": tax_code,
    }.items()} | ({f"{prefix}-is_credit": "on"} if line["is_credit"] else {})  # fmt: skip


def _sync(org: Organisation, option: str) -> list[dict[str, Any]]:
    out = io.StringIO()
    # A failed record exits non-zero; its outcome is in the JSON all the same.
    with contextlib.suppress(CommandError):
        call_command("sync", option, org=org.slug, ledger="quickbooks", all=True, json=True, stdout=out)
    data = json.loads(out.getvalue())
    assert "records" in data, json.dumps(data, default=str)
    return list(data["records"])


@settings(max_examples=8, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])  # fmt: skip
@example(  # the adversarial pass's inputs, always tried besides the generated ones
    customers=[{"account_ref": "REV-1", "name": "\u202e\u202e", "email": "", "city": ""},
               {"account_ref": "BIG-1", "name": "Big Orders Ltd", "email": "", "city": "Leeds"}],
    jobs=[[{"description": "Huge", "quantity": Decimal("999999999"), "unit_price": Decimal("9999999999.9999"),
            "discount_percent": "0", "is_credit": False}]],
    contracts=[{"reference": "", "description": "Far future", "start_date": date(9999, 6, 1), "end_date": None,
                "line": {"description": "Visit", "quantity": Decimal("1"), "unit_price": Decimal("45"),
                         "discount_percent": "0", "is_credit": False}}],
)
@given(
    customers=st.lists(customer_data, min_size=1, max_size=4),
    jobs=st.lists(st.lists(line_data, min_size=1, max_size=2), max_size=3),
    contracts=st.lists(contract_data, max_size=2),
)
def test_forms_and_the_sync_of_what_they_accept(db, customers, jobs, contracts) -> None:  # type: ignore[no-untyped-def]
    sandbox = Sandbox(clock=VirtualClock())
    saved = ledgers.transport_factory, ledgers.clock_factory
    ledgers.transport_factory, ledgers.clock_factory = sandbox.transport, lambda: sandbox.clock
    try:
        org, client = _connect_new_org(sandbox)
        vat = tax_codes(org)["VAT20"].pk
        for n, data in enumerate(customers):
            # Unique emails and a number in each name: two customers alike are another issue's
            # Compare problem (a Link candidate), not what this property is about.
            email = data["email"] and f"{n}.{data['email']}"
            _post(client, reverse("customers:create"), {**data, "email": email, "name": f"{data['name']} {n}",
                                                        "active": "on", "integrate": "on"})  # fmt: skip
        accepted = list(Customer.objects.filter(organisation=org).order_by("id"))
        if accepted:
            for lines in jobs:
                post = {"customer": accepted[0].pk, "description": "Job", "lines-TOTAL_FORMS": str(len(lines)),
                        "lines-INITIAL_FORMS": "0"}  # fmt: skip
                for i, line in enumerate(lines):
                    post |= _line_fields(f"lines-{i}", line, vat) | {f"lines-{i}-kind": "labour"}
                if _post(client, reverse("jobs:create"), post) == 302:
                    job = Job.objects.filter(organisation=org).latest("id")
                    _post(client, reverse("jobs:close", args=[job.pk]), {})
            for contract in contracts:
                post = {"customer": accepted[-1].pk, "reference": contract["reference"],
                        "description": contract["description"], "start_date": contract["start_date"].isoformat(),
                        "end_date": contract["end_date"].isoformat() if contract["end_date"] else "",
                        "billing_frequency": "monthly", "billing_timing": "advance", "active": "on",
                        "lines-TOTAL_FORMS": "1", "lines-INITIAL_FORMS": "0",
                        **_line_fields("lines-0", contract["line"], vat)}  # fmt: skip
                _post(client, reverse("contracts:create"), post)
                start = contract["start_date"]
                end = start + timedelta(days=30) if start < date(9999, 12, 1) else start
                _post(client, reverse("contracts:generate"), {"period_from": start.isoformat(),
                                                              "period_to": end.isoformat()})  # fmt: skip

        for option, expected in (
            ("customers", {c.account_ref for c in accepted}),
            ("jobs", set(Job.objects.filter(organisation=org).flagged().values_list("number", flat=True))),
            ("contracts", set(ServiceInvoice.objects.filter(organisation=org).flagged()
                              .values_list("number", flat=True))),
        ):  # fmt: skip
            rows = {r["key"]: r for r in _sync(org, option) if r["kind"] in ("customer", "invoice")}
            mine = {k: r for k, r in rows.items() if k in expected}
            # Every accepted record ends with an outcome: in this run, or (documents) already sent
            # with its customer's run.
            assert expected <= set(mine) | _linked(org, option), (option, expected, rows)
            for row in mine.values():
                assert row["status"] in OUTCOMES, row
                # What the forms accept, the ledger accepts; the one refusal left is a documented
                # limitation said before sending (QuickBooks invoices carry no credit lines).
                assert row["status"] != "failed" or (row["code"] in KNOWN_REFUSALS and row["message"]), row

        # What reached the ledger is within what every ledger accepts.
        for invoice in sandbox.quickbooks.invoices():
            assert abs(Decimal(str(invoice["TotalAmt"]))) <= bounds.MAX_AMOUNT, invoice
        for customer in sandbox.quickbooks.customers():
            assert not bounds.text_error(customer["DisplayName"]), customer["DisplayName"]
        ledger_customers, ledger_invoices = _ledger(sandbox)
        for option in ("customers", "jobs", "contracts"):  # a second run sends nothing again
            _sync(org, option)
        assert _ledger(sandbox) == (ledger_customers, ledger_invoices)
        assert len(ledger_customers) == len(set(ledger_customers)) == len(accepted)
        assert len(ledger_invoices) == len(set(ledger_invoices))
    finally:
        ledgers.transport_factory, ledgers.clock_factory = saved


def _linked(org: Organisation, option: str) -> set[str]:
    kind = "customer" if option == "customers" else "invoice"
    return set(ExternalLink.objects.filter(connection__organisation=org, kind=kind)
               .values_list("local_number", flat=True))  # fmt: skip


def _ledger(sandbox: Sandbox) -> tuple[list[str], list[str]]:
    customers = sorted(c["DisplayName"] for c in sandbox.quickbooks.customers())
    invoices = sorted(i.get("DocNumber", i["Id"]) for i in sandbox.quickbooks.invoices())
    return customers, invoices
