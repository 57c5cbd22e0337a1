"""The "View Invoice in QuickBooks" link: shown whenever the invoice exists in QuickBooks,
beside whatever state its record is in, and always with the company it opens in (a QuickBooks
link names no company: it opens in the one the browser last used)."""

from decimal import Decimal

import pytest

from integrations.models import QuickBooksConnection, SyncRecord
from invoices import services
from tests.factories import make_invoice
from tests.integrations.conftest import run_outbox, send
from tests.sandbox_helpers import US_REALM, record_for

pytestmark = pytest.mark.django_db

SANDBOX = "http://qbo-sandbox.test"


def edit(invoice, memo: str) -> None:
    line = invoice.lines.get()
    services.invoice_update(invoice=invoice, number=invoice.number, contact=invoice.contact,
                            issue_date=invoice.issue_date, due_date=invoice.due_date, memo=memo,
                            lines=[services.LineInput(line.product, Decimal(1),
                                                      Decimal("150.00"))])


def screens(client, invoice) -> tuple[str, str]:
    return (client.get(f"/invoices/{invoice.pk}/").content.decode(),
            client.get("/import-invoices/").content.decode())


@pytest.fixture
def synced(sandbox, account_for):
    account = account_for("US", US_REALM)
    invoice = send(make_invoice(account=account, number="VIEW-1"))
    run_outbox(account)
    assert record_for(invoice).state == "synced"
    return invoice


def test_the_link_stays_while_an_edit_is_on_its_way(synced, client):
    edit(synced, "an edit")
    record = record_for(synced)
    assert record.state == "needs_sync" and record.qbo_id
    panel, rows = screens(client, synced)
    link = f"{SANDBOX}/app/invoice?txnId={record.qbo_id}"
    assert link in panel and link in rows
    assert "Needs Sync" in panel and "version synced before" in panel


@pytest.mark.parametrize("state", ["blocked", "failed", "syncing"])
def test_the_link_stays_beside_any_state_while_the_invoice_is_in_quickbooks(
        synced, client, state):
    SyncRecord.objects.filter(pk=record_for(synced).pk).update(
        state=state, last_error="" if state == "syncing" else "QuickBooks refused the edit.")
    panel, rows = screens(client, synced)
    link = f"{SANDBOX}/app/invoice?txnId={record_for(synced).qbo_id}"
    assert link in panel and link in rows


def test_no_link_before_the_invoice_reaches_quickbooks(sandbox, account_for, client):
    account = account_for("US", US_REALM)
    waiting = send(make_invoice(account=account, number="VIEW-2"))
    assert record_for(waiting).qbo_id == ""
    panel, rows = screens(client, waiting)
    assert "View Invoice in QuickBooks" not in panel + rows
    assert "QuickBooks opens links in the company" not in panel


def test_the_link_says_which_company_it_opens_in_and_how_to_switch(synced, client):
    connection = QuickBooksConnection.objects.get(realm_id=US_REALM)
    assert connection.company_name == "Sandbox Studio US"
    panel, rows = screens(client, synced)
    switch = f"{SANDBOX}/app/switchCompany?companyId={US_REALM}"
    for page, what in ((panel, "This invoice is"), (rows, "These invoices are")):
        assert f"{what} in <strong>Sandbox Studio US</strong>" in page
        assert f'href="{switch}"' in page and "Switch company" in page
