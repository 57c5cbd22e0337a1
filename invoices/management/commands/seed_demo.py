"""Create the demo accounts (US, Canada, UK) with data that exercises every QuickBooks rule.

Safe to run again: an account that already exists is left alone (use --reset to rebuild).
"""

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.core.management.base import BaseCommand
from django.db import transaction

from invoices import services
from invoices.models import Account, Contact, Expense, Product, TaxRate, User
from invoices.services import LineInput

DEMO_PASSWORD = "hatsync-demo"
FIRST_DEMO_NUMBER = 2001  # after the sandbox sample companies' DocNumbers 1001-1037


@dataclass(frozen=True)
class DemoAccount:
    username: str
    name: str
    country: str
    timezone: str
    tax_rates: tuple[tuple[str, str], ...]
    taxable_rate: str
    older_invoices: int
    # A client billed in another currency: (currency, first, last, email, company, the
    # tax rate its invoices take, the rate entered on one of them).
    foreign_client: tuple[str, str, str, str, str, str, str] | None = None


DEMO_ACCOUNTS = (
    DemoAccount(
        username="demo",
        name="Golden Hour Photography",
        country="US",
        timezone="America/New_York",
        tax_rates=(("Sales Tax", "8.875"), ("No Tax", "0"), ("Exempt", "0")),
        taxable_rate="Sales Tax",
        older_invoices=300,
    ),
    DemoAccount(
        username="demo-ca",
        name="Maple & Pine Events",
        country="CA",
        timezone="America/Toronto",
        # Names match the local QBO sandbox's Canadian tax codes, except "QST" (no such code
        # there): an invoice using it shows the "tax rate has no QuickBooks match" refusal.
        tax_rates=(("HST ON", "13"), ("GST", "5"), ("Zero-rated", "0"), ("Exempt", "0"),
                   ("QST", "9.975")),
        taxable_rate="HST ON",
        older_invoices=60,
        # A New York client billed in US dollars (services exported: zero-rated).
        foreign_client=("USD", "Jordan", "Avery", "jordan@averyandco.example",
                        "Avery & Co (New York)", "Zero-rated", "1.3650"),
    ),
    DemoAccount(
        username="demo-uk",
        name="Thames Wedding Films",
        country="GB",
        timezone="Europe/London",
        # "20.0% S" etc. are QuickBooks UK's own VAT code names; "VAT 17.5%" matches none.
        tax_rates=(("20.0% S", "20"), ("5.0% R", "5"), ("0.0% Z", "0"), ("Exempt", "0"),
                   ("VAT 17.5%", "17.5")),
        taxable_rate="20.0% S",
        older_invoices=60,
        # A wedding in France, billed in euros.
        foreign_client=("EUR", "Claire", "Dubois", "claire.dubois@example.fr",
                        "Mariage Dubois (Lyon)", "0.0% Z", "0.8550"),
    ),
)

FIRST_NAMES = ["Ana", "Ben", "Chloe", "Diego", "Emma", "Farah", "Gus", "Hana", "Ivan", "Jade",
               "Kofi", "Lena", "Mateo", "Nora", "Omar", "Priya", "Quinn", "Rosa", "Sam", "Tess"]
LAST_NAMES = ["Silva", "Okafor", "Nguyen", "Martin", "Kowalski", "Haddad", "Lindqvist",
              "O'Brien", "Rossi", "Tanaka", "Dubois", "Murphy"]


class Command(BaseCommand):
    help = "Create demo accounts whose data exercises every QuickBooks sync rule."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--reset", action="store_true", help="Delete and rebuild the demo.")

    def handle(self, *args, reset: bool = False, **options) -> None:
        for demo in DEMO_ACCOUNTS:
            existing = User.objects.filter(username=demo.username).select_related("account")
            if existing.exists():
                if not reset:
                    self.stdout.write(f"{demo.name}: already there (use --reset to rebuild).")
                    continue
                _delete_account(existing.get().account)
            account = _seed_account(demo)
            self.stdout.write(
                f"{account.name} ({account.country}): {account.invoices.count()} invoices, "
                f"{account.contacts.count()} contacts. Sign in as {demo.username} / {DEMO_PASSWORD}"
            )


@transaction.atomic
def _delete_account(account: Account) -> None:
    account.refunds.all().delete()
    account.payments.all().delete()
    account.invoices.all().delete()
    account.users.all().delete()
    account.delete()


@transaction.atomic
def _seed_account(demo: DemoAccount) -> Account:
    rng = random.Random(f"hatsync-{demo.username}")
    account = Account.objects.create(name=demo.name, country=demo.country, timezone=demo.timezone)
    User.objects.create_user(
        username=demo.username,
        password=DEMO_PASSWORD,
        email=f"{demo.username}@example.com",
        first_name="Demo",
        account=account,
    )
    rates = {
        name: TaxRate.objects.create(account=account, name=name, percentage=Decimal(pct))
        for name, pct in demo.tax_rates
    }
    taxable = rates[demo.taxable_rate]
    exempt = rates["Exempt"]

    contacts = _seed_contacts(account, rng)
    products = _seed_products(account, taxable, exempt)
    today = date.today()

    # Older invoices: sent and paid over the last two years, waiting for Import Invoices.
    # Numbered from 2001: the demo's QuickBooks sample companies already hold invoices
    # 1001-1037 (Intuit-like sample data), which would refuse the same numbers (6140).
    for n in range(1, demo.older_invoices + 1):
        issued = today - timedelta(days=rng.randint(30, 730))
        contact = rng.choice(contacts)
        product = rng.choice(products[:4])
        invoice = services.invoice_create(
            account=account,
            number=f"{FIRST_DEMO_NUMBER + n - 1}",
            contact=contact,
            issue_date=issued,
            due_date=issued + timedelta(days=14),
            lines=[LineInput(product, Decimal(rng.choice([1, 1, 2, 3])), product.rate,
                             product.default_tax_rate)],
        )
        services.invoice_send(invoice=invoice)
        if rng.random() < 0.7:
            paid_on = issued + timedelta(days=rng.randint(1, 20))
            tip = Decimal(rng.choice(["0", "0", "0", "25.00", "50.00"]))
            services.payment_record(
                invoice=invoice, date=paid_on, amount=invoice.balance, tip_amount=tip,
                reference=f"ch_{rng.randrange(10**8, 10**9)}",
                # every other card payment with the processor's fee (an expense to sync)
                processor_fee=account.card_fee(invoice.balance + tip) if n % 2 else Decimal(0),
            )

    _seed_rule_cases(account, contacts, products, rates, today)
    if demo.foreign_client:
        _seed_foreign_client(account, demo.foreign_client, products, rates, today)

    for n in range(12):
        Expense.objects.create(
            account=account, date=today - timedelta(days=7 * n),
            vendor=rng.choice(["Adobe", "B&H Photo", "Shell", "Studio rent", "Squarespace"]),
            category=rng.choice(["Software", "Equipment", "Travel", "Rent", "Marketing"]),
            amount=Decimal(rng.randint(900, 250000)) / 100,
        )
    return account


def _seed_contacts(account: Account, rng: random.Random) -> list[Contact]:
    contacts = [
        # Two different people with one name: they must never share a QuickBooks customer.
        Contact.objects.create(account=account, first_name="Ana", last_name="Silva",
                               email="ana.silva@example.com", company="Silva Bakery"),
        Contact.objects.create(account=account, first_name="Ana", last_name="Silva",
                               email="ana.s@example.org"),
        # A colon is not allowed in QuickBooks names; it must be cleaned on the way.
        Contact.objects.create(account=account, first_name="Dana", last_name="Lee",
                               email="dana@example.com", company="Lee: Design Studio"),
    ]
    seen = set()
    while len(contacts) < 40:
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        email = f"{first}.{last}".lower().replace("'", "") + f"{len(contacts)}@example.com"
        if email in seen:
            continue
        seen.add(email)
        contacts.append(Contact.objects.create(account=account, first_name=first,
                                               last_name=last, email=email))
    return contacts


def _seed_products(account: Account, taxable: TaxRate, exempt: TaxRate) -> list[Product]:
    def product(name: str, rate: str, tax: TaxRate, taxable_flag: bool = True,
                description: str = "") -> Product:
        item = Product(account=account, display_name=name, rate=Decimal(rate),
                       taxable=taxable_flag, default_tax_rate=tax, description=description)
        item.full_clean()
        item.save()
        return item

    return [
        product("Portrait Session", "350.00", taxable, description="One-hour studio session."),
        product("Wedding Package", "2400.00", taxable,
                description="Full-day coverage, second shooter, online gallery."),
        product("Photography Session for [% contact.first_name %]", "450.00", taxable,
                description="Two-hour on-location session."),
        product("Album for [%contact.full_name%]", "180.00", taxable,
                description="30-page lay-flat album."),
        product("Consultation", "0.00", exempt, description="Planning call."),
        product("Travel Fee", "75.00", exempt, taxable_flag=False,
                description="Travel beyond 25 miles."),
    ]


def _seed_foreign_client(account: Account, client: tuple, products: list[Product],
                         rates: dict[str, TaxRate], today: date) -> None:
    """A client billed in another currency: an invoice paid and partly refunded, one paid
    in part (with the owner's own exchange rate), one sent and unpaid."""
    currency, first, last, email, company, rate_name, entered = client
    contact = Contact.objects.create(account=account, first_name=first, last_name=last,
                                     email=email, company=company, billing_currency=currency)
    portrait, wedding, *_ = products
    tax = rates[rate_name]

    def invoice(number: str, days_ago: int, lines: list[LineInput], rate: str | None = None):
        issued = today - timedelta(days=days_ago)
        made = services.invoice_create(
            account=account, number=number, contact=contact, issue_date=issued,
            due_date=issued + timedelta(days=30), lines=lines,
            exchange_rate=Decimal(rate) if rate else None)
        return services.invoice_send(invoice=made)

    paid = invoice(f"{currency}-1", 20, [LineInput(wedding, Decimal(1), Decimal("2000.00"), tax)])
    payment = services.payment_record(invoice=paid, date=today - timedelta(days=15),
                                      amount=paid.balance, reference=f"{currency}-WIRE-1",
                                      method="bank_transfer")
    services.refund_record(payment=payment, date=today - timedelta(days=5),
                           amount=Decimal("150.00"), method="bank_transfer",
                           reason="Second shooter not needed")
    part = invoice(f"{currency}-2", 10, [LineInput(portrait, Decimal(2), Decimal("300.00"), tax)],
                   rate=entered)
    services.payment_record(invoice=part, date=part.issue_date, amount=Decimal("250.00"),
                            processor_fee=account.card_fee(Decimal("250.00")))
    invoice(f"{currency}-3", 2, [LineInput(portrait, Decimal(1), Decimal("350.00"), tax)])


def _seed_rule_cases(account, contacts, products, rates, today) -> None:
    ana_bakery, ana_other, dana = contacts[0], contacts[1], contacts[2]
    portrait, wedding, session, album, consult, travel = products
    taxable = products[0].default_tax_rate

    def invoice(number: str, contact: Contact, lines: list[LineInput], days_ago: int = 3):
        return services.invoice_create(
            account=account, number=number, contact=contact,
            issue_date=today - timedelta(days=days_ago),
            due_date=today - timedelta(days=days_ago) + timedelta(days=30), lines=lines,
        )

    # A number over 21 characters (becomes "INV-2...NG-SMITH-0001") and a long payment reference.
    long_number = invoice("INV-2024-WEDDING-SMITH-0001", ana_bakery,
                          [LineInput(wedding, Decimal(1), wedding.rate, taxable)])
    services.invoice_send(invoice=long_number)
    services.payment_record(invoice=long_number, date=today, amount=Decimal("1000.00"),
                            reference="STRIPE-PAYMENT-REFERENCE-000123456789")
    # Two invoices whose long numbers shorten to the same 21 characters.
    for number in ("INV-2024-A-WEDDING-SMITH-0002", "INV-2024-B-WEDDING-SMITH-0002"):
        services.invoice_mark_sent(invoice=invoice(
            number, ana_other, [LineInput(portrait, Decimal(1), portrait.rate, taxable)]))
    # Token products rendered per contact: two different QuickBooks items.
    for contact in (ana_bakery, dana):
        services.invoice_send(invoice=invoice(
            f"S-{contact.pk}", contact,
            [LineInput(session, Decimal(1), session.rate, taxable),
             LineInput(album, Decimal(1), album.rate, taxable)]))
    # A paid invoice with a tip, and the same-name contact's own invoice.
    tipped = invoice("TIP-1", ana_other, [LineInput(portrait, Decimal(2), portrait.rate, taxable)])
    services.invoice_send(invoice=tipped)
    tip_paid = services.payment_record(invoice=tipped, date=today, amount=tipped.balance,
                                       tip_amount=Decimal("60.00"), method="cash")
    # Refunds: part of a payment, and a tip given back in full.
    services.refund_record(payment=tip_paid, date=today, amount=Decimal("50.00"),
                           tip_amount=Decimal("60.00"), method="cash",
                           reason="Second portrait session cancelled")
    # 0% and exempt lines.
    services.invoice_send(invoice=invoice("ZERO-1", dana, [
        LineInput(consult, Decimal(1), consult.rate, rates["Exempt"]),
        LineInput(travel, Decimal(2), travel.rate, rates.get("Zero-rated")
                  or rates.get("0.0% Z") or rates.get("No Tax")),
    ]))
    # A rate whose name has no QuickBooks tax code (CA "QST", UK "VAT 17.5%").
    unmatched = next((rates[n] for n in ("QST", "VAT 17.5%") if n in rates), None)
    if unmatched:
        services.invoice_send(invoice=invoice(
            "TAX-MISMATCH-1", dana, [LineInput(portrait, Decimal(1), portrait.rate, unmatched)]))
    # Discounts before tax: a percent (awkward cents) and an amount, one of them paid.
    percent_off = services.invoice_create(
        account=account, number="DISC-PCT-1", contact=dana, issue_date=today - timedelta(days=2),
        due_date=today + timedelta(days=28), discount_kind="percent",
        discount_value=Decimal("33.33"),
        lines=[LineInput(portrait, Decimal(3), Decimal("19.99"), taxable),
               LineInput(album, Decimal(1), album.rate, taxable)])
    services.invoice_send(invoice=percent_off)
    amount_off = services.invoice_create(
        account=account, number="DISC-AMT-1", contact=ana_bakery,
        issue_date=today - timedelta(days=2), due_date=today + timedelta(days=28),
        discount_kind="amount", discount_value=Decimal("25.00"),
        lines=[LineInput(wedding, Decimal(1), wedding.rate, taxable),
               LineInput(travel, Decimal(1), travel.rate, rates["Exempt"])])
    services.invoice_send(invoice=amount_off)
    services.invoice_send(invoice=services.invoice_create(  # a discount on one line alone
        account=account, number="DISC-LINE-1", contact=dana,
        issue_date=today - timedelta(days=1), due_date=today + timedelta(days=29),
        lines=[LineInput(portrait, Decimal(2), portrait.rate, taxable,
                         discount_percent=Decimal("15")),
               LineInput(album, Decimal(1), album.rate, taxable)]))
    paid_off = services.payment_record(invoice=amount_off, date=today,
                                       amount=amount_off.balance, reference="DISC-AMT-1 paid")
    services.refund_record(payment=paid_off, date=today, amount=Decimal("40.00"),
                           tip_amount=Decimal(0), method="card", reason="Travel not needed")
    # Drafts stay local; a void invoice.
    invoice("DRAFT-1", ana_bakery, [LineInput(album, Decimal(1), album.rate, taxable)], 1)
    invoice("DRAFT-2", dana, [LineInput(session, Decimal(1), session.rate, taxable)], 0)
    services.invoice_void(invoice=services.invoice_send(invoice=invoice(
        "VOID-1", dana, [LineInput(portrait, Decimal(1), portrait.rate, taxable)], 10)))
