"""A payment's processing fee to QuickBooks: an expense (Purchase) paid out of the account the
payment was deposited to, on the company's fee account.

One Purchase per payment: a changed fee updates it, a fee set to 0 deletes it. It waits for
its payment; a create whose answer was lost is found again by its date and the marker in its
PrivateNote before anything is written.
"""

from invoices.models import Payment

from .. import payloads, rules
from ..models import SyncRecord
from . import accounts, exactly_once
from .currencies import currency_of_payment
from .engine import Blocked, CompanyEngine, Waiting

NO_FEE_ACCOUNT = (
    "QuickBooks has no account chosen for processing fees. Choose the fee account (an "
    "expense account such as “Merchant account fees” or “Bank Charges”) on the Integrations "
    "page; the fee then syncs by itself within a few minutes.")


def sync_fee(engine: CompanyEngine, record: SyncRecord) -> str:
    """Push one fee record: create, update or delete its Purchase."""
    payment = Payment.objects.select_related("invoice").get(pk=record.payment_id)
    marker = exactly_once.marker(exactly_once.FEE, payment.pk)
    if payment.processor_fee <= 0:
        return _delete(engine, record, payment)
    payment_record = SyncRecord.objects.filter(
        account_id=engine.connection.account_id,
        realm_id=engine.realm_id, key=exactly_once.payment_key(payment.pk)).first()
    if payment_record is None or not payment_record.qbo_id:
        raise Waiting("Waiting for its payment to reach QuickBooks first.")
    fee_account = accounts.fee_account_id(engine.connection)
    if not fee_account:
        raise Blocked(NO_FEE_ACCOUNT)
    qbo_payment = engine.read("Payment", payment_record.qbo_id)
    paid_from = (_ref(qbo_payment.get("DepositToAccountRef"))
                 or accounts.deposit_account_id(engine.connection))
    if not paid_from:
        raise Blocked("QuickBooks needs the account the fee was taken from, and hatsync knows "
                      "no Undeposited Funds or bank account in this company. Choose the "
                      "deposit account on the Integrations page, then save the payment again.")
    payload = payloads.fee_purchase_payload(
        payment=payment, invoice_number=payment.invoice.number, from_account_id=paid_from,
        fee_account_id=fee_account, marker=marker,
        **currency_of_payment(engine, qbo_payment))
    fingerprint = rules.fingerprint(payload)
    name = f"{payment.processor_fee:.2f}"
    if not record.qbo_id and exactly_once.may_have_landed(record):
        existing = find_fee(engine, payment_id=payment.pk, date=payment.date.isoformat())
        # (an earlier create whose answer was lost)
        if existing is not None:
            record.qbo_id, record.sync_token = str(existing["Id"]), str(existing["SyncToken"])
    if record.qbo_id:
        if record.fingerprint == fingerprint:
            engine.mark_synced(record)
            return "unchanged"
        body = {**payload, "Id": record.qbo_id, "SyncToken": record.sync_token}
        updated = engine.update(record, "Purchase", body)
        engine.landed(record, updated, fingerprint=fingerprint, name=name)
        return "update"
    created = engine.write(record, "Purchase", payload, op="create")
    engine.landed(record, created, fingerprint=fingerprint, name=name)
    return "create"


def _delete(engine: CompanyEngine, record: SyncRecord, payment: Payment) -> str:
    """A fee set to 0: the Purchase goes (one already gone is fine)."""
    if not record.qbo_id and exactly_once.may_have_landed(record):
        existing = find_fee(engine, payment_id=payment.pk, date=payment.date.isoformat())
        if existing is not None:
            record.qbo_id, record.sync_token = str(existing["Id"]), str(existing["SyncToken"])
    deleted = record.qbo_id
    if deleted:
        record.pending_request_id = ""
        engine.delete(record, "Purchase", {"Id": record.qbo_id, "SyncToken": record.sync_token})
    record.qbo_id = record.sync_token = record.qbo_name = record.pending_request_id = ""
    record.deleted_qbo_id = deleted or record.deleted_qbo_id
    record.last_error = record.warning = ""
    record.paused = False
    record.save(update_fields=["qbo_id", "sync_token", "qbo_name", "pending_request_id",
                               "deleted_qbo_id", "last_error", "paused", "warning"])
    engine.mark_synced(record)
    return "delete" if deleted else "unchanged"


def find_fee(engine: CompanyEngine, *, payment_id: int, date: str) -> dict | None:
    """The fee's Purchase an earlier attempt made: dated as its payment, with our marker."""
    found = engine.query(rules.select_where_equals("Purchase", "TxnDate", date))
    return next((p for p in found if exactly_once.is_marked(
        p.get("PrivateNote"), exactly_once.FEE, payment_id)), None)


def _ref(value) -> str:
    if isinstance(value, dict):
        return str(value.get("value") or "")
    return str(value or "")
