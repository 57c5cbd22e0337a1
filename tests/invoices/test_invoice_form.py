"""Creating and editing an invoice with its lines; every mistake is shown and nothing typed
is lost."""

from datetime import date
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import IntegrityError
from django.urls import reverse
from django.utils import timezone

from invoices import services
from invoices.models import Invoice
from tests.factories import make_contact, make_invoice, make_tax_rate

NEW = reverse("invoices:invoice_create")


def edit_url(invoice):
    return reverse("invoices:invoice_edit", args=[invoice.pk])


def invoice_data(contact, lines, **fields):
    """The POST a browser sends: the invoice fields and a `lines` formset."""
    data = {
        "number": "2001",
        "contact": contact.pk,
        "issue_date": "2026-11-01",
        "due_date": "2026-11-30",
        "memo": "",
        "lines-TOTAL_FORMS": str(len(lines)),
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "1000",
    }
    for index, line in enumerate(lines):
        line = {"description": "", "quantity": "1", "unit_price": "", "tax_rate": "", **line}
        for key, value in line.items():
            data[f"lines-{index}-{key}"] = "" if value is None else str(value)
    data.update(fields)
    return data


def test_a_new_invoice_suggests_the_next_free_number_and_todays_date(
    signed_in_client, account, draft_invoice, sent_invoice
):
    response = signed_in_client.get(NEW)
    form = response.context["form"]
    assert form.initial["number"] == "1003"
    assert form.initial["issue_date"] == timezone.localdate(timezone=ZoneInfo(account.timezone))
    assert len(response.context["lines"].forms) == 3


def test_the_first_invoice_is_number_1001(signed_in_client):
    assert signed_in_client.get(NEW).context["form"].initial["number"] == "1001"


def test_product_choices_carry_their_rate_and_default_tax_rate_for_prefilling(
    signed_in_client, product, tax_rate
):
    content = signed_in_client.get(NEW).content.decode()
    assert f'data-rate="100.00" data-tax-rate="{tax_rate.pk}"' in content


def test_creating_an_invoice_saves_a_draft_with_its_lines_and_totals(
    signed_in_client, contact, product, tax_rate, account
):
    reduced = make_tax_rate(account=account, name="Reduced", percentage="5")
    data = invoice_data(
        contact,
        [
            {"product": product.pk, "quantity": "2", "unit_price": "100.00",
             "tax_rate": tax_rate.pk},
            {"product": product.pk, "quantity": "1.5", "unit_price": "40.00",
             "tax_rate": reduced.pk, "description": "Extra hour"},
        ],
        memo="Thank you!",
    )
    response = signed_in_client.post(NEW, data, follow=True)

    invoice = Invoice.objects.get(account=account, number="2001")
    assert response.redirect_chain[-1][0] == invoice.get_absolute_url()
    assert invoice.status == Invoice.Status.DRAFT
    assert invoice.currency == "USD"
    assert invoice.memo == "Thank you!"
    assert [line.description for line in invoice.lines.all()] == ["", "Extra hour"]
    assert invoice.subtotal == Decimal("260.00")
    assert invoice.tax_total == Decimal("23.00")  # 20.00 + 3.00
    assert invoice.total == Decimal("283.00")
    content = response.content.decode()
    assert "Invoice 2001 created as a draft." in content
    assert "$283.00" in content


def test_a_line_left_without_price_or_tax_takes_the_products_rate_and_default_tax(
    signed_in_client, contact, product, tax_rate, account
):
    data = invoice_data(contact, [{"product": product.pk, "quantity": "3"}])
    signed_in_client.post(NEW, data)
    line = Invoice.objects.get(account=account, number="2001").lines.get()
    assert line.unit_price == Decimal("100.00")
    assert line.tax_rate == tax_rate
    assert line.amount == Decimal("300.00")


def test_a_product_that_is_not_taxable_gets_no_default_tax(
    signed_in_client, contact, product, account
):
    product.taxable = False
    product.save()
    signed_in_client.post(NEW, invoice_data(contact, [{"product": product.pk}]))
    assert Invoice.objects.get(account=account, number="2001").lines.get().tax_rate is None


def test_blank_and_removed_rows_are_left_out(signed_in_client, contact, product, account):
    data = invoice_data(
        contact,
        [
            {"product": product.pk, "unit_price": "10"},
            {"product": ""},
            {"product": product.pk, "unit_price": "99", "DELETE": "on"},
        ],
    )
    signed_in_client.post(NEW, data)
    lines = Invoice.objects.get(account=account, number="2001").lines.all()
    assert [line.unit_price for line in lines] == [Decimal("10.00")]


def test_a_duplicate_number_is_refused_and_everything_typed_is_kept(
    signed_in_client, contact, product, draft_invoice
):
    data = invoice_data(
        contact,
        [{"product": product.pk, "quantity": "4", "unit_price": "12.34",
          "description": "Veil fitting"}],
        number="1001",
        memo="Please pay by Friday",
    )
    response = signed_in_client.post(NEW, data)

    assert response.status_code == 200
    assert response.context["form"].errors["number"] == ["Another invoice already has this number."]
    content = response.content.decode()
    assert 'value="1001"' in content
    assert "Please pay by Friday" in content
    assert 'value="Veil fitting"' in content
    assert 'value="4"' in content
    assert 'value="12.34"' in content
    assert Invoice.objects.filter(number="1001").count() == 1


def test_another_accounts_number_can_be_reused(
    signed_in_client, contact, product, account, other_invoice
):
    signed_in_client.post(NEW, invoice_data(contact, [{"product": product.pk}], number="1001"))
    assert Invoice.objects.filter(account=account, number="1001").exists()


def test_a_number_taken_in_a_race_shows_the_same_message(
    signed_in_client, contact, product, monkeypatch
):
    def lose_the_race(**kwargs):
        raise IntegrityError("duplicate key value violates unique constraint")

    monkeypatch.setattr(services, "invoice_create", lose_the_race)
    response = signed_in_client.post(NEW, invoice_data(contact, [{"product": product.pk}]))
    assert response.context["form"].errors["number"] == ["Another invoice already has this number."]


@pytest.mark.parametrize(
    ("line", "field", "message"),
    [
        ({"quantity": "-1"}, "quantity", "The quantity must be more than zero."),
        ({"quantity": "0"}, "quantity", "The quantity must be more than zero."),
        ({"unit_price": "-5"}, "unit_price", "A unit price cannot be negative."),
    ],
)
def test_negative_quantities_and_prices_are_refused_on_the_line(
    signed_in_client, contact, product, line, field, message
):
    response = signed_in_client.post(NEW, invoice_data(contact, [{"product": product.pk, **line}]))
    assert response.status_code == 200
    assert response.context["lines"].forms[0].errors[field] == [message]
    assert not Invoice.objects.exists()


def test_a_due_date_before_the_issue_date_is_refused(signed_in_client, contact, product):
    data = invoice_data(
        contact, [{"product": product.pk}], issue_date="2026-11-10", due_date="2026-11-01"
    )
    response = signed_in_client.post(NEW, data)
    assert response.context["form"].errors["due_date"] == [
        "The due date cannot be before the issue date."
    ]
    assert not Invoice.objects.exists()


def test_an_invoice_without_lines_is_refused(signed_in_client, contact):
    response = signed_in_client.post(NEW, invoice_data(contact, [{"product": ""}]))
    assert response.context["lines"].non_form_errors() == [
        "Add at least one line with a product or service."
    ]
    assert b"Add at least one line" in response.content
    assert not Invoice.objects.exists()


def test_a_line_with_a_description_but_no_product_asks_for_a_product(signed_in_client, contact):
    data = invoice_data(contact, [{"product": "", "description": "Something nice"}])
    response = signed_in_client.post(NEW, data)
    assert response.context["lines"].forms[0].errors["product"] == [
        "Choose a product or service for this line."
    ]


def test_another_accounts_contact_product_or_tax_rate_cannot_be_chosen(
    signed_in_client, contact, product, other_contact, other_product, other_tax_rate
):
    data = invoice_data(
        other_contact, [{"product": other_product.pk, "tax_rate": other_tax_rate.pk}]
    )
    response = signed_in_client.post(NEW, data)
    assert "contact" in response.context["form"].errors
    assert set(response.context["lines"].forms[0].errors) == {"product", "tax_rate"}
    assert not Invoice.objects.filter(number="2001").exists()


def test_the_edit_page_shows_the_invoice_and_its_lines(signed_in_client, sent_invoice, product):
    response = signed_in_client.get(edit_url(sent_invoice))
    assert response.context["form"].initial["number"] == "1002"
    lines = response.context["lines"]
    assert lines.forms[0].initial["product"] == product
    assert len(lines.forms) == 1 + 3  # the line, then blank rows to add more


def test_editing_replaces_the_lines_and_keeps_the_status(
    signed_in_client, sent_invoice, contact, product
):
    data = invoice_data(
        contact,
        [{"product": product.pk, "quantity": "2", "unit_price": "50", "tax_rate": ""}],
        number="1002",
    )
    response = signed_in_client.post(edit_url(sent_invoice), data, follow=True)
    sent_invoice.refresh_from_db()
    assert sent_invoice.status == Invoice.Status.SENT
    assert sent_invoice.lines.count() == 1
    assert sent_invoice.total == Decimal("110.00")  # 2 x 50, plus the product's 10%
    assert "Invoice 1002 saved." in response.content.decode()


def test_editing_to_another_invoices_number_is_refused(
    signed_in_client, sent_invoice, draft_invoice, contact, product
):
    data = invoice_data(contact, [{"product": product.pk}], number="1001")
    response = signed_in_client.post(edit_url(sent_invoice), data)
    assert response.context["form"].errors["number"] == ["Another invoice already has this number."]
    sent_invoice.refresh_from_db()
    assert sent_invoice.number == "1002"


def test_lowering_the_total_below_what_was_paid_is_explained(
    signed_in_client, sent_invoice, contact, product
):
    services.payment_record(invoice=sent_invoice, date=date(2026, 11, 4), amount=Decimal("100"))
    data = invoice_data(
        contact, [{"product": product.pk, "unit_price": "10", "description": "Discounted"}],
        number="1002",
    )
    response = signed_in_client.post(edit_url(sent_invoice), data)
    assert response.status_code == 200
    errors = response.context["form"].non_field_errors()
    assert errors == ["The new total 11.00 is less than the 100.00 already paid."]
    assert 'value="Discounted"' in response.content.decode()
    assert sent_invoice.lines.get().unit_price == Decimal("100.00")


def test_a_void_invoice_cannot_be_edited(signed_in_client, sent_invoice):
    services.invoice_void(invoice=sent_invoice)
    response = signed_in_client.get(edit_url(sent_invoice), follow=True)
    assert response.redirect_chain[-1][0] == sent_invoice.get_absolute_url()
    assert b"is void, so it cannot be edited" in response.content


def test_the_contact_list_offers_only_this_accounts_contacts(
    signed_in_client, contact, other_contact, account
):
    make_contact(account=account, first_name="Bill", last_name="Lizard", email="bill@example.com")
    choices = signed_in_client.get(NEW).context["form"].fields["contact"].queryset
    assert {c.email for c in choices} == {"ada@example.com", "bill@example.com"}


def test_the_number_suggestion_follows_the_highest_plain_number(signed_in_client, account, contact):
    make_invoice(account=account, contact=contact, number="1500")
    make_invoice(account=account, contact=contact, number="INV-7")
    assert signed_in_client.get(NEW).context["form"].initial["number"] == "1501"


def test_the_contact_picker_tells_same_named_contacts_apart(db):
    from invoices.forms import InvoiceForm
    from tests.factories import make_account, make_contact

    account = make_account()
    make_contact(account=account, first_name="Ana", last_name="Silva", email="ana@one.example")
    make_contact(account=account, first_name="Ana", last_name="Silva", email="ana@two.example")
    make_contact(account=account, first_name="Bea", last_name="Costa", email="bea@x.example")
    labels = [label for _, label in InvoiceForm(account=account).fields["contact"].choices][1:]
    assert sorted(labels) == ["Ana Silva (ana@one.example)", "Ana Silva (ana@two.example)",
                              "Bea Costa"]
