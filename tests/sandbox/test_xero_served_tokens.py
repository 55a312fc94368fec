"""`fieldbook sandbox token xero` against a running `fieldbook sandbox`, with the state file and with --url."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx

from tests.sandbox.served import fieldbook, served_sandbox


def _token(cwd: Path, *args: str) -> dict[str, Any]:
    done = fieldbook("sandbox", "token", "xero", *args, cwd=cwd)
    assert done.returncode == 0, done.stderr
    printed: dict[str, Any] = json.loads(done.stdout)
    return printed


def _contacts(url: str, issued: dict[str, Any]) -> httpx.Response:
    return httpx.get(f"{url}/xero/api.xro/2.0/Contacts", timeout=10, headers={
        "Authorization": f"Bearer {issued['access_token']}", "xero-tenant-id": issued["tenant_id"],
        "Accept": "application/json"})


def test_printed_tokens_work_against_the_running_sandbox(tmp_path: Path) -> None:
    with served_sandbox(tmp_path) as url:
        issued = _token(tmp_path)
        assert {"access_token", "refresh_token", "tenant_id", "client_id", "client_secret"} <= set(issued)
        assert "accounting.transactions" in issued["scope"]
        assert _contacts(url, issued).status_code == 200
        refreshed = httpx.post(f"{url}/xero/connect/token", timeout=10,
                               auth=(issued["client_id"], issued["client_secret"]),
                               data={"grant_type": "refresh_token", "refresh_token": issued["refresh_token"]})
        assert refreshed.status_code == 200, refreshed.text
        granular = _token(tmp_path, "--granular")
        assert "accounting.invoices" in granular["scope"] and "accounting.transactions" not in granular["scope"]
        assert _contacts(url, granular).status_code == 200


def test_token_with_url_asks_a_memory_only_sandbox(tmp_path: Path) -> None:
    with served_sandbox(tmp_path, "--state", "") as url:
        tenants = httpx.post(f"{url}/control/xero/organisations", json={}, timeout=10).json()["result"]
        issued = _token(tmp_path, "--url", url, "--realm", tenants[0]["tenant_id"])
        reply = _contacts(url, issued)
        assert reply.status_code == 200 and reply.json()["Contacts"] == []
    assert not (tmp_path / "var").exists()
