"""What the person's path costs in metered calls (data-out: reads, queries, CDC; Intuit's App
Partner Program): an invoice or payment sent one at a time, for a customer and items
QuickBooks already has, reads nothing it already knows."""

import pytest

from invoices.models import Invoice
from tests.factories import make_contact, make_invoice, make_product, make_tax_rate
from tests.integrations.conftest import pay, run_outbox, send
from tests.sandbox_helpers import US_REALM, record_for

pytestmark = pytest.mark.django_db


def metered(sandbox) -> int:
    """The company's metered calls so far, as the sandbox counts them (metering.py)."""
    row = sandbox.control("GET", "requests/counts")["metered_by_realm"].get(US_REALM, {})
    return sum(row.get(kind, 0) for kind in ("read", "query", "cdc", "batch_query"))


@pytest.fixture
def known(sandbox, account_for):
    """A connected account whose contact and product are already customer and item in
    QuickBooks (its first invoice synced)."""
    account = account_for("US", US_REALM)
    tax = make_tax_rate(account=account, name="Sales Tax", percentage="10")
    product = make_product(account=account, display_name="Portrait Session", rate="150.00")
    contact = make_contact(account=account, first_name="Ben", last_name="Okafor",
                           email="ben@example.com")
    first = send(make_invoice(account=account, contact=contact, number="1042",
                              lines=[(product, "2", "150.00", tax)]))
    run_outbox(account)
    assert record_for(first).state == "synced"
    return account, contact, product, tax


def test_a_steady_state_invoice_and_its_payments_cost_no_metered_call(sandbox, known):
    account, contact, product, tax = known
    before = metered(sandbox)
    invoice = send(make_invoice(account=account, contact=contact, number="1043",
                                lines=[(product, "1", "150.00", tax)]))
    run_outbox(account)
    assert record_for(invoice).state == "synced"
    assert metered(sandbox) == before  # no DocNumber look-up, no customer or item query

    pay(invoice, "50.00")
    run_outbox(account)
    invoice = Invoice.objects.get(pk=invoice.pk)
    pay(invoice, "20.00", tip="5.00")  # a second payment, with a tip: the invoice changes too
    run_outbox(account)
    payments = list(invoice.payments.all())
    assert len(payments) == 2
    assert [record_for(p, "payment").state for p in payments] == ["synced", "synced"]
    # QuickBooks raised the invoice's SyncToken when the first payment was applied; the
    # tip's update went with the expected one, not after a read.
    assert metered(sandbox) == before
    [qbo] = sandbox.invoices(US_REALM, "1043")
    assert float(qbo["Balance"]) == 150.00 + 15.00 + 5.00 - 50.00 - 25.00  # tax, tip
    assert record_for(invoice).sync_token == str(qbo["SyncToken"])


def test_an_invoice_numbered_like_one_made_in_quickbooks_is_refused_there_and_names_it(
    sandbox, known
):
    """No look-up first: QuickBooks' own duplicate check (6140) refuses the create, and the
    block names the invoice made outside hatsync."""
    account, contact, product, tax = known
    sandbox.foreign_invoice(account, "2001")
    before = metered(sandbox)
    invoice = send(make_invoice(account=account, contact=contact, number="2001",
                                lines=[(product, "1", "150.00", tax)]))
    run_outbox(account)
    record = record_for(invoice)
    assert record.state == "blocked"
    assert "QuickBooks already has invoice 2001 (made outside hatsync)" in record.last_error
    assert len(sandbox.invoices(US_REALM, "2001")) == 1
    assert metered(sandbox) - before <= 1  # the look-up only once QuickBooks refused it


def test_a_retry_after_a_lost_create_answer_still_adopts_the_invoice(sandbox, known):
    """The first create landed but its answer was lost (and its requestid with it): the
    second attempt looks before it creates, and adopts the invoice by its marker."""
    from integrations.models import SyncRecord

    account, contact, product, tax = known
    invoice = send(make_invoice(account=account, contact=contact, number="LOST-1",
                                lines=[(product, "1", "150.00", tax)]))
    run_outbox(account)
    SyncRecord.objects.filter(pk=record_for(invoice).pk).update(
        qbo_id="", sync_token="", fingerprint="", state="needs_sync", pending_request_id="")
    run_outbox(account)
    assert len(sandbox.invoices(US_REALM, "LOST-1")) == 1
    assert record_for(invoice).state == "synced"


def test_once_the_number_is_free_in_quickbooks_a_retry_of_the_refused_invoice_syncs(
    sandbox, known
):
    """QuickBooks answers a requestid it has seen with its first answer, so the create it
    refused (6140) is spent: the retry, after the other invoice was removed there, goes
    under a new requestid and syncs."""
    import requests

    from integrations.models import QuickBooksConnection, SyncRecord
    from integrations.services import imports

    account, contact, product, tax = known
    foreign = sandbox.foreign_invoice(account, "2001")
    invoice = send(make_invoice(account=account, contact=contact, number="2001",
                                lines=[(product, "1", "150.00", tax)]))
    run_outbox(account)
    assert record_for(invoice).state == "blocked"

    connection = QuickBooksConnection.objects.get(account=account)
    requests.post(f"{sandbox.base_url}/v3/company/{US_REALM}/invoice",
                  params={"operation": "delete"}, timeout=10,
                  headers={"Authorization": f"Bearer {connection.access_token}"},
                  json={"Id": foreign["Id"], "SyncToken": foreign["SyncToken"]},
                  ).raise_for_status()
    imports.retry(connection=connection,
                  records=SyncRecord.objects.filter(pk=record_for(invoice).pk))
    run_outbox(account)
    assert record_for(invoice).state == "synced", record_for(invoice).last_error
    [qbo] = sandbox.invoices(US_REALM, "2001")
    assert qbo["Id"] == record_for(invoice).qbo_id
