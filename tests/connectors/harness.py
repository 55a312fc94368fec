"""One harness per ledger for the contract suite: its sandbox, a connector over the sandbox's
transport, and a transport hook that counts every call (token calls included) and validates every
body we send against the official schemas."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta
from typing import Any

import httpx

from fieldbook.connectors.base import Attempt, ConnectionSettings, Connector, Mapping, TokenSet
from fieldbook.connectors.limiter import MemoryBudgetStore
from fieldbook.connectors.quickbooks import QuickBooksConnector
from fieldbook.core.clock import VirtualClock
from fieldbook.core.http import make_client
from fieldbook.sandbox import Sandbox
from tests.connectors.conftest import MemoryTokenStore
from tests.support.qbo_schema import unknown_keys
from tests.support.specs import schemas_present

SANDBOX_ROOT = "http://sandbox.test"


class SchemaViolation(AssertionError):
    pass


def qbo_body_problems(request: httpx.Request) -> list[str] | None:
    """Unknown keys in a QBO request body (XSD names, reference §14); [] for bodies without one;
    None when the schemas are absent outside CI (the test is then named as unchecked)."""
    path = request.url.path
    if request.method != "POST" or not request.content or "/v3/company/" not in path:
        return []
    if not schemas_present():
        return None
    body = json.loads(request.content)
    tail = path.rstrip("/").rsplit("/", 1)[-1]
    type_name = {"batch": "IntuitBatchRequest", "customer": "Customer", "invoice": "Invoice"}.get(tail)
    return unknown_keys(type_name, body) if type_name else []


class RecordingTransport(httpx.BaseTransport):
    def __init__(self, inner: httpx.BaseTransport, validate: Any = qbo_body_problems) -> None:
        self.inner = inner
        self.validate = validate
        self.requests: list[httpx.Request] = []
        self.statuses: list[int | None] = []
        self.validated = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.requests.append(request)
        problems = self.validate(request)
        if problems is not None and request.content and request.method == "POST":
            self.validated += 1
        if problems:
            raise SchemaViolation(f"{request.url.path}: keys not in the official schema: {problems}")
        try:
            response = self.inner.handle_request(request)
        except Exception:
            self.statuses.append(None)
            raise
        self.statuses.append(response.status_code)
        return response

    def count(self, fragment: str = "") -> int:
        return sum(1 for r in self.requests if fragment in str(r.url))


def discover_mapping(connector: Connector) -> Mapping:
    """Settings' mapping as a user would pick it: our VAT codes S/R/Z to the ledger's tax codes
    named like them, and the first active item."""
    refs = connector.reference_data()
    codes: dict[str, str] = {}
    for code in refs.tax_codes:
        for ours in ("S", "R", "Z"):
            if code.name.endswith(f" {ours}"):
                codes[ours] = code.ledger_id
    if not codes:  # a US company: lines say TAX or NON (§4)
        codes = {"S": "TAX", "R": "TAX", "Z": "NON"}
    service = next((i for i in refs.items if i.active), None)
    return Mapping(tax_codes=codes, default_item=service.ledger_id if service else "")


class QuickBooksHarness:
    ledger = "quickbooks"
    write_match = "/batch"

    def __init__(self, clock: VirtualClock, country: str = "GB", custom_numbers: bool = True,
                 **options: Any) -> None:
        self.clock = clock
        self.sandbox = Sandbox(clock=clock)
        qb = self.sandbox.quickbooks
        if country == "GB" and custom_numbers:
            self.realm = qb.default_realm
        else:
            self.realm = qb.seed_company(country=country, custom_txn_numbers=custom_numbers)
        self.store = MemoryTokenStore(self.fresh_tokens())
        self.budget = MemoryBudgetStore()  # one company, one budget for every connector built here
        self.transport = RecordingTransport(self.sandbox.transport())
        self.attempts: list[Attempt] = []
        base = f"{SANDBOX_ROOT}/quickbooks"
        self.settings = ConnectionSettings(
            connection_id=f"conn-{id(self)}", org_slug="acme", ledger="quickbooks", base_url=base, auth_url=base,
            client_id="fieldbook-sandbox-qbo", client_secret="fieldbook-sandbox-qbo-secret",
            redirect_uri="http://localhost:8000/integration/quickbooks/callback", company_id=self.realm,
            options={"backoff_cap": 5.0, **options},
        )
        self.settings = replace(self.settings, mapping=self._mapping())

    def fresh_tokens(self) -> TokenSet:
        issued = self.sandbox.quickbooks.issue_tokens(self.realm)
        return TokenSet(
            access_token=issued["access_token"], refresh_token=issued["refresh_token"],
            expires_at=self.clock.now() + timedelta(seconds=int(issued.get("expires_in", 3600))),
            company_id=self.realm,
        )

    def connector(self, **options: Any) -> Connector:
        settings = replace(self.settings, options={**self.settings.options, **options})
        return QuickBooksConnector(settings, self.store, make_client(self.transport), self.clock,
                                   on_attempt=self.attempts.append, budget=self.budget)

    def _mapping(self) -> Mapping:
        return discover_mapping(QuickBooksConnector(self.settings, self.store, make_client(self.sandbox.transport()),
                                                    self.clock, budget=self.budget))

    # ledger-side controls, named neutrally for the contract suite
    def fault(self, kind: str, **kw: Any) -> None:
        self.sandbox.faults.add(ledger=self.ledger, kind=kind, **kw)

    def expire_access_tokens(self) -> None:
        self.sandbox.quickbooks.expire_access_tokens(self.realm)

    def revoke_tokens(self) -> None:
        self.sandbox.quickbooks.revoke_tokens(self.realm)

    def ledger_customers(self) -> list[dict[str, Any]]:
        return list(self.sandbox.quickbooks.customers(self.realm))

    def ledger_invoices(self) -> list[dict[str, Any]]:
        return list(self.sandbox.quickbooks.invoices(self.realm))
