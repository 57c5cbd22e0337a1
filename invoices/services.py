"""The CRM's writes: one function per verb, keyword-only, each in one transaction.

Views and the seed command call these; nothing else changes invoice status or money.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from . import selectors
from .localisation import format_number
from .models import (
    ZERO,
    Account,
    Contact,
    Expense,
    Invoice,
    InvoiceLine,
    Payment,
    Product,
    Refund,
    TaxRate,
    total_of,
)


class AlreadyRecorded(Exception):
    """The form was submitted before (Back and submit again, a double click, a second tab):
    `record` is what its first submission made, and nothing new was made."""

    def __init__(self, record: models.Model):
        super().__init__(f"Already recorded: {record}")
        self.record = record


def recorded_by_form(model: type[models.Model], *, account: Account,
                     form_token: UUID | None) -> models.Model | None:
    """The record the form with this token made, if it made one."""
    if form_token is None:
        return None
    return model.objects.filter(account=account, form_token=form_token).first()


def _check_form_unused(model: type[models.Model], account: Account,
                       form_token: UUID | None) -> None:
    existing = recorded_by_form(model, account=account, form_token=form_token)
    if existing is not None:
        raise AlreadyRecorded(existing)


def save_once(record: models.Model) -> None:
    """Insert a new row made by a form. Two submissions of one form that arrive together
    both pass `_check_form_unused`; the unique constraint on (account, form_token) keeps the
    first, and the second is answered with it."""
    try:
        with transaction.atomic():
            record.save()
    except IntegrityError:
        existing = recorded_by_form(type(record), account=record.account,
                                    form_token=record.form_token)
        if existing is None:
            raise
        raise AlreadyRecorded(existing) from None


@dataclass(frozen=True)
class LineInput:
    product: Product
    quantity: Decimal
    unit_price: Decimal
    tax_rate: TaxRate | None = None
    description: str = ""
    discount_percent: Decimal = Decimal("0")


def lines_total(lines: list[LineInput], *, discount_kind: str = "",
                discount_value: Decimal | None = ZERO) -> Decimal:
    """What a new invoice with these lines and discount comes to, before it is made."""
    return total_of((InvoiceLine(product=line.product, quantity=line.quantity,
                                 unit_price=line.unit_price, tax_rate=line.tax_rate,
                                 discount_percent=line.discount_percent) for line in lines),
                    discount_kind, discount_value)


def _check_same_account(account: Account, *objects: object) -> None:
    for obj in objects:
        if obj is not None and getattr(obj, "account_id", account.pk) != account.pk:
            raise ValidationError("That record belongs to another account.")


DUPLICATE_NUMBER = "Another invoice already has this number."
# Lines one invoice may have. QuickBooks documents no limit of its own (read 2026-12), so the
# bound is a conservative one, far above any real invoice: it keeps one request, one page and
# one QuickBooks write small.
MAX_LINES = 250
TOO_MANY_LINES = (f"An invoice can have at most {MAX_LINES} lines. Remove some, or put the "
                  "rest on a second invoice.")


def number_taken_message(*, number: str, holder: str) -> str:
    """Why `number` cannot be used: another invoice has it, perhaps in other capitals."""
    if holder == number:
        return DUPLICATE_NUMBER
    return (f"{number} is already used by invoice {holder} (numbers are compared without "
            "regard to capitals). Give this invoice a different number.")


def _check_number_free(invoice: Invoice) -> None:
    holder = selectors.invoice_holding_number(account=invoice.account, number=invoice.number,
                                              exclude_id=invoice.pk)
    if holder is not None:
        raise ValidationError({"number": number_taken_message(number=invoice.number,
                                                              holder=holder.number)})


def _replace_lines(invoice: Invoice, lines: list[LineInput]) -> None:
    if not lines:
        raise ValidationError("An invoice needs at least one line.")
    if len(lines) > MAX_LINES:
        raise ValidationError(TOO_MANY_LINES)
    invoice.lines.all().delete()
    for position, line in enumerate(lines):
        _check_same_account(invoice.account, line.product, line.tax_rate)
        if line.quantity <= 0:
            raise ValidationError("Each line's quantity must be more than zero.")
        if line.unit_price < 0:
            raise ValidationError("A unit price cannot be negative.")
        if not 0 <= line.discount_percent <= 100:
            raise ValidationError("A line's discount is 0 to 100 percent.")
        InvoiceLine.objects.create(
            invoice=invoice,
            position=position,
            product=line.product,
            name=line.product.rendered_name(invoice.contact),
            description=line.description or line.product.description,
            quantity=line.quantity,
            unit_price=line.unit_price,
            discount_percent=line.discount_percent,
            tax_rate=line.tax_rate,
        )


KEEP = object()  # an argument not given: the field stays as it is


@transaction.atomic
def invoice_create(
    *,
    account: Account,
    number: str,
    contact: Contact,
    issue_date: date,
    due_date: date,
    lines: list[LineInput],
    memo: str = "",
    currency: str = "",
    discount_kind: str = "",
    discount_value: Decimal = ZERO,
    form_token: UUID | None = None,
    exchange_rate: Decimal | None = None,
) -> Invoice:
    """A draft invoice, in its contact's currency unless `currency` says otherwise.
    `discount_kind` "percent" or "amount" (before tax), "" for none. `exchange_rate`: home
    units per unit of a foreign currency the owner entered (None: the accounting app's).
    `form_token`: the form's; a second submission raises AlreadyRecorded."""
    _check_form_unused(Invoice, account, form_token)
    _check_same_account(account, contact)
    invoice = Invoice(
        account=account,
        number=number.strip(),
        contact=contact,
        issue_date=issue_date,
        due_date=due_date,
        memo=memo,
        currency=currency or contact.billing_currency or account.currency,
        exchange_rate=exchange_rate,
        form_token=form_token,
    )
    _check_rate(invoice)
    _set_discount(invoice, discount_kind, discount_value)
    _check_number_free(invoice)
    invoice.full_clean(exclude=["form_token"])  # save_once: the database checks that one
    save_once(invoice)
    _replace_lines(invoice, lines)
    _check_discount_fits(invoice)
    return invoice


def _check_rate(invoice: Invoice) -> None:
    """A rate belongs to an invoice in another currency: in the home currency it is 1."""
    if invoice.currency == invoice.account.currency:
        invoice.exchange_rate = None


def _set_discount(invoice: Invoice, kind: str | None, value: Decimal | None) -> None:
    kind = kind or ""
    if kind not in {"", "percent", "amount"}:
        raise ValidationError({"discount_kind": "Choose no discount, a percent or an amount."})
    value = ZERO if not kind or value is None else value
    if value < 0:
        raise ValidationError({"discount_value": "A discount cannot be negative."})
    if kind == "percent" and value > 100:
        raise ValidationError({"discount_value": "A percent discount is 0 to 100."})
    invoice.discount_kind, invoice.discount_value = kind, value


def _check_discount_fits(invoice: Invoice) -> None:
    """An amount off may not be more than the lines add up to (a percent never is)."""
    if invoice.discount_kind == "amount" and invoice.discount_value > invoice.subtotal:
        raise ValidationError({"discount_value": (
            f"The discount ({format_number(invoice.discount_value)}) is more than the invoice's "
            f"subtotal ({format_number(invoice.subtotal)}). Lower the discount or add lines."
        )})


@transaction.atomic
def invoice_update(
    *,
    invoice: Invoice,
    number: str,
    contact: Contact,
    issue_date: date,
    due_date: date,
    lines: list[LineInput],
    memo: str = "",
    discount_kind: str | None = None,
    discount_value: Decimal | None = None,
    exchange_rate: Decimal | object | None = KEEP,
) -> Invoice:
    """Edit an invoice. Void invoices are final; a total may not fall below what was paid.
    The discount is kept as it is unless `discount_kind` is given ("" removes it), and so is
    the exchange rate unless `exchange_rate` is given (None: the accounting app's). An
    invoice without payments given another contact takes that contact's currency."""
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if invoice.is_void:
        raise ValidationError("A void invoice cannot be edited.")
    _check_same_account(invoice.account, contact)
    renumbered = invoice.number != number.strip()
    invoice.number = number.strip()
    if contact.pk != invoice.contact_id and not invoice.payments.exists():
        invoice.currency = contact.billing_currency or invoice.account.currency
    invoice.contact = contact
    if exchange_rate is not KEEP:
        invoice.exchange_rate = exchange_rate
    _check_rate(invoice)
    invoice.issue_date = issue_date
    invoice.due_date = due_date
    invoice.memo = memo
    if discount_kind is not None:
        _set_discount(invoice, discount_kind, discount_value)
    if renumbered:  # a number kept is never refused, whoever else has it in other capitals
        _check_number_free(invoice)
    invoice.full_clean()
    _replace_lines(invoice, lines)
    _check_discount_fits(invoice)
    if invoice.total < invoice.amount_paid:
        raise ValidationError(
            f"The new total {format_number(invoice.total)} is less than the "
            f"{format_number(invoice.amount_paid)} already paid."
        )
    _apply_payment_status(invoice)
    invoice.save()
    return invoice


@transaction.atomic
def invoice_send(*, invoice: Invoice) -> Invoice:
    """Send the invoice to the contact (here: record that it was sent) — drafts only."""
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if not invoice.is_draft:
        raise ValidationError(f"Invoice {invoice.number} has already been sent.")
    if not invoice.lines.exists():
        raise ValidationError("Add at least one line before sending.")
    invoice.status = Invoice.Status.SENT
    invoice.sent_at = timezone.now()
    invoice.save()
    return invoice


def invoice_mark_sent(*, invoice: Invoice) -> Invoice:
    """For an invoice delivered outside the CRM: same effect on status as sending."""
    return invoice_send(invoice=invoice)


@transaction.atomic
def invoice_void(*, invoice: Invoice) -> Invoice:
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if invoice.is_void:
        raise ValidationError(f"Invoice {invoice.number} is already void.")
    if invoice.payments.exists():
        raise ValidationError(
            f"Invoice {invoice.number} has payments. A paid invoice cannot be voided."
        )
    invoice.status = Invoice.Status.VOID
    invoice.save()
    return invoice


@transaction.atomic
def invoice_copy(*, invoice: Invoice, number: str, issue_date: date) -> Invoice:
    """A new draft billing what `invoice` bills (its contact, lines, discount and memo), dated
    `issue_date` and due as many days later as `invoice` was: e.g. to bill again what a
    voided invoice billed."""
    lines = [LineInput(product=line.product, quantity=line.quantity,
                       unit_price=line.unit_price, tax_rate=line.tax_rate,
                       description=line.description, discount_percent=line.discount_percent)
             for line in invoice.lines.select_related("product", "tax_rate")]
    return invoice_create(
        account=invoice.account, number=number, contact=invoice.contact,
        issue_date=issue_date, due_date=issue_date + (invoice.due_date - invoice.issue_date),
        lines=lines, memo=invoice.memo, currency=invoice.currency,
        exchange_rate=invoice.exchange_rate, discount_kind=invoice.discount_kind,
        discount_value=invoice.discount_value)


@transaction.atomic
def invoice_delete(*, invoice: Invoice) -> None:
    """Only drafts can be deleted; a sent invoice is part of the books and is voided instead."""
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if not invoice.is_draft:
        raise ValidationError(
            f"Invoice {invoice.number} has been sent, so it cannot be deleted. Void it instead."
        )
    invoice.delete()


def _save_payment(payment: Payment, invoice: Invoice) -> Payment:
    """Validate and save a payment, then bring its invoice's status up to date."""
    payment.full_clean(exclude=["form_token"])
    if payment.pk is None:
        save_once(payment)
    else:
        payment.save()
    _refresh_payment_status(invoice)
    return payment


def _refresh_payment_status(invoice: Invoice) -> None:
    _apply_payment_status(invoice)
    invoice.save(update_fields=["status", "updated_at"])


def _apply_payment_status(invoice: Invoice) -> None:
    if invoice.is_draft or invoice.is_void:
        return
    paid = invoice.amount_paid
    if paid <= ZERO:
        invoice.status = Invoice.Status.SENT
    elif paid >= invoice.total:
        invoice.status = Invoice.Status.PAID
    else:
        invoice.status = Invoice.Status.PARTIALLY_PAID


@transaction.atomic
def payment_record(
    *,
    invoice: Invoice,
    date: date,
    amount: Decimal,
    tip_amount: Decimal = ZERO,
    method: str = Payment.Method.CARD,
    reference: str = "",
    processor_fee: Decimal = ZERO,
    form_token: UUID | None = None,
) -> Payment:
    """Apply a payment (and an optional tip on top) to a sent invoice. `processor_fee`: what
    the card processor kept of it (an expense; the form proposes the account's card rate).
    `form_token`: the form's; a second submission raises AlreadyRecorded."""
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    _check_form_unused(Payment, invoice.account, form_token)
    if not invoice.accepts_payments:
        raise ValidationError(
            f"Invoice {invoice.number} is {invoice.get_status_display().lower()}; "
            "payments can only be recorded on sent, unpaid invoices."
        )
    _check_payment_figures(amount=amount, tip_amount=tip_amount, processor_fee=processor_fee,
                           balance=invoice.balance)
    payment = Payment(
        account=invoice.account,
        invoice=invoice,
        date=date,
        amount=amount,
        tip_amount=tip_amount,
        method=method,
        reference=reference.strip(),
        processor_fee=processor_fee,
        form_token=form_token,
    )
    return _save_payment(payment, invoice)


def _check_payment_figures(*, amount: Decimal, tip_amount: Decimal, processor_fee: Decimal,
                           balance: Decimal) -> None:
    """A payment's own figures, and at most the invoice's `balance` (without this payment)."""
    if amount <= ZERO:
        raise ValidationError({"amount": "The amount must be more than zero."})
    if tip_amount < ZERO:
        raise ValidationError({"tip_amount": "A tip cannot be negative."})
    if processor_fee < ZERO:
        raise ValidationError({"processor_fee": "A processor fee cannot be negative."})
    if processor_fee > amount + tip_amount:
        raise ValidationError({"processor_fee": "The processor fee cannot be more than the "
                               "payment and its tip."})
    if amount > balance:
        raise ValidationError(
            {
                "amount": f"This is more than the balance of {format_number(balance)}. "
                "If the client paid extra as a tip, enter the extra as a tip."
            }
        )


def _check_changeable(payment: Payment, verb: str) -> None:
    if payment.recorded_in_quickbooks:
        raise ValidationError(
            f"This payment was entered in QuickBooks, so it cannot be {verb} here. "
            f"Change it in QuickBooks; hatsync follows within a minute.")


@transaction.atomic
def payment_update(
    *,
    payment: Payment,
    date: date,
    amount: Decimal,
    tip_amount: Decimal = ZERO,
    method: str = Payment.Method.CARD,
    reference: str = "",
    processor_fee: Decimal = ZERO,
) -> Payment:
    """Correct a payment recorded here. Its invoice's status follows; its amount and tip may
    not fall below what has been refunded of them (a refund is money that went back out)."""
    invoice = Invoice.objects.select_for_update().get(pk=payment.invoice_id)
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    _check_changeable(payment, "edited")
    if invoice.is_void:
        raise ValidationError(f"Invoice {invoice.number} is void, so its payments cannot change.")
    _check_payment_figures(amount=amount, tip_amount=tip_amount, processor_fee=processor_fee,
                           balance=invoice.balance + payment.amount)
    refunded, tip_refunded = payment.refunded
    if amount < refunded:
        raise ValidationError({"amount": f"{refunded} of this payment has been refunded, so "
                               "its amount cannot be less than that."})
    if tip_amount < tip_refunded:
        raise ValidationError({"tip_amount": f"{tip_refunded} of the tip has been refunded, "
                               "so the tip cannot be less than that."})
    payment.date, payment.amount, payment.tip_amount = date, amount, tip_amount
    payment.method, payment.reference = method, reference.strip()
    payment.processor_fee = processor_fee
    return _save_payment(payment, invoice)


@transaction.atomic
def payment_delete(*, payment: Payment) -> Invoice:
    """Remove a payment recorded here by mistake, with its refunds (and its processing fee,
    which is part of it). The invoice's balance and status follow. Returns the invoice."""
    invoice = Invoice.objects.select_for_update().get(pk=payment.invoice_id)
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    _check_changeable(payment, "deleted")
    payment.refunds.all().delete()
    payment.delete()
    _refresh_payment_status(invoice)
    return invoice


@transaction.atomic
def refund_record(
    *,
    payment: Payment,
    date: date,
    amount: Decimal,
    tip_amount: Decimal = ZERO,
    method: str = Payment.Method.CARD,
    reason: str = "",
    form_token: UUID | None = None,
) -> Refund:
    """Give back money of a payment: part or all of its amount, and of its tip if it had one.

    The invoice's balance and status stay as they are: the sale happened and was paid; the
    refund is money going back out (in QuickBooks a refund receipt reduces the income), and
    the invoice page shows it as "Refunded". A payment recorded in QuickBooks can be refunded
    too.
    """
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    _check_form_unused(Refund, payment.account, form_token)
    if amount < ZERO:
        raise ValidationError({"amount": "A refund cannot be negative."})
    if tip_amount < ZERO:
        raise ValidationError({"tip_amount": "A tip refund cannot be negative."})
    left, tip_left = payment.refundable
    if left <= ZERO and tip_left <= ZERO:
        raise ValidationError("This payment has been refunded in full already.")
    if amount + tip_amount <= ZERO:
        raise ValidationError({"amount": "Enter an amount to refund (more than zero)."})
    if amount > left:
        raise ValidationError({"amount": f"At most {format_number(left)} of this payment "
                               "can still be refunded."})
    if tip_amount > tip_left:
        raise ValidationError({"tip_amount": f"At most {format_number(tip_left)} of the tip "
                               "can still be refunded."})
    refund = Refund(account=payment.account, payment=payment, date=date, amount=amount,
                    tip_amount=tip_amount, method=method, reason=reason.strip(),
                    form_token=form_token)
    refund.full_clean(exclude=["form_token"])
    save_once(refund)
    return refund


@transaction.atomic
def expense_record(*, expense: Expense, form_token: UUID | None = None) -> Expense:
    """Save a new expense (built by its form); a second submission raises AlreadyRecorded."""
    _check_form_unused(Expense, expense.account, form_token)
    expense.form_token = form_token
    save_once(expense)
    return expense


# Payments entered in the books (QuickBooks) and brought back -------------------------------
# The books already hold them, so they are taken as they are: no balance check (the books
# accepted it), only the invoice's status follows. A void or draft invoice takes none.


@transaction.atomic
def payment_record_from_books(
    *, invoice: Invoice, date: date, amount: Decimal, method: str = Payment.Method.OTHER,
    reference: str = "",
) -> Payment | None:
    """A payment someone recorded in the books against this invoice. None when the invoice
    no longer takes payments here (void or draft)."""
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if invoice.is_void or invoice.is_draft or amount <= ZERO:
        return None
    payment = Payment(account=invoice.account, invoice=invoice, date=date, amount=amount,
                      method=method, reference=reference.strip()[:64],
                      recorded_in_quickbooks=True)
    return _save_payment(payment, invoice)


@transaction.atomic
def payment_update_from_books(
    *, payment: Payment, date: date, amount: Decimal, method: str, reference: str = "",
) -> Payment:
    """The books changed a payment they recorded (its amount, date, method or reference)."""
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    invoice = Invoice.objects.select_for_update().get(pk=payment.invoice_id)
    payment.date, payment.amount, payment.method = date, amount, method
    payment.reference = reference.strip()[:64]
    return _save_payment(payment, invoice)


@transaction.atomic
def payment_remove_from_books(*, payment: Payment) -> bool:
    """The books voided or deleted a payment they recorded: it goes here too, and the
    invoice's balance and status with it. False (kept) when it has refunds here."""
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    if payment.refunds.exists():
        return False
    invoice = Invoice.objects.select_for_update().get(pk=payment.invoice_id)
    payment.delete()
    _refresh_payment_status(invoice)
    return True
