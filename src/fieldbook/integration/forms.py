from __future__ import annotations

from typing import Any

from django import forms

from fieldbook.connectors import registry
from fieldbook.core import loopback
from fieldbook.integration import connect as connecting
from fieldbook.integration.models import Connection, Environment


class ConnectionSettingsForm(forms.ModelForm[Connection]):
    """App credentials and environment. The secret is write-only: left blank, the stored one stays."""

    client_secret = forms.CharField(
        label="Client secret", required=False, strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="Stored encrypted and never shown again. Leave blank to keep the saved secret.",
    )  # fmt: skip

    local_url = forms.URLField(
        label="Local sandbox URL", required=False, assume_scheme="http",
        help_text="Only for a local sandbox, e.g. http://127.0.0.1:8765",
    )  # fmt: skip

    class Meta:
        model = Connection
        fields = ["environment", "local_url", "client_id"]
        help_texts = {
            "client_id": "From your app's keys in the ledger's developer portal.",
        }

    def __init__(self, *args: Any, ledger: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["client_id"].required = True
        # Production and the ledger's own environments (its profile), then the local sandbox.
        own = {env.key for env in registry.profile(ledger).environments} | {Environment.PRODUCTION}
        if loopback.allowed():
            own.add(Environment.LOCAL)
        choices = [c for c in registry.environment_choices() if c[0] in own]
        self.fields["environment"].choices = choices  # type: ignore[attr-defined]
        self.pending_saved = False
        pending = connecting.pending_settings(self.instance) if self.instance.pk else {}
        if pending:  # what the user saved last, not yet in use
            self.initial.update({k: v for k, v in pending.items() if k != "client_secret"})

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("environment") == Environment.LOCAL:
            url = cleaned.get("local_url") or ""
            if not url and "local_url" not in self.errors:
                self.add_error("local_url", "Enter the local sandbox's address, e.g. http://127.0.0.1:8765")
            elif url and (reason := loopback.refusal(url)):
                self.add_error("local_url", reason)
        if not cleaned.get("client_secret") and not (self.instance.pk and self._saved().client_secret):
            self.add_error("client_secret", "Enter the client secret of your app.")
        return cleaned

    def _saved(self) -> Connection:
        # ModelForm has already copied the posted values onto self.instance: compare with the row.
        if not hasattr(self, "_row"):
            self._row = Connection.objects.get(pk=self.instance.pk)
        return self._row

    @property
    def saved_message(self) -> str:
        if self.pending_saved:
            return ("Settings saved, not yet in use: press Connect to use them. The current connection keeps "
                    "working until a Connect with the new settings succeeds.")  # fmt: skip
        return "Settings saved."

    def save(self, commit: bool = True) -> Connection:
        connection = super().save(commit=False)
        row = self._saved() if connection.pk else None
        values = {name: str(self.cleaned_data.get(name) or "") for name in ("environment", "local_url", "client_id")}
        values["client_secret"] = self.cleaned_data.get("client_secret") or (row.client_secret if row else "")
        if row is not None and connecting.has_working_connection(row):
            changed = any(getattr(row, k) != v for k, v in values.items())
            for name in values:  # the working settings stay as they are
                setattr(connection, name, getattr(row, name))
            connecting.set_pending(connection, values if changed else {})
            if not changed:
                connection.pending = ""
            self.pending_saved = changed
            if commit:
                connection.save(update_fields=["pending"])
            return connection
        for name, value in values.items():
            setattr(connection, name, value)
        connection.pending = ""
        if commit:
            # Only what this form owns: a full save would write back tokens, the lease and the
            # status as they were when the page was read, losing a refresh made meanwhile.
            fields = ["environment", "local_url", "client_id", "client_secret", "pending"]
            connection.save(update_fields=fields if connection.pk else None)
        return connection


class MappingForm(forms.Form):
    """Our tax codes to the ledger's, and defaults for invoice lines. Choices come from the
    ledger's live lists, so a mapping cannot name something the ledger does not have."""

    def __init__(
        self,
        *args: Any,
        our_tax_codes: list[tuple[str, str]],
        ledger_tax_codes: list[tuple[str, str]],
        ledger_items: list[tuple[str, str]],
        ledger_terms: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        blank = [("", "— choose —")]
        for code, label in our_tax_codes:
            self.fields[f"tax_{code}"] = forms.ChoiceField(
                label=f"Our tax code {label}", choices=blank + ledger_tax_codes, required=True
            )
        self.fields["default_item"] = forms.ChoiceField(
            label="Default item for invoice lines", choices=blank + ledger_items, required=False
        )
        self.fields["payment_terms"] = forms.ChoiceField(
            label="Payment terms", choices=blank + ledger_terms, required=False
        )

    def mapping(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "tax_codes": {k[4:]: v for k, v in data.items() if k.startswith("tax_") and v},
            "default_item": data.get("default_item", ""),
            "payment_terms": data.get("payment_terms", ""),
        }
