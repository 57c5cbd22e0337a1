"""A write QuickBooks refused goes again under a new requestid once the cause is fixed.

QuickBooks answers a repeated requestid with its first answer, so re-sending a refused write
under the same requestid would be refused forever."""

import pytest

from integrations.models import SyncRecord
from tests.factories import make_invoice
from tests.integrations.conftest import US_REALM, pay, run_outbox, send

pytestmark = pytest.mark.django_db


def test_a_payment_refused_because_tips_were_turned_off_syncs_once_they_are_back_on(
    sandbox, account_for
):
    account = account_for("US", US_REALM)
    invoice = send(make_invoice(account=account, number="T-1"))
    run_outbox(account)
    # Tips turned off in QuickBooks after hatsync last read the settings.
    sandbox.control("PATCH", f"companies/{US_REALM}/preferences", json={"gratuity": False})
    pay(invoice, "100.00", tip="10.00")
    run_outbox(account)
    payment = SyncRecord.objects.get(kind="payment")
    assert payment.state == "failed" and "Gratuity" in payment.last_error

    sandbox.control("PATCH", f"companies/{US_REALM}/preferences", json={"gratuity": True})
    SyncRecord.objects.filter(pk=payment.pk).update(state="needs_sync")  # the user presses Sync
    run_outbox(account)
    payment.refresh_from_db()
    assert payment.state == "synced", payment.last_error
    [qbo] = [i for i in sandbox.entities(US_REALM, "Invoice") if i["DocNumber"] == "T-1"]
    assert float(qbo["TotalAmt"]) == 110.0 and float(qbo["Balance"]) == 0
