"""Serialised forms of a connection carry ciphertext, never a secret (issue 18, Secrets)."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.forms.models import model_to_dict

from fieldbook.core.crypto import decrypt
from fieldbook.integration.models import Connection

pytestmark = pytest.mark.django_db
SECRET, ACCESS, REFRESH = "s3cret-client-value", "access-token-value", "refresh-token-value"


@pytest.fixture
def connection(org_a):  # type: ignore[no-untyped-def]
    return Connection.objects.create(organisation=org_a, ledger="quickbooks", client_id="id",
                                     client_secret=SECRET, access_token=ACCESS, refresh_token=REFRESH)  # fmt: skip


def test_dumpdata_prints_ciphertext_and_loaddata_restores_the_secrets(connection, tmp_path):  # type: ignore[no-untyped-def]
    out = StringIO()
    call_command("dumpdata", "integration.connection", stdout=out)
    dumped = out.getvalue()
    for plain in (SECRET, ACCESS, REFRESH):
        assert plain not in dumped
    fields = json.loads(dumped)[0]["fields"]
    assert decrypt(fields["client_secret"]) == SECRET and decrypt(fields["refresh_token"]) == REFRESH
    path = tmp_path / "connection.json"
    path.write_text(dumped)
    Connection.objects.all().delete()
    call_command("loaddata", str(path), verbosity=0)
    loaded = Connection.objects.get()
    assert (loaded.client_secret, loaded.access_token, loaded.refresh_token) == (SECRET, ACCESS, REFRESH)


def test_model_to_dict_carries_ciphertext(connection):  # type: ignore[no-untyped-def]
    data = model_to_dict(connection)
    assert SECRET not in json.dumps(data, default=str)
    assert decrypt(data["client_secret"]) == SECRET
