"""A new Xero organisation's books: UK, GBP, UK VAT rates, a small chart of accounts and items.

The tax types are Xero UK's codes (OAS `TaxType`): OUTPUT2 20 %, RROUTPUT 5 %, ZERORATEDOUTPUT,
EXEMPTOUTPUT, NONE (no VAT), INPUT2 (purchases only, refused on sales invoices).
"""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

TAX_RATES: tuple[tuple[str, str, str, str, bool], ...] = (
    # (Name, TaxType, rate %, ReportTaxType, CanApplyToRevenue)
    ("20% (VAT on Income)", "OUTPUT2", "20", "OUTPUT", True),
    ("5% (VAT on Income)", "RROUTPUT", "5", "OUTPUT", True),
    ("Zero Rated Income", "ZERORATEDOUTPUT", "0", "OUTPUT", True),
    ("Exempt Income", "EXEMPTOUTPUT", "0", "EXEMPTOUTPUT", True),
    ("No VAT", "NONE", "0", "NONE", True),
    ("20% (VAT on Expenses)", "INPUT2", "20", "INPUT", False),
)
ACCOUNTS: tuple[tuple[str, str, str, str, str, str], ...] = (
    # (Code, Name, Type, Class, TaxType, SystemAccount)
    ("090", "Business Bank Account", "BANK", "ASSET", "NONE", ""),
    ("200", "Sales", "REVENUE", "REVENUE", "OUTPUT2", ""),
    ("260", "Other Revenue", "REVENUE", "REVENUE", "OUTPUT2", ""),
    ("310", "Cost of Goods Sold", "DIRECTCOSTS", "EXPENSE", "INPUT2", ""),
    ("610", "Accounts Receivable", "CURRENT", "ASSET", "NONE", "DEBTORS"),
    ("820", "VAT", "CURRLIAB", "LIABILITY", "NONE", "GST"),
)
ITEMS: tuple[tuple[str, str, str], ...] = (
    ("BOILER-SVC", "Boiler service", "95.00"),
    ("CALLOUT", "Call-out charge", "45.00"),
)


def new_org_tree(tenant_id: str, name: str, now: datetime) -> dict[str, Any]:
    tax_rates = [{"Name": n, "TaxType": t, "TaxComponents": [{"Name": "VAT", "Rate": Decimal(r),
                                                             "IsCompound": False, "IsNonRecoverable": False}],
                  "Status": "ACTIVE", "ReportTaxType": report, "CanApplyToAssets": True, "CanApplyToEquity": True,
                  "CanApplyToExpenses": not revenue or t == "NONE", "CanApplyToLiabilities": True,
                  "CanApplyToRevenue": revenue, "DisplayTaxRate": Decimal(r), "EffectiveRate": Decimal(r)}
                 for n, t, r, report, revenue in TAX_RATES]
    accounts = [{"AccountID": str(uuid.uuid4()), "Code": code, "Name": label, "Status": "ACTIVE", "Type": kind,
                 "TaxType": tax, "Class": klass, "SystemAccount": system, "EnablePaymentsToAccount": kind == "BANK",
                 "ShowInExpenseClaims": False, "BankAccountType": "BANK" if kind == "BANK" else "",
                 "ReportingCode": "", "HasAttachments": False, "AddToWatchlist": False, "_updated": now}
                for code, label, kind, klass, tax, system in ACCOUNTS]
    items = {}
    for code, label, price in ITEMS:
        item_id = str(uuid.uuid4())
        items[item_id] = {"ItemID": item_id, "Code": code, "Name": label, "Description": label, "IsSold": True,
                          "IsPurchased": False, "IsTrackedAsInventory": False,
                          "SalesDetails": {"UnitPrice": Decimal(price), "AccountCode": "200", "TaxType": "OUTPUT2"},
                          "_updated": now}
    organisation = {
        "OrganisationID": tenant_id, "APIKey": secrets.token_hex(15).upper(), "Name": name, "LegalName": name,
        "PaysTax": True, "Version": "UK", "OrganisationType": "COMPANY", "BaseCurrency": "GBP", "CountryCode": "GB",
        "IsDemoCompany": False, "OrganisationStatus": "ACTIVE", "FinancialYearEndDay": 31,
        "FinancialYearEndMonth": 3, "SalesTaxBasis": "ACCRUALS", "SalesTaxPeriod": "QUARTERLY1",
        "DefaultSalesTax": "Tax Exclusive", "DefaultPurchasesTax": "Tax Exclusive", "Timezone": "GMTSTANDARDTIME",
        "OrganisationEntityType": "COMPANY", "ShortCode": f"!{secrets.token_hex(2)}", "Class": "STANDARD",
        "Edition": "BUSINESS", "_created": now,
    }
    return {"tenant_id": tenant_id, "name": name, "organisation": organisation, "tax_rates": tax_rates,
            "accounts": accounts, "items": items, "contacts": {}, "invoices": {}, "payments": {},
            "invoice_seq": 0, "idempotency": {}}
