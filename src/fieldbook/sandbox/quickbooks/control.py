"""The QBO sandbox's control API: seed companies, issue tokens, approve consent, change the books.

Used directly by in-process tests and through `/control/quickbooks/<action>` when served.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any

from fieldbook.sandbox.common.control import LedgerControl
from fieldbook.sandbox.quickbooks import books, errors, names, oauth, tokens, transactions
from fieldbook.sandbox.quickbooks.api import QuickBooksApp
from fieldbook.sandbox.quickbooks.model import NAME_ENTITIES, Company, ControlError
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
    "register_app", "seed_records", "add_customer", "change_customer", "default_realm",
})


class _BulkView(Company):
    """The company as the API's create functions see it during `seed_records`: the same tree, but
    the name and invoice lists they scan look empty. Those scans (unique DisplayName, unique
    DocNumber, the customer's open balance) cost O(n) per record; the bulk load does each once."""

    def live(self, entity: str) -> list[dict[str, Any]]:
        return [] if entity in (*NAME_ENTITIES, "Invoice") else super().live(entity)


class QuickBooksControl(LedgerControl[QuickBooksApp]):
    token_store = tokens.STORE

    def __init__(self, app: QuickBooksApp) -> None:
        super().__init__(app)
        app.books_pages = lambda req, sub: books.handle(self, req, sub)

    def _company(self, realm_id: str) -> Company:
        company = self.app.company(str(realm_id))
        if company is None:
            raise KeyError(f"no QuickBooks company {realm_id}")
        return company

    @property
    def default_realm(self) -> str:
        return self._default("default_realm", lambda: self.seed_company(name=DEFAULT_COMPANY_NAME))

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

    def issue_tokens(self, realm_id: str | None = None, client_id: str = CLIENT_ID) -> dict[str, Any]:
        with self.app.store.lock:
            realm = str(realm_id or self.default_realm)
            self._company(realm)
            tokens.check_client(self._tree, client_id)
            issued = tokens.issue(self._tree, client_id, realm, self.app.clock.now())
            self._commit()
            return self._issued(issued, client_id, realm_id=realm)

    def approve_consent(self, client_id: str, redirect_uri: str, state: str, realm_id: str | None = None,
                        scope: str = tokens.ACCOUNTING_SCOPE, company: str | None = None) -> str:
        """`company`: the generic name every ledger's sandbox takes for the company (here the realm id)."""
        realm = str(realm_id or company or self.default_realm)
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

    def add_customer(self, realm_id: str, display_name: str, email: str | None = None,
                     phone: str | None = None, company_name: str | None = None) -> dict[str, Any]:
        """A customer made in the ledger itself, as POST /customer makes it (one not from Fieldbook)."""
        body: dict[str, Any] = {"DisplayName": display_name}
        body.update(_contact_fields(email, phone, company_name))
        with self.app.store.lock:
            company = self._company(str(realm_id))
            return self._saved(lambda: names.create(company, "Customer", body, self.app.clock.now()))

    def change_customer(self, realm_id: str, customer_id: str, display_name: str | None = None,
                        email: str | None = None, phone: str | None = None, company_name: str | None = None,
                        active: bool | None = None) -> dict[str, Any]:
        """A sparse update as a ledger user's edit makes it (SyncToken and LastUpdatedTime move, CDC
        sees it). None leaves a field as it is; "" clears email, phone or company name."""
        with self.app.store.lock:
            company = self._company(str(realm_id))
            current = company.get("Customer", str(customer_id))
            if current is None:
                raise KeyError(f"no customer {customer_id} in {realm_id}")
            body: dict[str, Any] = {"Id": current["Id"], "SyncToken": current["SyncToken"], "sparse": True}
            if display_name is not None:
                body["DisplayName"] = display_name
            body.update(_contact_fields(email, phone, company_name))
            if active is not None:
                body["Active"] = bool(active)
            return self._saved(lambda: names.update(company, "Customer", body, self.app.clock.now()))

    def _saved(self, write: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        """The record `write` makes, saved (under the caller's lock); a refusal is a ControlError."""
        try:
            record = write()
        except errors.QboError as exc:
            raise ControlError(exc.errors[0].detail or exc.errors[0].message) from exc
        self._commit()
        return copy.deepcopy(record)

    def seed_records(self, realm_id: str, customers: list[dict[str, Any]] | None = None,
                     invoices: list[dict[str, Any]] | None = None,
                     created_at: str | None = None) -> dict[str, list[str]]:
        """Load many customers, then invoices, at once (benchmarks): each body is checked and
        computed by the same create functions as POST /customer and /invoice; all or nothing;
        one write of the state file. `created_at` (ISO with a zone, not in the future) back-dates
        MetaData, as books that existed before. Returns the new ids in the order given."""
        with self.app.store.lock:
            company = self._company(str(realm_id))
            now = self.app.clock.now()
            at = datetime.fromisoformat(created_at) if created_at else now
            if at.tzinfo is None or at > now:
                raise ValueError("created_at must be an ISO time with a zone, not in the future")
            view = _BulkView(company.tree)
            saved = (copy.deepcopy(company.tree.get("next_ids", {})), company.tree.get("last_doc_number"))
            made: list[tuple[str, str]] = []
            touched: set[str] = set()
            try:
                ids = {"customers": _seed_customers(company, view, customers or [], at, made),
                       "invoices": _seed_invoices(company, view, invoices or [], at, made, touched)}
            except BaseException:
                for entity, object_id in made:
                    company.table(entity).pop(object_id, None)
                company.tree["next_ids"], company.tree["last_doc_number"] = saved
                raise
            finally:
                _refresh_balances(company, touched)
            self._commit()
            return ids

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



def _contact_fields(email: str | None, phone: str | None, company_name: str | None) -> dict[str, Any]:
    """The QBO shapes of the contact fields given (None: not given; "": cleared by a sparse update)."""
    out: dict[str, Any] = {}
    if email is not None:
        out["PrimaryEmailAddr"] = {"Address": email.strip()} if email.strip() else ""
    if phone is not None:
        out["PrimaryPhone"] = {"FreeFormNumber": phone.strip()} if phone.strip() else ""
    if company_name is not None:
        out["CompanyName"] = company_name.strip()
    return out


def _seed_customers(company: Company, view: Company, bodies: list[dict[str, Any]], at: datetime,
                    made: list[tuple[str, str]]) -> list[str]:
    taken = {str(obj.get("DisplayName", "")).casefold() for entity in NAME_ENTITIES for obj in company.live(entity)}
    out = []
    for n, body in enumerate(bodies):
        try:
            obj = names.create(view, "Customer", body, at)
        except errors.QboError as exc:
            raise ControlError(f"customers[{n}]: {exc.errors[0].detail}") from exc
        made.append(("Customer", obj["Id"]))
        key = str(obj["DisplayName"]).casefold()
        if key in taken:  # ref §3: unique across names, ignoring case (as names._check_unique)
            raise ControlError(f"customers[{n}]: the name {obj['DisplayName']!r} is already used")
        taken.add(key)
        out.append(obj["Id"])
    return out


def _seed_invoices(company: Company, view: Company, bodies: list[dict[str, Any]], at: datetime,
                   made: list[tuple[str, str]], touched: set[str]) -> list[str]:
    numbers = {str(invoice.get("DocNumber")) for invoice in company.live("Invoice")}
    out = []
    for n, body in enumerate(bodies):
        customer = body.get("CustomerRef") if isinstance(body, dict) else None
        if isinstance(customer, dict):
            touched.add(str(customer.get("value")))
        try:
            obj = transactions.create_invoice(view, body, at, False)
        except errors.QboError as exc:
            raise ControlError(f"invoices[{n}]: {exc.errors[0].detail}") from exc
        made.append(("Invoice", obj["Id"]))
        if str(obj["DocNumber"]) in numbers:  # as invoices._doc_number without allowduplicatedocnum
            raise ControlError(f"invoices[{n}]: DocNumber {obj['DocNumber']} is already used")
        numbers.add(str(obj["DocNumber"]))
        out.append(obj["Id"])
    return out


def _refresh_balances(company: Company, customer_ids: set[str]) -> None:
    """`invoices.refresh_customer_balance` for many customers in one pass over the invoices."""
    if not customer_ids:
        return
    open_totals = dict.fromkeys(customer_ids, Decimal("0"))
    for invoice in company.live("Invoice"):
        customer_id = str(invoice.get("CustomerRef", {}).get("value"))
        if customer_id in open_totals:
            open_totals[customer_id] += Decimal(str(invoice.get("Balance", "0")))
    for customer_id, open_total in open_totals.items():
        customer = company.get("Customer", customer_id, include_deleted=True)
        if customer is not None:
            balance = Decimal(str(customer.get("_opening_balance", "0"))) + open_total
            customer["Balance"] = balance
            customer["BalanceWithJobs"] = balance
