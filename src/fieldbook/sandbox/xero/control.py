"""The Xero sandbox's control API: organisations, tokens, consent, and a ledger user's actions
(void an invoice, record a payment, archive or merge contacts), plus the limits.

Used directly by in-process tests and through `/control/xero/<action>` when served.
"""

from __future__ import annotations

import copy
import uuid
from decimal import Decimal
from typing import Any

from fieldbook.sandbox.common.control import ControlError as ControlError  # re-exported for callers
from fieldbook.sandbox.common.control import LedgerControl
from fieldbook.sandbox.xero import contacts, invoices, oauth, payments, tokens
from fieldbook.sandbox.xero.api import XeroApp
from fieldbook.sandbox.xero.errors import Invalid
from fieldbook.sandbox.xero.seed import new_org_tree

DEFAULT_ORG_NAME = "Harbour Heating Ltd (Xero sandbox)"
CLIENT_ID = tokens.DEFAULT_CLIENT_ID
CLIENT_SECRET = tokens.DEFAULT_CLIENT_SECRET
BANK_ACCOUNT = "090"

HTTP_ACTIONS = frozenset({
    "default_tenant", "seed_organisation", "organisations", "issue_tokens", "approve_consent", "register_app",
    "void_invoice", "record_payment", "archive_contact", "merge_contacts", "set_limits", "expire_access_tokens",
    "revoke_tokens", "contacts", "invoices", "add_contact",
})


class XeroControl(LedgerControl[XeroApp]):
    token_store = tokens.STORE

    def _org(self, tenant_id: str | None) -> dict[str, Any]:
        org = self.app.org(str(tenant_id or self.default_tenant()))
        if org is None:
            raise KeyError(f"no Xero organisation {tenant_id}")
        return org

    def default_tenant(self) -> str:
        return self._default("default_tenant", lambda: self.seed_organisation(DEFAULT_ORG_NAME))

    def seed_organisation(self, name: str = DEFAULT_ORG_NAME) -> str:
        with self.app.store.lock:
            tenant_id = str(uuid.uuid4())
            self._tree.setdefault("orgs", {})[tenant_id] = new_org_tree(tenant_id, name, self.app.clock.now())
            self._commit()
            return tenant_id

    def organisations(self) -> list[dict[str, str]]:
        with self.app.store.lock:
            return [{"tenant_id": tid, "name": name} for tid, name in self.app.companies()]

    def register_app(self, client_id: str, client_secret: str, granular_only: bool = True) -> None:
        self._changed(lambda: tokens.register_app(self._tree, client_id, client_secret, granular_only))

    def issue_tokens(self, tenant_id: str | None = None, client_id: str = CLIENT_ID,
                     scope: str = tokens.CLASSIC_DEFAULT) -> dict[str, Any]:
        """A consent given and exchanged in one step: tokens connected to one organisation."""
        with self.app.store.lock:
            org = self._org(tenant_id)
            tokens.check_client(self._tree, client_id)
            tokens.check_scope(self._tree, client_id, scope)
            issued = tokens.issue(self._tree, client_id, [(org["tenant_id"], org["name"])], scope,
                                  self.app.clock.now())
            self._commit()
            return self._issued(issued, client_id, tenant_id=org["tenant_id"])

    def approve_consent(self, client_id: str, redirect_uri: str, state: str, tenant_id: str | None = None,
                        realm_id: str | None = None, scope: str = tokens.CLASSIC_DEFAULT) -> str:
        """What the consent page's Allow does: the callback URL with code, scope and state.
        `realm_id` is the ledger-neutral name `fieldbook connect` uses for the company."""
        with self.app.store.lock:
            org = self._org(tenant_id or realm_id)
            try:
                url = oauth.approval_url(self._tree, client_id, redirect_uri, state,
                                         [(org["tenant_id"], org["name"])], scope, self.app.clock.now())
            except tokens.OAuthError as exc:
                raise ControlError(exc.description) from exc
            self._commit()
            return url

    def expire_access_tokens(self, tenant_id: str | None = None) -> None:
        with self.app.store.lock:
            tokens.expire_access(self._tree, str(tenant_id or self.default_tenant()), self.app.clock.now())
            self._commit()

    def revoke_tokens(self, tenant_id: str | None = None) -> None:
        with self.app.store.lock:
            tokens.revoke_tenant(self._tree, str(tenant_id or self.default_tenant()))
            self._commit()

    def set_limits(self, per_day: int | None = None, per_minute: int | None = None, concurrent: int | None = None,
                   app_per_minute: int | None = None, enabled: bool | None = None) -> dict[str, Any]:
        """E.g. the daily budget of a Starter tier (1,000, UNCONFIRMED) instead of 5,000."""
        lim = self.app.limits
        for name, value in (("per_day", per_day), ("per_minute", per_minute), ("concurrent", concurrent),
                            ("app_per_minute", app_per_minute)):
            if value is not None:
                if int(value) < 1:
                    raise ValueError(f"{name} must be at least 1")
                setattr(lim, name, int(value))
        if enabled is not None:
            lim.enabled = bool(enabled)
        return {"per_day": lim.per_day, "per_minute": lim.per_minute, "concurrent": lim.concurrent,
                "app_per_minute": lim.app_per_minute, "factor": lim.factor, "enabled": lim.enabled}

    # ---- a ledger user's actions ----
    def add_contact(self, name: str, tenant_id: str | None = None, email: str | None = None,
                    contact_number: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"Name": name}
        if email:
            body["EmailAddress"] = email
        if contact_number:
            body["ContactNumber"] = contact_number
        return self._change(tenant_id, lambda org, now: contacts.write(org, body, now, create_only=True))

    def archive_contact(self, contact_id: str, tenant_id: str | None = None) -> dict[str, Any]:
        return self._change(tenant_id, lambda org, now: contacts.write(
            org, {"ContactStatus": "ARCHIVED"}, now, create_only=False, path_id=self._contact(org, contact_id)))

    def merge_contacts(self, source_id: str, target_id: str, tenant_id: str | None = None) -> dict[str, Any]:
        return self._change(tenant_id, lambda org, now: contacts.merge(org, source_id, target_id, now))

    def void_invoice(self, invoice_id: str, tenant_id: str | None = None) -> dict[str, Any]:
        return self._change(tenant_id, lambda org, now: invoices.write(
            org, {"Status": "VOIDED"}, now, create_only=False, unitdp=4, path_id=self._invoice(org, invoice_id)))

    def record_payment(self, invoice_id: str, amount: Decimal | str, tenant_id: str | None = None,
                       date: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"Invoice": {"InvoiceID": invoice_id}, "Account": {"Code": BANK_ACCOUNT},
                                "Amount": Decimal(str(amount))}
        if date:
            body["Date"] = date
        return self._change(tenant_id, lambda org, now: payments.apply(
            org, {**body, "Invoice": {"InvoiceID": self._invoice(org, invoice_id)}}, now))

    def _change(self, tenant_id: str | None, action: Any) -> dict[str, Any]:
        with self.app.store.lock:
            org = self._org(tenant_id)
            try:
                result = action(org, self.app.clock.now())
            except Invalid as exc:
                raise ControlError("; ".join(exc.messages)) from exc
            self._commit()
            return {k: v for k, v in copy.deepcopy(result).items() if not k.startswith("_")}

    @staticmethod
    def _contact(org: dict[str, Any], contact_id: str) -> str:
        if str(contact_id) not in org["contacts"]:
            raise KeyError(f"no contact {contact_id}")
        return str(contact_id)

    @staticmethod
    def _invoice(org: dict[str, Any], invoice_id: str) -> str:
        if str(invoice_id) not in org["invoices"]:
            raise KeyError(f"no invoice {invoice_id}")
        return str(invoice_id)

    # ---- read helpers for tests: the stored objects, internal keys included ----
    def contacts(self, tenant_id: str | None = None) -> list[dict[str, Any]]:
        with self.app.store.lock:
            return copy.deepcopy(list(self._org(tenant_id)["contacts"].values()))

    def invoices(self, tenant_id: str | None = None) -> list[dict[str, Any]]:
        with self.app.store.lock:
            return copy.deepcopy(list(self._org(tenant_id)["invoices"].values()))
