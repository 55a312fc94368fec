"""The Sage sandbox's control API: seed businesses, issue tokens, approve consent, change the books
(void an invoice, record a payment), settings (rate budget, the tax_amount switch, subscription).

Used directly by in-process tests and through `/control/sage/<action>` when served.
"""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

from fieldbook.sandbox.common.control import ControlError, LedgerControl
from fieldbook.sandbox.sage import errors, invoices, oauth, payments, tokens
from fieldbook.sandbox.sage.api import SageApp
from fieldbook.sandbox.sage.model import Business, new_id
from fieldbook.sandbox.sage.seed import new_business_tree

DEFAULT_BUSINESS_NAME = "Harbour Heating Ltd (Sage sandbox)"
CLIENT_ID = tokens.DEFAULT_CLIENT_ID
CLIENT_SECRET = tokens.DEFAULT_CLIENT_SECRET

HTTP_ACTIONS = frozenset({
    "seed_business", "issue_tokens", "approve_consent", "void_invoice", "record_payment", "expire_access_tokens",
    "revoke_tokens", "set_rate_limit", "set_tax_amount_required", "set_subscription", "contacts", "invoices",
    "payments", "businesses", "register_app", "default_realm", "calls_without_business",
})


def _refused(exc: errors.SageError) -> ControlError:
    return ControlError("; ".join(f"{p.source}: {p.message}" if p.source else p.message for p in exc.problems))


class SageControl(LedgerControl[SageApp]):
    token_store = tokens.STORE

    def _business(self, business_id: str | None) -> Business:
        business = self.app.business(str(business_id or self.default_business))
        if business is None:
            raise KeyError(f"no Sage business {business_id}")
        return business

    @property
    def default_business(self) -> str:
        return self._default("default_business", lambda: self.seed_business(name=DEFAULT_BUSINESS_NAME))

    @property
    def default_realm(self) -> str:
        """The generic name the control endpoint and `fieldbook connect` use for the company id."""
        return self.default_business

    def seed_business(self, name: str = DEFAULT_BUSINESS_NAME) -> str:
        with self.app.store.lock:
            business_id = new_id()
            self._tree.setdefault("businesses", {})[business_id] = new_business_tree(
                business_id, name, self.app.clock.now())
            self._commit()
            return business_id

    def businesses(self) -> list[dict[str, str]]:
        with self.app.store.lock:
            return [{"business_id": key, "name": name} for key, name in self.app.companies()]

    def issue_tokens(self, business_id: str | None = None, client_id: str = CLIENT_ID,
                     scope: str = "full_access", realm_id: str | None = None) -> dict[str, Any]:
        with self.app.store.lock:
            business = self._business(business_id or realm_id)
            self._check_client(client_id)
            issued = tokens.issue(self._tree, client_id, business.id, self.app.clock.now(), scope)
            self._commit()
            return self._issued(issued, client_id, business_id=business.id)

    def approve_consent(self, client_id: str, redirect_uri: str, state: str, business_id: str | None = None,
                        realm_id: str | None = None, scope: str = "full_access") -> str:
        """The consent page's Allow, without a browser: the callback URL with code and state."""
        with self.app.store.lock:
            business = self._business(business_id or realm_id)
            self._check_client(client_id)
            url = oauth.approval_url(self._tree, client_id, redirect_uri, state, business.id, scope,
                                     self.app.clock.now())
            self._commit()
            return url

    def _check_client(self, client_id: str) -> None:
        try:
            tokens.check_client(self._tree, client_id)
        except tokens.OAuthError as exc:
            raise ControlError(f"unknown client_id {client_id!r}") from exc

    def expire_access_tokens(self) -> None:
        with self.app.store.lock:
            tokens.expire_access(self._tree, self.app.clock.now())
            self._commit()

    def revoke_tokens(self) -> None:
        with self.app.store.lock:
            tokens.revoke_all(self._tree)
            self._commit()

    def set_rate_limit(self, per_minute: int) -> None:
        if int(per_minute) < 1:
            raise ValueError("per_minute must be at least 1")
        self.app.limits.per_minute = int(per_minute)

    def set_tax_amount_required(self, required: bool, business_id: str | None = None) -> None:
        """False: a taxable line without tax_amount is booked with 0.0 tax (the older behaviour)."""
        with self.app.store.lock:
            self._business(business_id).settings()["tax_amount_required"] = bool(required)
            self._commit()

    def set_subscription(self, active: bool) -> None:
        """Inactive: every API call gets 401 AuthorizationFailure "No active subscription. (MSE)"."""
        with self.app.store.lock:
            self._tree["subscription_ended"] = not active
            self._commit()

    def calls_without_business(self) -> int:
        with self.app.store.lock:
            return int(self._tree.get("calls_without_business", 0))

    def _invoice(self, business: Business, invoice_id: str) -> dict[str, Any]:
        invoice = business.get("sales_invoices", str(invoice_id))
        if invoice is None:
            raise KeyError(f"no sales invoice {invoice_id} in {business.id}")
        return invoice

    def void_invoice(self, invoice_id: str, business_id: str | None = None,
                     void_reason: str = "Voided in Sage") -> dict[str, Any]:
        with self.app.store.lock:
            business = self._business(business_id)
            try:
                voided = invoices.void(business, self._invoice(business, invoice_id), void_reason,
                                       self.app.clock.now())
            except errors.SageError as exc:
                raise _refused(exc) from exc
            self._commit()
            return invoices.render(business, voided)

    def record_payment(self, invoice_id: str, amount: Decimal | str, business_id: str | None = None,
                       date: str | None = None, reference: str | None = None) -> dict[str, Any]:
        """A customer pays the invoice: a customer receipt into the bank account, allocated to it."""
        with self.app.store.lock:
            business = self._business(business_id)
            invoice = self._invoice(business, invoice_id)
            now = self.app.clock.now()
            bank = next(iter(business.table("bank_accounts")))
            body: dict[str, Any] = {
                "transaction_type_id": "CUSTOMER_RECEIPT", "contact_id": invoice["contact_id"],
                "bank_account_id": bank, "date": date or now.date().isoformat(), "total_amount": str(amount),
                "allocated_artefacts": [{"artefact_id": invoice["id"], "amount": str(amount)}]}
            if reference:
                body["reference"] = reference
            try:
                payment = payments.create(business, body, now)
            except errors.SageError as exc:
                raise _refused(exc) from exc
            self._commit()
            return payments.render(business, payment)

    # ---- read helpers for tests: the stored records, deleted and void ones included ----
    def contacts(self, business_id: str | None = None) -> list[dict[str, Any]]:
        with self.app.store.lock:
            return copy.deepcopy(list(self._business(business_id).table("contacts").values()))

    def invoices(self, business_id: str | None = None) -> list[dict[str, Any]]:
        with self.app.store.lock:
            return copy.deepcopy(list(self._business(business_id).table("sales_invoices").values()))

    def payments(self, business_id: str | None = None) -> list[dict[str, Any]]:
        with self.app.store.lock:
            return copy.deepcopy(list(self._business(business_id).table("contact_payments").values()))

    def business(self, business_id: str | None = None) -> Business:
        return self._business(business_id)
