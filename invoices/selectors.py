"""The CRM's reads, always scoped to one account."""

from django.db.models import Q, QuerySet

from .models import Account, Contact, Expense, Invoice, Product, TaxRate


def invoice_list(*, account: Account, search: str = "", status: str = "") -> QuerySet[Invoice]:
    invoices = (
        Invoice.objects.filter(account=account)
        .select_related("contact")
        .prefetch_related("lines__tax_rate", "payments")
    )
    if status:
        invoices = invoices.filter(status=status)
    if search:
        invoices = invoices.filter(
            Q(number__icontains=search)
            | Q(contact__first_name__icontains=search)
            | Q(contact__last_name__icontains=search)
            | Q(contact__company__icontains=search)
            | Q(contact__email__icontains=search)
        )
    return invoices


def contact_list(*, account: Account) -> QuerySet[Contact]:
    return Contact.objects.filter(account=account)


def product_list(*, account: Account) -> QuerySet[Product]:
    return Product.objects.filter(account=account).select_related("default_tax_rate")


def tax_rate_list(*, account: Account) -> QuerySet[TaxRate]:
    return TaxRate.objects.filter(account=account)


def expense_list(*, account: Account) -> QuerySet[Expense]:
    return Expense.objects.filter(account=account)
