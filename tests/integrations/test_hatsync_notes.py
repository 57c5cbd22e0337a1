"""rules.hatsync_note_owner: the one place that recognises the PrivateNote hatsync writes on
each object it makes (its marker, "hatsync fee #254", in the sentence of that object's note),
so Undo sync deletes what hatsync made and nothing that merely mentions it."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from integrations import payloads, rules
from integrations.services import exactly_once
from tests.factories import build_payment, build_refund


def fee_note(reference: str, invoice_number: str = "1042", payment_id: int = 254) -> str:
    payment = build_payment(amount="100.00", processor_fee="3.20", reference=reference)
    return payloads.fee_purchase_payload(
        payment=payment, invoice_number=invoice_number, from_account_id="4",
        fee_account_id="91", marker=exactly_once.marker(exactly_once.FEE, payment_id),
    )["PrivateNote"]


def refund_note(reason: str, refund_id: int = 9) -> str:
    return payloads.refund_receipt_payload(
        refund=build_refund(amount="30.00", reason=reason), invoice_number="1042",
        doc_number="R-1042", customer_id="58", deposit_account_id="4", item_id="7",
        tax_code_id="NON", country="US", tip_as_gratuity=True,
        marker=exactly_once.marker(exactly_once.REFUND, refund_id),
    )["PrivateNote"]


# --- every note hatsync writes is recognised, with whose it is ------------------------------
def test_a_processing_fees_note_is_hatsyncs_fee_of_that_payment():
    note = fee_note("ch_991")
    assert note == "Processing fee on payment ch_991 of invoice 1042 (hatsync fee #254)"
    assert rules.hatsync_note_owner(note) == ("fee", 254)


def test_a_fee_of_a_payment_without_a_reference_is_recognised_by_its_date():
    note = fee_note("")
    assert note == "Processing fee on payment of 2026-11-20 of invoice 1042 (hatsync fee #254)"
    assert rules.hatsync_note_owner(note) == ("fee", 254)


@pytest.mark.parametrize("reason", ["", "Late delivery", "Session cut short.\nSee email"])
def test_a_refunds_note_is_hatsyncs_refund_with_or_without_its_reason(reason):
    assert rules.hatsync_note_owner(refund_note(reason, refund_id=9)) == ("refund", 9)


@pytest.mark.parametrize(("kind", "object_id"), [("invoice", 12), ("payment", 50)])
def test_an_invoices_or_payments_note_is_its_marker_alone(kind, object_id):
    assert rules.hatsync_note_owner(exactly_once.marker(kind, object_id)) == (kind, object_id)


@given(reference=st.text(max_size=64), number=st.text(min_size=1, max_size=30),
       payment_id=st.integers(min_value=1, max_value=10**9))
def test_every_fee_note_hatsync_can_write_is_recognised(reference, number, payment_id):
    note = fee_note(reference, invoice_number=number, payment_id=payment_id)
    assert rules.hatsync_note_owner(note) == ("fee", payment_id)


@given(reason=st.text(max_size=200), refund_id=st.integers(min_value=1, max_value=10**9))
def test_every_refund_note_hatsync_can_write_is_recognised(reason, refund_id):
    assert rules.hatsync_note_owner(refund_note(reason, refund_id)) == ("refund", refund_id)


# --- anything else is not hatsync's -----------------------------------------------------------
@pytest.mark.parametrize("note", [
    None,
    "",
    "entered by the bookkeeper",
    "Voided",
    # hatsync's marker, but not in the note hatsync writes: someone wrote or edited it.
    "hatsync fee #254",
    "Card fees for November (hatsync fee #254)",
    "Processing fee on payment ch_991 of invoice 1042 (hatsync fee #254). Merged by Sam",
    "Refunded by phone, see hatsync refund #9",
    "hatsync refund #9 was wrong: refunded again by phone",
    "hatsync invoice #12. Edited by the bookkeeper",
    "Payment method: Cash (hatsync payment #50)",
    "hatsync invoice #12a",
    "hatsync receipt #12",
])
def test_a_note_hatsync_does_not_write_belongs_to_nobody(note):
    assert rules.hatsync_note_owner(note) is None
