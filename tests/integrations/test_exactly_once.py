"""exactly_once.py: our markers, record keys, requestids and the look-first rule."""

from hypothesis import given
from hypothesis import strategies as st

from integrations.models import SyncRecord
from integrations.services import exactly_once

INVOICE, PAYMENT, REFUND, FEE = (exactly_once.INVOICE, exactly_once.PAYMENT,
                                 exactly_once.REFUND, exactly_once.FEE)


def record(**fields) -> SyncRecord:
    values = {"pk": 7, "realm_id": "123", "key": "invoice:5", "kind": "invoice"} | fields
    return SyncRecord(**values)


def test_markers_name_the_kind_and_the_object():
    assert exactly_once.marker(INVOICE, 12) == "hatsync invoice #12"
    assert exactly_once.marker(FEE, 3) == "hatsync fee #3"


def test_an_invoice_or_payment_marker_is_adopted_only_as_the_whole_note():
    assert exactly_once.marked_id(" hatsync invoice #12 ", INVOICE, whole=True) == 12
    assert exactly_once.marked_id("hatsync invoice #12 edited", INVOICE, whole=True) is None
    assert exactly_once.marked_id("hatsync invoice #12 edited", INVOICE) == 12
    assert exactly_once.marked_id("hatsync payment #12", INVOICE) is None
    assert exactly_once.marked_id(None, INVOICE) is None


def test_a_marker_inside_a_note_is_found_and_five_is_not_fifty():
    note = "Processing fee on payment 88 of invoice 1001 (hatsync fee #50)"
    assert exactly_once.is_marked(note, FEE, 50)
    assert not exactly_once.is_marked(note, FEE, 5)
    assert not exactly_once.is_marked(note, REFUND, 50)
    assert exactly_once.is_marked("hatsync refund #4. Client cancelled", REFUND, 4)


@given(st.sampled_from([INVOICE, PAYMENT, REFUND, FEE]), st.integers(min_value=1))
def test_every_marker_reads_back_as_its_own_object(kind, object_id):
    note = exactly_once.marker(kind, object_id)
    assert exactly_once.marked_id(note, kind, whole=True) == object_id
    assert exactly_once.is_marked(f"a note ({note})", kind, object_id)


def test_only_whole_invoice_and_payment_markers_make_an_object_ours():
    assert exactly_once.is_our_invoice_or_payment("hatsync payment #3")
    assert not exactly_once.is_our_invoice_or_payment("hatsync payment #3, paid by check")
    assert not exactly_once.is_our_invoice_or_payment("hatsync refund #3")


def test_record_keys():
    assert exactly_once.invoice_key(5) == "invoice:5"
    assert exactly_once.payment_key(5) == "payment:5"
    assert exactly_once.contact_key(5) == "contact:5"
    assert exactly_once.refund_key(5) == "refund:5"
    assert exactly_once.fee_key(5) == "fee:5"
    assert exactly_once.item_key("Wedding Album") == "item:wedding album"
    assert len(exactly_once.item_key("x" * 500)) == 200


def test_the_same_write_gets_the_same_requestid_and_a_refusal_changes_it():
    payload = {"DocNumber": "1001"}
    first = exactly_once.write_request_id(record(), operation="create", payload=payload,
                                          salt="")
    assert first == exactly_once.write_request_id(record(), operation="create",
                                                  payload=payload, salt="")
    refused = exactly_once.write_request_id(
        record(refusals=1), operation="create", payload=payload,
        salt=exactly_once.refusal_salt(1))
    assert refused != first
    assert exactly_once.write_request_id(record(), operation="update", payload=payload,
                                         salt="") != first
    assert exactly_once.write_request_id(record(pk=8), operation="create", payload=payload,
                                         salt="") != first


def test_a_fee_made_again_after_its_delete_gets_a_new_requestid():
    payload = {"TxnDate": "2026-01-02"}
    before = exactly_once.write_request_id(record(kind="fee", key="fee:5"),
                                           operation="create", payload=payload, salt="")
    after = exactly_once.write_request_id(record(kind="fee", key="fee:5", deleted_qbo_id="41"),
                                          operation="create", payload=payload, salt="")
    assert before != after


def test_batch_requestids_are_stable_and_recognised():
    records = [(record(), "f1"), (record(pk=8, key="invoice:6"), "f2")]
    request_id = exactly_once.batch_request_id("123", records)
    assert request_id == exactly_once.batch_request_id("123", records)
    assert exactly_once.is_batch_request_id(request_id)
    assert not exactly_once.is_batch_request_id(
        exactly_once.write_request_id(record(), operation="create", payload={}, salt=""))


def test_only_an_earlier_attempt_or_a_write_in_flight_makes_a_push_look_first():
    assert not exactly_once.may_have_landed(record(attempts=1))  # this push is the first
    assert exactly_once.may_have_landed(record(attempts=2))
    assert exactly_once.may_have_landed(record(attempts=1, pending_request_id="abc"))
    assert not exactly_once.may_have_landed(record(attempts=0), pushing=False)
    assert exactly_once.may_have_landed(record(attempts=1), pushing=False)
