"""Back without JavaScript loads a money form again with a new token, so submitting it again
looks like a new form. The session remembers what it recorded lately: the same money again (same
kind, target, amount and date within 10 minutes) is not recorded but asked about, and the
checkbox the page then shows records it anyway."""

from datetime import date
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from invoices import repeats, services
from invoices.models import Expense, Invoice, Payment, Refund
from tests.factories import make_account, make_contact, make_invoice, make_product, make_user
from tests.invoices.test_invoice_form import invoice_data
from tests.invoices.test_money_forms_once import payment_data, payment_url, token_of

ASKED_PAYMENT = ("You recorded a payment of $50.00 on Nov. 5, 2026 on this invoice "
                 "{ago}. To record a second payment of the same amount, tick “Record "
                 "another payment” and submit again.")


def back_and_submit_again(client, url, data):
    """What Back then submit does without JavaScript: the form is shown again (a new token)
    and the same values go with the new page's token."""
    return client.post(url, {**data, "form_token": token_of(client.get(url))})


def first_submission(client, url, data):
    response = client.post(url, {**data, "form_token": token_of(client.get(url))})
    assert response.status_code == 302
    return data


def asked(response) -> bool:
    """The page asks before recording the same money again (the checkbox is on it)."""
    return response.status_code == 200 and 'name="record_again"' in response.content.decode()


def move_back_in_time(client, seconds: float) -> None:
    """As if the session's records had been made `seconds` earlier."""
    session = client.session
    entries = session[repeats.SESSION_KEY]
    for entry in entries:
        entry["at"] -= seconds
    session[repeats.SESSION_KEY] = entries
    session.save()


# Record payment ---------------------------------------------------------------------------


@pytest.fixture
def paid_once(signed_in_client, sent_invoice):
    """A payment of 50.00 (of 110.00) recorded from the payment form."""
    return first_submission(signed_in_client, payment_url(sent_invoice),
                            payment_data("", amount="50.00"))


def test_back_and_submit_again_asks_instead_of_recording_a_second_payment(
    signed_in_client, sent_invoice, paid_once
):
    move_back_in_time(signed_in_client, 125)
    again = back_and_submit_again(signed_in_client, payment_url(sent_invoice), paid_once)

    assert again.status_code == 200
    assert Payment.objects.filter(invoice=sent_invoice).count() == 1
    content = again.content.decode()
    assert ASKED_PAYMENT.format(ago="2 minutes ago") in content
    assert 'name="record_again"' in content and "Record another payment" in content
    assert Invoice.objects.get(pk=sent_invoice.pk).balance == Decimal("60.00")


def test_ticking_record_another_payment_records_the_second_payment(
    signed_in_client, sent_invoice, paid_once
):
    url = payment_url(sent_invoice)
    question = back_and_submit_again(signed_in_client, url, paid_once)
    token = token_of(question)  # the page that asked keeps the new page's token
    signed_in_client.post(url, {**paid_once, "form_token": token, "record_again": "on"})

    assert Payment.objects.filter(invoice=sent_invoice).count() == 2
    assert Invoice.objects.get(pk=sent_invoice.pk).balance == Decimal("10.00")


def test_the_question_counts_minutes_from_less_than_one(signed_in_client, sent_invoice,
                                                        paid_once):
    again = back_and_submit_again(signed_in_client, payment_url(sent_invoice), paid_once)
    assert ASKED_PAYMENT.format(ago="less than a minute ago") in again.content.decode()


def test_a_payment_of_another_amount_is_recorded_without_asking(
    signed_in_client, sent_invoice, paid_once
):
    assert asked(back_and_submit_again(signed_in_client, payment_url(sent_invoice), paid_once))
    back_and_submit_again(signed_in_client, payment_url(sent_invoice),
                          {**paid_once, "amount": "40.00"})
    assert sorted(Payment.objects.filter(invoice=sent_invoice).values_list(
        "amount", flat=True)) == [Decimal("40.00"), Decimal("50.00")]


def test_a_payment_of_another_date_is_recorded_without_asking(
    signed_in_client, sent_invoice, paid_once
):
    assert asked(back_and_submit_again(signed_in_client, payment_url(sent_invoice), paid_once))
    back_and_submit_again(signed_in_client, payment_url(sent_invoice),
                          {**paid_once, "date": "2026-11-06"})
    assert Payment.objects.filter(invoice=sent_invoice).count() == 2


def test_the_same_payment_after_ten_minutes_is_recorded_without_asking(
    signed_in_client, sent_invoice, paid_once
):
    move_back_in_time(signed_in_client, 9 * 60 + 50)
    assert asked(back_and_submit_again(signed_in_client, payment_url(sent_invoice), paid_once))
    move_back_in_time(signed_in_client, 11)
    back_and_submit_again(signed_in_client, payment_url(sent_invoice), paid_once)
    assert Payment.objects.filter(invoice=sent_invoice).count() == 2


def test_another_session_of_the_same_user_is_not_asked(
    signed_in_client, user, sent_invoice, paid_once
):
    assert asked(back_and_submit_again(signed_in_client, payment_url(sent_invoice), paid_once))
    other_browser = Client()
    other_browser.force_login(user)
    recorded = back_and_submit_again(other_browser, payment_url(sent_invoice), paid_once)
    assert recorded.status_code == 302
    assert Payment.objects.filter(invoice=sent_invoice).count() == 2


def test_the_same_payment_on_another_invoice_is_recorded_without_asking(
    signed_in_client, account, contact, product, sent_invoice, paid_once
):
    second = make_invoice(account=account, contact=contact, number="1003",
                          lines=[(product, "1", "100.00", None)], send=True)
    assert asked(back_and_submit_again(signed_in_client, payment_url(sent_invoice), paid_once))
    back_and_submit_again(signed_in_client, payment_url(second), paid_once)
    assert Payment.objects.filter(invoice=second).count() == 1


def test_a_payment_deleted_since_is_not_asked_about(signed_in_client, sent_invoice, paid_once):
    assert asked(back_and_submit_again(signed_in_client, payment_url(sent_invoice), paid_once))
    services.payment_delete(payment=Payment.objects.get(invoice=sent_invoice))
    back_and_submit_again(signed_in_client, payment_url(sent_invoice), paid_once)
    assert Payment.objects.filter(invoice=sent_invoice).count() == 1


def test_the_first_forms_token_still_opens_the_payment_it_made(signed_in_client, sent_invoice):
    url = payment_url(sent_invoice)
    token = token_of(signed_in_client.get(url))
    signed_in_client.post(url, payment_data(token, amount="50.00"))
    again = signed_in_client.post(url, payment_data(token, amount="50.00"), follow=True)
    assert "This payment was already recorded: $50.00 on Nov. 5, 2026." in (
        again.content.decode())
    assert "Record another payment" not in again.content.decode()
    assert Payment.objects.filter(invoice=sent_invoice).count() == 1


def test_the_question_is_in_the_accounts_country_formats(client, db):
    account = make_account(country="GB", name="Cheshire Prints")
    client.force_login(make_user(account=account))
    invoice = make_invoice(account=account, contact=make_contact(account=account),
                           lines=[(make_product(account=account), "1", "1500.00", None)],
                           send=True)
    data = first_submission(client, payment_url(invoice),
                            payment_data("", amount="1250.00", method="bank_transfer"))
    again = back_and_submit_again(client, payment_url(invoice), data)
    assert ("You recorded a payment of £1,250.00 on 5 Nov 2026 on this invoice less than a "
            "minute ago.") in again.content.decode()
    assert Payment.objects.filter(invoice=invoice).count() == 1


# Refund, expense, new invoice ----------------------------------------------------------------


def test_back_and_submit_again_asks_before_a_second_refund_and_the_checkbox_records_it(
    signed_in_client, sent_invoice
):
    payment = services.payment_record(invoice=sent_invoice, date=date(2026, 11, 4),
                                      amount=Decimal("110.00"))
    url = reverse("invoices:refund_create", args=[sent_invoice.pk, payment.pk])
    data = first_submission(signed_in_client, url, {"date": "2026-11-06", "amount": "10.00",
                                                    "method": "card", "reason": ""})
    question = back_and_submit_again(signed_in_client, url, data)

    assert Refund.objects.filter(payment=payment).count() == 1
    assert ("You recorded a refund of $10.00 on Nov. 6, 2026 on this payment less than a "
            "minute ago. To record a second refund of the same amount, tick “Record another "
            "refund” and submit again.") in question.content.decode()
    signed_in_client.post(url, {**data, "form_token": token_of(question),
                                "record_again": "on"})
    assert Refund.objects.filter(payment=payment).count() == 2


def test_a_refund_of_another_amount_is_recorded_without_asking(signed_in_client, sent_invoice):
    payment = services.payment_record(invoice=sent_invoice, date=date(2026, 11, 4),
                                      amount=Decimal("110.00"))
    url = reverse("invoices:refund_create", args=[sent_invoice.pk, payment.pk])
    data = first_submission(signed_in_client, url, {"date": "2026-11-06", "amount": "10.00",
                                                    "method": "card", "reason": ""})
    assert asked(back_and_submit_again(signed_in_client, url, data))
    back_and_submit_again(signed_in_client, url, {**data, "amount": "5.00"})
    assert Refund.objects.filter(payment=payment).count() == 2


EXPENSE = {"date": "2026-11-02", "vendor": "Camera Shop", "category": "Equipment",
           "amount": "45.00", "notes": ""}


def test_back_and_submit_again_asks_before_a_second_expense_and_the_checkbox_adds_it(
    signed_in_client, account
):
    url = reverse("invoices:expense_create")
    first_submission(signed_in_client, url, EXPENSE)
    question = back_and_submit_again(signed_in_client, url, EXPENSE)

    assert Expense.objects.filter(account=account).count() == 1
    assert ("You added an expense of $45.00 from Camera Shop on Nov. 2, 2026, less than a "
            "minute ago. To add a second expense of the same amount, tick “Add another "
            "expense” and submit again.") in question.content.decode()
    assert asked(question)
    signed_in_client.post(url, {**EXPENSE, "form_token": token_of(question),
                                "record_again": "on"})
    assert Expense.objects.filter(account=account).count() == 2


def test_an_expense_of_another_amount_is_added_without_asking(signed_in_client, account):
    url = reverse("invoices:expense_create")
    first_submission(signed_in_client, url, EXPENSE)
    assert asked(back_and_submit_again(signed_in_client, url, EXPENSE))
    back_and_submit_again(signed_in_client, url, {**EXPENSE, "amount": "12.50"})
    assert Expense.objects.filter(account=account).count() == 2


def new_invoice_again(client, data):
    """Back, then Create draft with what was typed; the number is the one the new page
    proposes (the first one is taken now)."""
    url = reverse("invoices:invoice_create")
    page = client.get(url)
    return client.post(url, {**data, "form_token": token_of(page),
                             "number": page.context["form"]["number"].value()})


def test_back_and_submit_again_asks_before_a_second_invoice_and_the_checkbox_creates_it(
    signed_in_client, account, contact, product
):
    data = invoice_data(contact, [{"product": product.pk}])
    first_submission(signed_in_client, reverse("invoices:invoice_create"), data)
    question = new_invoice_again(signed_in_client, data)

    assert Invoice.objects.filter(account=account).count() == 1
    assert ("You created invoice 2001 for Ada Lovelace ($110.00, issued Nov. 1, 2026) less "
            "than a minute ago. To create a second invoice like it, tick “Create another "
            "invoice” and submit again.") in question.content.decode()
    assert asked(question)
    signed_in_client.post(reverse("invoices:invoice_create"),
                          {**data, "form_token": token_of(question), "record_again": "on",
                           "number": question.context["form"]["number"].value()})
    assert sorted(Invoice.objects.filter(account=account).values_list(
        "number", flat=True)) == ["2001", "2002"]


def test_an_invoice_that_comes_to_another_total_is_created_without_asking(
    signed_in_client, account, contact, product
):
    data = invoice_data(contact, [{"product": product.pk}])
    first_submission(signed_in_client, reverse("invoices:invoice_create"), data)
    assert asked(new_invoice_again(signed_in_client, data))
    new_invoice_again(signed_in_client, {**data, "lines-0-quantity": "2"})
    assert Invoice.objects.filter(account=account).count() == 2


# The rule and what the session keeps --------------------------------------------------------

NOW = 1_800_000_000.0
DAY = date(2026, 11, 5)


def entry(**fields):
    return {"kind": "payment", "id": 7, "target": 3, "amount": "50.00", "date": "2026-11-05",
            "at": NOW - 60, **fields}


def repeat_of(recent, **fields):
    submitted = {"kind": "payment", "target": 3, "amount": Decimal("50"), "on": DAY,
                 "now": NOW, **fields}
    return repeats.probable_repeat(recent, **submitted)


def test_a_probable_repeat_is_the_same_kind_target_amount_and_date_within_ten_minutes():
    assert repeat_of([entry()]) == entry()
    assert repeat_of([entry()], kind="refund") is None
    assert repeat_of([entry()], target=4) is None
    assert repeat_of([entry()], amount=Decimal("50.01")) is None
    assert repeat_of([entry()], on=date(2026, 11, 6)) is None
    assert repeat_of([entry(at=NOW - 600)]) is not None
    assert repeat_of([entry(at=NOW - 601)]) is None
    assert repeat_of([entry(at=NOW + 5)]) is None  # a clock that went back is no evidence


def test_the_latest_repeat_is_named_and_entries_this_code_did_not_write_are_passed_over():
    older, newer = entry(id=1, at=NOW - 300), entry(id=2, at=NOW - 30)
    assert repeat_of([older, newer])["id"] == 2
    assert repeat_of([older, {"kind": "payment"}, entry(amount="x")])["id"] == 1


def test_the_session_keeps_its_last_twenty_records_as_json():
    session = {}
    for n in range(25):
        repeats.remember(session, kind="expense", record_id=n, target=1,
                         amount=Decimal("9.99"), on=DAY, now=NOW + n)
    kept = session[repeats.SESSION_KEY]
    assert [e["id"] for e in kept] == list(range(5, 25))
    assert kept[-1] == {"kind": "expense", "id": 24, "target": 1, "amount": "9.99",
                        "date": "2026-11-05", "at": NOW + 24}
