"""A discount on an invoice (none, a percent or an amount, before tax): the form checks it,
the invoice's page and the list show subtotal, discount, tax, total and balance."""

from decimal import Decimal

import pytest
from django.urls import reverse

from invoices import services
from invoices.models import Invoice
from tests.factories import make_invoice, make_tax_rate
from tests.invoices.test_invoice_form import NEW, edit_url, invoice_data

pytestmark = pytest.mark.django_db


def three_prints(product, tax_rate, reduced):
    return [
        {"product": product.pk, "quantity": "3", "unit_price": "19.99", "tax_rate": tax_rate.pk},
        {"product": product.pk, "quantity": "3", "unit_price": "19.99", "tax_rate": reduced.pk},
    ]


def test_a_percent_discount_is_saved_and_taken_off_before_tax(
    signed_in_client, contact, product, tax_rate, account
):
    reduced = make_tax_rate(account=account, name="Reduced", percentage="5")
    data = invoice_data(contact, three_prints(product, tax_rate, reduced),
                        discount_kind="percent", discount_value="33.33")
    response = signed_in_client.post(NEW, data, follow=True)
    invoice = Invoice.objects.get(account=account, number="2001")
    assert (invoice.discount_kind, invoice.discount_value) == ("percent", Decimal("33.33"))
    # 119.94 subtotal; 33.33% is 39.98; tax on 59.97 x 0.6667 at 10% and at 5%
    assert invoice.subtotal == Decimal("119.94")
    assert invoice.discount_amount == Decimal("39.98")
    assert invoice.tax_total == Decimal("4.00") + Decimal("2.00")
    assert invoice.total == Decimal("85.96")
    page = response.content.decode()
    assert "Discount (33.33%)" in page and "\u221239.98" in page
    assert "85.96" in page


def test_an_amount_discount_shows_on_the_page_and_in_the_list(
    signed_in_client, contact, product, tax_rate, account
):
    reduced = make_tax_rate(account=account, name="Reduced", percentage="5")
    data = invoice_data(contact, three_prints(product, tax_rate, reduced),
                        discount_kind="amount", discount_value="19.94")
    page = signed_in_client.post(NEW, data, follow=True).content.decode()
    invoice = Invoice.objects.get(account=account, number="2001")
    assert invoice.discount_amount == Decimal("19.94")
    assert invoice.total == Decimal("100.00") + invoice.tax_total
    assert "\u221219.94" in page
    listing = signed_in_client.get(reverse("invoices:invoice_list")).content.decode()
    assert f"119.94 \u2212 19.94 discount + {invoice.tax_total} sales tax" in listing


@pytest.mark.parametrize(("kind", "value", "message"), [
    ("percent", "100.01", "A percent discount is 0 to 100."),
    ("percent", "-1", "A discount cannot be negative."),
    ("amount", "", "Enter the discount, or choose No discount."),
    ("amount", "200.01", "The discount (200.01) is more than the invoice&#x27;s subtotal "
                         "(200.00). Lower the discount or add lines."),
])
def test_a_discount_out_of_range_is_a_form_error_and_nothing_is_saved(
    signed_in_client, contact, product, tax_rate, account, kind, value, message
):
    data = invoice_data(contact, [{"product": product.pk, "quantity": "2",
                                   "unit_price": "100.00", "tax_rate": tax_rate.pk}],
                        discount_kind=kind, discount_value=value)
    response = signed_in_client.post(NEW, data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Invoice.objects.filter(account=account).exists()


def test_an_amount_equal_to_the_subtotal_is_allowed(
    signed_in_client, contact, product, tax_rate, account
):
    data = invoice_data(contact, [{"product": product.pk, "quantity": "1",
                                   "unit_price": "100.00", "tax_rate": tax_rate.pk}],
                        discount_kind="amount", discount_value="100.00")
    signed_in_client.post(NEW, data)
    invoice = Invoice.objects.get(account=account)
    assert invoice.total == Decimal("0.00")


def test_editing_shows_the_discount_and_can_remove_it(
    signed_in_client, contact, product, tax_rate, account
):
    invoice = make_invoice(account=account, contact=contact,
                           lines=[(product, "1", "100.00", tax_rate)])
    services.invoice_update(invoice=invoice, number=invoice.number, contact=contact,
                            issue_date=invoice.issue_date, due_date=invoice.due_date,
                            lines=[services.LineInput(product, Decimal(1), Decimal(100),
                                                      tax_rate)],
                            discount_kind="percent", discount_value=Decimal("10"))
    form = signed_in_client.get(edit_url(invoice)).context["form"]
    assert form.initial["discount_kind"] == "percent"
    assert form.initial["discount_value"] == Decimal("10.00")

    data = invoice_data(contact, [{"product": product.pk, "quantity": "1",
                                   "unit_price": "100.00", "tax_rate": tax_rate.pk}],
                        number=invoice.number, discount_kind="", discount_value="10")
    signed_in_client.post(edit_url(invoice), data)
    invoice.refresh_from_db()
    assert (invoice.discount_kind, invoice.discount_value) == ("", Decimal("0"))
    assert invoice.total == Decimal("110.00")


def test_a_discount_cannot_bring_the_total_below_what_was_paid(account, contact, product):
    invoice = services.invoice_send(invoice=make_invoice(
        account=account, contact=contact, lines=[(product, "1", "100.00", None)]))
    services.payment_record(invoice=invoice, date=invoice.issue_date, amount=Decimal("90"))
    with pytest.raises(services.ValidationError, match=r"less than the 90\.00 already paid"):
        services.invoice_update(
            invoice=invoice, number=invoice.number, contact=contact,
            issue_date=invoice.issue_date, due_date=invoice.due_date,
            lines=[services.LineInput(product, Decimal(1), Decimal(100))],
            discount_kind="amount", discount_value=Decimal("20"))


def test_a_line_discount_is_saved_shown_and_kept_when_editing(
    signed_in_client, contact, product, tax_rate, account
):
    lines = [{"product": product.pk, "quantity": "2", "unit_price": "50.00",
              "tax_rate": tax_rate.pk, "discount_percent": "15"}]
    page = signed_in_client.post(NEW, invoice_data(contact, lines), follow=True).content.decode()
    invoice = Invoice.objects.get(account=account, number="2001")
    line = invoice.lines.get()
    assert (line.discount_percent, line.amount) == (Decimal("15.00"), Decimal("85.00"))
    assert invoice.tax_total == Decimal("8.50") and invoice.total == Decimal("93.50")
    assert "\u221215% (\u221215.00)" in page
    form = signed_in_client.get(edit_url(invoice)).content.decode()
    assert 'name="lines-0-discount_percent"' in form and 'value="15.00"' in form
    too_much = invoice_data(contact, [{**lines[0], "discount_percent": "101"}], number="2002")
    answer = signed_in_client.post(NEW, too_much)
    assert answer.status_code == 200 and not Invoice.objects.filter(number="2002").exists()
