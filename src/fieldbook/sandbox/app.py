"""`Sandbox`: the store of every ledger, one clock, fault injection, and one WSGI app serving

    /quickbooks/...   the QBO emulator (real paths after the prefix; Xero and Sage come later)
    /control/...      the HTTP control endpoint (JSON)
    /                 an index linking each ledger's companies and books pages
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

from fieldbook.sandbox.common import control_http
from fieldbook.sandbox.common.clock import Clock, VirtualClock, WallClock
from fieldbook.sandbox.common.faults import Fault, FaultInjector
from fieldbook.sandbox.common.http import FAULT_ENVIRON_KEY, Request, Response, StartResponse, WSGIEnviron
from fieldbook.sandbox.common.store import Store
from fieldbook.sandbox.quickbooks.api import Limits, QuickBooksApp, Settings
from fieldbook.sandbox.quickbooks.control import QuickBooksControl
from fieldbook.sandbox.transport import SandboxTransport

RELAXED_FACTOR = 100  # relaxed limits: 50,000 requests/min per realm, 1,000/s per app


class Sandbox:
    def __init__(self, clock: Clock | None = None, state_file: str | os.PathLike[str] | None = None,
                 relaxed_limits: bool = False) -> None:
        self.clock: Clock = clock if clock is not None else VirtualClock()
        self.store = Store(state_file)
        self.faults = FaultInjector()
        self.qbo_limits = Limits(factor=RELAXED_FACTOR if relaxed_limits else 1)
        self.qbo_settings = Settings()
        self._qbo = QuickBooksApp(self.store, self.clock, self.qbo_limits, self.qbo_settings)
        self.quickbooks = QuickBooksControl(self._qbo)
        self.ledgers: dict[str, Any] = {"quickbooks": self._qbo}
        _ = self.quickbooks.default_realm  # every ledger starts with its default (UK) company

    @classmethod
    def served(cls, state_file: str | os.PathLike[str] | None = None, relaxed_limits: bool = False) -> Sandbox:
        return cls(clock=WallClock(), state_file=state_file, relaxed_limits=relaxed_limits)

    def advance(self, seconds: float) -> None:
        advance = getattr(self.clock, "advance", None)
        if advance is None:
            raise TypeError("this clock cannot be advanced")
        advance(seconds)

    def ledger_of(self, path: str) -> str | None:
        for name in self.ledgers:
            if path == f"/{name}" or path.startswith(f"/{name}/"):
                return name
        return None

    def decide_fault(self, method: str, path: str, query_string: str) -> Fault | None:
        ledger = self.ledger_of(path)
        if ledger is None:
            return None
        target = f"{path}?{query_string}" if query_string else path
        return self.faults.decide(ledger, method, target)

    def handle(self, req: Request, fault: Fault | None) -> Response:
        ledger = self.ledger_of(req.path)
        if ledger is not None:
            response: Response = self.ledgers[ledger].handle(req, fault)
            return response
        if req.path == "/control" or req.path.startswith("/control/"):
            return control_http.handle(self, req)
        if req.path in ("/", "/index.html"):
            return Response.html(control_http.index_page(self))
        return Response.json({"error": f"no such path {req.path}"}, status=404)

    def wsgi_app(self, environ: WSGIEnviron, start_response: StartResponse) -> Iterable[bytes]:
        req = Request.from_environ(environ)
        if FAULT_ENVIRON_KEY in environ:
            fault = environ[FAULT_ENVIRON_KEY]
        else:
            fault = self.decide_fault(req.method, req.path, req.query_string)
        return self.handle(req, fault).to_wsgi(start_response)

    def transport(self) -> SandboxTransport:
        return SandboxTransport(self)
