"""Helpers for the sandbox tests: an httpx client for the in-process QBO emulator and body builders."""

from __future__ import annotations

from typing import Any

import httpx

from fieldbook.sandbox import Sandbox

# The default UK company's tax codes (seeded in this order): 20 %, 5 %, 0 %.
VAT20, VAT5, VAT0 = "1", "2", "3"


class Qbo:
    """A thin httpx client for the QBO emulator, in-process, authorised for one realm."""

    def __init__(self, sandbox: Sandbox, realm: str | None = None) -> None:
        self.sandbox = sandbox
        self.realm = realm or sandbox.quickbooks.default_realm
        self.tokens = sandbox.quickbooks.issue_tokens(self.realm)
        self.http = httpx.Client(transport=sandbox.transport(), base_url="http://sandbox.test",
                                 headers={"Accept": "application/json"}, timeout=30.0)

    def url(self, path: str) -> str:
        return f"/quickbooks/v3/company/{self.realm}/{path}"

    def request(self, method: str, path: str, *, params: dict[str, Any] | None = None,
                token: str | None = None, **kwargs: Any) -> httpx.Response:
        query = {"minorversion": "75", **(params or {})}
        headers = {"Authorization": f"Bearer {token or self.tokens['access_token']}", **kwargs.pop("headers", {})}
        return self.http.request(method, self.url(path), params=query, headers=headers, **kwargs)

    def post(self, path: str, body: Any, **kwargs: Any) -> httpx.Response:
        return self.request("POST", path, json=body, **kwargs)

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", path, **kwargs)

    def query(self, text: str) -> httpx.Response:
        return self.request("POST", "query", content=text.encode(), headers={"Content-Type": "application/text"})

    def ok(self, response: httpx.Response) -> dict[str, Any]:
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        assert "Fault" not in body, body
        return body

    def create_customer(self, name: str, **fields: Any) -> dict[str, Any]:
        customer: dict[str, Any] = self.ok(self.post("customer", {"DisplayName": name, **fields}))["Customer"]
        return customer

    def create_invoice(self, customer_id: str, lines: list[dict[str, Any]] | None = None,
                       **fields: Any) -> dict[str, Any]:
        body = invoice_body(customer_id, lines, **fields)
        invoice: dict[str, Any] = self.ok(self.post("invoice", body))["Invoice"]
        return invoice


def sales_line(amount: str | float, tax_code: str = "1", qty: Any = None, price: Any = None,
               item: str = "1", description: str = "Boiler service") -> dict[str, Any]:
    detail: dict[str, Any] = {"ItemRef": {"value": item}, "TaxCodeRef": {"value": tax_code}}
    if qty is not None:
        detail["Qty"] = qty
    if price is not None:
        detail["UnitPrice"] = price
    return {"DetailType": "SalesItemLineDetail", "Amount": amount, "Description": description,
            "SalesItemLineDetail": detail}


def invoice_body(customer_id: str, lines: list[dict[str, Any]] | None = None, **fields: Any) -> dict[str, Any]:
    body = {"CustomerRef": {"value": customer_id}, "GlobalTaxCalculation": "TaxExcluded",
            "Line": lines if lines is not None else [sales_line(100)], **fields}
    return body


def codes(response: httpx.Response) -> list[str]:
    return [error["code"] for error in response.json()["Fault"]["Error"]]


