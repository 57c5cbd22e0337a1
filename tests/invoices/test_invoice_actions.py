"""Send, mark as sent, void and delete: POST-only buttons that report back in a message."""

from datetime import date
from decimal import Decimal

from django.urls import reverse

from invoices import services
from invoices.models import Invoice


def post(client, name, invoice):
    return client.post(reverse(f"invoices:{name}", args=[invoice.pk]), follow=True)


def status_of(invoice):
    return Invoice.objects.get(pk=invoice.pk).status


def test_sending_a_draft_makes_it_sent(signed_in_client, draft_invoice):
    response = post(signed_in_client, "invoice_send", draft_invoice)
    assert response.redirect_chain[-1][0] == draft_invoice.get_absolute_url()
    assert b"Invoice 1001 sent." in response.content
    invoice = Invoice.objects.get(pk=draft_invoice.pk)
    assert invoice.status == Invoice.Status.SENT
    assert invoice.sent_at is not None


def test_marking_a_draft_as_sent_makes_it_sent(signed_in_client, draft_invoice):
    response = post(signed_in_client, "invoice_mark_sent", draft_invoice)
    assert b"Invoice 1001 marked as sent." in response.content
    assert status_of(draft_invoice) == Invoice.Status.SENT


def test_an_invoice_cannot_be_sent_twice(signed_in_client, sent_invoice):
    response = post(signed_in_client, "invoice_send", sent_invoice)
    assert b"Invoice 1002 has already been sent." in response.content
    assert b"message-error" in response.content


def test_voiding_an_unpaid_invoice_zeroes_its_balance(signed_in_client, sent_invoice):
    response = post(signed_in_client, "invoice_void", sent_invoice)
    assert b"Invoice 1002 is now void." in response.content
    assert status_of(sent_invoice) == Invoice.Status.VOID
    assert Invoice.objects.get(pk=sent_invoice.pk).balance == Decimal("0.00")


def test_an_invoice_with_payments_cannot_be_voided(signed_in_client, sent_invoice):
    services.payment_record(invoice=sent_invoice, date=date(2026, 11, 4), amount=Decimal("10"))
    response = post(signed_in_client, "invoice_void", sent_invoice)
    assert b"A paid invoice cannot be voided." in response.content
    assert status_of(sent_invoice) == Invoice.Status.PARTIALLY_PAID


def test_a_void_invoice_cannot_be_voided_again(signed_in_client, sent_invoice):
    services.invoice_void(invoice=sent_invoice)
    response = post(signed_in_client, "invoice_void", sent_invoice)
    assert b"Invoice 1002 is already void." in response.content


def test_deleting_a_draft_removes_it_and_returns_to_the_list(signed_in_client, draft_invoice):
    response = post(signed_in_client, "invoice_delete", draft_invoice)
    assert response.redirect_chain[-1][0] == reverse("invoices:invoice_list")
    assert b"Invoice 1001 deleted." in response.content
    assert not Invoice.objects.filter(pk=draft_invoice.pk).exists()


def test_a_sent_invoice_cannot_be_deleted_only_voided(signed_in_client, sent_invoice):
    response = post(signed_in_client, "invoice_delete", sent_invoice)
    assert response.redirect_chain[-1][0] == sent_invoice.get_absolute_url()
    assert b"cannot be deleted. Void it instead." in response.content
    assert Invoice.objects.filter(pk=sent_invoice.pk).exists()
