"""Demo reference data: UK VAT (20 %, 5 %, 0 %, exempt) and a field-service price list."""

from __future__ import annotations

from decimal import Decimal

from fieldbook.catalogue.models import Item, TaxCode
from fieldbook.core.models import Organisation

UK_VAT = [
    ("VAT20", "Standard rate 20%", "20", False),
    ("VAT5", "Reduced rate 5% (energy-saving materials)", "5", False),
    ("ZERO", "Zero rated 0%", "0", False),
    ("EXEMPT", "Exempt", "0", True),
]
# code, name, unit price, income account, tax code
ITEMS = [
    ("LAB-HR", "Engineer labour — per hour", "65.00", "200", "VAT20"),
    ("LAB-OT", "Engineer labour — out of hours", "97.50", "200", "VAT20"),
    ("CALLOUT", "Emergency call-out", "89.995", "200", "VAT20"),
    ("BOIL-SVC", "Annual boiler service", "79.00", "200", "VAT20"),
    ("CP12", "Landlord gas safety certificate (CP12)", "60.00", "200", "VAT20"),
    ("TRV", "Thermostatic radiator valve", "18.45", "210", "VAT20"),
    ("INSUL", "Loft insulation roll (energy-saving)", "24.99", "210", "VAT5"),
    ("HEATPUMP", "Air-source heat pump controller (energy-saving)", "349.00", "210", "VAT5"),
    ("CERT-COPY", "Copy of certificate (printed)", "5.00", "220", "ZERO"),
    ("EXCESS", "Insurance excess collected", "100.00", "230", "EXEMPT"),
    ("PUMP", "Circulating pump", "142.80", "210", "VAT20"),
    ("FILTER", "Magnetic system filter", "119.00", "210", "VAT20"),
]


def make_tax_codes(org: Organisation) -> dict[str, TaxCode]:
    codes = {}
    for code, name, rate, exempt in UK_VAT:
        codes[code], _ = TaxCode.objects.get_or_create(
            organisation=org, code=code,
            defaults={"name": name, "rate": Decimal(rate), "is_exempt": exempt, "is_default": code == "VAT20"},
        )  # fmt: skip
    return codes


def make_items(org: Organisation, codes: dict[str, TaxCode]) -> list[Item]:
    items = []
    for code, name, price, account, tax in ITEMS:
        item, _ = Item.objects.get_or_create(
            organisation=org, code=code,
            defaults={"name": name, "unit_price": Decimal(price), "income_account_code": account,
                      "tax_code": codes[tax]},
        )  # fmt: skip
        items.append(item)
    return items
