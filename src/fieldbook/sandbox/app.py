"""`Sandbox`: the store of every ledger, one clock, fault injection, and one WSGI app serving

    /quickbooks/...   the QBO emulator (real paths after the prefix)
    /xero/...         the Xero emulator (real paths after the prefix)
    /sage/...         the Sage Accounting v3.1 emulator (real paths after the prefix)
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
from fieldbook.sandbox.sage.api import Limits as SageLimits
from fieldbook.sandbox.sage.api import SageApp
from fieldbook.sandbox.sage.control import SageControl
from fieldbook.sandbox.transport import SandboxTransport
from fieldbook.sandbox.xero.api import XeroApp
from fieldbook.sandbox.xero.control import XeroControl
from fieldbook.sandbox.xero.limits import Limits as XeroLimits

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
        self.sage_limits = SageLimits(factor=RELAXED_FACTOR if relaxed_limits else 1)
        self.sage = SageControl(SageApp(self.store, self.clock, self.sage_limits))
        self.xero_limits = XeroLimits(factor=RELAXED_FACTOR if relaxed_limits else 1)
        self._xero = XeroApp(self.store, self.clock, self.xero_limits)
        self.xero = XeroControl(self._xero)
        self.ledgers: dict[str, Any] = {"quickbooks": self._qbo, "xero": self._xero, "sage": self.sage.app}
        _ = self.quickbooks.default_realm  # every ledger starts with its default (UK) company
        self.xero.default_tenant()
        _ = self.sage.default_business

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
