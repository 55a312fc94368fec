"""Invoice line arithmetic (ref §3 "Rounding"): LineAmount per line, tax per line rounded to 2 dp,
then summed. `UnitAmount` keeps 2 dp unless the request says `unitdp=4`."""

from __future__ import annotations

import uuid
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from fieldbook.sandbox.xero.errors import Invalid

CENT = Decimal("0.01")
LINE_AMOUNT_TYPES = ("Exclusive", "Inclusive", "NoTax")


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def number(value: Any, field: str) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal | str):
        raise Invalid(f"{field} must be a number.")
    try:
        out = Decimal(str(value))
    except InvalidOperation:
        raise Invalid(f"{field} must be a number.") from None
    if not out.is_finite():
        raise Invalid(f"{field} must be a number.")
    return out


def tax_rate(org: dict[str, Any], tax_type: str) -> Decimal:
    for rate in org["tax_rates"]:
        if rate["TaxType"] == tax_type and rate["Status"] == "ACTIVE" and rate["CanApplyToRevenue"]:
            return Decimal(str(rate["EffectiveRate"]))
    raise Invalid(f"The TaxType code {tax_type} does not exist or cannot be used with this type of transaction.")


def _account(org: dict[str, Any], code: str) -> dict[str, Any] | None:
    for account in org["accounts"]:
        if account["Code"] == code and account["Status"] == "ACTIVE":
            return account
    return None


def _item(org: dict[str, Any], code: str) -> dict[str, Any] | None:
    for item in org["items"].values():
        if item["Code"] == code:
            return item
    return None


def build(org: dict[str, Any], raw: Any, amounts: str, unitdp: int, old: dict[str, Any] | None,
          errors: list[str]) -> dict[str, Any] | None:
    """One stored line from a request line (merged over `old`, the line with its LineItemID)."""
    if not isinstance(raw, dict):
        errors.append("A line item must be an object.")
        return None
    line: dict[str, Any] = {k: v for k, v in (old or {}).items() if k not in ("LineAmount", "TaxAmount")}
    line.update({k: raw[k] for k in ("Description", "Quantity", "UnitAmount", "ItemCode", "AccountCode", "TaxType",
                                     "DiscountRate", "DiscountAmount", "Tracking") if k in raw})
    try:
        qty, unit = number(line.get("Quantity"), "Quantity"), number(line.get("UnitAmount"), "UnitAmount")
        given = number(raw.get("LineAmount"), "LineAmount")
        given_tax = number(raw.get("TaxAmount"), "TaxAmount")
        rate_off, amount_off = number(line.get("DiscountRate"), "DiscountRate"), \
            number(line.get("DiscountAmount"), "DiscountAmount")
    except Invalid as exc:
        errors.extend(exc.messages)
        return None
    item = _item(org, str(line["ItemCode"])) if line.get("ItemCode") else None
    if line.get("ItemCode") and item is None:
        errors.append(f"Item code '{line['ItemCode']}' is not valid.")
    sales = (item or {}).get("SalesDetails", {})
    if not line.get("AccountCode") and sales.get("AccountCode"):
        line["AccountCode"] = sales["AccountCode"]
    if item is not None and not line.get("Description"):
        line["Description"] = item.get("Description", "")
    if unit is None and item is not None and given is None:
        unit = Decimal(str(sales.get("UnitPrice", 0)))
    account = _account(org, str(line["AccountCode"])) if line.get("AccountCode") else None
    if line.get("AccountCode") and account is None:
        errors.append(f"Account code '{line['AccountCode']}' is not a valid code for this document.")
    if qty is None:
        qty = (given / unit) if given is not None and unit is not None and unit != 0 else Decimal(1)
    if unit is None:
        unit = (given / qty) if given is not None and qty != 0 else Decimal(0)
    places = Decimal(1).scaleb(-unitdp)
    unit = unit.quantize(places, rounding=ROUND_HALF_UP)
    gross = qty * unit
    if rate_off is not None:
        amount = money(gross * (Decimal(100) - rate_off) / Decimal(100))
    elif amount_off is not None:
        amount = money(gross - amount_off)
    else:
        amount = money(gross)
    if given is not None and money(given) != amount:
        errors.append(f"The line total {money(given)} does not equal the quantity {qty} multiplied by the unit "
                      f"amount {unit} less any discount ({amount}).")
    tax_type = str(line.get("TaxType") or ((account or {}).get("TaxType")) or sales.get("TaxType") or "NONE")
    if amounts == "NoTax":
        tax_type = "NONE"
    rate = Decimal(0)
    try:
        rate = tax_rate(org, tax_type)
    except Invalid as exc:
        errors.extend(exc.messages)
    if amounts == "Exclusive":
        tax = money(amount * rate / Decimal(100))
    elif amounts == "Inclusive":
        tax = money(amount * rate / (Decimal(100) + rate))
    else:
        tax = Decimal("0.00")
    if given_tax is not None and amounts != "NoTax":
        tax = money(given_tax)  # ref §3: TaxAmount is computed but may be overridden
    line.update({"LineItemID": (old or {}).get("LineItemID") or str(uuid.uuid4()), "Quantity": qty,
                 "UnitAmount": unit, "TaxType": tax_type, "TaxAmount": tax, "LineAmount": amount,
                 "Tracking": line.get("Tracking") or [], "_discount": money(gross) - amount})
    if line.get("AccountCode"):
        line["AccountID"] = account["AccountID"] if account else None
    if not line.get("Description") and amount == 0 and not line.get("AccountCode"):
        errors.append("A line item needs a description or an amount.")
    return line


def totals(lines: list[dict[str, Any]], amounts: str) -> dict[str, Decimal]:
    line_sum = sum((Decimal(str(line["LineAmount"])) for line in lines), Decimal("0.00"))
    tax = sum((Decimal(str(line["TaxAmount"])) for line in lines), Decimal("0.00"))
    discount = sum((Decimal(str(line.get("_discount", 0))) for line in lines), Decimal("0.00"))
    if amounts == "Inclusive":
        subtotal, total = line_sum - tax, line_sum
    else:
        subtotal, total = line_sum, line_sum + tax
    return {"SubTotal": money(subtotal), "TotalTax": money(tax), "Total": money(total),
            "TotalDiscount": money(discount)}


def render_line(line: dict[str, Any], unitdp: int) -> dict[str, Any]:
    out = {k: v for k, v in line.items() if not k.startswith("_") and v is not None}
    places = Decimal(1).scaleb(-unitdp)
    out["UnitAmount"] = Decimal(str(line["UnitAmount"])).quantize(places, rounding=ROUND_HALF_UP)
    return out
