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


def invoice_holding_number(*, account: Account, number: str,
                           exclude_id: int | None = None) -> Invoice | None:
    """The account's other invoice with this number, whatever its capitals: DISC-AMT-1 and
    disc-amt-1 are one number (for the people who read them, and for the books they go to)."""
    number = number.strip()
    taken = Invoice.objects.filter(account=account, number__iexact=number)
    if exclude_id is not None:
        taken = taken.exclude(pk=exclude_id)
    return next((i for i in taken if i.number.casefold() == number.casefold()), None)


def contact_list(*, account: Account) -> QuerySet[Contact]:
    return Contact.objects.filter(account=account)


def product_list(*, account: Account) -> QuerySet[Product]:
    return Product.objects.filter(account=account).select_related("default_tax_rate")


def tax_rate_list(*, account: Account) -> QuerySet[TaxRate]:
    return TaxRate.objects.filter(account=account)


def expense_list(*, account: Account) -> QuerySet[Expense]:
    return Expense.objects.filter(account=account)


FIRST_INVOICE_NUMBER = 1001


def invoice_next_number(*, account: Account) -> str:
    """The next free number after the highest plain-digit number the account has used."""
    numbers = set(Invoice.objects.filter(account=account).values_list("number", flat=True))
    used = [int(number) for number in numbers if number.isdigit()]
    candidate = max(used, default=FIRST_INVOICE_NUMBER - 1) + 1
    while str(candidate) in numbers:
        candidate += 1
    return str(candidate)
