"""Copying an invoice (to bill again what a voided one billed): a new draft with the same
contact, lines, discount and memo, dated as asked and due as many days later."""

from datetime import date
from decimal import Decimal

import pytest

from invoices import services
from invoices.models import Invoice

pytestmark = pytest.mark.django_db


def test_a_copy_is_a_new_draft_billing_the_same(sent_invoice):
    services.invoice_update(
        invoice=sent_invoice, number=sent_invoice.number, contact=sent_invoice.contact,
        issue_date=sent_invoice.issue_date, due_date=sent_invoice.due_date,
        lines=[services.LineInput(line.product, line.quantity, line.unit_price, line.tax_rate,
                                  discount_percent=Decimal("10"))
               for line in sent_invoice.lines.all()],
        memo="Second session", discount_kind="amount", discount_value=Decimal("5.00"))
    original = Invoice.objects.get(pk=sent_invoice.pk)

    copy = services.invoice_copy(invoice=original, number="COPY-1", issue_date=date(2027, 1, 4))

    assert copy.pk != original.pk and copy.status == Invoice.Status.DRAFT
    assert (copy.number, copy.contact_id, copy.memo) == ("COPY-1", original.contact_id,
                                                         "Second session")
    assert (copy.discount_kind, copy.discount_value) == ("amount", Decimal("5.00"))
    assert copy.issue_date == date(2027, 1, 4)
    assert copy.due_date - copy.issue_date == original.due_date - original.issue_date
    assert [(line.product_id, line.quantity, line.unit_price, line.tax_rate_id,
             line.discount_percent) for line in copy.lines.all()] == [
        (line.product_id, line.quantity, line.unit_price, line.tax_rate_id,
         line.discount_percent) for line in original.lines.all()]
    assert copy.total == original.total
    assert original.status == Invoice.Status.SENT  # the original is left as it is
