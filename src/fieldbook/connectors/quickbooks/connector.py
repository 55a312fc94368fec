"""The QuickBooks Online connector, registered as "quickbooks".

Reads go through reads.py, batch rendering and result parsing through writes.py; this class holds
the connection's state (tokens, limiter, the company's rules, the remembered batch size).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal

import httpx

from fieldbook.connectors.base import (
    Attempt,
    ConnectionSettings,
    Connector,
    Found,
    RecordKind,
    Request,
    SendOutcome,
    Step,
    TokenStore,
    register,
)
from fieldbook.connectors.errors import Permanent
from fieldbook.connectors.limiter import Backoff, BudgetStore, Limiter, limits_from_options
from fieldbook.connectors.oauth import OAuthSession
from fieldbook.connectors.quickbooks import reads, writes
from fieldbook.connectors.quickbooks.api import QboApi, endpoints_for
from fieldbook.connectors.quickbooks.mapping import InvoiceContext, predict_totals
from fieldbook.connectors.quickbooks.profile import PROFILE
from fieldbook.connectors.records import (
    CompanyInfo,
    CustomerRecord,
    InvoiceRecord,
    ReadResult,
    ReferenceData,
    Totals,
)
from fieldbook.core.clock import Clock

DEFAULT_BATCH_SIZE = PROFILE.batch_size
RUN_CONCURRENCY = PROFILE.concurrency - 2


def budget_key(settings: ConnectionSettings) -> str:
    """§9: the limits are per realm (and realm+app; one deployment is one app), so every
    connector for one company, in any process, spends from one budget. Keyed by the connection
    (one company per connection), which is known before Connect learns the realm id: the calls
    Connect makes count too."""
    return f"quickbooks:connection-{settings.connection_id}"


def shared_limiter(settings: ConnectionSettings, clock: Clock, budget: BudgetStore | None = None,
                   patience: float | None = None) -> Limiter:  # fmt: skip
    """A limiter over the company's shared budget. Without a store (pure tests, benches) the
    budget is this connector's own."""
    in_flight = int(settings.options.get("max_in_flight", PROFILE.concurrency))
    return Limiter(limits_from_options(PROFILE.limits, settings.options), clock, budget, budget_key(settings),
                   concurrency=in_flight, patience=patience, ledger="QuickBooks")  # fmt: skip


@register
class QuickBooksConnector(Connector):
    profile = PROFILE
    name = PROFILE.key
    label = PROFILE.label

    def __init__(
        self,
        settings: ConnectionSettings,
        tokens: TokenStore,
        client: httpx.Client,
        clock: Clock,
        on_attempt: Callable[[Attempt], None] | None = None,
        *,
        budget: BudgetStore | None = None,
        patience: float | None = None,
        company: CompanyInfo | None = None,
    ) -> None:
        super().__init__(settings, tokens, client, clock, on_attempt, budget=budget, patience=patience,
                         company=company)  # fmt: skip
        self.session = OAuthSession(settings, endpoints_for(settings), self.tokens, client, clock,
                                    dialect=PROFILE.oauth)  # fmt: skip
        self.limiter = shared_limiter(settings, clock, budget, patience)
        # A run sends up to this many requests at once; the rest of the company's slots are left
        # for the pages (which never wait for one).
        self.max_concurrency = max(1, int(settings.options.get("concurrency", RUN_CONCURRENCY)))
        self.api = QboApi(settings, self.session, client, clock, self.limiter,
                          Backoff.from_options(settings.options), self._report)
        self.batch_size = int(settings.options.get("batch_size", DEFAULT_BATCH_SIZE))
        # What Connect read (stored on the Connection): no need to ask again on every run.
        self._company: CompanyInfo | None = company
        self._rates: dict[str, tuple[tuple[str, Decimal], ...]] | None = None

    def _report(self, attempt: Attempt) -> None:
        if self.on_attempt is not None:
            self.on_attempt(attempt)

    # --- reads -----------------------------------------------------------------------------------

    def company_info(self) -> CompanyInfo:
        if self._company is None:
            self._company = reads.company_info(self.api)
        return self._company

    def reference_data(self) -> ReferenceData:
        return reads.reference_data(self.api)

    def customers(self, since: datetime | None = None) -> ReadResult[CustomerRecord]:
        return reads.customers(self.api, since, self._full_scan(since))

    def invoices(self, since: datetime | None = None) -> ReadResult[InvoiceRecord]:
        return reads.invoices(self.api, since, self._full_scan(since), self._tax_names())

    def read(self, kind: RecordKind, ledger_id: str) -> CustomerRecord | InvoiceRecord:
        return reads.read_one(self.api, kind, ledger_id, self._tax_names())

    def _full_scan(self, since: datetime | None) -> bool:
        # §7: CDC only looks back 30 days; an hour's margin for clock skew with the server.
        return since is None or since < self.clock.now() - timedelta(days=30) + timedelta(hours=1)

    def _tax_names(self) -> dict[str, str]:
        return {ledger: ours for ours, ledger in self.settings.mapping.tax_codes.items()}

    # --- writes ----------------------------------------------------------------------------------

    def context(self, with_rates: bool = True) -> InvoiceContext:
        """The invoice rules. `with_rates` reads the company's tax rates (once per connector):
        sending our VAT per rate needs their ids; Compare's prediction does not."""
        company = self.company_info()
        mapping = self.settings.mapping
        items = self.settings.options.get("items") or {}
        us = company.country == "US"
        return InvoiceContext(
            custom_numbers=company.custom_numbers,
            us_tax=us,
            tax_codes=dict(mapping.tax_codes),
            items=dict(items) if isinstance(items, dict) else {},
            default_item=mapping.default_item,
            terms=mapping.payment_terms,
            tax_rates=self._tax_rates() if with_rates and not us else {},
        )

    def _tax_rates(self) -> dict[str, tuple[tuple[str, Decimal], ...]]:
        if self._rates is None and self._company is not None and self._company.tax_rates:
            self._rates = dict(self._company.tax_rates)  # as read at Connect (or Refresh from ledger)
        if self._rates is None:
            percent = {str(r["Id"]): Decimal(str(r.get("RateValue", 0))) for r in self.api.query_all("TaxRate")[0]}
            rates: dict[str, tuple[tuple[str, Decimal], ...]] = {}
            for code in self.api.query_all("TaxCode")[0]:
                details = (code.get("SalesTaxRateList") or {}).get("TaxRateDetail") or []
                ids = [str((d.get("TaxRateRef") or {}).get("value", "")) for d in details]
                rates[str(code["Id"])] = tuple((i, percent[i]) for i in ids if i in percent)
            self._rates = rates
        return self._rates

    def prepare(self, steps: Sequence[Step]) -> list[Request]:
        return writes.prepare(self.settings, self.context(), steps, self.batch_size)

    def send(self, request: Request) -> SendOutcome:
        outcome, smaller = writes.send(self.api, request)
        if smaller is not None and smaller < self.batch_size:
            self.batch_size = smaller  # remembered for every later prepare (1040, §6)
        return outcome

    def lookup(self, step: Step) -> Found | None:
        company = self.company_info()
        return reads.lookup(self.api, self.settings, step, company.custom_numbers, self._tax_names())

    def predict_totals(self, invoice: InvoiceRecord) -> Totals | None:
        """Compare's view of the invoice in QuickBooks, and why it cannot go as it stands. Reads
        nothing beyond the company's rules (the tax rates are checked when it is sent)."""
        ctx = self.context(with_rates=False)
        reason = writes.refusal(invoice, ctx)
        problem = " ".join(writes.refusal_text(reason)[:2]) if reason else ""
        if ctx.us_tax:
            # §4: automated sales tax overrides what we send; the ledger computes it.
            return Totals(invoice.net_total, invoice.tax_total, invoice.total, problem=problem) if problem else None
        return replace(predict_totals(invoice, ctx), problem=problem)

    # --- tokens ----------------------------------------------------------------------------------

    def authorization_url(self, state: str | None = None) -> tuple[str, str]:
        return self.session.authorization_url(state)

    def connect(self, callback_url: str, state: str) -> CompanyInfo:
        """Finish Connect: exchange the code (QBO adds realmId to the callback), read the company."""
        tokens = self.session.exchange_code(callback_url, state)
        if not self.settings.company_id:
            self.settings = replace(self.settings, company_id=tokens.company_id)
            self.api.settings = self.settings
        self._company = None
        company = self.company_info()
        if self.settings.home_currency and company.home_currency != self.settings.home_currency:
            # DESIGN "Money, tax and time": Connect refuses a home-currency mismatch.
            raise Permanent(
                f"This QuickBooks company keeps its books in {company.home_currency}, "
                f"not {self.settings.home_currency}.",
                code="currency_mismatch", field="HomeCurrency",
                fix="Connect the QuickBooks company that uses your organisation's currency.",
            )
        return company

    def keep_alive(self) -> bool:
        self.session.refresh()
        return True

    def disconnect(self) -> bool:
        return self.session.revoke()
