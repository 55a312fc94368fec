"""Secrets at rest: MultiFernet over FIELDBOOK_ENCRYPTION_KEYS (newest key first, so keys rotate
without re-encrypting first). `make run` gets a per-checkout key under var/."""

from __future__ import annotations

from functools import cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import models


@cache
def _fernet() -> MultiFernet:
    raw = settings.FIELDBOOK_ENCRYPTION_KEYS
    if not raw:
        path = settings.VAR_DIR / "encryption_key"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(Fernet.generate_key())
            path.chmod(0o600)
        raw = path.read_text().strip()
    return MultiFernet([Fernet(k.strip().encode()) for k in raw.split(",") if k.strip()])


def encrypt(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode() if value else ""


def decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:  # never echo the token itself
        raise ValueError("A stored secret could not be decrypted with the configured keys.") from exc


def _is_ciphertext(value: str) -> bool:
    try:
        _fernet().decrypt(value.encode())
    except (InvalidToken, ValueError):
        return False
    return True


class EncryptedTextField(models.TextField):
    """Stores ciphertext; Python code sees plain text. Never render it back to a page.

    Whatever serialises a row (dumpdata, the serialisers, model_to_dict) gets the ciphertext: only
    the code that uses a secret reads the attribute. loaddata gives the ciphertext back to
    to_python, which recognises it, so a dump loads into the same secrets."""

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> str:
        return decrypt(value) if value else ""

    def to_python(self, value: Any) -> str:
        if isinstance(value, str) and value.startswith("gAAAAA") and _is_ciphertext(value):
            return decrypt(value)
        return value or ""

    def get_prep_value(self, value: Any) -> str:
        return encrypt(value) if value else ""

    def value_from_object(self, obj: models.Model) -> str:
        return encrypt(getattr(obj, self.attname) or "")

    def value_to_string(self, obj: models.Model) -> str:
        return self.value_from_object(obj)
