"""The QBO sandbox's control API: seed companies, issue tokens, approve consent, change the books.

Used directly by in-process tests and through `/control/quickbooks/<action>` when served.
"""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

from fieldbook.sandbox.quickbooks import errors, oauth, tokens, transactions
from fieldbook.sandbox.quickbooks.api import QuickBooksApp
from fieldbook.sandbox.quickbooks.model import Company
from fieldbook.sandbox.quickbooks.seed import new_company_tree

REALM_BASE = 9341450000000000
DEFAULT_COMPANY_NAME = "Harbour Heating Ltd (sandbox)"
US_COMPANY_NAME = "Bayside Plumbing Inc (sandbox)"
CLIENT_ID = tokens.DEFAULT_CLIENT_ID
CLIENT_SECRET = tokens.DEFAULT_CLIENT_SECRET

# Actions callable through the HTTP control endpoint (name -> takes JSON kwargs).
HTTP_ACTIONS = frozenset({
    "seed_company", "issue_tokens", "approve_consent", "void_invoice", "record_payment", "delete_invoice",
    "expire_access_tokens", "revoke_tokens", "set_preferences", "customers", "invoices", "companies",
    "register_app",
})


class ControlError(ValueError):
    """A control call that the books refuse (e.g. paying more than the balance)."""


class QuickBooksControl:
    def __init__(self, app: QuickBooksApp) -> None:
        self.app = app

    @property
    def _tree(self) -> dict[str, Any]:
        return self.app.tree

    def _company(self, realm_id: str) -> Company:
        company = self.app.company(str(realm_id))
        if company is None:
            raise KeyError(f"no QuickBooks company {realm_id}")
        return company

    def _commit(self) -> None:
        self.app.store.save()

    @property
    def default_realm(self) -> str:
        with self.app.store.lock:
            if not self._tree.get("default_realm"):
                self._tree["default_realm"] = self.seed_company(name=DEFAULT_COMPANY_NAME)
            return str(self._tree["default_realm"])

    def companies(self) -> list[dict[str, str]]:
        with self.app.store.lock:
            return [{"realm_id": realm, "name": name} for realm, name in self.app.companies()]

    def seed_company(self, country: str = "GB", custom_txn_numbers: bool = True, name: str | None = None,
                     us_tax_rate: Decimal | str = Decimal("8.25"), tax_rounding: str = "total") -> str:
        if tax_rounding not in ("total", "line"):
            raise ValueError("tax_rounding is 'total' or 'line'")
        with self.app.store.lock:
            seq = int(self._tree.get("realm_seq", 0)) + 1
            self._tree["realm_seq"] = seq
            realm_id = str(REALM_BASE + seq)
            default_name = US_COMPANY_NAME if country == "US" else DEFAULT_COMPANY_NAME
            tree = new_company_tree(realm_id, country, name or default_name, custom_txn_numbers,
                                    Decimal(str(us_tax_rate)), self.app.clock.now())
            tree["tax_rounding"] = tax_rounding
            self._tree.setdefault("companies", {})[realm_id] = tree
            self._commit()
            return realm_id

    def register_app(self, client_id: str, client_secret: str) -> None:
        with self.app.store.lock:
            tokens.register_app(self._tree, client_id, client_secret)
            self._commit()

    def issue_tokens(self, realm_id: str | None = None, client_id: str = CLIENT_ID) -> dict[str, Any]:
        realm = str(realm_id or self.default_realm)
        with self.app.store.lock:
            self._company(realm)
            tokens.check_client(self._tree, client_id)
            issued = tokens.issue(self._tree, client_id, realm, self.app.clock.now())
            self._commit()
        secret = tokens.state(self._tree)["apps"][client_id]["secret"]
        return {**issued, "realm_id": realm, "client_id": client_id, "client_secret": secret}

    def approve_consent(self, client_id: str, redirect_uri: str, state: str, realm_id: str | None = None,
                        scope: str = tokens.ACCOUNTING_SCOPE) -> str:
        realm = str(realm_id or self.default_realm)
        with self.app.store.lock:
            self._company(realm)
            url = oauth.approval_url(self._tree, client_id, redirect_uri, state, realm, scope,
                                     self.app.clock.now())
            self._commit()
            return url

    def expire_access_tokens(self, realm_id: str) -> None:
        with self.app.store.lock:
            tokens.expire_access(self._tree, str(realm_id), self.app.clock.now())
            self._commit()

    def revoke_tokens(self, realm_id: str) -> None:
        with self.app.store.lock:
            tokens.revoke_realm(self._tree, str(realm_id))
            self._commit()

    def set_preferences(self, realm_id: str, custom_txn_numbers: bool | None = None,
                        tax_rounding: str | None = None) -> None:
        with self.app.store.lock:
            company = self._company(realm_id)
            if custom_txn_numbers is not None:
                company.preferences["SalesFormsPrefs"]["CustomTxnNumbers"] = bool(custom_txn_numbers)
                company.touch(company.preferences, self.app.clock.now())
            if tax_rounding is not None:
                if tax_rounding not in ("total", "line"):
                    raise ValueError("tax_rounding is 'total' or 'line'")
                company.tree["tax_rounding"] = tax_rounding
            self._commit()

    def _invoice(self, company: Company, invoice_id: str) -> dict[str, Any]:
        invoice = company.get("Invoice", str(invoice_id))
        if invoice is None:
            raise KeyError(f"no invoice {invoice_id} in {company.realm_id}")
        return invoice

    def void_invoice(self, realm_id: str, invoice_id: str) -> dict[str, Any]:
        with self.app.store.lock:
            company = self._company(realm_id)
            try:
                voided = transactions.void_stored(company, self._invoice(company, invoice_id),
                                                  self.app.clock.now())
            except errors.QboError as exc:
                raise ControlError(exc.errors[0].detail) from exc
            self._commit()
            return copy.deepcopy(voided)

    def delete_invoice(self, realm_id: str, invoice_id: str) -> None:
        with self.app.store.lock:
            company = self._company(realm_id)
            try:
                transactions.delete_stored(company, self._invoice(company, invoice_id), self.app.clock.now())
            except errors.QboError as exc:
                raise ControlError(exc.errors[0].detail) from exc
            self._commit()

    def record_payment(self, realm_id: str, invoice_id: str, amount: Decimal | str) -> dict[str, Any]:
        """A customer pays: a Payment linked to the invoice, whose Balance drops (fully paid = locked)."""
        with self.app.store.lock:
            company = self._company(realm_id)
            try:
                payment = transactions.apply_payment(company, self._invoice(company, invoice_id),
                                                     Decimal(str(amount)), self.app.clock.now())
            except errors.QboError as exc:
                raise ControlError(exc.errors[0].detail) from exc
            self._commit()
            return copy.deepcopy(payment)

    # ---- read helpers for tests: the stored objects, "_status" = "Deleted" | "Voided" included ----
    def customers(self, realm_id: str | None = None) -> list[dict[str, Any]]:
        with self.app.store.lock:
            company = self._company(str(realm_id or self.default_realm))
            return copy.deepcopy(list(company.table("Customer").values()))

    def invoices(self, realm_id: str | None = None) -> list[dict[str, Any]]:
        with self.app.store.lock:
            company = self._company(str(realm_id or self.default_realm))
            return copy.deepcopy(list(company.table("Invoice").values()))

    def company(self, realm_id: str | None = None) -> Company:
        return self._company(str(realm_id or self.default_realm))
