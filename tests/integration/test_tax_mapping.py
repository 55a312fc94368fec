"""The tax mapping suggested at Connect, against the sandbox's UK company (issue 11: zero-rated is
not exempt)."""

from __future__ import annotations

import pytest

from tests.web.isolation.catalogue import tax_codes

pytestmark = pytest.mark.django_db


def ledger_codes(sandbox):  # type: ignore[no-untyped-def]
    company = sandbox.quickbooks.company(sandbox.quickbooks.default_realm)
    return {t["Name"]: t["Id"] for t in company.table("TaxCode").values()}


def test_the_uk_company_has_exempt_and_no_vat_beside_the_rated_codes(sandbox):  # type: ignore[no-untyped-def]
    assert {"20.0% S", "5.0% R", "0.0% Z", "Exempt", "No VAT"} <= set(ledger_codes(sandbox))


def test_exempt_goes_to_exempt_and_zero_rated_to_zero_rated(org_a, request, sandbox):  # type: ignore[no-untyped-def]
    tax_codes(org_a)  # VAT20, VAT5, ZERO, EXEMPT (is_exempt)
    connection = request.getfixturevalue("connected")
    codes = ledger_codes(sandbox)
    assert connection.mapping["tax_codes"] == {
        "VAT20": codes["20.0% S"], "VAT5": codes["5.0% R"], "ZERO": codes["0.0% Z"], "EXEMPT": codes["Exempt"],
    }


def test_a_code_mapped_to_another_rate_is_a_problem_settings_names(org_a, request, sandbox):  # type: ignore[no-untyped-def]
    from decimal import Decimal

    from fieldbook.connectors.records import ReferenceData, TaxCode
    from fieldbook.integration.mapping import problems

    tax_codes(org_a)
    connection = request.getfixturevalue("connected")
    codes = ledger_codes(sandbox)
    connection.mapping = {**connection.mapping, "tax_codes": {**connection.mapping["tax_codes"],
                                                              "VAT5": codes["20.0% S"]}}
    ref = ReferenceData(tax_codes=(TaxCode(codes["20.0% S"], "20.0% S", Decimal(20)),
                                   TaxCode(codes["0.0% Z"], "0.0% Z", Decimal(0)),
                                   TaxCode(codes["Exempt"], "Exempt", Decimal(0))))
    found = problems(connection, ref)
    assert any("VAT5 (5 %) is mapped to the ledger's 20.0% S (20 %)" in p for p in found), found
    assert not any("VAT20" in p or "EXEMPT" in p or "ZERO" in p for p in found), found
