"""`fieldbook sync … --json` prints one JSON object with the error when refused (issue 18, Bounds)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from django.core.management import CommandError

from fieldbook.customers.models import Customer
from fieldbook.integration.models import Connection
from tests.integration.test_cli import QBO, as_json, failing

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (("--org", "nope", "--ledger", "quickbooks", "--all"), "No organisation with slug 'nope'"),
        ((*QBO, "--all"), "is not connected to QuickBooks Online"),
        ((*QBO, "--select", "C1"), "must reconnect to QuickBooks Online (revoked)"),
    ],
)
def test_a_refused_sync_prints_one_json_object_with_the_error(org_a, args, error):  # type: ignore[no-untyped-def]
    if "--select" in args:
        Connection.objects.create(organisation=org_a, ledger="quickbooks", status=Connection.Status.RECONNECT,
                                  status_reason="revoked")  # fmt: skip
    caught, out = failing("sync", "customers", *args, "--json")
    assert out.count("\n") == 1, out
    data = json.loads(out)
    assert data["refused"] is True and error in data["error"] and error in str(caught)
    assert data["option"] == "customers" and data["ledger"] == "quickbooks"


def test_a_failed_record_still_prints_exactly_one_object(org_a, connected, sandbox):  # type: ignore[no-untyped-def]
    Customer.objects.create(organisation=org_a, account_ref="OK-1", name="Fine Ltd")
    data = as_json("sync", "customers", *QBO, "--all")
    assert data["counts"] and "refused" not in data


def test_the_command_line_prints_the_object_and_exits_non_zero(tmp_path):  # type: ignore[no-untyped-def]
    env = {**os.environ, "FIELDBOOK_VAR": str(tmp_path)}
    subprocess.run([sys.executable, "-m", "fieldbook", "migrate", "-v0"], env=env, check=True, timeout=120)
    argv = [sys.executable, "-m", "fieldbook", "sync", "customers", "--org", "nope", "--ledger", "quickbooks", "--all",
            "--json"]  # fmt: skip
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert json.loads(done.stdout)["error"].startswith("No organisation")
    assert "No organisation" in done.stderr


def test_compare_refusals_are_json_too(org_a):  # type: ignore[no-untyped-def]
    caught, out = failing("compare", "customers", *QBO, "--json")
    assert isinstance(caught, CommandError) and json.loads(out)["refused"] is True
