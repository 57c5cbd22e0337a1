"""Multicurrency as pure rules and wire JSON: the name of a customer in another currency, the
rate sent (the owner's wins, else QuickBooks' for the date), home amounts, which accounts a
foreign payment may go to, and CurrencyRef / ExchangeRate on every payload (none at home)."""

from decimal import Decimal

import pytest

from integrations import currencies, payloads
from integrations.services.reconcile import currency_differences
from tests.factories import build_contact, build_invoice, build_line, build_payment, build_tax_rate
from tests.integrations.test_payloads import sales_line

HST = build_tax_rate(pk=2, name="HST ON", percentage="13")


def test_a_customer_in_a_foreign_currency_carries_it_in_its_name_and_at_home_not():
    assert currencies.customer_name_in("Ana Silva", currency="USD", home="CAD") == \
        "Ana Silva (USD)"
    assert currencies.customer_name_in("Ana Silva", currency="CAD", home="CAD") == "Ana Silva"
    assert currencies.customer_name_in("Ana Silva", currency="", home="CAD") == "Ana Silva"


def test_the_owners_rate_wins_over_quickbooks_and_goes_to_six_places():
    assert currencies.rate_to_send(entered=Decimal("1.4"), quickbooks=Decimal("1.369863")) \
        == Decimal("1.400000")
    assert currencies.rate_to_send(entered=None, quickbooks=Decimal("1.3698634")) == \
        Decimal("1.369863")
    with pytest.raises(ValueError):
        currencies.rate_to_send(entered=None, quickbooks=None)


def test_home_amounts_are_rounded_half_up_to_the_cent_as_quickbooks_does():
    assert currencies.home_amount(Decimal("105.00"), Decimal("1.369863")) == Decimal("143.84")
    assert currencies.home_amount(Decimal("0.50"), Decimal("1.01")) == Decimal("0.51")


@pytest.mark.parametrize("held, ok", [("", True), ("CAD", True), ("USD", True), ("EUR", False)])
def test_a_usd_payment_goes_to_an_account_in_cad_or_usd_only(held, ok):
    assert currencies.account_takes(held, currency="USD", home="CAD") is ok


def test_the_home_currency_is_the_companys_else_its_countrys():
    assert currencies.home_currency_of(country="GB", snapshot={}) == "GBP"
    assert currencies.home_currency_of(country="CA", snapshot={"home_currency": "CAD"}) == "CAD"


def test_a_customer_in_usd_carries_its_currency_on_the_wire():
    payload = payloads.customer_payload(contact=build_contact(), display_name="Ada (USD)",
                                        currency="USD")
    assert payload["CurrencyRef"] == {"value": "USD"}
    assert "CurrencyRef" not in payloads.customer_payload(contact=build_contact(),
                                                          display_name="Ada")


def test_a_usd_invoice_carries_currency_ref_and_exchange_rate():
    lines = [build_line(name="Portrait Session", unit_price="100.00", tax_rate=HST)]
    payload = payloads.invoice_payload(
        invoice=build_invoice(), lines=lines, doc_number="C-1", customer_id="3",
        item_ids={"Portrait Session": "19"}, country="CA", tax_code_ids={"HST ON": "2"},
        currency="USD", exchange_rate=Decimal("1.3698634"))
    assert payload == {
        "DocNumber": "C-1",
        "TxnDate": "2026-11-01",
        "DueDate": "2026-11-15",
        "CustomerRef": {"value": "3"},
        "Line": [sales_line("100.00", "Portrait Session", "19", "1", "100.00", "2")],
        "BillEmail": {"Address": "ada@example.com"},
        "GlobalTaxCalculation": "TaxExcluded",
        "CurrencyRef": {"value": "USD"},
        "ExchangeRate": "1.369863",
    }


def test_a_usd_payment_carries_its_invoices_currency_and_the_rate_of_its_date():
    payload = payloads.payment_payload(
        payment=build_payment(amount="50.00"), customer_id="58", invoice_qbo_id="130",
        ref_number="", tip_applied=False, currency="USD", exchange_rate=Decimal("1.35"))
    assert (payload["CurrencyRef"], payload["ExchangeRate"]) == ({"value": "USD"}, "1.350000")


def test_a_processing_fee_of_a_usd_payment_is_in_usd():
    payload = payloads.fee_purchase_payload(
        payment=build_payment(amount="50.00", processor_fee="1.75"), invoice_number="1042",
        from_account_id="35", fee_account_id="76", marker="hatsync fee #1", currency="USD",
        exchange_rate=Decimal("1.35"))
    assert (payload["CurrencyRef"], payload["ExchangeRate"]) == ({"value": "USD"}, "1.350000")


def test_reconcile_compares_the_currency_and_the_home_total():
    found = {"CurrencyRef": {"value": "USD"}, "HomeTotalAmt": 143.84, "ExchangeRate": 1.369863}
    assert currency_differences(currency="USD", home="CAD", rate=Decimal("1.369863"),
                                total=Decimal("105.00"), found=found) == []
    [(problem, _)] = currency_differences(currency="USD", home="CAD", rate=Decimal("1.40"),
                                          total=Decimal("105.00"), found=found)
    assert problem == "home_total"
    [(problem, message)] = currency_differences(
        currency="USD", home="CAD", rate=None, total=Decimal("105.00"),
        found={"CurrencyRef": {"value": "CAD"}})
    assert problem == "currency" and message == "It is in USD in hatsync but in CAD in " \
        "QuickBooks."
    assert currency_differences(currency="CAD", home="CAD", rate=None,
                                total=Decimal("1"), found={}) == []  # no multicurrency
