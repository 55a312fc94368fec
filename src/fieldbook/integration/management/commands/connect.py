"""`fieldbook connect LEDGER --org SLUG --local-sandbox URL`: Connect without a browser,
approving consent through the local sandbox's control endpoint (a sandbox-only shortcut)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from fieldbook.connectors import registry
from fieldbook.connectors.errors import LedgerError
from fieldbook.core.http import make_client
from fieldbook.core.models import Organisation
from fieldbook.integration import connect as connecting
from fieldbook.integration import ledgers
from fieldbook.integration.ledgers import LOCAL_SANDBOX_APPS
from fieldbook.integration.models import Connection, Environment

HOST = "http://127.0.0.1:8000"  # only builds the redirect URI the sandbox echoes back


class Command(BaseCommand):
    help = "Connect an organisation to a ledger's local sandbox without a browser."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("ledger", choices=[key for key, _label in registry.ledger_choices()])
        parser.add_argument("--org", required=True, help="organisation slug")
        parser.add_argument("--local-sandbox", required=True, metavar="URL", help="e.g. http://127.0.0.1:8765")
        parser.add_argument("--company", default="", help="the sandbox company id (default: its default company)")

    def handle(self, *args: Any, **opts: Any) -> None:
        ledger, url = opts["ledger"], opts["local_sandbox"].rstrip("/")
        if ledger not in LOCAL_SANDBOX_APPS:
            raise CommandError(f"{ledger} is not available yet.")
        try:
            org = Organisation.objects.get(slug=opts["org"])
        except Organisation.DoesNotExist:
            raise CommandError(f"No organisation with slug {opts['org']!r}.") from None
        connection, _ = Connection.objects.get_or_create(organisation=org, ledger=ledger)
        client_id, secret = LOCAL_SANDBOX_APPS[ledger]
        connection.environment, connection.local_url = Environment.LOCAL, url
        if not connection.client_id:
            connection.client_id, connection.client_secret = client_id, secret
        connection.save(update_fields=["environment", "local_url", "client_id", "client_secret"])
        try:
            _consent, state = connecting.start(connection, HOST)
        except connecting.ConnectRefused as exc:
            raise CommandError(exc.message) from exc
        redirect_uri = ledgers.redirect_uri(connection, HOST)
        body: dict[str, str] = {"client_id": connection.client_id, "redirect_uri": redirect_uri, "state": state}
        if opts["company"]:
            body["company"] = opts["company"]
        with make_client() as http:
            reply = http.post(f"{url}/control/{ledger}/approve_consent", json=body)
        if reply.status_code != 200:
            raise CommandError(f"The sandbox at {url} refused consent: {reply.text[:300]}")
        try:
            info = connecting.finish(connection, reply.json()["result"], state, HOST)
        except (LedgerError, connecting.ConnectRefused) as exc:
            raise CommandError(getattr(exc, "message", str(exc))) from exc
        self.stdout.write(self.style.SUCCESS(
            f"Connected {org.slug} to {info.name} ({ledger}, company {info.company_id}, {info.home_currency})."
        ))  # fmt: skip
