from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from integrations import rules


def test_long_invoice_number_is_shortened_to_21_characters():
    assert rules.shorten_reference("INV-2024-WEDDING-SMITH-0001") == "INV-2...NG-SMITH-0001"


def test_a_number_of_21_characters_or_fewer_is_kept():
    assert rules.shorten_reference("A" * 21) == "A" * 21
    assert rules.shorten_reference("1042") == "1042"


@given(st.text(min_size=0, max_size=64).filter(lambda s: s == s.strip()))
def test_shortened_references_never_exceed_21_and_keep_both_ends(number):
    short = rules.shorten_reference(number)
    assert len(short) <= 21
    if len(number) > 21:
        assert short.startswith(number[:5]) and short.endswith(number[-13:])
        assert len(short) == 21


@given(st.text(max_size=300))
def test_clean_names_have_no_colon_or_control_characters_and_fit(name):
    cleaned = rules.clean_qbo_name(name, 100)
    assert ":" not in cleaned
    assert not any(ord(ch) < 32 or ord(ch) == 127 for ch in cleaned)
    assert len(cleaned) <= 100


def test_a_shared_name_carries_the_email_and_later_attempts_a_counter():
    assert rules.customer_display_name_for(base_name="Ana Silva", email="a@x.com",
                                           shared=False) == "Ana Silva"
    assert rules.customer_display_name_for(base_name="Ana Silva", email="a@x.com",
                                           shared=True) == "Ana Silva (a@x.com)"
    assert rules.customer_display_name_for(base_name="Ana Silva", email="a@x.com",
                                           shared=True, attempt=2) == "Ana Silva (a@x.com) 2"


@given(st.lists(st.emails(), min_size=2, max_size=10, unique_by=str.lower))
def test_contacts_sharing_a_name_never_share_a_display_name(emails):
    names = {rules.customer_display_name_for(base_name="Ana Silva", email=e, shared=True).lower()
             for e in emails}
    assert len(names) == len(emails)


def test_tax_names_match_ignoring_case_and_spacing_and_unmatched_are_listed():
    matches, unmatched = rules.match_tax_codes(
        ["hst  on", "QST", "GST", "QST"], {"HST ON": "2", "GST": "1"}
    )
    assert matches == {"hst  on": "2", "GST": "1"}
    assert unmatched == ["QST"]


def test_us_lines_are_taxable_only_with_a_rate_above_zero():
    assert rules.us_tax_code(Decimal("8.875")) == "TAX"
    assert rules.us_tax_code(Decimal("0")) == "NON"
    assert rules.us_tax_code(None) == "NON"


def test_query_values_escape_quotes_and_backslashes():
    assert rules.escape_query_value("O'Brien \\ Co") == "O\\'Brien \\\\ Co"


def test_the_same_write_gets_the_same_request_id():
    one = rules.request_id_for(key="invoice:1", operation="create", content="abc")
    assert one == rules.request_id_for(key="invoice:1", operation="create", content="abc")
    assert one != rules.request_id_for(key="invoice:1", operation="create", content="abd")


def test_only_us_canada_and_uk_are_supported():
    assert [c for c in ["US", "CA", "GB", "AU", "NZ"] if rules.is_supported_country(c)] == [
        "US", "CA", "GB"]


def test_checklist_marks_tips_not_applicable_in_canada_and_lists_unmatched_tax_names():
    items = {i["key"]: i for i in rules.settings_checklist(
        country="CA", snapshot={"custom_txn_numbers": True, "tax_codes": {"GST": "1"}},
        crm_tax_rates=[(1, "GST"), (2, "QST")], untaxable_products=["Travel Fee"])}
    assert items["gratuity"]["applicable"] is False
    assert items["tax_names"]["ok"] is False and "QST" in items["tax_names"]["fix"]
    assert items["products_taxable"]["ok"] is False
    assert items["custom_txn_numbers"]["ok"] is True


@pytest.mark.parametrize(("country", "label", "menu"), [
    ("US", "Sales tax is set up", "Taxes > Sales tax"),
    ("CA", "GST/HST is set up", "Taxes > Sales tax"),
    ("GB", "VAT is set up", "Taxes > VAT"),
])
def test_the_checklist_names_the_tax_as_the_country_does(country, label, menu):
    items = rules.settings_checklist(country=country, snapshot={"sales_tax": True},
                                     crm_tax_rates=[], untaxable_products=[])
    [tax] = [item for item in items if item["key"] == "sales_tax"]
    assert tax["label"] == label
    assert menu in tax["fix"]
