"""The one httpx seam (DESIGN "Layout": core/http): every ledger call goes through a client made
here, so tests hand in a transport (the sandbox's WSGI transport, a MockTransport, a counting
wrapper) and production gets the real network with sane timeouts.
"""

from __future__ import annotations

import httpx

# QBO answers or drops a request within 120 s (reference sheet §9); a read that takes longer is
# treated as a timeout, which the connectors classify as Uncertain for writes.
DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=10.0)


def make_client(
    transport: httpx.BaseTransport | None = None,
    timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
) -> httpx.Client:
    """A client without redirects (a redirect from a ledger API is an error to surface, not to
    follow) and without environment proxies in tests (a transport is given)."""
    return httpx.Client(
        transport=transport,
        timeout=timeout,
        follow_redirects=False,
        trust_env=transport is None,
    )
