"""The pure part of bringing changes back from QuickBooks (integrations/services/inbound.py)."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from integrations.services import inbound
from invoices.models import Payment
from qbo_sandbox.webhooks import signature


def event(type_: str, entity_id: str = "5", realm: str = "111", time: str = "") -> dict:
    return {"specversion": "1.0", "id": f"{type_}-{entity_id}-{time}", "type": type_,
            "intuitentityid": entity_id, "intuitaccountid": realm, "time": time, "data": {}}


def test_the_signature_is_base64_hmac_sha256_of_the_raw_body_with_the_verifier_token():
    body = b'[{"type": "qbo.payment.created.v1"}]'
    good = signature("token", body)
    assert inbound.signature_is_valid(body=body, signature=good, verifier_token="token")
    assert not inbound.signature_is_valid(body=body + b" ", signature=good,
                                          verifier_token="token")
    assert not inbound.signature_is_valid(body=body, signature=good, verifier_token="other")
    assert not inbound.signature_is_valid(body=body, signature=signature("", body),
                                          verifier_token="")


@pytest.mark.parametrize("body", [b"{}", b"null", b"[1]", b'[{"id": "x"}]', b"\xff"])
def test_only_an_array_of_cloudevents_is_a_webhook_body(body):
    with pytest.raises(ValueError):
        inbound.parse_events(body)


def test_each_object_is_read_once_per_delivery_by_its_latest_event():
    changes = inbound.changes_in([
        event("qbo.payment.created.v1", "5", time="2026-11-20T10:00:00.000Z"),
        event("qbo.payment.deleted.v1", "5", time="2026-11-20T10:00:02.000Z"),
        event("qbo.payment.updated.v1", "5", time="2026-11-20T10:00:01.000Z"),
        event("qbo.invoice.voided.v1", "9"),
        event("qbo.customer.updated.v1", "3"),
        {"type": "qbo.payment.created.v1"},  # no ids: nothing to read
    ])
    assert [(c.entity, c.qbo_id, c.operation) for c in changes] == [
        ("Payment", "5", "deleted"), ("Invoice", "9", "voided")]


def test_the_amount_applied_to_each_invoice_is_summed_from_the_payment_lines():
    payment = {"TotalAmt": 70, "Line": [
        {"Amount": 30, "LinkedTxn": [{"TxnId": "12", "TxnType": "Invoice"}]},
        {"Amount": 15.5, "LinkedTxn": [{"TxnId": "12", "TxnType": "Invoice"}]},
        {"Amount": 20, "LinkedTxn": [{"TxnId": "13", "TxnType": "Invoice"}]},
        {"Amount": 4.5, "LinkedTxn": [{"TxnId": "40", "TxnType": "CreditMemo"}]},
    ]}
    assert inbound.applied_to_invoices(payment) == {"12": Decimal("45.50"),
                                                    "13": Decimal("20.00")}
    assert inbound.applied_to_invoices({"TotalAmt": 10, "Line": []}) == {}


@pytest.mark.parametrize("payment, method", [
    ({"PaymentMethodRef": {"value": "1", "name": "Cash"}}, Payment.Method.CASH),
    ({"PaymentMethodRef": {"value": "2", "name": "Check"}}, Payment.Method.CHECK),
    ({"PaymentMethodRef": {"value": "3", "name": "Visa"}}, Payment.Method.CARD),
    ({"PaymentMethodRef": {"value": "4", "name": "American Express"}}, Payment.Method.CARD),
    ({"PaymentMethodRef": {"value": "5", "name": "Bank transfer"}},
     Payment.Method.BANK_TRANSFER),
    ({"PaymentMethodRef": {"value": "6", "name": "Barter"}}, Payment.Method.OTHER),
    ({"PrivateNote": "Payment method: Check"}, Payment.Method.CHECK),
    ({}, Payment.Method.OTHER),
])
def test_the_payment_method_follows_its_quickbooks_name(payment, method):
    assert inbound.payment_method_for(payment) == method


def test_voided_and_hatsyncs_own_objects_are_told_by_their_memo():
    assert inbound.is_voided({"PrivateNote": "Voided"})
    assert not inbound.is_voided({"PrivateNote": "hatsync payment #4"})
    assert inbound.is_ours({"PrivateNote": "hatsync payment #4"})
    assert inbound.is_ours({"PrivateNote": "hatsync invoice #12"})
    assert not inbound.is_ours({"PrivateNote": "paid by hatsync payment #4 and more"})


def test_change_data_capture_reads_from_the_cursor_but_never_more_than_30_days_back():
    now = datetime(2026, 11, 29, tzinfo=UTC)
    connected = now - timedelta(days=90)
    assert inbound.cdc_since(cursor=now - timedelta(minutes=5), connected_at=connected,
                             now=now) == now - timedelta(minutes=5)
    oldest = inbound.cdc_since(cursor=None, connected_at=connected, now=now)
    assert now - timedelta(days=30) < oldest < now - timedelta(days=29)
