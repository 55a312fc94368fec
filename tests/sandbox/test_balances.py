"""Customer.Balance is always the customer's open invoices (plus the opening balance given at
create, ref §3), whichever way the invoices arrived or changed: single calls, batches (whose
items cannot see each other, ref §6), updates moving an invoice, voids, deletes and payments."""

from __future__ import annotations

import random
from decimal import Decimal
from typing import Any

import httpx

from fieldbook.sandbox import Sandbox
from fieldbook.sandbox.common.clock import VirtualClock
from tests.sandbox.helpers import Qbo, invoice_body, sales_line


def _api_balances(qbo: Qbo) -> dict[str, Decimal]:
    rows = qbo.ok(qbo.query("select * from Customer"))["QueryResponse"].get("Customer", [])
    return {c["Id"]: Decimal(str(c["Balance"])) for c in rows}


def _open_totals(qbo: Qbo, opening: dict[str, Decimal]) -> dict[str, Decimal]:
    totals = dict(opening)
    rows = qbo.ok(qbo.query("select * from Invoice maxresults 1000"))["QueryResponse"].get("Invoice", [])
    for invoice in rows:
        key = invoice["CustomerRef"]["value"]
        totals[key] = totals.get(key, Decimal("0")) + Decimal(str(invoice["Balance"]))
    return totals


def _batch_invoices(qbo: Qbo, customer_id: str, amounts: list[str]) -> list[dict[str, Any]]:
    items = [{"bId": str(n), "operation": "create",
              "Invoice": invoice_body(customer_id, [sales_line(amount, tax_code="3")])}
             for n, amount in enumerate(amounts)]
    result = qbo.ok(qbo.post("batch", {"BatchItemRequest": items}))["BatchItemResponse"]
    assert all("Invoice" in item for item in result), result
    return [item["Invoice"] for item in result]


def test_a_batch_of_invoices_adds_up_on_the_customer_and_the_books_page(qbo: Qbo) -> None:
    cid = qbo.create_customer("Smith Café & Bistro Ltd")["Id"]
    _batch_invoices(qbo, cid, ["849.90", "249.00", "499.00"])
    customer = qbo.ok(qbo.get(f"customer/{cid}"))["Customer"]
    assert Decimal(str(customer["Balance"])) == Decimal("1597.90")
    assert Decimal(str(customer["BalanceWithJobs"])) == Decimal("1597.90")
    with httpx.Client(transport=qbo.sandbox.transport(), base_url="http://sandbox.test") as http:
        page = http.get(f"/quickbooks/books/{qbo.realm}").text
    row = page.split(f'id="customer-{cid}"', 1)[1].split("</tr>", 1)[0]
    assert "1,597.90" in row and "499.00" not in row


def test_balances_equal_open_invoices_through_any_sequence_of_writes(sandbox: Sandbox,
                                                                   clock: VirtualClock) -> None:
    qbo = Qbo(sandbox)
    rng = random.Random(11)
    opening = {qbo.create_customer(f"Customer {n}", Balance=str(n * 10))["Id"]: Decimal(n * 10) for n in range(4)}
    customers = list(opening)
    for step in range(60):
        clock.advance(2)  # within QBO's request limits
        invoices = qbo.ok(qbo.query("select * from Invoice maxresults 1000"))["QueryResponse"].get("Invoice", [])
        action = rng.choice(["create", "batch", "move", "void", "delete", "pay", "pay_api"]) if invoices else "batch"
        target = rng.choice(invoices) if invoices else None
        if action == "create":
            qbo.create_invoice(rng.choice(customers), [sales_line(f"{rng.randint(1, 900)}.{rng.randint(0, 99):02d}")])
        elif action == "batch":
            _batch_invoices(qbo, rng.choice(customers), [f"{rng.randint(1, 900)}.50" for _ in range(3)])
        elif target is not None and Decimal(str(target["Balance"])) == Decimal(str(target["TotalAmt"])) > 0:
            if action == "move":
                body = {"Id": target["Id"], "SyncToken": target["SyncToken"], "sparse": True,
                        "CustomerRef": {"value": rng.choice(customers)}}
                qbo.ok(qbo.post("batch", {"BatchItemRequest": [
                    {"bId": "m", "operation": "update", "Invoice": body}]}))
            elif action == "void":
                sandbox.quickbooks.void_invoice(qbo.realm, target["Id"])
            elif action == "delete":
                qbo.ok(qbo.post("batch", {"BatchItemRequest": [{"bId": "d", "operation": "delete", "Invoice": {
                    "Id": target["Id"], "SyncToken": target["SyncToken"]}}]}))
            elif action == "pay":
                sandbox.quickbooks.record_payment(qbo.realm, target["Id"], "1.00")
            else:
                qbo.ok(qbo.post("payment", {"CustomerRef": target["CustomerRef"], "TotalAmt": "2.00", "Line": [
                    {"Amount": "2.00", "LinkedTxn": [{"TxnId": target["Id"], "TxnType": "Invoice"}]}]}))
        assert _api_balances(qbo) == _open_totals(qbo, opening), f"after step {step}: {action}"
