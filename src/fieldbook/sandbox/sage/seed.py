"""A seeded business: UK, GBP, the UK VAT rates and the default UK chart's sales accounts.

Tax rate ids are those seen in public code (ref §6, UNCONFIRMED as a fixed list); nominal codes
4000 sales, 1100 debtors control, 2200 VAT on sales, 1200 bank (ref §16, Sage's UK defaults).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from fieldbook.sandbox.sage.model import Business, ref, stamp

# id, name, percentage, kind: only "standard" and "lower" are taxable (a line needs tax_amount).
UK_TAX_RATES = (("GB_STANDARD", "Standard", Decimal("20.00"), "standard"),
                ("GB_LOWER", "Lower", Decimal("5.00"), "lower"),
                ("GB_ZERO", "Zero", Decimal("0.00"), "zero"),
                ("GB_EXEMPT", "Exempt", Decimal("0.00"), "exempt"),
                ("GB_NO_TAX", "No Tax", Decimal("0.00"), "no_tax"))
NON_TAXABLE = frozenset({"zero", "exempt", "no_tax"})
CURRENCIES = (("GBP", "Pound Sterling"), ("EUR", "Euro"), ("USD", "US Dollar"))
# nominal code, name, type id, type name, default tax rate, visible in sales, control account
UK_LEDGER = ((4000, "Sales Type A", "SALES", "Sales", "GB_STANDARD", True, False),
             (4010, "Sales Type B", "SALES", "Sales", "GB_STANDARD", True, False),
             (4900, "Other Income", "OTHER_INCOME", "Other Income", "GB_NO_TAX", True, False),
             (1100, "Debtors Control", "CURRENT_ASSETS", "Current Assets", None, False, True),
             (1200, "Current", "BANK", "Bank", None, False, False),
             (2200, "Sales Tax Control Account", "CURRENT_LIABILITY", "Current Liabilities", None, False, True))


def new_business_tree(business_id: str, name: str, now: datetime) -> dict[str, Any]:
    at = stamp(now)
    tree: dict[str, Any] = {"id": business_id, "name": name, "country": "GB", "currency": "GBP",
                            "created_at": at, "updated_at": at, "tables": {}, "seq": 0,
                            "next_invoice_number": 1, "idempotency": {},
                            "settings": {"tax_amount_required": True}}
    business = Business(tree)
    for code, label in CURRENCIES:
        business.insert("currencies", {"id": code, "displayed_as": f"{label} ({code})"}, now)
    for key, label, percentage, kind in UK_TAX_RATES:
        business.insert("tax_rates", {
            "id": key, "displayed_as": f"{label} {percentage}%", "name": label, "percentage": percentage,
            "percentages": [{"percentage": percentage, "from_date": "2011-01-04", "to_date": None}],
            "is_visible": True, "retailer": False, "editable": False, "deletable": False,
            "is_combined_rate": False, "_kind": kind}, now)
    rates = business.table("tax_rates")
    for nominal, label, type_id, type_name, rate, sales, control in UK_LEDGER:
        account = business.insert("ledger_accounts", {
            "displayed_as": f"{label} ({nominal})", "name": label, "display_name": label, "nominal_code": nominal,
            "ledger_account_type": {"id": type_id, "displayed_as": type_name,
                                    "$path": f"/ledger_account_types/{type_id}"},
            "included_in_chart": True, "visible_scopes": ["sales"] if sales else ["journals", "reporting"],
            "visible_in_sales": sales, "visible_in_banking": type_id == "BANK", "visible_in_expenses": False,
            "visible_in_journals": True, "visible_in_other_payments": False,
            "visible_in_other_receipts": type_id == "OTHER_INCOME", "visible_in_reporting": True,
            "is_control_account": control, "fixed_tax_rate": False,
            "tax_rate": ref("tax_rates", rate, rates[rate]["displayed_as"]) if rate else None}, now)
        if type_id == "BANK":
            business.insert("bank_accounts", {"displayed_as": f"{label} ({nominal})", "_ledger": account["id"]},
                            now)
    tree["financial_settings"] = {
        "$path": "/financial_settings", "year_end_date": "2027-03-31", "accounting_type": "accrual",
        "accounts_start_date": "2026-04-01", "base_currency": ref("currencies", "GBP", "Pound Sterling (GBP)"),
        "multi_currency_enabled": False, "use_live_exchange_rates": False, "mtd_activation_status": "active",
        "mtd_connected": True, "tax_number": "GB123456789", "sales_tax_calculation": "invoice",
        "purchase_tax_calculation": "invoice", "updated_at": at}
    return tree


def sales_ledger_id(business: Business) -> str:
    """The 4000 sales account's id (helpers, the books page)."""
    for account in business.table("ledger_accounts").values():
        if account["nominal_code"] == 4000:
            return str(account["id"])
    raise KeyError("no 4000 sales ledger account")
