"""Settings offers a ledger's own environments (its profile) besides production and the local sandbox."""

from __future__ import annotations

import pytest

from fieldbook.integration.forms import ConnectionSettingsForm

pytestmark = pytest.mark.django_db


def _choices(ledger: str) -> list[str]:
    return [key for key, _label in ConnectionSettingsForm(ledger=ledger).fields["environment"].choices]  # type: ignore[attr-defined]


def test_each_ledger_is_offered_its_own_environments(settings) -> None:  # type: ignore[no-untyped-def]
    assert _choices("quickbooks")[:2] == ["production", "intuit_sandbox"]
    assert "intuit_sandbox" not in _choices("xero")  # a vendor's sandbox is that vendor's alone
    assert _choices("xero")[0] == "production"
