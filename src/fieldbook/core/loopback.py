"""The local-sandbox environment sends the app's client id and secret to a URL an organisation
admin typed: it exists only where FIELDBOOK_ALLOW_LOCAL_SANDBOX is on (`make run`, the tests;
off in production), and then only for loopback addresses, so nobody can make the server post
credentials (or anything else) to another host."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from django.conf import settings

OFF = "The local sandbox is switched off on this server (FIELDBOOK_ALLOW_LOCAL_SANDBOX)."
NOT_LOOPBACK = "A local sandbox address must be on this machine: http://127.0.0.1:PORT or http://localhost:PORT."


def allowed() -> bool:
    return bool(getattr(settings, "FIELDBOOK_ALLOW_LOCAL_SANDBOX", False))


def is_loopback_url(url: str) -> bool:
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        parts.port  # noqa: B018 -- a malformed port raises ValueError here
    except ValueError:
        return False
    if parts.scheme not in ("http", "https") or parts.username or parts.password:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:  # a name: it could resolve anywhere, so it is refused
        return False


def refusal(url: str) -> str:
    """Why this local-sandbox URL may not be used, or "" when it may."""
    if not allowed():
        return OFF
    if not is_loopback_url(url):
        return NOT_LOOPBACK
    return ""
