"""Helpers for the Xero sandbox tests: an httpx client for the in-process emulator, authorised for
one organisation, and body builders."""

from __future__ import annotations

from typing import Any

import httpx

from fieldbook.sandbox import Sandbox

API = "/xero/api.xro/2.0"


class Xero:
    def __init__(self, sandbox: Sandbox, tenant: str | None = None, scope: str | None = None) -> None:
        self.sandbox = sandbox
        self.tenant = tenant or sandbox.xero.default_tenant()
        self.tokens = sandbox.xero.issue_tokens(self.tenant, **({"scope": scope} if scope else {}))
        self.http = httpx.Client(transport=sandbox.transport(), base_url="http://sandbox.test", timeout=30.0)

    def request(self, method: str, path: str, *, token: str | None = None, tenant: str | None = None,
                **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token or self.tokens['access_token']}",
                   "xero-tenant-id": tenant if tenant is not None else self.tenant, "Accept": "application/json",
                   **kwargs.pop("headers", {})}
        return self.http.request(method, f"{API}/{path}", headers=headers, **kwargs)

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", path, **kwargs)

    def put(self, path: str, body: Any, **kwargs: Any) -> httpx.Response:
        return self.request("PUT", path, json=body, **kwargs)

    def post(self, path: str, body: Any, **kwargs: Any) -> httpx.Response:
        return self.request("POST", path, json=body, **kwargs)

    def ok(self, response: httpx.Response) -> dict[str, Any]:
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def create_contact(self, name: str, **fields: Any) -> dict[str, Any]:
        body = self.ok(self.put("Contacts", {"Contacts": [{"Name": name, **fields}]},
                                params={"summarizeErrors": "false"}))
        contact: dict[str, Any] = body["Contacts"][0]
        assert contact["StatusAttributeString"] == "OK", contact
        return contact

    def create_invoice(self, contact_id: str, lines: list[dict[str, Any]] | None = None,
                       **fields: Any) -> dict[str, Any]:
        body = self.ok(self.put("Invoices", {"Invoices": [invoice_body(contact_id, lines, **fields)]},
                                params={"summarizeErrors": "false"}))
        invoice: dict[str, Any] = body["Invoices"][0]
        assert invoice["StatusAttributeString"] == "OK", invoice
        return invoice


def line(amount: Any = None, tax: str = "OUTPUT2", qty: Any = 1, unit: Any = None,
         description: str = "Boiler service", **fields: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"Description": description, "Quantity": qty, "AccountCode": "200", "TaxType": tax,
                           **fields}
    out["UnitAmount"] = unit if unit is not None else amount
    return out


def invoice_body(contact_id: str, lines: list[dict[str, Any]] | None = None, **fields: Any) -> dict[str, Any]:
    return {"Type": "ACCREC", "Contact": {"ContactID": contact_id}, "Date": "2026-11-02", "DueDate": "2026-12-02",
            "LineItems": lines or [line(100)], "Status": "AUTHORISED", **fields}
