"""`fieldbook check --deploy` with the README's production environment reports no issue; the
settings come from the environment (issue 18, Deployment)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

README = Path(__file__).resolve().parents[2] / "README.md"


def production_environment() -> dict[str, str]:
    text = README.read_text()
    section = text[text.index("## Production"):]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block, "the README's production section has a sh block"
    env = {}
    for line in block.group(1).splitlines():
        if match := re.match(r"export (\w+)=(\S+)", line.strip()):
            env[match.group(1)] = match.group(2)
    return env


def run_check(tmp_path: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    # Only the documented variables: none of this test process's own (the browser tests set
    # DJANGO_ALLOW_ASYNC_UNSAFE, which check --deploy rightly warns about).
    base = {k: v for k, v in os.environ.items()
            if not k.startswith(("FIELDBOOK_", "SECURE_", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"))}  # fmt: skip
    return subprocess.run([sys.executable, "-m", "fieldbook", "check", "--deploy", "--fail-level", "WARNING"],
                          env={**base, "FIELDBOOK_VAR": str(tmp_path / "var"), **env}, capture_output=True,
                          text=True, timeout=120)  # fmt: skip


def test_the_documented_production_environment_passes_check_deploy(tmp_path: Path) -> None:
    env = production_environment()
    assert {"FIELDBOOK_HTTPS", "SECURE_PROXY_SSL_HEADER", "ALLOWED_HOSTS"} <= set(env)
    # The *_FILE variables name files the operator made: make them here with fresh secrets.
    secret, keys = tmp_path / "secret_key", tmp_path / "encryption_keys"
    secret.write_text(Fernet.generate_key().decode() + Fernet.generate_key().decode())
    keys.write_text(Fernet.generate_key().decode())
    env.update(SECRET_KEY_FILE=str(secret), FIELDBOOK_ENCRYPTION_KEYS_FILE=str(keys))
    done = run_check(tmp_path, env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues" in done.stdout, done.stdout + done.stderr


@pytest.mark.parametrize("missing", ["FIELDBOOK_HTTPS", "SECURE_HSTS_PRELOAD"])
def test_without_the_https_settings_it_warns(tmp_path: Path, missing: str) -> None:
    env = production_environment()
    del env[missing]
    env.pop("SECRET_KEY_FILE"), env.pop("FIELDBOOK_ENCRYPTION_KEYS_FILE")
    env["SECRET_KEY"] = Fernet.generate_key().decode() * 2
    done = run_check(tmp_path, env)
    assert done.returncode != 0 and "security.W" in done.stderr + done.stdout
