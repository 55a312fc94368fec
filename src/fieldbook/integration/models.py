"""The integration's rows: a Connection per organisation and ledger (settings, encrypted
credentials and tokens, the run lease), the links between our records and the ledger's, and
each SyncRun with its steps, its journal of rendered requests and every attempt.

The engine (fieldbook.sync) never sees these: store.py maps them to its plain dataclasses."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models

from fieldbook.connectors import profile, registry
from fieldbook.core.crypto import EncryptedTextField
from fieldbook.core.models import Organisation


class Environment:
    """The environments every ledger has; a ledger's own further ones (a vendor's sandbox) come
    from its profile (connectors.registry.environment_choices)."""

    PRODUCTION = profile.PRODUCTION
    LOCAL = profile.LOCAL


class Connection(models.Model):
    class Status(models.TextChoices):
        NOT_CONNECTED = "not_connected", "Not connected"
        CONNECTED = "connected", "Connected"
        RECONNECT = "reconnect_required", "Reconnect required"

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="connections")
    # Choices from the ledgers' profiles (callables: a new ledger needs no migration).
    ledger = models.CharField(max_length=20, choices=registry.ledger_choices)
    environment = models.CharField(max_length=20, choices=registry.environment_choices,
                                   default=Environment.PRODUCTION)  # fmt: skip
    local_url = models.URLField("Local sandbox URL", blank=True)
    client_id = models.CharField(max_length=200, blank=True)
    client_secret = EncryptedTextField(blank=True)
    # New settings saved while connected ({environment, local_url, client_id, client_secret} as
    # JSON, encrypted): they replace the working ones only when a Connect with them succeeds.
    pending = EncryptedTextField(blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NOT_CONNECTED)
    status_reason = models.TextField(blank=True)
    company_id = models.CharField(max_length=100, blank=True)
    company_name = models.CharField(max_length=200, blank=True)
    company_country = models.CharField(max_length=2, blank=True)
    home_currency = models.CharField(max_length=3, blank=True)
    custom_numbers = models.BooleanField(default=True)
    ledger_computes_tax = models.BooleanField(default=False)
    connected_at = models.DateTimeField(null=True, blank=True)
    # Tokens: encrypted at rest, never rendered. Refresh is serialised by `token_lock_until`
    # (compare-and-set), separate from the run lease so Compare can refresh during a run.
    access_token = EncryptedTextField(blank=True)
    refresh_token = EncryptedTextField(blank=True)
    access_expires_at = models.DateTimeField(null=True, blank=True)
    refresh_expires_at = models.DateTimeField(null=True, blank=True)
    token_lock_until = models.DateTimeField(null=True, blank=True)
    # One run per connection: taken by compare-and-set on `run_lease` (works on SQLite and PostgreSQL).
    run_lease = models.CharField(max_length=40, blank=True)
    # Mapping chosen in Settings: {"tax_codes": {our code: ledger id}, "default_item": ..., ...}
    mapping = models.JSONField(default=dict, blank=True)
    options = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organisation", "ledger"], name="one_connection_per_ledger")]

    def __str__(self) -> str:
        return f"{self.get_ledger_display()} for {self.organisation}"

    @property
    def is_connected(self) -> bool:
        return self.status == self.Status.CONNECTED


class ExternalLink(models.Model):
    """Our record ↔ the ledger's id, with both sides' synced values at the last sync.

    A link belongs to our record, not to its number: `local_id` is the record's primary key and
    `local_number` follows it when the number changes (a customer's account reference), while
    `synced_number` keeps the number the ledger last received, so Compare shows the change as an
    Update. A merged customer's link stays with the duplicate (its history) while later invoices
    follow the target's own link."""

    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="links")
    kind = models.CharField(max_length=20)
    local_number = models.CharField(max_length=40)
    local_id = models.PositiveBigIntegerField(null=True, blank=True)  # customers: Customer.pk
    synced_number = models.CharField(max_length=40, blank=True)  # blank: the ledger has local_number
    ledger_id = models.CharField(max_length=100)
    ledger_version = models.CharField(max_length=40, blank=True, null=True)
    ledger_number = models.CharField(max_length=100, blank=True)
    local_values = models.JSONField(default=dict)
    ledger_values = models.JSONField(default=dict)
    synced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["connection", "kind", "local_number"], name="link_once_per_record"),
            models.UniqueConstraint(fields=["connection", "kind", "ledger_id"], name="link_once_per_ledger_record"),
        ]
        indexes = [models.Index(fields=["kind", "local_id"])]


class Watermark(models.Model):
    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="watermarks")
    kind = models.CharField(max_length=20)
    at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["connection", "kind"], name="one_watermark_per_kind")]


def new_run_id() -> str:
    return uuid.uuid4().hex


class SyncRun(models.Model):
    id = models.CharField(primary_key=True, max_length=40, default=new_run_id)
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="sync_runs")
    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="runs")
    transfer = models.CharField(max_length=20)
    option = models.CharField(max_length=20, default="customers")  # customers / jobs / contracts
    state = models.CharField(max_length=20, default="pending")
    blocked = models.JSONField(default=list)  # selected records that could not be planned, and why
    reason = models.TextField(blank=True)
    counts = models.JSONField(default=dict)
    total_steps = models.PositiveIntegerField(default=0)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(null=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["state", "heartbeat_at"])]

    @property
    def done_steps(self) -> int:
        return sum(int(v) for v in (self.counts or {}).values())


class SyncStep(models.Model):
    run = models.ForeignKey(SyncRun, on_delete=models.CASCADE, related_name="steps")
    seq = models.PositiveIntegerField()
    step_id = models.CharField(max_length=200)
    kind = models.CharField(max_length=20)
    local_number = models.CharField(max_length=40)
    operation = models.CharField(max_length=20)
    mode = models.CharField(max_length=20)
    planned = models.JSONField()
    status = models.CharField(max_length=20, blank=True)  # the outcome; blank = not finished
    outcome = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["seq"]
        constraints = [models.UniqueConstraint(fields=["run", "step_id"], name="step_once_per_run")]


class JournalRequest(models.Model):
    run = models.ForeignKey(SyncRun, on_delete=models.CASCADE, related_name="journal")
    seq = models.PositiveIntegerField()
    key = models.CharField(max_length=64)
    state = models.CharField(max_length=20)
    request = models.JSONField()  # the exact rendered request (body bytes base64): resent as is
    journalled_at = models.DateTimeField()

    class Meta:
        ordering = ["seq"]
        constraints = [models.UniqueConstraint(fields=["run", "key"], name="journal_key_once_per_run")]


class SyncAttempt(models.Model):
    run = models.ForeignKey(SyncRun, on_delete=models.CASCADE, related_name="attempts")
    key = models.CharField(max_length=64)
    status = models.IntegerField(null=True)
    duration_ms = models.PositiveIntegerField(default=0)
    excerpt = models.TextField(blank=True)
    error_class = models.CharField(max_length=40, blank=True)
    at = models.DateTimeField(null=True)

    class Meta:
        ordering = ["id"]


def attempt_fields(attempt: Any) -> dict[str, Any]:
    return {
        "key": attempt.key, "status": attempt.status, "duration_ms": attempt.duration_ms,
        "excerpt": attempt.excerpt[:2000], "error_class": attempt.error_class, "at": attempt.at,
    }  # fmt: skip


class LedgerRecord(models.Model):
    """Our copy of the ledger's customers and invoices (canonical records, sync.codec JSON),
    refreshed by incremental reads from a watermark: a second Compare costs what changed in the
    ledger, not the size of its books (DESIGN principle 4)."""

    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="ledger_records")
    kind = models.CharField(max_length=20)
    ledger_id = models.CharField(max_length=100)
    data = models.JSONField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["connection", "kind", "ledger_id"], name="mirror_once")]


class LedgerBudget(models.Model):
    """One ledger company's rate budget (connectors.limiter state: what was spent in each window,
    requests in flight, a ledger-imposed pause), shared by every process of this deployment.
    Updated by compare-and-set on `version`, which works alike on SQLite and PostgreSQL."""

    key = models.CharField(max_length=200, unique=True)
    version = models.PositiveBigIntegerField(default=0)
    state = models.JSONField(default=dict)


class LedgerReference(models.Model):
    """The ledger's reference lists (tax codes, items, accounts, terms; sync.codec JSON) as read
    at Connect or on "Refresh from ledger": Settings reads them from here, never from the ledger
    on a page load."""

    connection = models.OneToOneField(Connection, on_delete=models.CASCADE, related_name="reference")
    data = models.JSONField()
    # The company's rules read with them (connectors.records.CompanyInfo): runs and Compare use
    # these rather than asking the ledger again.
    company = models.JSONField(null=True, blank=True)
    read_at = models.DateTimeField()
