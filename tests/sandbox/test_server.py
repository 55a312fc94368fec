"""The threaded server on an ephemeral port: network faults over a real socket, state file on disk."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from fieldbook.sandbox.server import start_in_thread


def test_network_faults_over_real_http(tmp_path: Path) -> None:
    base_url, sandbox, stop = start_in_thread(state_file=tmp_path / "state.json")
    try:
        issued = sandbox.quickbooks.issue_tokens()
        client = httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {issued['access_token']}"},
                              timeout=0.5)
        url = f"/quickbooks/v3/company/{issued['realm_id']}/customer?minorversion=75"
        sandbox.faults.add(kind="commit_then_drop", match="/customer", seconds=1.5)
        with pytest.raises(httpx.ReadTimeout):
            client.post(url, json={"DisplayName": "Dropped"})
        sandbox.faults.add(kind="reset_after", match="/customer")
        with pytest.raises(httpx.RemoteProtocolError):
            client.post(url, json={"DisplayName": "Reset after"})
        sandbox.faults.add(kind="reset_before", match="/customer")
        with pytest.raises(httpx.TransportError):
            client.post(url, json={"DisplayName": "Never"})
        sandbox.faults.add(kind="throttle", match="/customer")
        assert client.post(url, json={"DisplayName": "Throttled"}).status_code == 429
        ok = client.post(url, json={"DisplayName": "Fine"})
        assert ok.status_code == 200 and ok.headers["intuit_tid"]
        names = sorted(c["DisplayName"] for c in sandbox.quickbooks.customers())
        assert names == ["Dropped", "Fine", "Reset after"]
        assert "Reset after" in (tmp_path / "state.json").read_text()
        assert client.get("/").status_code == 200
        assert client.get("/control/time").json()["result"]["now"]
    finally:
        stop()
