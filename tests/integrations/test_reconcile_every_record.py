"""Reconcile compares every record hatsync ever synced, whatever its state now, offers only
the actions that can work, and says "All match" only when everything was read and matches."""

from unittest import mock

import pytest
from django.urls import reverse

from integrations.models import ReconcileReport, SyncRecord
from integrations.qbo.errors import QboThrottled
from integrations.services import reconcile
from invoices.models import Invoice
from tests.integrations.conftest import run_outbox
from tests.integrations.test_reconcile import qbo_write, stored, studio
from tests.sandbox_helpers import US_REALM, record_for

pytestmark = pytest.mark.django_db


def void_in_quickbooks(sandbox, account, invoice) -> None:
    found = stored(sandbox, "Invoice", record_for(invoice).qbo_id)
    qbo_write(account, "Invoice", {"Id": found["Id"], "SyncToken": found["SyncToken"]},
              operation="void")


def delete_in_quickbooks(sandbox, account, invoice) -> None:
    found = stored(sandbox, "Invoice", record_for(invoice).qbo_id)
    qbo_write(account, "Invoice", {"Id": found["Id"], "SyncToken": found["SyncToken"]},
              operation="delete")


def only(report, label: str) -> dict:
    [difference] = [d for d in report.differences if d["label"] == label]
    return difference


def test_an_invoice_voided_in_quickbooks_stays_listed_whatever_its_state(sandbox, account_for):
    account = account_for("US", US_REALM)
    _, _, third = studio(account)  # 40.00, unpaid
    void_in_quickbooks(sandbox, account, third)

    report = reconcile.reconcile_account(account=account)

    voided = only(report, "Invoice R-3")
    assert voided["problem"] == "voided"
    assert voided["message"] == ("It was voided in QuickBooks, but not here: hatsync holds "
                                 "40.00 and QuickBooks 0.00.")
    # QuickBooks cannot edit a voided invoice: Send again is not offered.
    assert voided["actions"] == ["void_here", "copy"]
    assert record_for(third).qbo_status == SyncRecord.QboStatus.VOIDED  # flagged for the page
    # A failed send (as the old Send again left it) does not take it out of the next check.
    SyncRecord.objects.filter(pk=voided["record"]).update(
        state=SyncRecord.State.FAILED, last_error="A voided transaction can't be edited.")

    again = reconcile.reconcile_account(account=account)

    assert only(again, "Invoice R-3")["problem"] == "voided"
    assert again.invoices_checked == 3
    with pytest.raises(reconcile.RepairRefused):
        reconcile.repair(account=account, record_id=voided["record"], action="send")


def test_void_it_here_voids_the_invoice_and_the_next_check_matches(sandbox, account_for,
                                                                    client):
    account = account_for("US", US_REALM)
    _, _, third = studio(account)
    void_in_quickbooks(sandbox, account, third)
    report = reconcile.reconcile_account(account=account)
    page = client.get(reverse("integrations:settings")).content.decode()
    assert "Void it here" in page and "Make a new one" in page
    assert "All match" not in page

    client.post(reverse("integrations:reconcile_repair"),
                {"record": only(report, "Invoice R-3")["record"], "action": "void_here"})
    run_outbox(account)

    third.refresh_from_db()
    assert third.status == Invoice.Status.VOID
    page = client.get(reverse("integrations:settings")).content.decode()
    assert "Voided here. Check again to confirm." in page
    after = reconcile.reconcile_account(account=account)
    assert after.differences == [] and after.unchecked == 0
    assert "All match" in client.get(reverse("integrations:settings")).content.decode()


def test_make_a_new_one_copies_the_invoice_to_a_draft_and_voids_the_old_one_here(
        sandbox, account_for, client):
    account = account_for("US", US_REALM)
    _, _, third = studio(account)
    void_in_quickbooks(sandbox, account, third)
    report = reconcile.reconcile_account(account=account)

    response = client.post(reverse("integrations:reconcile_repair"),
                           {"record": only(report, "Invoice R-3")["record"], "action": "copy"})

    copy = Invoice.objects.filter(account=account).exclude(
        number__in=["R-1", "R-2", "R-3"]).get()
    assert response.status_code == 302 and response.url == copy.get_absolute_url()
    assert copy.status == Invoice.Status.DRAFT and copy.contact_id == third.contact_id
    assert [(line.product_id, line.quantity, line.unit_price) for line in copy.lines.all()] == [
        (line.product_id, line.quantity, line.unit_price) for line in third.lines.all()]
    assert copy.total == third.total
    third.refresh_from_db()
    assert third.status == Invoice.Status.VOID
    run_outbox(account)
    assert reconcile.reconcile_account(account=account).differences == []


def test_a_voided_invoice_with_payments_offers_only_a_new_one(sandbox, account_for):
    account = account_for("US", US_REALM)
    first, _, _ = studio(account)  # R-1 has a payment
    void_in_quickbooks(sandbox, account, first)

    report = reconcile.reconcile_account(account=account)

    voided = only(report, "Invoice R-1")
    assert voided["problem"] == "voided" and voided["actions"] == ["copy"]
    assert "It has payments here, so it cannot be voided here" in voided["message"]
    with pytest.raises(reconcile.RepairRefused):
        reconcile.repair(account=account, record_id=voided["record"], action="void_here")


def test_a_deleted_invoice_is_made_again_and_its_flag_cleared(sandbox, account_for):
    account = account_for("US", US_REALM)
    _, second, _ = studio(account)
    delete_in_quickbooks(sandbox, account, second)
    SyncRecord.objects.filter(pk=record_for(second).pk).update(
        qbo_status=SyncRecord.QboStatus.DELETED)  # as the webhook flags it

    report = reconcile.reconcile_account(account=account)

    missing = only(report, "Invoice R-2")
    assert missing["problem"] == "missing" and missing["actions"] == ["recreate"]
    reconcile.repair(account=account, record_id=missing["record"], action="recreate")
    record = record_for(second)
    assert record.qbo_status == SyncRecord.QboStatus.ACTIVE and record.qbo_id == ""
    run_outbox(account)
    assert reconcile.reconcile_account(account=account).differences == []
    assert [i["DocNumber"] for i in sandbox.entities(US_REALM, "Invoice")
            if i.get("PrivateNote") != "Voided"].count("R-2") == 1


def test_records_waiting_blocked_or_paused_are_compared_too(sandbox, account_for):
    account = account_for("US", US_REALM)
    _, second, _ = studio(account)
    # R-2 is edited in QuickBooks while hatsync's record waits, blocked, then paused.
    edited = stored(sandbox, "Invoice", record_for(second).qbo_id)
    edited["Line"] = [line for line in edited["Line"]
                      if line["DetailType"] == "SalesItemLineDetail"]
    edited["Line"][0]["Amount"] = "250.00"
    edited["Line"][0]["SalesItemLineDetail"]["UnitPrice"] = "250.00"
    qbo_write(account, "Invoice", edited)
    for changes in ({"state": SyncRecord.State.BLOCKED, "last_error": "Blocked."},
                    {"state": SyncRecord.State.NEEDS_SYNC, "paused": True}):
        SyncRecord.objects.filter(pk=record_for(second).pk).update(**changes)

        report = reconcile.reconcile_account(account=account)

        assert ("Invoice R-2", "total") in {(d["label"], d["problem"])
                                            for d in report.differences}
        assert (report.invoices_checked, report.payments_checked) == (3, 2)


def test_what_could_not_be_read_is_counted_and_all_match_is_not_said(sandbox, account_for,
                                                                     client):
    account = account_for("US", US_REALM)
    studio(account)
    from integrations.qbo.client import QboClient

    real_query = QboClient.query

    def busy_for_payments(self, text, *args, **kwargs):
        if "from Payment" in text or "FROM Payment" in text:
            raise QboThrottled("QuickBooks is getting too many requests for this company "
                               "right now.", retry_after=60)
        return real_query(self, text, *args, **kwargs)

    with mock.patch.object(QboClient, "query", busy_for_payments):
        report = reconcile.reconcile_account(account=account)

    assert report.state == ReconcileReport.State.DONE
    assert (report.invoices_checked, report.payments_checked, report.unchecked) == (3, 0, 2)
    assert "too many requests" in report.unchecked_reason
    page = client.get(reverse("integrations:settings")).content.decode()
    assert "All match" not in page
    assert "2 payments could not be checked" in page


def test_an_edit_to_an_invoice_voided_in_quickbooks_is_blocked_with_what_to_do(sandbox,
                                                                              account_for):
    from invoices import services
    from invoices.services import LineInput

    account = account_for("US", US_REALM)
    _, _, third = studio(account)
    void_in_quickbooks(sandbox, account, third)
    reconcile.reconcile_account(account=account)  # flags it, as a webhook would
    before = stored(sandbox, "Invoice", record_for(third).qbo_id)["SyncToken"]
    line = third.lines.get()
    services.invoice_update(
        invoice=third, number=third.number, contact=third.contact, issue_date=third.issue_date,
        due_date=third.due_date, lines=[LineInput(line.product, line.quantity, line.unit_price
                                                  + 1)])

    run_outbox(account)

    record = record_for(third)
    assert record.state == SyncRecord.State.BLOCKED
    assert record.last_error.startswith("This invoice was voided in QuickBooks")
    assert stored(sandbox, "Invoice", record.qbo_id)["SyncToken"] == before  # nothing sent


def test_a_payment_voided_in_quickbooks_is_made_again_there(sandbox, account_for):
    account = account_for("US", US_REALM)
    _, second, _ = studio(account)  # R-2 paid 200.00 in full
    payment = second.payments.get()
    found = stored(sandbox, "Payment", record_for(payment, "payment").qbo_id)
    qbo_write(account, "Payment", {"Id": found["Id"], "SyncToken": found["SyncToken"]},
              operation="void")

    report = reconcile.reconcile_account(account=account)

    voided = only(report, "Payment of 200.00 on invoice R-2")
    assert voided["problem"] == "voided" and voided["actions"] == ["recreate"]
    assert voided["message"] == ("It was voided in QuickBooks, but not here: hatsync holds "
                                 "200.00 and QuickBooks 0.00.")
    reconcile.repair(account=account, record_id=voided["record"], action="recreate")
    run_outbox(account)

    after = reconcile.reconcile_account(account=account)
    assert after.differences == [], [d["message"] for d in after.differences]
    assert record_for(payment, "payment").qbo_id != found["Id"]
