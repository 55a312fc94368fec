"""The one list of ledgers. Each entry is a package carrying `profile.PROFILE`; a package whose
import registers a Connector is available, the others are only named (ledgers to come).

Free of Django: the integration app's model choices, Settings form, CLI choices, sweeper and API
roots all read the profiles from here.
"""

from __future__ import annotations

import importlib
from functools import cache

from fieldbook.connectors import base
from fieldbook.connectors.profile import LOCAL, PRODUCTION, LedgerProfile

LEDGER_PACKAGES: tuple[str, ...] = (
    "fieldbook.connectors.quickbooks",
    "fieldbook.connectors.xero",
    "fieldbook.connectors.sage",
    "fieldbook.connectors.sage50",
)


@cache
def profiles() -> tuple[LedgerProfile, ...]:
    """Every listed ledger's profile, in the list's order. Importing a package registers its
    connector, if it has one."""
    found = []
    for package in LEDGER_PACKAGES:
        importlib.import_module(package)
        found.append(importlib.import_module(f"{package}.profile").PROFILE)
    return tuple(found)


def profile(key: str) -> LedgerProfile:
    for candidate in profiles():
        if candidate.key == key:
            return candidate
    raise KeyError(f"No ledger {key!r}; known: {[p.key for p in profiles()]}")


def available() -> set[str]:
    """The ledgers with a connector: what the pages and the CLI offer."""
    keys = {p.key for p in profiles()}
    return {name for name, _cls in base.registered() if name in keys}


def connector_class(key: str) -> type[base.Connector]:
    profiles()
    return base.get_connector_class(key)


def ledger_choices() -> list[tuple[str, str]]:
    """(key, label) of every listed ledger: the Connection model's choices (a callable, so a new
    ledger needs no migration)."""
    return [(p.key, p.label) for p in profiles()]


def label(key: str) -> str:
    try:
        return profile(key).label
    except KeyError:
        return key


def environment_choices() -> list[tuple[str, str]]:
    """Production, every ledger's own further environments (a vendor's sandbox), and our local
    sandbox: the Connection model's environment choices."""
    choices = {PRODUCTION: "Production"}
    for p in profiles():
        for env in p.environments:
            choices.setdefault(env.key, env.label)
    choices[LOCAL] = "Local sandbox"
    return list(choices.items())
