"""Login throttling on the cache: per username and per client address, a fixed window."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache


def _key(kind: str, value: str) -> str:
    return f"login-fail:{kind}:{value.lower()[:150]}"


def is_locked(username: str, address: str) -> bool:
    limit = settings.LOGIN_MAX_ATTEMPTS
    return any(cache.get(_key(k, v), 0) >= limit for k, v in (("user", username), ("ip", address)) if v)


def record_failure(username: str, address: str) -> None:
    for kind, value in (("user", username), ("ip", address)):
        if not value:
            continue
        key = _key(kind, value)
        if cache.add(key, 1, settings.LOGIN_WINDOW_SECONDS) is False:
            try:
                cache.incr(key)
            except ValueError:
                cache.set(key, 1, settings.LOGIN_WINDOW_SECONDS)


def clear_user(username: str) -> None:
    cache.delete(_key("user", username))
