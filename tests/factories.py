"""Plain factory functions for tests: small, explicit, with sensible defaults."""

from datetime import date, timedelta
from decimal import Decimal
from itertools import count

from invoices import services
from invoices.models import (
    Account,
    Contact,
    Invoice,
    InvoiceLine,
    Payment,
    Product,
    Refund,
    TaxRate,
    User,
)
from invoices.services import LineInput

_seq = count(1)


def make_account(*, name: str = "Studio", country: str = "US") -> Account:
    return Account.objects.create(name=f"{name} {next(_seq)}", country=country)


def make_user(*, account: Account, username: str | None = None) -> User:
    return User.objects.create_user(
        username=username or f"user{next(_seq)}", password="pw-for-tests-1", account=account
    )


def make_contact(
    *, account: Account, first_name: str = "Ana", last_name: str = "Silva", email: str = ""
) -> Contact:
    return Contact.objects.create(
        account=account,
        first_name=first_name,
        last_name=last_name,
        email=email or f"{first_name.lower()}{next(_seq)}@example.com",
    )


def make_tax_rate(*, account: Account, name: str = "Sales Tax", percentage: str = "10") -> TaxRate:
    return TaxRate.objects.create(account=account, name=name, percentage=Decimal(percentage))


def make_product(
    *, account: Account, display_name: str = "Portrait Session", rate: str = "100.00",
    tax_rate: TaxRate | None = None,
) -> Product:
    return Product.objects.create(
        account=account, display_name=display_name, rate=Decimal(rate), default_tax_rate=tax_rate
    )


def make_invoice(
    *, account: Account, contact: Contact | None = None, number: str | None = None,
    lines: list[tuple[Product, str, str, TaxRate | None]] | None = None, send: bool = False,
    issue_date: date | None = None,
) -> Invoice:
    contact = contact or make_contact(account=account)
    if lines is None:
        lines = [(make_product(account=account), "1", "100.00", None)]
    issued = issue_date or date(2026, 11, 1)
    invoice = services.invoice_create(
        account=account,
        number=number or f"{1000 + next(_seq)}",
        contact=contact,
        issue_date=issued,
        due_date=issued + timedelta(days=14),
        lines=[LineInput(p, Decimal(q), Decimal(u), t) for p, q, u, t in lines],
    )
    if send:
        invoice = services.invoice_send(invoice=invoice)
    return invoice


# -- unsaved objects, for the pure mapping in integrations/payloads.py (no database) --------

def build_contact(
    *, first_name: str = "Ada", last_name: str = "Lovelace", email: str = "ada@example.com",
    company: str = "", phone: str = "",
) -> Contact:
    return Contact(first_name=first_name, last_name=last_name, email=email, company=company,
                   phone=phone)


def build_tax_rate(*, pk: int, name: str, percentage: str) -> TaxRate:
    """A rate with an id of its own: an invoice's tax is rounded once per rate id."""
    return TaxRate(pk=pk, name=name, percentage=Decimal(percentage))


def build_line(
    *, name: str, unit_price: str, quantity: str = "1", tax_rate: TaxRate | None = None,
    description: str = "", discount_percent: str = "0",
) -> InvoiceLine:
    return InvoiceLine(name=name, unit_price=Decimal(unit_price), quantity=Decimal(quantity),
                       tax_rate=tax_rate, description=description,
                       discount_percent=Decimal(discount_percent))


def build_invoice(
    *, contact: Contact | None = None, number: str = "1042", memo: str = "",
    discount_kind: str = "", discount_value: str = "0",
) -> Invoice:
    """Issued 1 November 2026, due 15 November."""
    return Invoice(contact=contact or build_contact(), number=number,
                   issue_date=date(2026, 11, 1), due_date=date(2026, 11, 15), memo=memo,
                   discount_kind=discount_kind, discount_value=Decimal(discount_value))


def build_payment(
    *, amount: str, tip: str = "0", reference: str = "", processor_fee: str = "0",
    on: date = date(2026, 11, 20),
) -> Payment:
    return Payment(invoice=build_invoice(), date=on, amount=Decimal(amount),
                   tip_amount=Decimal(tip), reference=reference,
                   processor_fee=Decimal(processor_fee))


def build_refund(
    *, amount: str, tip: str = "0", reason: str = "", on: date = date(2026, 11, 25),
) -> Refund:
    return Refund(payment=build_payment(amount="100.00"), date=on, amount=Decimal(amount),
                  tip_amount=Decimal(tip), reason=reason)
