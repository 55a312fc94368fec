"""`fieldbook sandbox token quickbooks` against a running `fieldbook sandbox`, as the README says,
and the state file shared by several processes without one overwriting another's writes."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

from tests.sandbox.served import fieldbook, served_sandbox


def _token(cwd: Path, *args: str) -> dict[str, Any]:
    done = fieldbook("sandbox", "token", "quickbooks", *args, cwd=cwd)
    assert done.returncode == 0, done.stderr
    printed: dict[str, Any] = json.loads(done.stdout)
    return printed


def _api(url: str, issued: dict[str, Any]) -> httpx.Client:
    return httpx.Client(base_url=f"{url}/quickbooks/v3/company/{issued['realm_id']}", timeout=10,
                        headers={"Authorization": f"Bearer {issued['access_token']}",
                                 "Accept": "application/json"})


def _customer_names(url: str, issued: dict[str, Any]) -> set[str]:
    with _api(url, issued) as api:
        reply = api.get("/query", params={"query": "select * from Customer", "minorversion": "75"})
    assert reply.status_code == 200, reply.text
    return {c["DisplayName"] for c in reply.json()["QueryResponse"].get("Customer", [])}


def test_printed_tokens_work_against_the_running_sandbox(tmp_path: Path) -> None:
    with served_sandbox(tmp_path) as url:
        issued = _token(tmp_path)
        with _api(url, issued) as api:
            info = api.get(f"/companyinfo/{issued['realm_id']}", params={"minorversion": "75"})
            assert info.status_code == 200, info.text
            made = api.post("/customer", params={"minorversion": "75"}, json={"DisplayName": "Made by the API"})
            assert made.status_code == 200, made.text
        # A second token run must not drop what the served sandbox wrote in between, and the
        # served sandbox must not drop the first token run's grant when it writes.
        second = _token(tmp_path)
        assert _customer_names(url, second) >= {"Made by the API"}
        assert _customer_names(url, issued) >= {"Made by the API"}
        # The app's credentials printed beside the tokens refresh them at the served token endpoint.
        refreshed = httpx.post(f"{url}/quickbooks/oauth2/v1/tokens/bearer", timeout=10,
                               auth=(second["client_id"], second["client_secret"]),
                               data={"grant_type": "refresh_token", "refresh_token": second["refresh_token"]})
        assert refreshed.status_code == 200, refreshed.text
    state = json.loads((tmp_path / "var" / "sandbox.json").read_text())
    grants = state["ledgers"]["quickbooks"]["oauth"]["grants"]
    assert len(grants) == 2


def test_token_with_url_asks_a_memory_only_sandbox(tmp_path: Path) -> None:
    with served_sandbox(tmp_path, "--state", "") as url:
        issued = _token(tmp_path, "--url", url)
        assert _customer_names(url, issued) == set()
    assert not (tmp_path / "var").exists()


def test_concurrent_writers_never_overwrite_each_other(tmp_path: Path) -> None:
    """Token runs (other processes) while the served sandbox creates customers: every grant and
    every customer is still there afterwards."""
    with served_sandbox(tmp_path, "--relaxed") as url:
        first = _token(tmp_path)

        def create(n: int) -> int:
            with _api(url, first) as api:
                return api.post("/customer", params={"minorversion": "75"},
                                json={"DisplayName": f"Customer {n}"}).status_code

        with ThreadPoolExecutor(max_workers=6) as pool:
            tokens = [pool.submit(_token, tmp_path) for _ in range(4)]
            created = list(pool.map(create, range(20)))
            issued = [future.result() for future in tokens]
        assert created == [200] * 20
        expected = {f"Customer {n}" for n in range(20)}
        for one in [first, *issued]:
            assert _customer_names(url, one) == expected


def test_two_sandboxes_on_one_state_file_keep_each_others_writes(tmp_path: Path) -> None:
    """Two processes' views of one state file (here two Sandbox objects): each sees the other's
    committed writes before its own, so neither write is lost."""
    from fieldbook.sandbox import Sandbox
    from fieldbook.sandbox.common.clock import VirtualClock
    from tests.sandbox.helpers import Qbo

    state = tmp_path / "sandbox.json"
    first, second = (Sandbox(clock=VirtualClock(), state_file=state) for _ in range(2))
    assert first.quickbooks.default_realm == second.quickbooks.default_realm
    a, b = Qbo(first), Qbo(second)
    a.create_customer("From the first")
    b.create_customer("From the second")
    a.create_customer("First again")
    for sandbox in (first, second, Sandbox(clock=VirtualClock(), state_file=state)):
        names = {c["DisplayName"] for c in sandbox.quickbooks.customers()}
        assert names == {"From the first", "From the second", "First again"}
    assert a.get("companyinfo/1", token=b.tokens["access_token"]).status_code == 200
