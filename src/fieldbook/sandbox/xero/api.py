"""The Xero emulator's HTTP surface under `/xero` (real paths kept after the prefix, ref §1):

    /identity/connect/authorize, /connect/token, /connect/revocation, /connections   (oauth.py)
    /api.xro/2.0/<Resource>[/<id>]   Contacts, Invoices, Payments, Items, TaxRates, Accounts,
                                     Organisation (paths case-insensitive, as Xero's)
    /books/<tenant id>               the read-only books page; /xero/ lists the organisations

Every API call needs a Bearer token, `xero-tenant-id` of a tenant the token is connected to,
a scope that covers the resource, and `Accept: application/json` (the sandbox speaks JSON only;
real Xero answers XML without it). Then the limits (limits.py), the Idempotency-Key replay and
the endpoint itself.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode

from fieldbook.sandbox.common.clock import Clock
from fieldbook.sandbox.common.faults import Fault
from fieldbook.sandbox.common.http import Request, Response
from fieldbook.sandbox.common.store import Store
from fieldbook.sandbox.xero import contacts, errors, invoices, oauth, pages, payments, resources, tokens
from fieldbook.sandbox.xero.limits import Limits, Meter, Refusal, too_many

PREFIX = "/xero"
API_ROOT = "/api.xro/2.0"
MAX_IDEMPOTENCY_KEY = 128  # ref §8
CONTACTS = frozenset({"accounting.contacts"})
INVOICES = frozenset({"accounting.transactions", "accounting.invoices"})
PAYMENTS = frozenset({"accounting.transactions", "accounting.payments"})
SETTINGS = frozenset({"accounting.settings"})
# resource -> scopes that allow writing it (each also allows reading; so does its `.read` form)
SCOPES: dict[str, frozenset[str]] = {"contacts": CONTACTS, "invoices": INVOICES, "payments": PAYMENTS,
                                     "items": SETTINGS | INVOICES, "taxrates": SETTINGS, "accounts": SETTINGS,
                                     "organisation": SETTINGS}


class XeroApp:
    def __init__(self, store: Store, clock: Clock, limits: Limits) -> None:
        self.store = store
        self.clock = clock
        self.limits = limits
        self.meter = Meter(clock, limits)

    @property
    def tree(self) -> dict[str, Any]:
        return self.store.ledger("xero")

    def org(self, tenant_id: str) -> dict[str, Any] | None:
        org: dict[str, Any] | None = self.tree.get("orgs", {}).get(tenant_id)
        return org

    def companies(self) -> list[tuple[str, str]]:
        return [(tid, str(org["name"])) for tid, org in self.tree.get("orgs", {}).items()]

    # ---- entry point ----
    def handle(self, req: Request, fault: Fault | None) -> Response:
        sub = req.path[len(PREFIX):] or "/"
        low = sub.lower()
        if low in ("/", "") or low.startswith("/books/"):
            with self.store.lock:
                return pages.handle(self, req, sub)
        if low == API_ROOT.lower() or low.startswith(API_ROOT.lower() + "/"):
            response = self._api(req, sub[len(API_ROOT):].strip("/"), fault)
        else:
            with self.store.lock:
                response = self._identity(req, low, sub, self.clock.now())
        response.headers.append(("Xero-Correlation-Id", str(uuid.uuid4())))
        return response

    def _identity(self, req: Request, low: str, sub: str, now: datetime) -> Response:
        tree = self.tree
        if low == "/identity/connect/authorize":
            response = oauth.authorize(req, tree, self.companies(), now)
        elif low == "/connect/token" and req.method == "POST":
            response = oauth.token(req, tree, now)
        elif low == "/connect/revocation" and req.method == "POST":
            response = oauth.revoke(req, tree)
        elif low == "/connections" or low.startswith("/connections/"):
            response = oauth.connections(req, tree, dict(self.companies()), sub[len("/connections"):].strip("/"),
                                         now)
        else:
            return Response.json({"error": f"no such Xero path {sub}"}, status=404)
        if req.method != "GET" or low == "/identity/connect/authorize":
            self.store.save()
        return response

    # ---- /api.xro/2.0/... ----
    def _api(self, req: Request, rest: str, fault: Fault | None) -> Response:
        parts = [p for p in rest.split("/") if p]
        resource = parts[0].lower() if parts else ""
        with self.store.lock:
            now = self.clock.now()
            early = self._fault(req, fault, now)
            if early is not None:
                return early
            grant, tenant, refused = self._authorise(req, resource, now)
        if refused is not None or grant is None:
            return refused or errors.forbidden()
        client = str(grant["client_id"])
        refusal: Refusal | None = self.meter.enter(tenant, client)
        if refusal is not None:
            return too_many(refusal, self.meter.remaining(tenant, client))
        try:
            if fault is not None and fault.kind == "latency":
                self.clock.sleep(fault.seconds)  # holding a concurrency slot, outside the store lock
            with self.store.lock:
                response = self._idempotent(req, grant, tenant, resource, parts[1:], self.clock.now())
        finally:
            self.meter.leave(tenant)
        response.headers.extend(self.meter.remaining(tenant, client))
        return response

    def _fault(self, req: Request, fault: Fault | None, now: datetime) -> Response | None:
        if fault is None:
            return None
        if fault.kind == "throttle":
            refusal = Refusal("minute", fault.retry_after or 60)
            return too_many(refusal, [])
        if fault.kind in ("http_500", "http_503"):
            status = 500 if fault.kind == "http_500" else 503
            return errors.problem(status, "Internal Server Error" if status == 500 else "Service Unavailable",
                                  "An error occurred in Xero (sandbox fault)")
        tenant = req.headers.get("xero-tenant-id", "")
        if fault.kind == "expired_token" and tenant:
            tokens.expire_access(self.tree, tenant, now)
            self.store.save()
        if fault.kind == "revoked" and tenant:
            tokens.revoke_tenant(self.tree, tenant)
            self.store.save()
        return None

    def _authorise(self, req: Request, resource: str,
                   now: datetime) -> tuple[dict[str, Any] | None, str, Response | None]:
        auth = req.headers.get("authorization", "")
        if not auth.lower().startswith("bearer "):
            return None, "", oauth.unauthorized("AuthenticationUnsuccessful")
        grant, reason = tokens.access(self.tree, auth[7:].strip(), now)
        if grant is None:
            return None, "", oauth.unauthorized(reason)
        tenant = req.headers.get("xero-tenant-id", "").strip()
        if not tenant:
            # UNCONFIRMED body (ref §13): what Xero answers without the header.
            return None, "", errors.problem(403, "Forbidden", "AuthenticationUnsuccessful: xero-tenant-id is missing")
        if self.org(tenant) is None or not tokens.connected(self.tree, grant["grant_id"], tenant):
            return None, "", errors.forbidden("AuthenticationUnsuccessful")
        allowed = SCOPES.get(resource)
        if allowed is None:
            return None, "", errors.not_found().response
        granted = set(str(grant["scope"]).split())
        readable = allowed | {f"{s}.read" for s in allowed}
        if not granted & (readable if req.method == "GET" else allowed):
            return None, "", oauth.unauthorized("AuthorizationUnsuccessful")
        if "application/json" not in req.headers.get("accept", ""):
            return None, "", Response.text("The sandbox answers JSON only: send Accept: application/json "
                                           "(Xero's default is XML).", status=406)
        return grant, tenant, None

    def _idempotent(self, req: Request, grant: dict[str, Any], tenant: str, resource: str, rest: list[str],
                    now: datetime) -> Response:
        org = self.org(tenant)
        assert org is not None
        key = req.headers.get("idempotency-key")
        if key is None or req.method not in ("PUT", "POST"):
            response = self._call(req, org, resource, rest, now)
            if req.method in ("PUT", "POST"):
                self.store.save()
            return response
        if not 1 <= len(key) <= MAX_IDEMPOTENCY_KEY:
            return errors.bad_request(f"Idempotency-Key must be 1 to {MAX_IDEMPOTENCY_KEY} characters").response
        seen_table = org.setdefault("idempotency", {})
        slot = f"{grant['client_id']}:{key}"
        fingerprint = _fingerprint(req)
        seen = seen_table.get(slot)
        if seen is not None:
            if seen["fp"] == fingerprint:
                return Response.from_record(seen["response"])  # ref §8: the first response again
            return errors.bad_request("The Idempotency-Key has already been used with a different request").response
        response = self._call(req, org, resource, rest, now)
        if response.status < 500:
            seen_table[slot] = {"fp": fingerprint, "response": response.to_record(), "at": now}
        self.store.save()
        return response

    def _call(self, req: Request, org: dict[str, Any], resource: str, rest: list[str], now: datetime) -> Response:
        key = rest[0] if rest else None
        try:
            if req.method == "GET":
                if resource == "contacts":
                    return resources.get_contacts(req, org, key, now)
                if resource == "invoices":
                    return resources.get_invoices(req, org, key, now)
                if resource == "payments":
                    return resources.get_payments(req, org, key, now)
                if not rest:
                    return resources.get_settings(req, org, resource, now)
            elif req.method in ("PUT", "POST") and len(rest) <= 1:
                return self._write(req, org, resource, key, now)
            raise errors.not_found()
        except errors.XeroError as exc:
            return exc.response

    def _write(self, req: Request, org: dict[str, Any], resource: str, key: str | None, now: datetime) -> Response:
        create_only = req.method == "PUT"
        if create_only and key is not None:
            raise errors.not_found()
        if resource == "contacts":
            return resources.write_batch(req, "Contacts", now,
                                         lambda b: contacts.write(org, b, now, create_only, key),
                                         lambda c: contacts.render(c, full=True))
        if resource == "invoices":
            dp = resources.unitdp(req)
            return resources.write_batch(req, "Invoices", now,
                                         lambda b: invoices.write(org, b, now, create_only, dp, key),
                                         lambda i: invoices.render(org, i, dp, with_lines=True))
        if resource == "payments" and key is None:
            return resources.write_batch(req, "Payments", now, lambda b: payments.apply(org, b, now),
                                         lambda p: payments.render(org, p))
        raise errors.not_found()


def _fingerprint(req: Request) -> str:
    params = sorted(parse_qsl(req.query_string, keep_blank_values=True))
    digest = hashlib.sha256(f"{req.method} {req.path.lower()}?{urlencode(params)}\n".encode())
    digest.update(req.body)
    return digest.hexdigest()
