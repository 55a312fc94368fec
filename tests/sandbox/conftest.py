"""Fixtures for the sandbox tests: one virtual clock, one in-process sandbox, an httpx client."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from fieldbook.sandbox import Sandbox
from fieldbook.sandbox.common.clock import VirtualClock
from tests.sandbox.helpers import Qbo
from tests.sandbox.xero_helpers import Xero


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock()


@pytest.fixture
def sandbox(clock: VirtualClock) -> Sandbox:
    return Sandbox(clock=clock)


@pytest.fixture
def qbo(sandbox: Sandbox) -> Iterator[Qbo]:
    client = Qbo(sandbox)
    yield client
    client.http.close()


@pytest.fixture
def us_qbo(sandbox: Sandbox) -> Iterator[Qbo]:
    client = Qbo(sandbox, sandbox.quickbooks.seed_company(country="US"))
    yield client
    client.http.close()


@pytest.fixture
def xero(sandbox: Sandbox) -> Iterator[Xero]:
    client = Xero(sandbox)
    yield client
    client.http.close()
