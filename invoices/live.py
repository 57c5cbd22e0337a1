"""Open pages follow changes made elsewhere (a payment entered in QuickBooks, a worker that
synced): a cheap version of what a page shows, which the page polls; it fetches itself again
only when the version changed. No call to any outside service: a few aggregate queries.

Integrations add what they show through `version_parts` (the CRM knows nothing of them)."""

import hashlib

from django.db.models import Count, Max, Sum
from django.dispatch import Signal

from .models import Account, Invoice, Payment, Refund

# Receivers get `invoice_ids` (a list) and return a string that changes when what they show
# on those invoices' pages changes.
version_parts = Signal()


def _digest(parts: list) -> str:
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:20]


def _extras(invoice_ids: list[int] | None, account: Account) -> list[str]:
    return [str(answer) for _receiver, answer in
            version_parts.send(sender=Invoice, invoice_ids=invoice_ids, account=account)]


def invoice_version(invoice: Invoice) -> str:
    """Changes when the invoice, its payments or refunds change (or what integrations show)."""
    payments = Payment.objects.filter(invoice=invoice).aggregate(
        n=Count("id"), last=Max("id"), amount=Sum("amount"), tips=Sum("tip_amount"),
        fees=Sum("processor_fee"))
    refunds = Refund.objects.filter(payment__invoice=invoice).aggregate(
        n=Count("id"), last=Max("id"), amount=Sum("amount"))
    fresh = Invoice.objects.filter(pk=invoice.pk).values_list("updated_at", "status").first()
    return _digest([fresh, sorted(payments.items()), sorted(refunds.items()),
                    _extras([invoice.pk], invoice.account)])


def invoice_list_version(account: Account) -> str:
    """Changes when any of the account's invoices or payments changes."""
    invoices = Invoice.objects.filter(account=account).aggregate(
        n=Count("id"), last=Max("updated_at"))
    payments = Payment.objects.filter(account=account).aggregate(
        n=Count("id"), last=Max("id"), amount=Sum("amount"))
    refunds = Refund.objects.filter(account=account).aggregate(n=Count("id"))
    return _digest([sorted(invoices.items()), sorted(payments.items()),
                    sorted(refunds.items()), _extras(None, account)])
