"""Serve the sandboxes over real HTTP (threaded wsgiref, wall clock).

Network faults over a real socket: reset_before closes the connection without processing the
request; reset_after processes it (the write commits) and closes without answering;
commit_then_drop processes it and then holds the socket silently for the fault's `seconds`
(default DROP_HOLD_SECONDS) before closing, so the client's read timeout fires first.
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
from collections.abc import Callable
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import ServerHandler, WSGIRequestHandler, WSGIServer

from fieldbook.sandbox.app import Sandbox
from fieldbook.sandbox.common.clock import WallClock
from fieldbook.sandbox.common.http import FAULT_ENVIRON_KEY

DROP_HOLD_SECONDS = 5.0


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True
    sandbox: Sandbox


class _Handler(WSGIRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        if os.environ.get("FIELDBOOK_SANDBOX_LOG"):
            super().log_message(format, *args)

    def handle(self) -> None:
        self.raw_requestline = self.rfile.readline(65537)
        if len(self.raw_requestline) > 65536:
            self.send_error(414)
            return
        if not self.parse_request():
            return
        environ = self.get_environ()
        sandbox = self.server.sandbox
        fault = sandbox.decide_fault(environ["REQUEST_METHOD"], environ.get("PATH_INFO", "/"),
                                     environ.get("QUERY_STRING", ""))
        environ[FAULT_ENVIRON_KEY] = fault
        kind = fault.kind if fault is not None else None
        if kind == "reset_before":
            self._abort()
            return
        if kind in ("commit_then_drop", "reset_after"):
            # Run the app for its side effects only; the answer is never sent.
            environ.update({"wsgi.input": self.rfile, "wsgi.errors": self.get_stderr(), "wsgi.version": (1, 0),
                            "wsgi.url_scheme": "http", "wsgi.multithread": True, "wsgi.multiprocess": False,
                            "wsgi.run_once": False})
            body = b"".join(sandbox.wsgi_app(environ, lambda status, headers, exc_info=None: None))
            del body
            if kind == "commit_then_drop":
                time.sleep(fault.seconds if fault is not None and fault.seconds > 0 else DROP_HOLD_SECONDS)
            self._abort()
            return
        handler = ServerHandler(self.rfile, self.wfile, self.get_stderr(), environ,  # type: ignore[arg-type]
                                multithread=True)
        handler.request_handler = self  # type: ignore[attr-defined]
        handler.run(sandbox.wsgi_app)

    def _abort(self) -> None:
        self.close_connection = True
        with contextlib.suppress(OSError):
            # RST rather than FIN, as a reset connection does.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")


def make_server(port: int, host: str = "127.0.0.1", sandbox: Sandbox | None = None,
                state_file: str | os.PathLike[str] | None = None, relaxed_limits: bool = False) -> _Server:
    server = _Server((host, port), _Handler)
    server.sandbox = sandbox or Sandbox(clock=WallClock(), state_file=state_file, relaxed_limits=relaxed_limits)
    server.set_app(server.sandbox.wsgi_app)
    return server


def serve(port: int, host: str = "127.0.0.1", state_file: str | os.PathLike[str] | None = None,
          relaxed_limits: bool = False) -> None:
    server = make_server(port, host, state_file=state_file, relaxed_limits=relaxed_limits)
    prefixes = ", ".join(f"/{name}" for name in server.sandbox.ledgers)
    print(f"Fieldbook sandboxes on http://{host}:{server.server_port}/ "
          f"(ledgers: {prefixes}; control: /control)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def start_in_thread(port: int = 0, host: str = "127.0.0.1", sandbox: Sandbox | None = None,
                    state_file: str | os.PathLike[str] | None = None,
                    relaxed_limits: bool = True) -> tuple[str, Sandbox, Callable[[], None]]:
    """(base_url, sandbox, stop) for tests that need real HTTP on an ephemeral port."""
    server = make_server(port, host, sandbox=sandbox, state_file=state_file, relaxed_limits=relaxed_limits)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              name="fieldbook-sandbox", daemon=True)
    thread.start()

    def stop() -> None:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)

    return f"http://{host}:{server.server_port}", server.sandbox, stop
