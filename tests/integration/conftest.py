"""The QuickBooks Online sandbox in-process (virtual clock) behind the integration's httpx seam."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from fieldbook.connectors.limiter import MemoryBudgetStore
from fieldbook.integration import ledgers
from fieldbook.sandbox import Sandbox, VirtualClock

# A loopback address, as the local-sandbox environment requires; the in-process transport answers it.
SANDBOX_URL = "http://127.0.0.1:8765"


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock()


@pytest.fixture
def sandbox(clock: VirtualClock, settings) -> Iterator[Sandbox]:  # type: ignore[no-untyped-def]
    sb = Sandbox(clock=clock)
    saved = ledgers.transport_factory, ledgers.clock_factory, ledgers.budget_factory
    budget = MemoryBudgetStore()  # the test's own company budget (the database one has its own tests)
    ledgers.transport_factory = sb.transport
    ledgers.clock_factory = lambda: clock
    ledgers.budget_factory = lambda: budget
    # On the virtual clock a wait costs nothing and time moves only when someone waits: pages
    # may wait here; the tests of "a page never waits" set a patience of their own.
    settings.FIELDBOOK_WEB_LIMITER_PATIENCE = None
    yield sb
    ledgers.transport_factory, ledgers.clock_factory, ledgers.budget_factory = saved


@pytest.fixture
def immediate_tasks(settings):  # type: ignore[no-untyped-def]
    """Run queued tasks at once, in the test's own database transaction."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    return settings


@pytest.fixture
def connected(client_a, org_a, sandbox):  # type: ignore[no-untyped-def]
    """Organisation A connected to the sandbox's default UK company through the real pages."""
    from tests.integration.test_connect import consent, save_settings

    save_settings(client_a)
    client_a.get(consent(client_a, sandbox))
    from fieldbook.integration.models import Connection

    connection = Connection.objects.get(organisation=org_a, ledger="quickbooks")
    assert connection.status == "connected", connection.status_reason
    return connection
