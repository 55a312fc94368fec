"""What the control endpoint and the in-process transport ask of the sandbox (sandbox.app's
`Sandbox`, which imports them both): a protocol, so neither imports the app back."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

from fieldbook.sandbox.common.clock import Clock
from fieldbook.sandbox.common.faults import Fault, FaultInjector
from fieldbook.sandbox.common.http import StartResponse, WSGIEnviron


class Host(Protocol):
    clock: Clock
    faults: FaultInjector
    ledgers: dict[str, Any]  # path prefix -> the ledger's app; its control object is the attribute of that name

    def advance(self, seconds: float) -> None: ...

    def decide_fault(self, method: str, path: str, query_string: str) -> Fault | None: ...

    def wsgi_app(self, environ: WSGIEnviron, start_response: StartResponse) -> Iterable[bytes]: ...
