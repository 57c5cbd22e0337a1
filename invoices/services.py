"""The CRM's writes: one function per verb, keyword-only, each in one transaction.

Views and the seed command call these; nothing else changes invoice status or money.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from .models import ZERO, Account, Contact, Invoice, InvoiceLine, Payment, Product, TaxRate


@dataclass(frozen=True)
class LineInput:
    product: Product
    quantity: Decimal
    unit_price: Decimal
    tax_rate: TaxRate | None = None
    description: str = ""


def _check_same_account(account: Account, *objects: object) -> None:
    for obj in objects:
        if obj is not None and getattr(obj, "account_id", account.pk) != account.pk:
            raise ValidationError("That record belongs to another account.")


def _check_number_free(invoice: Invoice) -> None:
    taken = Invoice.objects.filter(account=invoice.account, number=invoice.number)
    if taken.exclude(pk=invoice.pk).exists():
        raise ValidationError({"number": "Another invoice already has this number."})


def _replace_lines(invoice: Invoice, lines: list[LineInput]) -> None:
    if not lines:
        raise ValidationError("An invoice needs at least one line.")
    invoice.lines.all().delete()
    for position, line in enumerate(lines):
        _check_same_account(invoice.account, line.product, line.tax_rate)
        if line.quantity <= 0:
            raise ValidationError("Each line's quantity must be more than zero.")
        if line.unit_price < 0:
            raise ValidationError("A unit price cannot be negative.")
        InvoiceLine.objects.create(
            invoice=invoice,
            position=position,
            product=line.product,
            name=line.product.rendered_name(invoice.contact),
            description=line.description or line.product.description,
            quantity=line.quantity,
            unit_price=line.unit_price,
            tax_rate=line.tax_rate,
        )


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
) -> Invoice:
    _check_same_account(account, contact)
    invoice = Invoice(
        account=account,
        number=number.strip(),
        contact=contact,
        issue_date=issue_date,
        due_date=due_date,
        memo=memo,
        currency=currency or account.currency,
    )
    _check_number_free(invoice)
    invoice.full_clean()
    invoice.save()
    _replace_lines(invoice, lines)
    return invoice


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
) -> Invoice:
    """Edit an invoice. Void invoices are final; a total may not fall below what was paid."""
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if invoice.is_void:
        raise ValidationError("A void invoice cannot be edited.")
    _check_same_account(invoice.account, contact)
    invoice.number = number.strip()
    invoice.contact = contact
    invoice.issue_date = issue_date
    invoice.due_date = due_date
    invoice.memo = memo
    _check_number_free(invoice)
    invoice.full_clean()
    _replace_lines(invoice, lines)
    if invoice.total < invoice.amount_paid:
        raise ValidationError(
            f"The new total {invoice.total} is less than the {invoice.amount_paid} already paid."
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
def invoice_delete(*, invoice: Invoice) -> None:
    """Only drafts can be deleted; a sent invoice is part of the books and is voided instead."""
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if not invoice.is_draft:
        raise ValidationError(
            f"Invoice {invoice.number} has been sent, so it cannot be deleted. Void it instead."
        )
    invoice.delete()


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
) -> Payment:
    """Apply a payment (and an optional tip on top) to a sent invoice."""
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if not invoice.accepts_payments:
        raise ValidationError(
            f"Invoice {invoice.number} is {invoice.get_status_display().lower()}; "
            "payments can only be recorded on sent, unpaid invoices."
        )
    if amount <= ZERO:
        raise ValidationError({"amount": "The amount must be more than zero."})
    if tip_amount < ZERO:
        raise ValidationError({"tip_amount": "A tip cannot be negative."})
    balance = invoice.balance
    if amount > balance:
        raise ValidationError(
            {
                "amount": f"This is more than the balance of {balance}. "
                "If the client paid extra as a tip, enter the extra as a tip."
            }
        )
    payment = Payment(
        account=invoice.account,
        invoice=invoice,
        date=date,
        amount=amount,
        tip_amount=tip_amount,
        method=method,
        reference=reference.strip(),
    )
    payment.full_clean()
    payment.save()
    _apply_payment_status(invoice)
    invoice.save(update_fields=["status", "updated_at"])
    return payment
