"""The invoice page: what was billed, what was paid, and the buttons that fit its status."""

from datetime import date
from decimal import Decimal

from django.urls import reverse
from django.utils.safestring import mark_safe

from invoices import services
from tests.factories import make_invoice, make_product


def url(invoice):
    return reverse("invoices:invoice_detail", args=[invoice.pk])


def buttons(response):
    return {
        name: reverse(f"invoices:{name}", args=[response.context["invoice"].pk]) in
        response.content.decode()
        for name in (
            "invoice_edit", "invoice_send", "invoice_mark_sent", "payment_create",
            "invoice_void", "invoice_delete",
        )
    }


def test_the_page_shows_lines_totals_and_payments(
    signed_in_client, account, contact, product, tax_rate
):
    tokens = make_product(
        account=account, display_name="Prints for [% contact.first_name %]", rate="20.00"
    )
    invoice = make_invoice(
        account=account, contact=contact, number="1042", send=True,
        lines=[(product, "2", "100.00", tax_rate), (tokens, "3", "20.00", None)],
    )
    services.payment_record(
        invoice=invoice, date=date(2026, 11, 4), amount=Decimal("50.00"),
        tip_amount=Decimal("7.50"), method="check", reference="CHK-881",
    )
    content = signed_in_client.get(url(invoice)).content.decode()
    assert "Invoice 1042" in content
    assert "Ada Lovelace" in content
    assert "Prints for Ada" in content  # the Display Name rendered for this contact
    assert "Sales Tax (10%)" in content
    assert "260.00" in content  # subtotal: 200 + 60
    assert "20.00" in content  # tax: 10% of 200
    assert "$280.00" in content  # total
    assert "7.50" in content  # tip
    assert "$230.00" in content  # balance
    assert "CHK-881" in content
    assert "Check" in content


def test_a_draft_can_be_edited_sent_marked_sent_voided_or_deleted(signed_in_client, draft_invoice):
    response = signed_in_client.get(url(draft_invoice))
    assert buttons(response) == {
        "invoice_edit": True, "invoice_send": True, "invoice_mark_sent": True,
        "payment_create": False, "invoice_void": True, "invoice_delete": True,
    }


def test_a_sent_invoice_takes_payments_and_can_be_voided_but_not_deleted(
    signed_in_client, sent_invoice
):
    response = signed_in_client.get(url(sent_invoice))
    assert buttons(response) == {
        "invoice_edit": True, "invoice_send": False, "invoice_mark_sent": False,
        "payment_create": True, "invoice_void": True, "invoice_delete": False,
    }


def test_an_invoice_with_payments_cannot_be_voided(signed_in_client, sent_invoice):
    services.payment_record(invoice=sent_invoice, date=date(2026, 11, 4), amount=Decimal("110"))
    response = signed_in_client.get(url(sent_invoice))
    assert buttons(response) == {
        "invoice_edit": True, "invoice_send": False, "invoice_mark_sent": False,
        "payment_create": False, "invoice_void": False, "invoice_delete": False,
    }
    assert "badge-paid" in response.content.decode()


def test_a_void_invoice_offers_no_actions_and_owes_nothing(signed_in_client, sent_invoice):
    services.invoice_void(invoice=sent_invoice)
    response = signed_in_client.get(url(sent_invoice))
    assert not any(buttons(response).values())
    assert "$0.00" in response.content.decode()
    assert "badge-void" in response.content.decode()


def test_voiding_and_deleting_ask_for_confirmation(signed_in_client, draft_invoice):
    content = signed_in_client.get(url(draft_invoice)).content.decode()
    assert "data-confirm=\"Void invoice 1001?" in content
    assert "data-confirm=\"Delete draft invoice 1001?" in content


def integration_panel(request):
    """A stand-in for the context processor the integrations app will add."""
    return {"integration_panel": mark_safe('<div class="card">QuickBooks: in sync</div>')}


def test_an_integration_panel_in_the_context_is_shown_beside_the_invoice(
    signed_in_client, draft_invoice, settings
):
    engine = settings.TEMPLATES[0]
    processors = [*engine["OPTIONS"]["context_processors"], f"{__name__}.integration_panel"]
    settings.TEMPLATES = [{**engine, "OPTIONS": {**engine["OPTIONS"],
                                                 "context_processors": processors}}]
    content = signed_in_client.get(url(draft_invoice)).content.decode()
    assert '<div class="card">QuickBooks: in sync</div>' in content
