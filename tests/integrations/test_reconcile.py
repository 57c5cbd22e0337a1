"""Reconcile: what hatsync believes it synced, compared with what QuickBooks holds."""

from decimal import Decimal
from unittest import mock

import pytest
import requests
from django.core.management import call_command
from django.urls import reverse

from integrations.models import QuickBooksConnection, ReconcileReport
from integrations.services import reconcile
from tests.factories import make_contact, make_invoice, make_product
from tests.integrations.conftest import pay, run_outbox
from tests.sandbox_helpers import IN_PROCESS_URL, US_REALM, record_for

pytestmark = pytest.mark.django_db


def studio(account):
    ana = make_contact(account=account, first_name="Ana", last_name="Silva")
    bo = make_contact(account=account, first_name="Bo", last_name="Lee")
    shoot = make_product(account=account, display_name="Portrait Session")
    prints = make_product(account=account, display_name="Prints")
    first = make_invoice(account=account, contact=ana, number="R-1", send=True,
                         lines=[(shoot, "1", "300.00", None), (prints, "2", "25.00", None)])
    second = make_invoice(account=account, contact=bo, number="R-2", send=True,
                          lines=[(shoot, "1", "200.00", None)])
    third = make_invoice(account=account, contact=ana, number="R-3", send=True,
                         lines=[(prints, "4", "10.00", None)])
    pay(first, "100.00", tip="20.00", reference="CARD-1")
    pay(second, "200.00")
    run_outbox(account)
    return first, second, third


def qbo_write(account, entity: str, body: dict, **params) -> dict:
    """Change QuickBooks directly, as someone working in QuickBooks would."""
    connection = QuickBooksConnection.objects.get(account=account)
    response = requests.post(
        f"{IN_PROCESS_URL}/v3/company/{connection.realm_id}/{entity.lower()}", json=body,
        params=params,
        headers={"Authorization": f"Bearer {connection.access_token}",
                 "Accept": "application/json"})
    assert response.ok, response.text
    return response.json()


def stored(sandbox, entity: str, qbo_id: str) -> dict:
    return next(e for e in sandbox.entities(US_REALM, entity) if e["Id"] == qbo_id)


def problems(report) -> set[tuple[str, str]]:
    return {(d["label"], d["problem"]) for d in report.differences}


def test_what_was_synced_matches_and_the_command_says_so(sandbox, account_for, capsys):
    account = account_for("US", US_REALM)
    studio(account)

    report = reconcile.reconcile_account(account=account)

    assert report.state == "done" and report.differences == [], report.differences
    assert (report.invoices_checked, report.payments_checked) == (3, 2)
    # Three invoices and two payments: a query by id, one by number, one for the payments.
    assert report.requests == 3
    call_command("qbo_reconcile", "--account", str(account.pk))  # exit status 0: no raise
    assert "0 difference(s)" in capsys.readouterr().out


def test_every_kind_of_difference_is_reported_and_send_again_repairs_it(sandbox, account_for,
                                                                       capsys):
    account = account_for("US", US_REALM)
    first, second, third = studio(account)
    # In QuickBooks: someone deletes R-3, edits R-2's line, and changes a payment's amount.
    gone = stored(sandbox, "Invoice", record_for(third).qbo_id)
    qbo_write(account, "Invoice", {"Id": gone["Id"], "SyncToken": gone["SyncToken"]},
              operation="delete")
    edited = stored(sandbox, "Invoice", record_for(second).qbo_id)
    edited["Line"] = [line for line in edited["Line"]
                      if line["DetailType"] == "SalesItemLineDetail"]
    edited["Line"][0]["Amount"] = "250.00"
    edited["Line"][0]["SalesItemLineDetail"]["UnitPrice"] = "250.00"
    qbo_write(account, "Invoice", edited)
    payment = first.payments.get()
    paid = stored(sandbox, "Payment", record_for(payment, "payment").qbo_id)
    paid["TotalAmt"] = "90.00"
    paid["Line"][0]["Amount"] = "90.00"
    qbo_write(account, "Payment", paid)

    report = reconcile.reconcile_account(account=account)

    found = problems(report)
    assert ("Invoice R-3", "missing") in found
    assert ("Invoice R-2", "total") in found
    assert ("Payment of 100.00 on invoice R-1", "amount") in found
    assert ("Invoice R-1", "balance") in found  # the smaller payment left more to pay
    assert all(label != "Payment of 200.00 on invoice R-2" for label, _ in found)
    total = next(d for d in report.differences if d["problem"] == "total")
    assert total["message"] == ("The total is 200.00 in hatsync but 250.00 in QuickBooks.")
    with pytest.raises(SystemExit) as exit_status:
        call_command("qbo_reconcile", "--account", str(account.pk))
    assert exit_status.value.code == 1
    assert "Invoice R-3: missing:" in capsys.readouterr().out

    for record_id in {d["record"] for d in report.differences}:
        reconcile.resync(account=account, record_id=record_id)
    run_outbox(account)

    after = reconcile.reconcile_account(account=account)
    assert after.differences == [], [d["message"] for d in after.differences]
    # R-3 was made again, once: QuickBooks has one invoice with that number.
    assert [i["DocNumber"] for i in sandbox.entities(US_REALM, "Invoice")].count("R-3") == 1


def test_a_second_copy_in_quickbooks_is_reported_with_both_links(sandbox, account_for,
                                                                 signed_in_client):
    account = account_for("US", US_REALM)
    first, _, _ = studio(account)
    original = stored(sandbox, "Invoice", record_for(first).qbo_id)
    copy = {key: original[key] for key in ("DocNumber", "CustomerRef", "PrivateNote")}
    copy["Line"] = [line for line in original["Line"]
                    if line["DetailType"] == "SalesItemLineDetail"]
    made = qbo_write(account, "Invoice", copy, include="allowduplicatedocnum")["Invoice"]

    report = reconcile.reconcile_account(account=account)

    duplicate = next(d for d in report.differences if d["problem"] == "duplicate")
    assert duplicate["label"] == "Invoice R-1"
    assert duplicate["qbo_ids"] == sorted([original["Id"], made["Id"]])
    page = signed_in_client_for(account, signed_in_client).get(reverse("integrations:settings"))
    html = page.content.decode()
    assert "QuickBooks has 2 invoices for this one invoice." in html
    assert f"txnId={made['Id']}" in html and f"txnId={original['Id']}" in html


def signed_in_client_for(account, client):
    client.force_login(account.users.first())
    return client


def test_the_page_starts_a_check_once_and_shows_checking(
        sandbox, account_for, client, django_capture_on_commit_callbacks):
    account = account_for("US", US_REALM)
    studio(account)
    with (mock.patch("integrations.tasks.reconcile_account.delay") as delay,
          django_capture_on_commit_callbacks(execute=True)):  # queued once the report is saved
        client.post(reverse("integrations:reconcile_start"))
        client.post(reverse("integrations:reconcile_start"))  # pressed twice: one check
    assert delay.call_count == 1
    report = ReconcileReport.objects.get(account=account)
    assert report.state == "running"
    section = client.get(reverse("integrations:reconcile")).content.decode()
    assert "Checking…" in section and "data-refresh-url" in section

    reconcile.run_report(report_id=report.pk)
    section = client.get(reverse("integrations:reconcile")).content.decode()
    assert "All match" in section and "data-refresh-url" not in section
    assert "3 invoices and 2 payments checked" in section


def test_a_connection_that_needs_reconnecting_gives_a_report_that_says_so(sandbox, account_for):
    account = account_for("US", US_REALM)
    studio(account)
    QuickBooksConnection.objects.filter(account=account).update(
        status="needs_reconnect", status_reason="Reconnect to QuickBooks.")

    report = reconcile.reconcile_account(account=account)

    assert report.state == "failed" and report.error == "Reconnect to QuickBooks."


def test_send_again_is_scoped_to_the_account(sandbox, account_for, client):
    account = account_for("US", US_REALM)
    first, _, _ = studio(account)
    record = record_for(first)
    from tests.factories import make_account, make_user

    stranger = make_user(account=make_account(country="US"))
    client.force_login(stranger)
    response = client.post(reverse("integrations:reconcile_repair"),
                           {"record": record.pk, "action": "send"})
    assert response.status_code == 404
    record.refresh_from_db()
    assert record.state == "synced" and record.fingerprint


def test_expected_figures_are_pure(db):
    found = {"TotalAmt": "110.00", "Balance": "10.00", "TxnTaxDetail": {"TotalTax": "10.00"},
             "CustomerRef": {"value": "7"}, "DocNumber": "A-1",
             "Line": [{"DetailType": "SalesItemLineDetail"}, {"DetailType": "SubTotalLineDetail"}]}
    expected = reconcile.ExpectedInvoice(number="A-1", doc_number="A-1", voided=False,
                                         total=Decimal("110.00"), tax=Decimal("10.00"),
                                         balance=Decimal("10.00"), sales_lines=1, customer_id="7")
    assert reconcile.invoice_differences(expected, found) == []
    found["CustomerRef"] = {"value": "8", "name": "Someone Else"}
    found["Line"] = found["Line"] * 2
    assert [p for p, _ in reconcile.invoice_differences(expected, found)] == [
        "lines", "customer"]


def test_canadian_tax_is_rounded_per_rate_so_quickbooks_has_the_same_total(sandbox,
                                                                           account_for):
    """Two lines of 10.10 at GST 5%: line by line 0.51 + 0.51, per rate 1.01 (QuickBooks
    rounds each rate once). hatsync's total is QuickBooks' total, to the cent."""
    from tests.factories import make_tax_rate
    from tests.sandbox_helpers import CA_REALM

    account = account_for("CA", CA_REALM)
    gst = make_tax_rate(account=account, name="GST", percentage="5")
    prints = make_product(account=account, display_name="Prints")
    invoice = make_invoice(account=account, number="CA-1", send=True,
                           lines=[(prints, "1", "10.10", gst), (prints, "1", "10.10", gst)])
    run_outbox(account)

    assert invoice.tax_total == Decimal("1.01") and invoice.total == Decimal("21.21")
    [qbo] = sandbox.entities(CA_REALM, "Invoice")
    assert Decimal(str(qbo["TotalAmt"])) == invoice.total
    assert reconcile.reconcile_account(account=account).differences == []
