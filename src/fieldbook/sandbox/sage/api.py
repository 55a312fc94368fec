"""The Sage emulator's HTTP surface under `/sage`: OAuth, `/v3.1/` routing, X-Business, the rate
budget, idempotency_id replays, and the HTTP faults (ref §2, §3, §8, §9, §10).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fieldbook.sandbox.common.clock import Clock
from fieldbook.sandbox.common.faults import Fault
from fieldbook.sandbox.common.http import Request, Response
from fieldbook.sandbox.common.ratelimit import Rule, SlidingWindowLimiter
from fieldbook.sandbox.common.store import Store
from fieldbook.sandbox.sage import errors, oauth, pages, resources, tokens
from fieldbook.sandbox.sage.model import Business, iso, ref

PREFIX = "/sage"
API = "/v3.1/"
COLLECTIONS = ("contacts", "sales_invoices", "contact_payments", "ledger_accounts", "tax_rates", "currencies",
               "contact_types", "artefact_statuses")
WRITABLE = ("contacts", "sales_invoices", "contact_payments")


@dataclass
class Limits:
    """ref §9: Sage publishes no numbers; 60 calls a minute per business by default (settable),
    `factor` relaxes it (multi-process tests, `fieldbook sandbox --relaxed`)."""

    per_minute: int = 60
    factor: int = 1
    enabled: bool = True
    retry_after: int | None = None  # Retry-After on a 429: UNCONFIRMED for Sage (ref §9), none by default


class SageApp:
    def __init__(self, store: Store, clock: Clock, limits: Limits) -> None:
        self.store = store
        self.clock = clock
        self.limits = limits
        self.limiter = SlidingWindowLimiter(clock)

    @property
    def tree(self) -> dict[str, Any]:
        return self.store.ledger("sage")

    def business(self, business_id: str) -> Business | None:
        tree = self.tree.get("businesses", {}).get(business_id)
        return Business(tree) if tree is not None else None

    def companies(self) -> list[tuple[str, str]]:
        return [(key, str(b["name"])) for key, b in self.tree.get("businesses", {}).items()]

    # ---- entry point ----
    def handle(self, req: Request, fault: Fault | None) -> Response:
        sub = req.path[len(PREFIX):] or "/"
        if sub in ("/", "") or sub.startswith("/books/"):
            if req.method not in ("GET", "HEAD"):
                return Response.html("<!doctype html><title>Read-only</title><p>The books pages are read-only: "
                                     "use the control endpoint.</p>", status=405)
            with self.store.lock:
                return pages.handle(self, sub)
        if fault is not None and fault.kind == "latency":
            self.clock.sleep(fault.seconds)  # outside the lock: other requests proceed
        with self.store.lock:
            now = self.clock.now()
            try:
                self._fault(req, sub, fault, now)
                return self._route(req, sub, now)
            except errors.SageError as exc:
                return exc.response()

    def _fault(self, req: Request, sub: str, fault: Fault | None, now: datetime) -> None:
        if fault is None:
            return
        if fault.kind == "throttle":
            raise errors.throttled(fault.retry_after)
        if fault.kind in ("http_500", "http_503"):
            raise errors.server_error(500 if fault.kind == "http_500" else 503)
        if fault.kind == "expired_token":
            tokens.expire_access(self.tree, now)
            self.store.save()
        elif fault.kind == "revoked":
            tokens.revoke_all(self.tree)
            self.store.save()

    def _route(self, req: Request, sub: str, now: datetime) -> Response:
        if sub == "/oauth2/auth/central":
            response = oauth.authorize(req, self.tree, self.companies(), now)
            self.store.save()
            return response
        if sub == "/token" and req.method == "POST":
            response = oauth.token(req, self.tree, now)
            self.store.save()
            return response
        if sub == "/revoke" and req.method == "POST":
            response = oauth.revoke(req, self.tree)
            self.store.save()
            return response
        if not sub.startswith(API):
            raise errors.error("RecordNotFound", f"No route matches {req.method} {sub}", "", status=404)
        return self._api(req, sub[len(API) - 1:], now)

    # ---- /v3.1/... ----
    def _api(self, req: Request, rest: str, now: datetime) -> Response:
        auth = req.headers.get("authorization", "")
        row = tokens.access(self.tree, auth[7:].strip(), now) if auth.lower().startswith("bearer ") else None
        if row is None:
            raise errors.unauthorized()
        if self.tree.get("subscription_ended"):
            raise errors.no_subscription()
        header = req.headers.get("x-business", "").strip()
        if not header:
            # ref §3, §18: without X-Business Sage silently uses the lead business; counted so a
            # client's tests can assert it always sends the header.
            self.tree["calls_without_business"] = int(self.tree.get("calls_without_business", 0)) + 1
        business = self.business(header or str(row["business_id"]))
        if business is None:
            raise errors.forbidden(f"The user has no access to business {header}")  # code UNCONFIRMED
        if req.method != "GET" and row["scope"] != "full_access":
            raise errors.forbidden("The token's scope is readonly")
        self._meter(business.id)
        parts = [p for p in rest.split("/") if p]
        if req.method == "POST" and len(parts) == 1 and parts[0] in WRITABLE:
            return self._create(req, business, parts[0], now)
        status, body = self._dispatch(req, business, parts, now)
        if req.method != "GET":
            self.store.save()
        return Response(status) if body is None else Response.json(body, status=status)

    def _meter(self, business_id: str) -> None:
        lim = self.limits
        if not lim.enabled:
            return
        rule = Rule(f"sage:{business_id}:minute", lim.per_minute * lim.factor, 60.0)
        if self.limiter.acquire([rule]) is not None:
            raise errors.throttled(lim.retry_after)

    def _create(self, req: Request, business: Business, kind: str, now: datetime) -> Response:
        body = resources.resource_body(req, kind)
        key = body.get("idempotency_id")
        if key is not None and (not isinstance(key, str) or not key.strip() or len(key) > 255):
            raise errors.invalid(f"{resources.WRAPPERS[kind]}.idempotency_id", "idempotency_id must be a string")
        seen = business.tree.setdefault("idempotency", {})
        fingerprint = hashlib.sha256(resources.fingerprint_body(req).encode()).hexdigest()
        if key is not None and f"{kind}:{key}" in seen:
            # ref §8: the same id twice creates one record; the first answer is replayed. The same id
            # with another body is refused (behaviour UNCONFIRMED, ours so a client's bug shows).
            stored = seen[f"{kind}:{key}"]
            if stored["fp"] != fingerprint:
                raise errors.error("IdempotencyConflict",
                                   "idempotency_id was already used with a different request",
                                   f"{resources.WRAPPERS[kind]}.idempotency_id")
            return Response.from_record(stored["response"])
        status, payload = resources.create(req, business, kind, body, now)
        response = Response.json(payload, status=status)
        if key is not None:
            seen[f"{kind}:{key}"] = {"fp": fingerprint, "response": response.to_record()}
        self.store.save()
        return response

    def _dispatch(self, req: Request, business: Business, parts: list[str], now: datetime) -> resources.Result:
        method = req.method
        if parts == ["businesses"] and method == "GET":
            return 200, self._businesses(req)
        if len(parts) == 2 and parts[0] == "businesses" and method == "GET":
            other = self.business(parts[1])
            if other is None:
                raise errors.not_found("business", parts[1])
            return 200, business_resource(other)
        if parts == ["financial_settings"] and method == "GET":
            settings = dict(business.tree["financial_settings"])
            settings["updated_at"] = iso(settings["updated_at"])
            return 200, settings
        if parts and parts[0] in COLLECTIONS and len(parts) <= 2:
            kind = parts[0]
            if len(parts) == 1 and method == "GET":
                return resources.list_of(req, business, kind)
            if len(parts) == 2 and method == "GET":
                return resources.one(req, business, kind, parts[1])
            if len(parts) == 2 and method == "PUT" and kind in WRITABLE:
                return resources.update(req, business, kind, parts[1], now)
            if len(parts) == 2 and method == "DELETE" and kind in WRITABLE:
                return resources.delete(req, business, kind, parts[1], now)
            raise errors.error("MethodNotAllowed", f"{method} is not allowed on /{'/'.join(parts)}", "", 405)
        raise errors.error("RecordNotFound", f"No route matches {method} /v3.1/{'/'.join(parts)}", "", 404)

    def _businesses(self, req: Request) -> dict[str, Any]:
        from fieldbook.sandbox.sage import listing

        records = [{**b, "_seq": n} for n, b in enumerate(self.tree.get("businesses", {}).values())]
        chosen = listing.select(req, records, lambda r: True)
        return listing.envelope(req, "/businesses", chosen, lambda r: business_resource(Business(r)))


def business_resource(business: Business) -> dict[str, Any]:
    """GET /businesses/{id}: the user/business spec is not shipped (ref §1); these are its basic keys."""
    tree = business.tree
    return {"id": business.id, "displayed_as": business.name, "$path": f"/businesses/{business.id}",
            "name": business.name, "country": ref("countries", tree["country"], "United Kingdom (GB)"),
            "created_at": iso(tree["created_at"]), "updated_at": iso(tree["updated_at"])}
