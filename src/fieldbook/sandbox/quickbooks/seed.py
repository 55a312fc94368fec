"""Seed companies: a UK company by default (GBP, VAT 20 / 5 / 0 %), a US company on request.

US companies use automated sales tax (ref §4: companies created after 10 Nov 2017; detect via
Preferences.TaxPrefs.PartnerTaxEnabled) with one fixed state rate, 8.25 % by default.
Vendors and Employees are seeded so a Customer named like one of them gets 6240 (ref §3).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from fieldbook.sandbox.quickbooks.model import Company

# A UK company's sales VAT codes: zero-rated (Z) is taxable at 0 %; Exempt and No VAT (outside
# the scope of VAT) are different codes at 0 %, and a VAT return keeps them apart.
UK_VAT = (("20.0% S", Decimal("20"), "Standard rate"), ("5.0% R", Decimal("5"), "Reduced rate"),
          ("0.0% Z", Decimal("0"), "Zero-rated"), ("Exempt", Decimal("0"), "Exempt from VAT"),
          ("No VAT", Decimal("0"), "Outside the scope of VAT"))
SEEDED_VENDOR = "Northwind Plumbing Supplies"
SEEDED_EMPLOYEE = "Alex Morgan"


def new_company_tree(realm_id: str, country: str, name: str, custom_txn_numbers: bool,
                     us_tax_rate: Decimal, now: datetime) -> dict[str, Any]:
    if country not in ("GB", "US"):
        raise ValueError("country must be 'GB' or 'US'")
    us = country == "US"
    tree: dict[str, Any] = {
        "realm_id": realm_id,
        "country": country,
        "name": name,
        "timezone": "America/New_York" if us else "Europe/London",
        "tax_rounding": "total",
        "entities": {},
        "next_ids": {},
        "requestids": {},
    }
    company = Company(tree)
    _info_and_prefs(company, country, name, custom_txn_numbers, now)
    accounts = _accounts(company, now)
    _items(company, accounts, now)
    _terms(company, now)
    if us:
        _us_tax(company, us_tax_rate, now)
    else:
        _uk_tax(company, now)
    _names(company, now)
    return tree


def _add(company: Company, entity: str, obj: dict[str, Any], now: datetime) -> dict[str, Any]:
    return company.insert(entity, obj, now)


def _info_and_prefs(company: Company, country: str, name: str, custom: bool, now: datetime) -> None:
    us = country == "US"
    address: dict[str, Any] = (
        {"Line1": "100 Market Street", "City": "San Francisco", "CountrySubDivisionCode": "CA",
         "PostalCode": "94105", "Country": "US"} if us else
        # The default UK company has no CountrySubDivisionCode (issue: "CountrySubDivision none").
        {"Line1": "12 Harbour Road", "City": "Bristol", "PostalCode": "BS1 5TY", "Country": "GB"})
    info = {
        "CompanyName": name, "LegalName": name, "Country": country,
        "CompanyAddr": dict(address), "LegalAddr": dict(address), "CustomerCommunicationAddr": dict(address),
        "CompanyStartDate": now.date().isoformat(),
        "FiscalYearStartMonth": "January" if us else "April",
        "SupportedLanguages": "en",
        "DefaultTimeZone": "America/New_York" if us else "Europe/London",
        "Email": {"Address": "books@example.test"},
        "NameValue": [{"Name": "OfferingSku", "Value": "QuickBooks Online Plus"}],
    }
    _add(company, "CompanyInfo", info, now)
    tax_prefs: dict[str, Any] = {"UsingSalesTax": True}
    if us:
        tax_prefs["PartnerTaxEnabled"] = True  # ref §4: automated sales tax
    prefs = {
        "AccountingInfoPrefs": {"TrackDepartments": False, "ClassTrackingPerTxn": False},
        "SalesFormsPrefs": {"CustomTxnNumbers": custom, "AllowDiscount": True, "AllowShipping": False,
                            "AllowServiceDate": True},
        "CurrencyPrefs": {"HomeCurrency": {"value": "USD" if us else "GBP"}, "MultiCurrencyEnabled": False},
        "TaxPrefs": tax_prefs,
    }
    _add(company, "Preferences", prefs, now)


def _accounts(company: Company, now: datetime) -> dict[str, dict[str, Any]]:
    specs = [
        ("Sales", "Income", "SalesOfProductIncome", "Revenue"),
        ("Accounts Receivable (A/R)", "Accounts Receivable", "AccountsReceivable", "Asset"),
        ("Undeposited Funds", "Other Current Asset", "UndepositedFunds", "Asset"),
        ("Cost of sales", "Cost of Goods Sold", "SuppliesMaterialsCogs", "Expense"),
        ("Discounts given", "Income", "DiscountsRefundsGiven", "Revenue"),  # a discount line's account
    ]
    out = {}
    for name, account_type, sub_type, classification in specs:
        out[name] = _add(company, "Account", {
            "Name": name, "FullyQualifiedName": name, "Active": True, "SubAccount": False,
            "AccountType": account_type, "AccountSubType": sub_type, "Classification": classification,
            "CurrentBalance": Decimal("0"), "CurrentBalanceWithSubAccounts": Decimal("0"),
        }, now)
    return out


def _items(company: Company, accounts: dict[str, dict[str, Any]], now: datetime) -> None:
    sales = {"value": accounts["Sales"]["Id"], "name": "Sales"}
    for name, item_type, price, active in (
        ("Services", "Service", Decimal("0"), True),
        ("Hours", "Service", Decimal("65"), True),
        ("Parts", "NonInventory", Decimal("0"), True),
        ("Old callout fee", "Service", Decimal("30"), False),  # inactive: references give 610
    ):
        _add(company, "Item", {
            "Name": name, "FullyQualifiedName": name, "Active": active, "Type": item_type,
            "UnitPrice": price, "Taxable": True, "IncomeAccountRef": dict(sales),
        }, now)


def _terms(company: Company, now: datetime) -> None:
    for name, days in (("Due on receipt", 0), ("Net 15", 15), ("Net 30", 30), ("Net 60", 60)):
        _add(company, "Term", {"Name": name, "Active": True, "Type": "STANDARD", "DueDays": days}, now)


def _uk_tax(company: Company, now: datetime) -> None:
    for name, rate, description in UK_VAT:
        tax_rate = _add(company, "TaxRate", {
            "Name": f"{name} (sales)", "Description": description, "Active": True, "RateValue": rate,
            "AgencyRef": {"value": "1"}, "SpecialTaxType": "NONE", "DisplayType": "ReadOnly",
        }, now)
        _add(company, "TaxCode", {
            "Name": name, "Description": description, "Active": True, "Hidden": False,
            "Taxable": name not in ("Exempt", "No VAT"),
            "TaxGroup": False,
            "SalesTaxRateList": {"TaxRateDetail": [{
                "TaxRateRef": {"value": tax_rate["Id"], "name": tax_rate["Name"]},
                "TaxTypeApplicable": "TaxOnAmount", "TaxOrder": 0}]},
            "PurchaseTaxRateList": {"TaxRateDetail": []},
        }, now)


def _us_tax(company: Company, rate: Decimal, now: datetime) -> None:
    tax_rate = _add(company, "TaxRate", {
        "Name": "State sales tax", "Description": "Sales tax", "Active": True, "RateValue": rate,
        "AgencyRef": {"value": "1"}, "SpecialTaxType": "NONE", "DisplayType": "ReadOnly",
    }, now)
    state = _add(company, "TaxCode", {
        "Name": "State", "Description": "State sales tax", "Active": True, "Hidden": False, "Taxable": True,
        "TaxGroup": True,
        "SalesTaxRateList": {"TaxRateDetail": [{
            "TaxRateRef": {"value": tax_rate["Id"], "name": tax_rate["Name"]},
            "TaxTypeApplicable": "TaxOnAmount", "TaxOrder": 0}]},
        "PurchaseTaxRateList": {"TaxRateDetail": []},
    }, now)
    company.tree["us_tax_code_id"] = state["Id"]
    # US companies also answer the pseudo codes TAX and NON (ref §4: lines say TAX or NON).
    for code, taxable in (("TAX", True), ("NON", False)):
        obj = {"Name": code, "Description": "Taxable" if taxable else "Non-taxable", "Active": True,
               "Hidden": False, "Taxable": taxable, "TaxGroup": False, "Id": code, "SyncToken": "0",
               "domain": "QBO", "sparse": False, "MetaData": {"CreateTime": now, "LastUpdatedTime": now}}
        company.table("TaxCode")[code] = obj


def _names(company: Company, now: datetime) -> None:
    _add(company, "Vendor", {"DisplayName": SEEDED_VENDOR, "CompanyName": SEEDED_VENDOR,
                             "PrintOnCheckName": SEEDED_VENDOR, "Active": True, "Balance": Decimal("0")}, now)
    given, family = SEEDED_EMPLOYEE.split(" ")
    _add(company, "Employee", {"DisplayName": SEEDED_EMPLOYEE, "GivenName": given, "FamilyName": family,
                               "PrintOnCheckName": SEEDED_EMPLOYEE, "Active": True}, now)
