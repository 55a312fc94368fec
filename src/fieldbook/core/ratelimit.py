"""Login throttling on the cache, a fixed window, as django-axes' "username and address together":
failures count per (username, address) pair, so wrong passwords for random usernames from one
address (a NAT, a proxy) never lock anybody else out. A looser count per address slows guessing
across many usernames, but it only refuses wrong passwords: a correct one still gets through."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache


def _key(kind: str, *values: str) -> str:
    return f"login-fail:{kind}:" + "|".join(v.lower()[:150] for v in values)


def _count(key: str) -> int:
    return int(cache.get(key, 0))


def pair_locked(username: str, address: str) -> bool:
    """This username from this address has failed too often: refused without checking."""
    return _count(_key("pair", username, address)) >= settings.LOGIN_MAX_ATTEMPTS


def address_throttled(address: str) -> bool:
    """This address has failed too often across usernames: only a correct password passes."""
    return bool(address) and _count(_key("ip", address)) >= settings.LOGIN_MAX_ATTEMPTS_PER_ADDRESS


def _bump(key: str) -> None:
    if cache.add(key, 1, settings.LOGIN_WINDOW_SECONDS) is False:
        try:
            cache.incr(key)
        except ValueError:
            cache.set(key, 1, settings.LOGIN_WINDOW_SECONDS)


def record_failure(username: str, address: str) -> None:
    _bump(_key("pair", username, address))
    if address:
        _bump(_key("ip", address))


def clear_pair(username: str, address: str) -> None:
    # Only the pair's count: a valid login must not reset the address's count, or one account
    # could be used to keep guessing other users' passwords.
    cache.delete(_key("pair", username, address))
