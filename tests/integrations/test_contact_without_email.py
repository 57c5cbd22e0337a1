"""A contact without an email syncs: its customer goes to QuickBooks with no address."""

import pytest

from invoices.models import Contact
from tests.factories import make_invoice
from tests.integrations.conftest import run_outbox
from tests.sandbox_helpers import US_REALM, record_for

pytestmark = pytest.mark.django_db


def test_an_invoice_for_a_contact_without_email_syncs(sandbox, account_for):
    account = account_for("US", US_REALM)
    contact = Contact.objects.create(account=account, first_name="Nomail", last_name="Jones")
    invoice = make_invoice(account=account, contact=contact, number="NE-1", send=True)
    run_outbox(account)
    assert record_for(invoice, "invoice").state == "synced"
    customer = next(c for c in sandbox.entities(US_REALM, "Customer")
                    if c.get("GivenName") == "Nomail")
    assert "PrimaryEmailAddr" not in customer
    assert "BillEmail" not in sandbox.invoices(US_REALM, "NE-1")[0]
