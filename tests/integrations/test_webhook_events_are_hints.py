"""A webhook event is a hint, never a fact (issue 21, item 2): every delete or void is
confirmed by reading QuickBooks, an event already applied (by its CloudEvents id) or older
than the state applied for its object is acknowledged and does nothing (no read: reads are
metered), and change data capture can still repair anything a wrong event did. Also: a
body nested too deep, or of a shape no CloudEvent has, is a clear 400 or ignored, never a
500 (item 5)."""

import json
import uuid
from datetime import timedelta
from decimal import Decimal
from unittest import mock

import pytest
from django.utils import timezone

from integrations import tasks
from integrations.models import AppliedEvent, AppliedState, QuickBooksConnection, SyncRecord
from integrations.services import inbound
from invoices.models import Invoice, Payment
from qbo_sandbox.webhooks import signature
from tests.integrations.test_changes_from_quickbooks import (  # noqa: F401
    TOKEN,
    _bookkeeper,
    deliver_and_process,
    payment_in_quickbooks,
    post_to_endpoint,
    synced_invoice,
    webhooks,
)
from tests.sandbox_helpers import US_REALM, record_for

pytestmark = pytest.mark.django_db


def cloud_event(type_: str, qbo_id: str, *, time: str | None = None,
                event_id: str | None = None) -> dict:
    """A CloudEvent as Intuit signs it (anyone holding the verifier token can sign one)."""
    return {"specversion": "1.0", "id": event_id or uuid.uuid4().hex, "source": "intuit.test",
            "type": type_, "datacontenttype": "application/json",
            "time": time or timezone.now().isoformat(timespec="milliseconds"),
            "intuitentityid": str(qbo_id), "intuitaccountid": US_REALM, "data": {}}


def post_and_process(client, body: bytes, sig: str | None = None) -> int:
    """POST a signed body to the endpoint (200 expected) and run the task it queued here."""
    with mock.patch.object(tasks.process_webhook, "apply_async") as queued:
        response = post_to_endpoint(client, body, signature(TOKEN, body) if sig is None
                                    else sig)
    assert response.status_code == 200, response.content
    return sum(inbound.process_events(events=call.args[0][0])
               for call in queued.call_args_list)


def signed(*events: dict) -> bytes:
    return json.dumps(list(events)).encode()


def reads_of(sandbox, entity: str) -> list:
    return [c for c in sandbox.api_calls() if c.request.method == "GET"
            and f"/{entity.lower()}/" in c.request.url.lower()]


def paid_from_quickbooks(sandbox, account, client, webhooks):  # noqa: F811
    """An invoice paid in full by a payment entered in QuickBooks (brought back here)."""
    invoice = synced_invoice(account)
    hooks = webhooks()
    qbo_payment = payment_in_quickbooks(sandbox, account, invoice, 100)
    deliver_and_process(client, hooks)
    assert Invoice.objects.get(pk=invoice.pk).status == Invoice.Status.PAID
    return invoice, qbo_payment, hooks


def delete_in_quickbooks(account, entity: str, qbo_id: str) -> None:
    """Someone deletes the object in QuickBooks itself."""
    import requests

    connection = QuickBooksConnection.objects.get(account=account)
    current = requests.get(
        f"http://qbo-sandbox.test/v3/company/{US_REALM}/{entity.lower()}/{qbo_id}",
        headers={"Authorization": f"Bearer {connection.access_token}",
                 "Accept": "application/json"}).json()[entity]
    requests.post(
        f"http://qbo-sandbox.test/v3/company/{US_REALM}/{entity.lower()}",
        params={"operation": "delete"},
        json={"Id": current["Id"], "SyncToken": current["SyncToken"]},
        headers={"Authorization": f"Bearer {connection.access_token}",
                 "Accept": "application/json"}).raise_for_status()


# --- a delete or void is confirmed by reading QuickBooks --------------------------------------
@pytest.mark.parametrize("type_", ["qbo.payment.deleted.v1", "qbo.payment.voided.v1"])
def test_a_signed_payment_deleted_event_for_a_payment_quickbooks_still_holds_removes_nothing(
    sandbox, account_for, client, webhooks, type_  # noqa: F811
):
    account = account_for("US", US_REALM)
    invoice, qbo_payment, _ = paid_from_quickbooks(sandbox, account, client, webhooks)
    sandbox.rsps.calls.reset()

    post_and_process(client, signed(cloud_event(type_, qbo_payment["Id"])))

    assert len(reads_of(sandbox, "Payment")) == 1  # asked QuickBooks: it still holds it
    [payment] = Payment.objects.filter(invoice=invoice)
    assert payment.amount == Decimal("100.00")
    assert Invoice.objects.get(pk=invoice.pk).status == Invoice.Status.PAID
    assert SyncRecord.objects.get(kind="payment", qbo_id=qbo_payment["Id"]).qbo_status == ""


@pytest.mark.parametrize("type_", ["qbo.invoice.deleted.v1", "qbo.invoice.voided.v1"])
def test_a_signed_invoice_deleted_event_for_an_invoice_quickbooks_still_holds_flags_nothing(
    sandbox, account_for, client, webhooks, type_  # noqa: F811
):
    account = account_for("US", US_REALM)
    invoice = synced_invoice(account)
    webhooks()
    sandbox.rsps.calls.reset()

    post_and_process(client, signed(cloud_event(type_, record_for(invoice).qbo_id)))

    assert len(reads_of(sandbox, "Invoice")) == 1
    record = record_for(invoice)
    assert (record.qbo_status, record.qbo_status_at) == ("", None)
    page = client.get(f"/invoices/{invoice.pk}/").content.decode()
    assert "in QuickBooks on" not in page


def test_a_payment_really_deleted_in_quickbooks_is_removed_once_quickbooks_says_not_found(
    sandbox, account_for, client, webhooks  # noqa: F811
):
    account = account_for("US", US_REALM)
    invoice, qbo_payment, hooks = paid_from_quickbooks(sandbox, account, client, webhooks)
    delete_in_quickbooks(account, "Payment", qbo_payment["Id"])
    sandbox.rsps.calls.reset()

    events = deliver_and_process(client, hooks)

    assert "qbo.payment.deleted.v1" in {e["type"] for e in events}
    [read] = reads_of(sandbox, "Payment")
    assert read.response.status_code != 200  # QuickBooks: no such object
    assert not Payment.objects.filter(invoice=invoice).exists()
    assert Invoice.objects.get(pk=invoice.pk).status == Invoice.Status.SENT
    assert SyncRecord.objects.get(kind="payment", qbo_id=qbo_payment["Id"]).qbo_status == (
        "deleted")


def test_an_invoice_really_deleted_in_quickbooks_is_flagged_once_quickbooks_says_not_found(
    sandbox, account_for, client, webhooks  # noqa: F811
):
    account = account_for("US", US_REALM)
    invoice = synced_invoice(account)
    hooks = webhooks()
    _bookkeeper(sandbox, account, invoice, "delete")
    sandbox.rsps.calls.reset()

    deliver_and_process(client, hooks)

    assert len(reads_of(sandbox, "Invoice")) == 1
    assert record_for(invoice).qbo_status == "deleted"


def test_a_signed_merge_event_quickbooks_did_not_make_moves_nothing(
    sandbox, account_for, client, webhooks  # noqa: F811
):
    from tests.factories import make_contact
    from tests.integrations.test_merges import customer_record, synced_invoice_for

    account = account_for("US", US_REALM)
    ana = make_contact(account=account, first_name="Ana", last_name="Kept")
    synced_invoice_for(account, ana)
    held = customer_record(ana).qbo_id
    other = sandbox.api_post(account, "Customer", {"DisplayName": "Someone else"})
    webhooks()
    sandbox.rsps.calls.reset()
    forged = {**cloud_event("qbo.customer.merged.v1", other["Id"]),
              "data": {"deletedid": held}}

    post_and_process(client, signed(forged))

    assert len(reads_of(sandbox, "Customer")) == 1  # ana's customer: still there
    assert customer_record(ana).qbo_id == held


# --- replays and old events ----------------------------------------------------------------------
def test_the_same_body_delivered_again_is_acknowledged_and_applied_once(
    sandbox, account_for, client, webhooks  # noqa: F811
):
    account = account_for("US", US_REALM)
    invoice = synced_invoice(account)
    hooks = webhooks()
    payment_in_quickbooks(sandbox, account, invoice, 40)
    [(body, sig)] = hooks.deliver()
    sandbox.rsps.calls.reset()

    assert post_and_process(client, body, sig) >= 1  # the payment (and its invoice)
    reads = len(sandbox.api_calls())
    assert post_and_process(client, body, sig) == 0  # acknowledged (200), nothing done
    assert post_and_process(client, body, sig) == 0

    assert len(sandbox.api_calls()) == reads  # not one read more
    assert len(reads_of(sandbox, "Payment")) == 1
    assert Payment.objects.filter(invoice=invoice).count() == 1
    ids = {event["id"] for event in json.loads(body)}
    assert set(AppliedEvent.objects.filter(account=account, realm_id=US_REALM).values_list(
        "event_id", flat=True)) == ids


def test_a_replayed_delete_after_the_payment_was_entered_again_is_not_believed(
    sandbox, account_for, client, webhooks  # noqa: F811
):
    """The probe's replay: the same signed delete body posted again and again."""
    account = account_for("US", US_REALM)
    invoice, qbo_payment, _ = paid_from_quickbooks(sandbox, account, client, webhooks)
    forged = signed(cloud_event("qbo.payment.deleted.v1", qbo_payment["Id"]))
    post_and_process(client, forged)
    sandbox.rsps.calls.reset()

    for _ in range(3):
        post_and_process(client, forged)

    assert reads_of(sandbox, "Payment") == []
    assert Invoice.objects.get(pk=invoice.pk).status == Invoice.Status.PAID


def test_an_event_older_than_the_state_applied_is_skipped_without_a_read(
    sandbox, account_for, client, webhooks  # noqa: F811
):
    account = account_for("US", US_REALM)
    invoice, qbo_payment, _ = paid_from_quickbooks(sandbox, account, client, webhooks)
    now = timezone.now()
    newer = cloud_event("qbo.payment.updated.v1", qbo_payment["Id"],
                        time=now.isoformat(timespec="milliseconds"))
    older = cloud_event("qbo.payment.deleted.v1", qbo_payment["Id"],
                        time=(now - timedelta(seconds=5)).isoformat(timespec="milliseconds"))
    post_and_process(client, signed(newer))
    sandbox.rsps.calls.reset()

    assert post_and_process(client, signed(older)) == 0

    assert reads_of(sandbox, "Payment") == []
    assert Invoice.objects.get(pk=invoice.pk).status == Invoice.Status.PAID
    state = AppliedState.objects.get(account=account, realm_id=US_REALM, entity="Payment",
                                     qbo_id=qbo_payment["Id"])
    assert state.changed_at >= now - timedelta(seconds=1)


def test_an_event_with_a_time_in_the_future_does_not_hold_back_the_next_changes(
    sandbox, account_for, client, webhooks  # noqa: F811
):
    account = account_for("US", US_REALM)
    invoice, qbo_payment, hooks = paid_from_quickbooks(sandbox, account, client, webhooks)
    post_and_process(client, signed(cloud_event(
        "qbo.payment.updated.v1", qbo_payment["Id"], time="2099-01-01T00:00:00.000Z")))
    delete_in_quickbooks(account, "Payment", qbo_payment["Id"])

    deliver_and_process(client, hooks)

    assert not Payment.objects.filter(invoice=invoice).exists()


# --- the catch-up repairs ------------------------------------------------------------------------
def test_the_catch_up_repairs_what_an_older_code_believed_from_wrong_events(
    sandbox, account_for, client, webhooks  # noqa: F811
):
    account = account_for("US", US_REALM)
    invoice, qbo_payment, _ = paid_from_quickbooks(sandbox, account, client, webhooks)
    other = synced_invoice(account)
    connection = QuickBooksConnection.objects.get(account=account)
    # What the code before issue 21 did with a signed delete for each (no read):
    inbound.apply_change(connection=connection, entity_name="Payment",
                         qbo_id=qbo_payment["Id"], entity=None)
    inbound.apply_change(connection=connection, entity_name="Invoice",
                         qbo_id=record_for(other).qbo_id, entity=None)
    assert Invoice.objects.get(pk=invoice.pk).status == Invoice.Status.SENT
    assert record_for(other).qbo_status == "deleted"
    AppliedState.objects.all().delete()  # the older code kept no state
    QuickBooksConnection.objects.filter(pk=connection.pk).update(cdc_cursor=None)

    inbound.catch_up(connection_id=connection.pk)

    [payment] = Payment.objects.filter(invoice=invoice)
    assert payment.recorded_in_quickbooks and payment.amount == Decimal("100.00")
    assert Invoice.objects.get(pk=invoice.pk).status == Invoice.Status.PAID
    assert SyncRecord.objects.get(kind="payment", qbo_id=qbo_payment["Id"],
                                  payment=payment).qbo_status == ""
    other_record = record_for(other)
    assert (other_record.qbo_status, other_record.qbo_status_at) == ("", None)


def test_an_invoice_voided_here_while_wrongly_flagged_deleted_is_voided_there_once_repaired(
    sandbox, account_for, client, webhooks  # noqa: F811
):
    from invoices import services
    from tests.integrations.conftest import run_outbox

    account = account_for("US", US_REALM)
    invoice = synced_invoice(account)
    connection = QuickBooksConnection.objects.get(account=account)
    inbound.apply_change(connection=connection, entity_name="Invoice",
                         qbo_id=record_for(invoice).qbo_id, entity=None)  # a wrong flag
    services.invoice_void(invoice=invoice)
    run_outbox(account)  # "void it here too": nothing sent, it was believed gone
    QuickBooksConnection.objects.filter(pk=connection.pk).update(cdc_cursor=None)

    inbound.catch_up(connection_id=connection.pk)
    run_outbox(account)

    qbo_invoice = next(i for i in sandbox.entities(US_REALM, "Invoice")
                       if i["Id"] == record_for(invoice).qbo_id)
    assert inbound.is_voided(qbo_invoice)
    assert record_for(invoice).qbo_status == "void"


def test_the_order_guard_never_stops_the_catch_up_from_applying_a_newer_state(
    sandbox, account_for, client, webhooks  # noqa: F811
):
    account = account_for("US", US_REALM)
    invoice, qbo_payment, hooks = paid_from_quickbooks(sandbox, account, client, webhooks)
    sandbox.control("POST", "webhooks/faults", json={"drop": 1})
    current = next(p for p in sandbox.entities(US_REALM, "Payment")
                   if p["Id"] == qbo_payment["Id"])
    sandbox.api_post(account, "Payment", {
        **current, "TotalAmt": 60,
        "Line": [{"Amount": 60, "LinkedTxn": [{"TxnId": record_for(invoice).qbo_id,
                                               "TxnType": "Invoice"}]}]})
    assert deliver_and_process(client, hooks) == []  # the webhook was lost
    connection = QuickBooksConnection.objects.get(account=account)
    QuickBooksConnection.objects.filter(pk=connection.pk).update(cdc_cursor=None)

    inbound.catch_up(connection_id=connection.pk)

    assert Payment.objects.get(invoice=invoice).amount == Decimal("60.00")
    assert Invoice.objects.get(pk=invoice.pk).status == Invoice.Status.PARTIALLY_PAID


def test_a_stale_catch_up_answer_never_undoes_a_newer_state(
    sandbox, account_for, client, webhooks  # noqa: F811
):
    account = account_for("US", US_REALM)
    invoice, qbo_payment, hooks = paid_from_quickbooks(sandbox, account, client, webhooks)
    connection = QuickBooksConnection.objects.get(account=account)
    stale = next(p for p in sandbox.entities(US_REALM, "Payment")
                 if p["Id"] == qbo_payment["Id"])
    delete_in_quickbooks(account, "Payment", qbo_payment["Id"])
    deliver_and_process(client, hooks)  # the delete, read and applied
    assert not Payment.objects.filter(invoice=invoice).exists()

    # A change data capture answer read before the delete, applied after it:
    with mock.patch("integrations.qbo.client.QboClient.change_data_capture",
                    return_value={"Payment": [stale]}):
        inbound.catch_up(connection_id=connection.pk)

    assert not Payment.objects.filter(invoice=invoice).exists()


def test_applied_event_ids_and_states_are_forgotten_after_a_week(sandbox, account_for):
    account = account_for("US", US_REALM)
    connection = QuickBooksConnection.objects.get(account=account)
    old = timezone.now() - inbound.APPLIED_KEPT - timedelta(minutes=1)
    AppliedEvent.objects.create(account=account, realm_id=US_REALM, event_id="old",
                                applied_at=old)
    AppliedEvent.objects.create(account=account, realm_id=US_REALM, event_id="new")
    AppliedState.objects.create(account=account, realm_id=US_REALM, entity="Payment",
                                qbo_id="1", changed_at=old, applied_at=old)

    inbound.catch_up(connection_id=connection.pk)

    assert list(AppliedEvent.objects.values_list("event_id", flat=True)) == ["new"]
    assert not AppliedState.objects.exists()


# --- bodies of the wrong shape: a clear 400, or ignored; never a 500 -------------------------
def test_a_signed_body_nested_5000_levels_deep_is_a_clear_400(client, settings):
    settings.QBO_WEBHOOK_VERIFIER_TOKEN = TOKEN
    body = b"[" * 5000 + b"]" * 5000
    with mock.patch.object(tasks.process_webhook, "apply_async") as queued:
        response = post_to_endpoint(client, body, signature(TOKEN, body))
    assert response.status_code == 400 and not queued.called
    assert response.content == (b"Expected a JSON array of CloudEvents: a webhook body is "
                                b"not nested that deep.")


@pytest.mark.parametrize("body", [
    b"[" * 5000 + b"]" * 5000,
    b'[{"type": "qbo.payment.created.v1", "data": ' + b"[" * 100 + b"]" * 100 + b"}]",
    b'[{"type": "qbo.payment.created.v1", "data": ' + b'{"a": ' * 3000 + b"1" + b"}" * 3000
    + b"}]",
    b"[" + b'{"type": "x"},' * 10 + b"]",
    b'[{"type": "qbo.payment.created.v1", "data": "' + b"x" * (3 * 1024 * 1024) + b'"}]',
])
def test_a_body_nested_too_deep_or_too_big_is_refused_with_a_value_error(body):
    with pytest.raises(ValueError):
        inbound.parse_events(body)


ODD_EVENTS = [
    {"type": "qbo.payment.deleted.v1", "intuitentityid": {"Id": "1"},
     "intuitaccountid": US_REALM},
    {"type": "qbo.payment.deleted.v1", "intuitentityid": ["1"], "intuitaccountid": US_REALM},
    {"type": "qbo.payment.deleted.v1", "intuitentityid": "1/../../invoice/2",
     "intuitaccountid": US_REALM},
    {"type": "qbo.payment.deleted.v1", "intuitentityid": "1", "intuitaccountid": [US_REALM]},
    {"type": "qbo.payment.deleted.v1", "intuitentityid": True, "intuitaccountid": US_REALM},
    {"type": "qbo.customer.merged.v1", "intuitentityid": "1", "intuitaccountid": US_REALM,
     "data": {"deletedid": {"x": 1}}},
    {"type": "qbo.customer.merged.v1", "intuitentityid": "1", "intuitaccountid": US_REALM,
     "data": ["deletedid"]},
    {"type": "qbo.payment.updated.v1", "intuitentityid": "1", "intuitaccountid": US_REALM,
     "time": ["2026"], "id": {"x": 1}},
    {"type": "qbo.payment.updated.v1", "intuitentityid": "1", "intuitaccountid": US_REALM,
     "time": "2026-13-45T10:00:00+99:00", "id": "x" * 5000},
    {"type": "qbo.payment.updated.v1", "intuitentityid": "1" * 500,
     "intuitaccountid": US_REALM},
    {"type": "qbo" * 1000},
]


def test_events_of_odd_shapes_are_acknowledged_and_read_nothing_they_cannot_name(
    sandbox, account_for, client, settings
):
    account_for("US", US_REALM)
    settings.QBO_WEBHOOK_VERIFIER_TOKEN = TOKEN
    sandbox.rsps.calls.reset()
    for event in ODD_EVENTS:
        post_and_process(client, signed(event))
    reads = [c.request.url for c in sandbox.api_calls() if c.request.method == "GET"]
    # Only the two events whose ids are plain ("1", with a bad time or id) are read.
    assert all(url.split("?")[0].endswith("/payment/1") for url in reads), reads


@pytest.mark.parametrize("event", ODD_EVENTS)
def test_an_odd_event_names_no_object_but_a_plain_one(event):
    assert [c.qbo_id for c in inbound.changes_in([event])] in ([], ["1"])
    assert inbound.merges_in([event]) == []
    assert inbound.event_id(event) in ("", str(event.get("id")))


def test_times_of_an_event_are_read_or_ignored_never_trusted_beyond_now():
    now = timezone.now()
    assert inbound.event_time("2026-11-20T10:00:00.123Z").microsecond == 123000
    assert inbound.event_time("2026-13-45T10:00:00") is None
    assert inbound.event_time("2026-11-20T10:00:00+99:00") is None
    assert inbound.event_time("") is None
    later = inbound.applied_time(None, "2099-01-01T00:00:00Z", now=now)
    assert later == now


def test_a_state_is_newer_by_its_sync_token_else_by_its_time():
    earlier, later = timezone.now() - timedelta(minutes=1), timezone.now()
    assert inbound.state_is_newer(sync_token="3", changed=earlier, applied_token="2",
                                  applied_at=later)
    assert not inbound.state_is_newer(sync_token="2", changed=later, applied_token="2",
                                      applied_at=earlier)
    assert not inbound.state_is_newer(sync_token="1", changed=later, applied_token="2",
                                      applied_at=earlier)
    assert inbound.state_is_newer(sync_token="1", changed=later, applied_token="",
                                  applied_at=earlier)
    assert not inbound.state_is_newer(sync_token="1", changed=earlier, applied_token="",
                                      applied_at=later)
