"""Helpers for the Sage sandbox tests: an httpx client for the in-process emulator and body builders."""

from __future__ import annotations

from typing import Any

import httpx

from fieldbook.sandbox import Sandbox
from fieldbook.sandbox.sage.seed import sales_ledger_id

REDIRECT = "http://localhost:8000/integration/sage/callback"


class Sage:
    """A thin httpx client for the Sage emulator, in-process, authorised for one business."""

    def __init__(self, sandbox: Sandbox, business: str | None = None) -> None:
        self.sandbox = sandbox
        self.business = business or sandbox.sage.default_business
        self.tokens = sandbox.sage.issue_tokens(self.business)
        self.sales_ledger = sales_ledger_id(sandbox.sage.business(self.business))
        self.http = httpx.Client(transport=sandbox.transport(), base_url="http://sandbox.test",
                                 headers={"Accept": "application/json"}, timeout=30.0)

    def request(self, method: str, path: str, *, token: str | None = None, business: str | None = None,
                **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token or self.tokens['access_token']}",
                   "X-Business": business if business is not None else self.business,
                   **kwargs.pop("headers", {})}
        if headers["X-Business"] == "":
            del headers["X-Business"]
        return self.http.request(method, f"/sage/v3.1/{path.lstrip('/')}", headers=headers, **kwargs)

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, body: Any, **kwargs: Any) -> httpx.Response:
        return self.request("POST", path, json=body, **kwargs)

    def put(self, path: str, body: Any, **kwargs: Any) -> httpx.Response:
        return self.request("PUT", path, json=body, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("DELETE", path, **kwargs)

    def created(self, response: httpx.Response) -> dict[str, Any]:
        assert response.status_code == 201, response.text
        body: dict[str, Any] = response.json()
        return body

    def create_contact(self, name: str = "Acme Ltd", **fields: Any) -> dict[str, Any]:
        return self.created(self.post("contacts", {"contact": contact_body(name, **fields)}))

    def create_invoice(self, contact_id: str, lines: list[dict[str, Any]] | None = None,
                       **fields: Any) -> dict[str, Any]:
        body = invoice_body(contact_id, lines or [self.line()], **fields)
        return self.created(self.post("sales_invoices", {"sales_invoice": body}))

    def line(self, unit_price: Any = 80, tax_rate: str = "GB_STANDARD", tax: Any = 16, **fields: Any) -> dict[str, Any]:
        line: dict[str, Any] = {"description": "Boiler service", "quantity": 1, "unit_price": unit_price,
                                "ledger_account_id": self.sales_ledger, "tax_rate_id": tax_rate, **fields}
        if tax is not None:
            line["tax_amount"] = tax
        return line


def contact_body(name: str = "Acme Ltd", **fields: Any) -> dict[str, Any]:
    return {"name": name, "contact_type_ids": ["CUSTOMER"], **fields}


def invoice_body(contact_id: str, lines: list[dict[str, Any]], **fields: Any) -> dict[str, Any]:
    return {"contact_id": contact_id, "date": "2026-11-02", "invoice_lines": lines, **fields}


def sources(response: httpx.Response) -> list[str]:
    return [problem["$source"] for problem in response.json()]


def codes(response: httpx.Response) -> list[str]:
    return [problem["$dataCode"] for problem in response.json()]
