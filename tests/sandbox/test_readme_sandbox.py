"""The README's "The local sandbox" section, run as written (bash, curl, `fieldbook sandbox token`)
against `fieldbook sandbox` served on a free port instead of 8765."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.sandbox.served import FIELDBOOK, env, fieldbook, served_sandbox

README = Path(__file__).resolve().parents[2] / "README.md"


def _section_blocks() -> list[str]:
    text = README.read_text()
    section = text.split("## The local sandbox", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.*?)```", section, flags=re.S)


def _bash(script: str, url: str, cwd: Path) -> str:
    script = script.replace("http://127.0.0.1:8765", url).replace(".venv/bin/fieldbook", " ".join(FIELDBOOK))
    done = subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=cwd, env=env(), capture_output=True,
                          text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _get(url: str, tokens: dict[str, Any], path: str, **params: str) -> dict[str, Any]:
    reply = httpx.get(f"{url}/quickbooks/v3/company/{tokens['realm_id']}/{path}",
                      params={"minorversion": "75", **params},
                      headers={"Authorization": f"Bearer {tokens['access_token']}", "Accept": "application/json"},
                      timeout=10)
    assert reply.status_code == 200, reply.text
    body: dict[str, Any] = reply.json()
    return body


@pytest.mark.skipif(shutil.which("curl") is None, reason="the README's examples use curl")
def test_the_readme_sandbox_examples_work_as_written(tmp_path: Path) -> None:
    control_block, token_block = _section_blocks()
    with served_sandbox(tmp_path) as url:
        tokens = json.loads(fieldbook("sandbox", "token", "quickbooks", cwd=tmp_path).stdout)
        auth = {"Authorization": f"Bearer {tokens['access_token']}", "Accept": "application/json"}
        api = f"{url}/quickbooks/v3/company/{tokens['realm_id']}"
        acme = httpx.post(f"{api}/customer", json={"DisplayName": "Acme"}, headers=auth, timeout=10).json()
        for doc in ("J1", "J2"):  # invoices 1 and 2, which the examples pay and void
            httpx.post(f"{api}/invoice", headers=auth, timeout=10, json={
                "CustomerRef": {"value": acme["Customer"]["Id"]}, "GlobalTaxCalculation": "TaxExcluded",
                "DocNumber": doc, "Line": [{"DetailType": "SalesItemLineDetail", "Amount": "50.00",
                                            "SalesItemLineDetail": {"TaxCodeRef": {"value": "3"}}}]})
        out = _bash(control_block, url, tmp_path)
        assert '"error"' not in out, out
        names = {c["DisplayName"]: c for c in _get(url, tokens, "query", query="select * from Customer")
                 ["QueryResponse"]["Customer"]}
        assert names["Evans Dental Ltd"]["PrimaryEmailAddr"]["Address"] == "office@evans.example"
        assert names["Acme"]["PrimaryEmailAddr"]["Address"] == "accounts@evans.example"
        assert Decimal(str(_get(url, tokens, "invoice/1")["Invoice"]["Balance"])) == Decimal("30.00")
        assert _get(url, tokens, "invoice/2")["Invoice"]["PrivateNote"] == "Voided"
        (tmp_path / "var").mkdir(exist_ok=True)
        listed = json.loads(_bash(token_block, url, tmp_path))
        assert {c["DisplayName"] for c in listed["QueryResponse"]["Customer"]} == {"Acme", "Evans Dental Ltd"}
