"""The invoice page's QuickBooks panel: each payment has its own state and shows its
reference as QuickBooks stores it."""

import pytest
from django.utils import timezone

from integrations.models import QuickBooksConnection
from tests.factories import make_invoice
from tests.integrations.conftest import pay, run_outbox
from tests.sandbox_helpers import US_REALM

pytestmark = pytest.mark.django_db

LONG_REFERENCE = "STRIPE-CHARGE-0000-1111-2222-3333"  # 33 characters


def test_each_payment_shows_its_state_and_its_reference_in_quickbooks(
    sandbox, account_for, client
):
    account = account_for("US", US_REALM)
    invoice = make_invoice(account=account, number="PAY-1", send=True)
    pay(invoice, "40.00", reference=LONG_REFERENCE)
    run_outbox(account)
    page = client.get(f"/invoices/{invoice.pk}/").content.decode()
    panel = page[page.index('class="card qbo-panel"'):]
    assert "Payments" in panel and "badge-synced" in panel.split("panel-payments")[1]
    assert "reference in QuickBooks: STRIP...111-2222-3333" in panel


def test_a_payment_on_an_invoice_not_yet_in_quickbooks_says_it_waits_for_it(
    sandbox, account_for, client
):
    account = account_for("US", US_REALM)
    QuickBooksConnection.objects.filter(account=account).update(
        connected_at=timezone.now() + timezone.timedelta(days=1))  # waits for Import
    invoice = make_invoice(account=account, number="PAY-2", send=True)
    pay(invoice, "10.00", reference="R-1")
    page = client.get(f"/invoices/{invoice.pk}/").content.decode()
    assert "Waiting for its invoice" in page
    assert "reference in QuickBooks" not in page  # short references stay as they are


def test_the_panel_refreshes_itself_only_while_a_sync_is_under_way(sandbox, account_for, client):
    account = account_for("US", US_REALM)
    invoice = make_invoice(account=account, number="PAY-3", send=True)  # waits for the worker
    page = client.get(f"/invoices/{invoice.pk}/").content.decode()
    refresh = f"/invoices/{invoice.pk}/quickbooks-panel/"
    assert f'data-refresh-url="{refresh}"' in page
    run_outbox(account)
    panel = client.get(refresh).content.decode()
    assert "badge-synced" in panel and "data-refresh-url" not in panel  # done: it stops


def test_the_panel_is_only_the_owners(sandbox, account_for, client):
    invoice = make_invoice(account=account_for("US", US_REALM), number="MINE", send=True)
    account_for("CA", "9341453108260002")  # someone else signs in
    assert client.get(f"/invoices/{invoice.pk}/quickbooks-panel/").status_code == 404


def test_a_tip_says_what_the_total_is_in_quickbooks(sandbox, account_for, client):
    account = account_for("US", US_REALM)
    QuickBooksConnection.objects.filter(account=account).update(
        settings_snapshot={**QuickBooksConnection.objects.get(account=account)
                           .settings_snapshot, "gratuity": True})
    invoice = make_invoice(account=account, number="TIP-1", send=True)  # 100.00
    pay(invoice, "100.00", tip="15.00")
    run_outbox(account)
    page = client.get(f"/invoices/{invoice.pk}/").content.decode()
    assert "In QuickBooks the total is <strong>$115.00</strong>: the $15.00 tip" in page


def test_a_contact_page_names_its_quickbooks_customer_when_it_differs(
    sandbox, account_for, client
):
    from tests.factories import make_contact

    account = account_for("US", US_REALM)
    twins = [make_contact(account=account, first_name="Ana", last_name="Silva",
                          email=f"ana{n}@example.com") for n in range(2)]
    for n, contact in enumerate(twins):
        make_invoice(account=account, contact=contact, number=f"TW-{n}", send=True)
    run_outbox(account)
    page = client.get(f"/contacts/{twins[1].pk}/edit/").content.decode()
    assert "In QuickBooks this contact is the customer “Ana Silva (ana1@example.com)”." in page
