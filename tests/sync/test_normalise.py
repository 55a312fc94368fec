from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from fieldbook.connectors.records import Address
from fieldbook.sync.normalise import decimal_text, email_key, field_values, name_key
from tests.sync.factories import customer, invoice, line

pytestmark = pytest.mark.pure


@pytest.mark.parametrize(
    ("ours", "theirs", "rule"),
    [
        ("Acme Ltd", "ACME LTD", "case"),
        ("Straße Heating", "STRASSE HEATING", "casefold, not lower()"),
        ("\uff26\uff49\uff45\uff4c\uff44 Services", "Field Services", "NFKC folds full-width letters"),
        ("\ufb01re & Flood", "Fire and Flood", "NFKC folds the fi ligature; & is and"),
        ("Acme Ltd.", "Acme Limited", "Ltd and Limited are one legal form"),
        ("Smith & Sons", "Smith and Sons", "& and 'and'"),
        ("Smith&Sons", "Smith and Sons", "& without spaces"),
        ("O'Brien Plumbing", "OBrien Plumbing", "punctuation removed"),
        ("  Acme\t\nHeating  ", "Acme Heating", "whitespace collapsed"),
        ("A.B.C. (Plumbing), Ltd!", "ABC Plumbing Limited", "all of it at once"),
    ],
)
def test_names_that_match(ours: str, theirs: str, rule: str) -> None:
    assert name_key(ours) == name_key(theirs), rule


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        ("Acme Ltd", "Acme Plc"),
        ("Acme Heating", "Acme Heating Services"),
        # Punctuation is removed, not turned into a space: a hyphenated name stays one word.
        ("Smith-Jones", "Smith Jones"),
        ("Limitless Ltd", "Ltdless Ltd"),
    ],
)
def test_names_that_do_not_match(ours: str, theirs: str) -> None:
    assert name_key(ours) != name_key(theirs)


def test_email_key_ignores_case_and_blanks() -> None:
    assert email_key("  Jo@Acme.Example ") == email_key("jo@acme.example")


@pytest.mark.parametrize(
    ("value", "text"), [("5", "5"), ("5.00", "5"), ("100", "100"), ("0.00", "0"), ("33.335", "33.335")]
)
def test_decimals_render_one_way(value: str, text: str) -> None:
    assert decimal_text(Decimal(value)) == text


def test_field_values_cover_the_synced_fields_as_plain_strings() -> None:
    c = customer("C001", "Acme  Ltd", email="jo@acme.example", address=Address(line1="1 High St", postcode="AB1 2CD"))
    values = field_values(c)
    assert set(values) == set(c.SYNCED_FIELDS)
    assert values["name"] == "Acme Ltd"
    assert values["address"] == "1 High St |  |  |  |  | AB1 2CD | "

    inv = invoice("J1042", "C001", line("Service", "5.00", "9.50"), due_date=date(2026, 12, 2))
    same = invoice("J1042", "C001", line("Service", "5", "9.5"), due_date=date(2026, 12, 2))
    assert field_values(inv) == field_values(same)
    assert field_values(inv)["due_date"] == "2026-12-02"
    assert field_values(inv)["total"] == "57"
