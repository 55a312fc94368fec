"""In-process httpx transport over the sandbox's WSGI app, with network faults made real.

Network faults become the exceptions a real network gives (DESIGN "Nothing lost, nothing twice"):
  reset_before      -> httpx.ConnectError, the app never sees the request (nothing committed)
  commit_then_drop  -> the app runs (the write commits), then httpx.ReadTimeout
  reset_after       -> the app runs (the write commits), then httpx.RemoteProtocolError
A latency fault longer than the request's read timeout also commits, then times out.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import httpx

from fieldbook.sandbox.common.faults import Fault
from fieldbook.sandbox.common.host import Host
from fieldbook.sandbox.common.http import FAULT_ENVIRON_KEY, StartResponse, WSGIEnviron


class SandboxTransport(httpx.BaseTransport):
    def __init__(self, sandbox: Host) -> None:
        self.sandbox = sandbox

    def _app_with(self, fault: Fault | None) -> Any:
        def app(environ: WSGIEnviron, start_response: StartResponse) -> Iterable[bytes]:
            environ[FAULT_ENVIRON_KEY] = fault
            return self.sandbox.wsgi_app(environ, start_response)

        return app

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        fault = self.sandbox.decide_fault(request.method, url.path, url.query.decode("ascii", "replace"))
        kind = fault.kind if fault is not None else None
        if kind == "reset_before":
            raise httpx.ConnectError("[Errno 104] Connection reset by peer (sandbox fault)", request=request)
        read_timeout = _read_timeout(request)
        if kind == "latency" and fault is not None and read_timeout is not None and fault.seconds > read_timeout:
            # The server is slower than the client waits: it still commits, the client times out.
            self.sandbox.clock.sleep(read_timeout)
            self._run(request, None)
            raise httpx.ReadTimeout("The read operation timed out (sandbox latency fault)", request=request)
        response = self._run(request, fault)
        if kind == "commit_then_drop":
            raise httpx.ReadTimeout("The read operation timed out (sandbox commit_then_drop)", request=request)
        if kind == "reset_after":
            raise httpx.RemoteProtocolError("Server disconnected without sending a response (sandbox fault)",
                                            request=request)
        return response

    def _run(self, request: httpx.Request, fault: Fault | None) -> httpx.Response:
        inner = httpx.WSGITransport(app=self._app_with(fault))
        response = inner.handle_request(request)
        response.read()
        return response


def _read_timeout(request: httpx.Request) -> float | None:
    timeout = request.extensions.get("timeout")
    if isinstance(timeout, dict):
        value = timeout.get("read")
        return float(value) if value is not None else None
    return None
