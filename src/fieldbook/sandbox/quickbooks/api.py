"""The QBO emulator's HTTP surface: routing under `/quickbooks`, auth, limits, requestid (ref §1, §9, §10)."""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode

from fieldbook.sandbox.common.clock import Clock
from fieldbook.sandbox.common.faults import Fault
from fieldbook.sandbox.common.http import Request, Response
from fieldbook.sandbox.common.ratelimit import Rule, SlidingWindowLimiter
from fieldbook.sandbox.common.store import Store
from fieldbook.sandbox.quickbooks import batch, cdc, errors, oauth, ops, pages, tokens
from fieldbook.sandbox.quickbooks.model import BY_SEGMENT, Company
from fieldbook.sandbox.quickbooks.timefmt import qbo_time

PREFIX = "/quickbooks"
API_PATH = re.compile(r"^/v3/company/(?P<realm>[^/]+)/(?P<rest>.*)$")
MAX_REQUEST_ID = 50        # ref §10
MAX_BATCH_REQUEST_ID = 36  # ref §6


@dataclass
class Limits:
    """ref §9: per-realm and per-realm+app budgets; `factor` relaxes them (multi-process tests)."""

    per_minute_realm: int = 500
    per_second_app: int = 10
    batch_per_minute_app: int = 40
    batch_per_minute_realm: int = 120
    count_batch_once: bool = False  # False: each batch item counts as one request (ref §6, §9)
    factor: int = 1
    enabled: bool = True


@dataclass
class Settings:
    max_batch_items: int = batch.DEFAULT_MAX_ITEMS
    cdc_cap: int = cdc.CAP


class QuickBooksApp:
    def __init__(self, store: Store, clock: Clock, limits: Limits, settings: Settings) -> None:
        self.store = store
        self.clock = clock
        self.limits = limits
        self.settings = settings
        self.limiter = SlidingWindowLimiter(clock)
        # The books pages change the books as the control API does: the control object serves
        # them (it sets this), so this module does not import the control module back.
        self.books_pages: Callable[[Request, str], Response] | None = None

    @property
    def tree(self) -> dict[str, Any]:
        return self.store.ledger("quickbooks")

    def company(self, realm_id: str) -> Company | None:
        tree = self.tree.get("companies", {}).get(realm_id)
        return Company(tree) if tree is not None else None

    def companies(self) -> list[tuple[str, str]]:
        return [(realm, str(c["name"])) for realm, c in self.tree.get("companies", {}).items()]

    # ---- entry point ----
    def handle(self, req: Request, fault: Fault | None) -> Response:
        sub = req.path[len(PREFIX):] or "/"
        if sub.startswith("/books/") or sub in ("/", ""):
            with self.store.lock:
                return self._page(req, sub)
        if fault is not None and fault.kind == "latency":
            self.clock.sleep(fault.seconds)  # outside the lock: other requests proceed
        with self.store.lock:
            now = self.clock.now()
            early = self._http_fault(req, sub, fault, now)
            response = early if early is not None else self._route(req, sub, now)
        response.headers.append(("intuit_tid", f"1-{uuid.uuid4().hex[:24]}"))
        return response

    def _page(self, req: Request, sub: str) -> Response:
        if sub in ("/", ""):
            return Response.html(pages.companies_page(self.companies()))
        if self.books_pages is None:
            return Response.html("<!doctype html><title>Not found</title><p>No books pages.</p>", 404)
        return self.books_pages(req, sub)

    def _http_fault(self, req: Request, sub: str, fault: Fault | None, now: datetime) -> Response | None:
        if fault is None:
            return None
        if fault.kind == "throttle":
            return errors.throttled(now, fault.variant, fault.retry_after)
        if fault.kind in ("http_500", "http_503"):
            return errors.system_failure(now, 500 if fault.kind == "http_500" else 503)
        if fault.kind in ("expired_token", "revoked"):
            realm = self._realm_of(req, sub, now)
            if realm is not None:
                if fault.kind == "expired_token":
                    tokens.expire_access(self.tree, realm, now)
                else:
                    tokens.revoke_realm(self.tree, realm)
                self.store.save()
        return None  # latency already slept; network faults are the transport's business

    def _realm_of(self, req: Request, sub: str, now: datetime) -> str | None:
        match = API_PATH.match(sub)
        if match:
            return match.group("realm")
        form = req.form() if req.body else {}
        row = tokens.state(self.tree)["refresh"].get(form.get("refresh_token", ""))
        return str(row["realm_id"]) if row else None

    def _route(self, req: Request, sub: str, now: datetime) -> Response:
        if sub.rstrip("/") in ("/.well-known/openid_configuration", "/.well-known/openid_sandbox_configuration"):
            return oauth.discovery(req)
        if sub == "/op/v1/jwks":
            return oauth.jwks(req)
        if sub == "/connect/oauth2":
            response = oauth.authorize(req, self.tree, self.companies(), now)
            self.store.save()
            return response
        if sub == "/oauth2/v1/tokens/bearer" and req.method == "POST":
            response = oauth.token(req, self.tree, now)
            self.store.save()
            return response
        if sub == "/v2/oauth2/tokens/revoke" and req.method == "POST":
            response = oauth.revoke(req, self.tree)
            self.store.save()
            return response
        match = API_PATH.match(sub)
        if match is None:
            return errors.fault_response(errors.unsupported_operation(
                f"Operation No resource method found for {req.method} {sub} is not supported."), now)
        return self._api(req, match.group("realm"), match.group("rest"), now)

    # ---- /v3/company/{realm}/... ----
    def _api(self, req: Request, realm: str, rest: str, now: datetime) -> Response:
        auth = req.headers.get("authorization", "")
        if not auth.lower().startswith("bearer "):
            return errors.auth_failure(now, "Authorization header missing or not a Bearer token")
        row, reason = tokens.access(self.tree, auth[7:].strip(), now)
        if row is None:
            return errors.auth_failure(now, reason)
        company = self.company(realm)
        if row["realm_id"] != realm or company is None:
            return errors.authorization_failure(now, f"The token is not valid for company {realm}")
        # ref §1: minorversion 1-74 and none are answered as 75; nothing else changes here.
        try:
            items = self._batch_items(req, rest)
            request_id = req.arg("requestid")
            if request_id is not None:
                limit = MAX_BATCH_REQUEST_ID if rest == "batch" else MAX_REQUEST_ID
                if len(request_id) > limit:
                    raise errors.bad_length("requestid", limit, len(request_id))
        except errors.QboError as exc:
            return errors.fault_response(exc, now)
        refused = self._meter(realm, str(row["client_id"]), rest, items)
        if refused is not None:
            return errors.throttled(now)
        fingerprint = self._fingerprint(req, rest)
        if request_id is not None:
            seen = company.tree.setdefault("requestids", {}).get(request_id)
            if seen is not None:
                if seen["fp"] == fingerprint:
                    return Response.from_record(seen["response"])  # ref §10: the original response
                return errors.fault_response(errors.duplicate_request_id(request_id), now)
        write = req.method == "POST" and rest != "query"
        try:
            payload = self._dispatch(req, company, rest, items, now)
            response = Response.json({**payload, "time": qbo_time(now)})
        except errors.QboError as exc:
            response = errors.fault_response(exc, now)
        if request_id is not None and response.status < 500:
            company.tree["requestids"][request_id] = {"fp": fingerprint, "response": response.to_record()}
        if write or request_id is not None:
            self.store.save()
        return response

    def _batch_items(self, req: Request, rest: str) -> list[Any] | None:
        if rest != "batch" or req.method != "POST":
            return None
        items = batch.items_of(self._json(req))
        batch.check(items, self.settings.max_batch_items, req.arg("requestid"))
        return items

    def _meter(self, realm: str, client_id: str, rest: str, items: list[Any] | None) -> Rule | None:
        lim = self.limits
        if not lim.enabled:
            return None
        f = lim.factor
        cost = 1 if items is None or lim.count_batch_once else max(len(items), 1)
        rules = [Rule(f"qbo:{realm}:minute", lim.per_minute_realm * f, 60.0, cost),
                 Rule(f"qbo:{realm}:{client_id}:second", lim.per_second_app * f, 1.0)]
        if items is not None:
            rules += [Rule(f"qbo:{realm}:{client_id}:batch", lim.batch_per_minute_app * f, 60.0),
                      Rule(f"qbo:{realm}:batch", lim.batch_per_minute_realm * f, 60.0)]
        return self.limiter.acquire(rules)

    @staticmethod
    def _fingerprint(req: Request, rest: str) -> str:
        params = [(k, v) for k, v in parse_qsl(req.query_string, keep_blank_values=True)
                  if k not in ("requestid", "minorversion")]
        digest = hashlib.sha256(f"{req.method} {rest}?{urlencode(sorted(params))}\n".encode())
        digest.update(req.body)
        return digest.hexdigest()

    @staticmethod
    def _json(req: Request) -> Any:
        try:
            return req.json()
        except ValueError:
            raise errors.error("2010", "Request has invalid or unsupported property",
                               "Error parsing the request body as JSON") from None

    def _dispatch(self, req: Request, company: Company, rest: str, items: list[Any] | None,
                  now: datetime) -> dict[str, Any]:
        parts = [p for p in rest.split("/") if p]
        allow_dup = "allowduplicatedocnum" in (req.arg("include") or "").split(",")
        if parts == ["query"]:
            text = req.arg("query") if req.method == "GET" else req.body.decode("utf-8")
            if not text:
                raise errors.query_parser("Encountered \"<EOF>\": the query is empty")
            return {"QueryResponse": ops.run_query(company, text)}
        if parts == ["batch"] and items is not None:
            return batch.run(company, items, now, allow_dup)
        if parts == ["cdc"] and req.method == "GET":
            return {"CDCResponse": [cdc.run(company, req.arg("entities") or "", req.arg("changedSince") or "",
                                            now, self.settings.cdc_cap)]}
        if parts and parts[0] in BY_SEGMENT:
            entity = BY_SEGMENT[parts[0]]
            if req.method == "GET" and len(parts) == 2:
                object_id = "1" if entity == "CompanyInfo" and parts[1] == company.realm_id else parts[1]
                return {entity: ops.read(company, entity, object_id)}
            if req.method == "GET" and len(parts) == 1 and entity == "Preferences":
                return {entity: ops.read(company, entity, "1")}
            if req.method == "POST" and len(parts) == 1:
                operation = req.arg("operation")
                if operation not in (None, "update", "delete", "void"):
                    raise errors.unsupported_operation(f"Operation {operation} is not supported.")
                result = ops.write(company, entity, self._json(req), operation if operation != "update" else None,
                                   now, allow_dup)
                return {entity: result}
        raise errors.unsupported_operation(
            f"Operation No resource method found for {req.method} /{rest} is not supported.")
