"""The processor's fee on a payment: blank on a card payment means the account's card rate
(2.9% + 0.30 unless changed), 0 means none, other methods have none unless typed."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from invoices.models import Payment

pytestmark = pytest.mark.django_db


def url(invoice):
    return reverse("invoices:payment_create", args=[invoice.pk])


def payment_data(**fields):
    return {"date": "2026-11-05", "amount": "100.00", "tip_amount": "0", "method": "card",
            "reference": "", "processor_fee": "", **fields}


def test_the_default_card_rate_is_2_9_percent_plus_30_cents(account):
    assert account.card_fee(Decimal("100.00")) == Decimal("3.20")


def test_a_blank_fee_on_a_card_payment_is_computed_at_the_card_rate_of_amount_and_tip(
    signed_in_client, sent_invoice
):
    signed_in_client.post(url(sent_invoice), payment_data(tip_amount="10.00"))
    assert Payment.objects.get().processor_fee == Decimal("3.49")  # 2.9% of 110 + 0.30


def test_the_accounts_own_card_rate_is_used(signed_in_client, sent_invoice, account):
    account.card_fee_percent, account.card_fee_fixed = Decimal("3.50"), Decimal("0.15")
    account.save()
    signed_in_client.post(url(sent_invoice), payment_data())
    assert Payment.objects.get().processor_fee == Decimal("3.65")


def test_zero_means_no_fee_and_a_typed_fee_is_kept(signed_in_client, sent_invoice):
    signed_in_client.post(url(sent_invoice), payment_data(amount="50", processor_fee="0"))
    # Another amount: the same payment again would be asked about first (repeats.py).
    signed_in_client.post(url(sent_invoice), payment_data(amount="40", processor_fee="1.75"))
    assert sorted(Payment.objects.values_list("processor_fee", flat=True)) == [
        Decimal("0.00"), Decimal("1.75")]


def test_other_methods_have_no_fee_by_default(signed_in_client, sent_invoice):
    signed_in_client.post(url(sent_invoice), payment_data(method="check"))
    assert Payment.objects.get().processor_fee == Decimal("0.00")


def test_the_form_shows_the_card_rate_and_the_fee_on_the_balance(signed_in_client, sent_invoice):
    page = signed_in_client.get(url(sent_invoice)).content.decode()
    assert "Card fee at 2.9% + 0.30 on the amount and tip: 3.49" in page  # balance 110.00


def test_a_negative_fee_is_refused(signed_in_client, sent_invoice):
    response = signed_in_client.post(url(sent_invoice), payment_data(processor_fee="-1"))
    assert "A processor fee cannot be negative." in response.content.decode()
    assert not Payment.objects.exists()


def test_the_invoice_page_shows_the_fee(signed_in_client, sent_invoice):
    signed_in_client.post(url(sent_invoice), payment_data())
    page = signed_in_client.get(sent_invoice.get_absolute_url()).content.decode()
    assert "3.20" in page


def test_the_card_rate_is_edited_under_account_settings(signed_in_client, account,
                                                        other_account):
    page = signed_in_client.get(reverse("invoices:invoice_list")).content.decode()
    assert reverse("invoices:card_fee_settings") in page
    response = signed_in_client.post(reverse("invoices:card_fee_settings"),
                                     {"card_fee_percent": "2.60", "card_fee_fixed": "0.10"},
                                     follow=True)
    assert "New card payments propose 2.6% + 0.10." in response.content.decode()
    account.refresh_from_db()
    other_account.refresh_from_db()
    assert (account.card_fee_percent, account.card_fee_fixed) == (Decimal("2.60"),
                                                                  Decimal("0.10"))
    assert other_account.card_fee_percent == Decimal("2.90")
    response = signed_in_client.post(reverse("invoices:card_fee_settings"),
                                     {"card_fee_percent": "-1", "card_fee_fixed": "0.10"})
    assert response.status_code == 200 and "has-error" in response.content.decode()


@pytest.mark.parametrize("percent", ["10.01", "99.00", "999.99"])
def test_a_card_rate_no_processor_charges_is_refused_with_a_sentence(signed_in_client, account,
                                                                      percent):
    response = signed_in_client.post(reverse("invoices:card_fee_settings"),
                                     {"card_fee_percent": percent, "card_fee_fixed": "0.30"})
    assert response.status_code == 200
    assert ("Enter a percent from 0 to 10 (e.g. 2.90 for 2.9%): card processors charge about 3% "
            "of a payment, and none charges more than 10%.") in response.content.decode()
    account.refresh_from_db()
    assert account.card_fee_percent == Decimal("2.90")


def test_a_card_rate_of_up_to_10_percent_is_kept(signed_in_client, account):
    response = signed_in_client.post(reverse("invoices:card_fee_settings"),
                                     {"card_fee_percent": "10.00", "card_fee_fixed": "0.30"})
    assert response.status_code == 302
    account.refresh_from_db()
    assert account.card_fee_percent == Decimal("10.00")


def test_the_model_refuses_a_card_rate_over_10_percent(account):
    account.card_fee_percent = Decimal("999.99")
    with pytest.raises(ValidationError) as refused:
        account.full_clean()
    assert "card_fee_percent" in refused.value.message_dict


def test_after_a_validation_error_the_hint_keeps_the_fee_on_the_typed_amount_and_tip(
    signed_in_client, sent_invoice
):
    response = signed_in_client.post(url(sent_invoice), payment_data(
        amount="100.00", tip_amount="10.00", date=""))
    page = response.content.decode()
    assert "This field is required." in page
    assert "Card fee at 2.9% + 0.30 on the amount and tip: 3.49" in page  # of 110.00
    assert not Payment.objects.exists()


def test_the_hint_is_the_fee_that_a_blank_fee_records(signed_in_client, account, contact,
                                                       product):
    """The issue's figures: 557.50 and a 40.00 tip record 17.63 (2.9% of 597.50 + 0.30), and
    the hint says 17.63, not the 16.47 of the amount alone."""
    from tests.factories import make_invoice

    invoice = make_invoice(account=account, contact=contact, number="TIP-1",
                           lines=[(product, "1", "557.50", None)], send=True)
    bad = signed_in_client.post(url(invoice), payment_data(amount="557.50", tip_amount="40.00",
                                                           date="not a date"))
    assert "on the amount and tip: 17.63" in bad.content.decode()
    signed_in_client.post(url(invoice), payment_data(amount="557.50", tip_amount="40.00"))
    assert Payment.objects.get().processor_fee == Decimal("17.63")


def test_the_fee_field_carries_the_card_rate_for_the_hint_to_follow_what_is_typed(
    signed_in_client, sent_invoice, account
):
    account.card_fee_percent, account.card_fee_fixed = Decimal("3.50"), Decimal("0.15")
    account.save()
    page = signed_in_client.get(url(sent_invoice)).content.decode()
    assert 'data-card-fee-percent="3.50"' in page
    assert 'data-card-fee-fixed="0.15"' in page
    assert "{fee}" in page  # the hint's sentence, for the page's script to fill in
