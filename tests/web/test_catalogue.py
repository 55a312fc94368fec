"""Reference data: tax codes and items of an organisation."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from fieldbook.catalogue.models import Item, TaxCode
from tests.web.isolation.catalogue import tax_codes

pytestmark = pytest.mark.django_db


def test_create_tax_code_and_see_it_listed(client_a, org_a):  # type: ignore[no-untyped-def]
    response = client_a.post(
        reverse("catalogue:taxcode_create"),
        {"code": "VAT20", "name": "Standard", "rate": "20", "prices_include_tax": "on", "is_default": "on",
         "active": "on"},
    )  # fmt: skip
    assert response.status_code == 302
    code = TaxCode.objects.get(organisation=org_a, code="VAT20")
    assert code.rate == Decimal("20") and code.prices_include_tax and code.is_default
    assert "Standard" in client_a.get(reverse("catalogue:taxcode_list")).content.decode()


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"rate": "100.5"}, "rate", "less than or equal to 100"),
        ({"rate": "-1"}, "rate", "greater than or equal to 0"),
        ({"rate": "abc"}, "rate", "Enter a number"),
        ({"code": "has space"}, "code", "letters, digits"),
        ({"code": "vat5"}, "code", "already in use"),
        ({"is_exempt": "on", "rate": "5"}, "rate", "exempt tax code has a rate of 0"),
    ],
)
def test_bad_tax_code_is_explained_next_to_the_field(client_a, org_a, data, field, message):  # type: ignore[no-untyped-def]
    tax_codes(org_a)
    response = client_a.post(reverse("catalogue:taxcode_create"), {"code": "NEW", "name": "New", "rate": "1", **data})
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert not TaxCode.objects.filter(organisation=org_a, name="New").exists()


def test_only_one_default_tax_code(client_a, org_a):  # type: ignore[no-untyped-def]
    codes = tax_codes(org_a)
    assert TaxCode.objects.default_for(org_a) == codes["VAT20"]
    client_a.post(reverse("catalogue:taxcode_edit", args=[codes["VAT5"].pk]),
                  {"code": "VAT5", "name": "Reduced", "rate": "5", "is_default": "on", "active": "on"})  # fmt: skip
    assert list(TaxCode.objects.filter(organisation=org_a, is_default=True)) == [codes["VAT5"]]
    assert TaxCode.objects.default_for(org_a) == codes["VAT5"]


def test_codes_are_unique_per_organisation_only(client_a, org_a, org_b):  # type: ignore[no-untyped-def]
    tax_codes(org_b)
    response = client_a.post(reverse("catalogue:taxcode_create"), {"code": "VAT20", "name": "S", "rate": "20"})
    assert response.status_code == 302


def test_create_and_edit_item(client_a, org_a):  # type: ignore[no-untyped-def]
    vat = tax_codes(org_a)["VAT20"]
    data = {"code": "LAB-HR", "name": "Engineer — hour", "unit_price": "65.5", "income_account_code": "200",
            "tax_code": vat.pk, "active": "on"}  # fmt: skip
    assert client_a.post(reverse("catalogue:item_create"), data).status_code == 302
    item = Item.objects.get(organisation=org_a, code="LAB-HR")
    assert item.unit_price == Decimal("65.5") and item.tax_code == vat and item.income_account_code == "200"
    client_a.post(reverse("catalogue:item_edit", args=[item.pk]), {**data, "unit_price": "70.125"})
    item.refresh_from_db()
    assert item.unit_price == Decimal("70.125")
    listing = client_a.get(reverse("catalogue:item_list"), {"q": "engineer"}).content.decode()
    assert "LAB-HR" in listing and "70.125" in listing


def test_item_price_cannot_be_negative(client_a, org_a):  # type: ignore[no-untyped-def]
    response = client_a.post(reverse("catalogue:item_create"), {"code": "X", "name": "X", "unit_price": "-1"})
    assert "greater than or equal to 0" in " ".join(response.context["form"].errors["unit_price"])
    assert not Item.objects.exists()


def test_the_rate_of_a_tax_code_in_use_cannot_change(client_a, org_a):  # type: ignore[no-untyped-def]
    from tests.web.isolation.catalogue import make_job, tax_codes

    code = tax_codes(org_a)["VAT20"]
    make_job(org_a)  # uses VAT20
    response = client_a.post(reverse("catalogue:taxcode_edit", args=[code.pk]),
                             {"code": code.code, "name": code.name, "rate": "17.5", "active": "on"})  # fmt: skip
    assert response.status_code == 200 and "cannot change" in response.content.decode()
    code.refresh_from_db()
    assert code.rate == Decimal("20")


def test_a_tax_code_is_looked_for_on_every_kind_of_document_line() -> None:
    """catalogue finds the line models through their shared base, importing neither jobs nor contracts."""
    from fieldbook.catalogue.documents import _line_models

    assert {m.__name__ for m in _line_models()} == {"JobLine", "ContractLine", "ServiceInvoiceLine"}
