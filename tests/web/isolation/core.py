from __future__ import annotations

ALLOWED = {"login", "logout", "admin:*"}


def _home_marker(org):  # type: ignore[no-untyped-def]
    return org.name


LISTS = {"home": _home_marker}
