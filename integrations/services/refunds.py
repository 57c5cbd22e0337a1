"""A refund to QuickBooks: one RefundReceipt per refund, paid from the account its payment
went to, for the customer the invoice used.

Refunds are never edited in hatsync, so a receipt is made once and never updated. It waits
for its payment; an earlier attempt whose answer was lost is found again by its number and
the marker in its PrivateNote before anything is written.
"""

from decimal import Decimal

from invoices.models import InvoiceLine, Refund

from .. import payloads, rules
from ..models import SyncRecord
from ..qbo.errors import QboFault
from . import accounts, classes_locations, exactly_once
from .currencies import currency_of_payment
from .engine import Blocked, CompanyEngine, Waiting
from .items import ensure_item
from .messages import unmatched_tax_message
from .payments import without_stale_method


def sync_refund(engine: CompanyEngine, record: SyncRecord) -> str:
    """Push one refund record: a RefundReceipt, made once."""
    refund = (Refund.objects.select_related("payment__invoice")
              .prefetch_related("payment__invoice__lines__tax_rate",
                                "payment__invoice__lines__product")
              .get(pk=record.refund_id))
    if record.qbo_id:  # a refund is final once recorded: nothing to update
        engine.mark_synced(record)
        return "unchanged"
    if (bad := rules.date_quickbooks_cannot_hold(refund.date)):
        raise Blocked(rules.date_out_of_range_message(what="the refund's date", value=bad))
    payment = refund.payment
    invoice = payment.invoice
    payment_record = SyncRecord.objects.filter(
        account_id=engine.connection.account_id,
        realm_id=engine.realm_id, key=exactly_once.payment_key(payment.pk)).first()
    if payment_record is None or not payment_record.qbo_id:
        raise Waiting("Waiting for its payment to reach QuickBooks first.")
    qbo_payment = engine.read("Payment", payment_record.qbo_id)
    deposit = (_ref(qbo_payment.get("DepositToAccountRef"))
               or accounts.deposit_account_id(engine.connection))
    if not deposit:
        raise Blocked(
            "QuickBooks needs the account this refund is paid from, and hatsync knows no "
            "Undeposited Funds or bank account in this company. Choose the deposit account "
            "on the Integrations page (press Re-check settings first if you just added one), "
            "then save the refund's payment again.")
    lines = list(invoice.lines.all())
    if not lines:
        raise Blocked(f"Invoice {invoice.number} has no lines to refund against.")
    first = lines[0]
    item_id = ensure_item(engine, rules.item_name_for(first.name),
                          taxable=engine.taxable_item(first))
    doc_number = refund_doc_number(refund)
    unapplied = Decimal(str(qbo_payment.get("UnappliedAmt") or 0))
    tip_applied = bool(payment.tip_amount) and unapplied < payment.tip_amount
    marker = exactly_once.marker(exactly_once.REFUND, refund.pk)
    payload = payloads.refund_receipt_payload(
        refund=refund, invoice_number=invoice.number, doc_number=doc_number,
        customer_id=_ref(qbo_payment.get("CustomerRef")) or "", deposit_account_id=deposit,
        item_id=item_id, tax_code_id=_tax_code(engine, first), country=engine.country,
        tip_as_gratuity=tip_applied and engine.tips_enabled, marker=marker,
        payment_method_id=rules.payment_method_id_for(
            refund.method, engine.snapshot.get("payment_methods", [])),
        **currency_of_payment(engine, qbo_payment),
        tracking=classes_locations.invoice_tracking_for(engine.connection, invoice, [first],
                                                        snapshot=engine.snapshot),
    )
    # Only an earlier attempt can have left a receipt behind: then look before creating.
    existing = (find_refund(engine, doc_number, refund.pk)
                if exactly_once.may_have_landed(record) else None)
    try:
        entity = existing or engine.write(record, "RefundReceipt", payload, op="create")
    except QboFault as error:
        fixed = without_stale_method(engine, payload, refund.method, error)
        if fixed is None:
            raise
        payload = fixed
        entity = engine.write(record, "RefundReceipt", payload, op="create")
    engine.landed(record, entity, fingerprint=rules.fingerprint(payload), name=doc_number)
    return "adopt" if existing else "create"


def refund_doc_number(refund: Refund) -> str:
    """The receipt's DocNumber: the refund's place among its invoice's refunds."""
    invoice = refund.payment.invoice
    ordinal = Refund.objects.filter(payment__invoice=invoice, pk__lte=refund.pk).count()
    return payloads.refund_doc_number(invoice_number=invoice.number, ordinal=ordinal)


def _tax_code(engine: CompanyEngine, line: InvoiceLine) -> str:
    """US: NON (see payloads.refund_receipt_payload). Canada and the UK: the first line's
    tax code, as the invoice's was (the one chosen for its rate, else by name)."""
    if engine.country == "US":
        return "NON"
    if line.tax_rate is None:
        raise Blocked("In Canada and the UK the refund takes the tax rate of the invoice's "
                      "first line, and that line has none. Give it one, then save again.")
    code = rules.tax_code_for_rate(rate_id=line.tax_rate.pk, rate_name=line.tax_rate.name,
                                   tax_codes=engine.snapshot.get("tax_codes", {}),
                                   tax_map=engine.connection.tax_code_map or {})
    if code is None:
        raise Blocked(unmatched_tax_message(engine.country, [line.tax_rate.name]))
    return code


def find_refund(engine: CompanyEngine, doc_number: str, refund_id: int) -> dict | None:
    """The receipt an earlier attempt made: its number, with our marker."""
    found = engine.query(rules.select_where_equals("RefundReceipt", "DocNumber", doc_number))
    return next((r for r in found if exactly_once.is_marked(
        r.get("PrivateNote"), exactly_once.REFUND, refund_id)), None)


def _ref(value) -> str:
    if isinstance(value, dict):
        return str(value.get("value") or "")
    return str(value or "")
