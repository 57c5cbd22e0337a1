"""The CRM's data: every row belongs to one Account.

What one row can check is a database constraint here (amounts not negative, numbers and names
unique per account). What spans rows is kept by `invoices/services.py`, not by the database:
a payment never more than its invoice's balance and a refund never more than what its
payment has left (checked under a row lock on the parent), and a row's account the same as
its parent's (a payment or refund takes its parent's; an invoice's contact, products and tax
rates are checked). Write through the services, not `objects.create`.
"""

from decimal import Decimal

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.urls import reverse

from .localisation import format_percent
from .money import percent_of, tax_by_rate, to_cents
from .tokens import TokenValues, broken_tokens, render_tokens, token_example, unknown_tokens

ZERO = Decimal("0.00")
NON_NEGATIVE = [MinValueValidator(ZERO)]
# Card processors charge about 2.9% + a fixed amount; the highest common rates (American Express,
# international cards, high-risk merchants) stay under 6%. 10% leaves room for any real rate and
# refuses a slip (29 for 2.9) that would record almost a third of every card payment as a fee.
CARD_FEE_PERCENT_MAX = Decimal("10")
CARD_FEE_PERCENT_BOUNDS = [
    MinValueValidator(ZERO, "Enter a percent from 0 to 10 (e.g. 2.90 for 2.9%%)."),
    MaxValueValidator(CARD_FEE_PERCENT_MAX,
                      "Enter a percent from 0 to 10 (e.g. 2.90 for 2.9%%): card processors charge "
                      "about 3%% of a payment, and none charges more than 10%%."),
]


def form_token_field() -> models.UUIDField:
    """The one-time token of the form that made a row (None for rows made another way)."""
    return models.UUIDField(null=True, blank=True, editable=False,
                            help_text="The form that made this record: one record per form "
                            "shown, however often it is submitted.")


def form_token_once(model: str) -> models.UniqueConstraint:
    """One record per form shown: the database refuses a second row with the same token
    (a resubmitted form, a double click, two tabs), even when both arrive at once."""
    return models.UniqueConstraint(fields=["account", "form_token"],
                                   name=f"{model}_form_token_once_per_account")

COUNTRY_CURRENCIES = {
    "US": "USD",
    "CA": "CAD",
    "GB": "GBP",
    "AU": "AUD",
    "NZ": "NZD",
    "IE": "EUR",
    "FR": "EUR",
    "DE": "EUR",
}

# What a contact may be billed in: the home currencies above, and those studios bill most.
BILLING_CURRENCIES = ("USD", "CAD", "GBP", "EUR", "AUD", "NZD", "CHF", "JPY", "MXN")


class Account(models.Model):
    """One small business. Only US, CA and GB accounts may later connect to QuickBooks."""

    class Country(models.TextChoices):
        US = "US", "United States"
        CA = "CA", "Canada"
        GB = "GB", "United Kingdom"
        AU = "AU", "Australia"
        NZ = "NZ", "New Zealand"
        IE = "IE", "Ireland"
        FR = "FR", "France"
        DE = "DE", "Germany"

    name = models.CharField(max_length=200)
    country = models.CharField(max_length=2, choices=Country.choices, default=Country.US)
    currency = models.CharField(max_length=3, blank=True)
    timezone = models.CharField(max_length=64, default="America/New_York")
    # What the card processor keeps of a card payment (e.g. 2.9% + 0.30): the payment form
    # proposes this fee for card payments; the owner can change it per payment.
    card_fee_percent = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal("2.90"),
                                           validators=CARD_FEE_PERCENT_BOUNDS)
    card_fee_fixed = models.DecimalField(max_digits=8, decimal_places=2, default=Decimal("0.30"),
                                         validators=NON_NEGATIVE)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        if not self.currency:
            self.currency = COUNTRY_CURRENCIES.get(self.country, "USD")
        super().save(*args, **kwargs)

    def card_fee(self, amount: Decimal) -> Decimal:
        """The processor's fee on a card payment of `amount`, at this account's rates."""
        return to_cents(percent_of(amount, self.card_fee_percent) + self.card_fee_fixed)


class User(AbstractUser):
    """A person who signs in; everything they see is scoped to their account."""

    account = models.ForeignKey(
        Account, null=True, blank=True, on_delete=models.PROTECT, related_name="users"
    )


class Contact(models.Model):
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="contacts")
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100, blank=True)
    company = models.CharField(max_length=200, blank=True)
    # Optional: QuickBooks needs no email for a customer (the payload then sends none).
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    # The currency this contact is billed in (ISO 4217); blank is saved as the account's.
    billing_currency = models.CharField(
        max_length=3, blank=True, choices=[(code, code) for code in BILLING_CURRENCIES],
        help_text="Invoices made for this contact are in this currency.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["first_name", "last_name", "email"]
        constraints = [
            models.UniqueConstraint(
                "account",
                Lower("email"),
                name="contact_email_unique_per_account",
                condition=~models.Q(email=""),  # many contacts may have no email
                violation_error_message="Another contact in this account already has this email.",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    def save(self, *args, **kwargs) -> None:
        if not self.billing_currency and self.account_id:
            self.billing_currency = self.account.currency
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("invoices:contact_edit", args=[self.pk])

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.first_name, self.last_name) if part)


class TaxRate(models.Model):
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="tax_rates")
    name = models.CharField(max_length=100, help_text="The name your invoices show. Connected "
                            "to an accounting app, a rate named otherwise than its tax code "
                            "there is matched to one in Account Settings > Integrations.")
    percentage = models.DecimalField(max_digits=6, decimal_places=3, validators=NON_NEGATIVE)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                "account",
                Lower("name"),
                name="tax_rate_name_unique_per_account",
                violation_error_message="A tax rate with this name already exists.",
            ),
            models.CheckConstraint(
                condition=Q(percentage__gte=0), name="tax_rate_percentage_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({format_percent(self.percentage)})"


class Product(models.Model):
    """A product or service. Its Display Name may hold tokens rendered per contact."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="products")
    display_name = models.CharField(
        max_length=200,
        help_text="May hold tokens such as [% contact.first_name %], [% contact.last_name %], "
        "[% contact.full_name %], [% contact.company %] or [% account.name %].",
    )
    description = models.TextField(blank=True)
    rate = models.DecimalField(max_digits=12, decimal_places=2, validators=NON_NEGATIVE)
    taxable = models.BooleanField(default=True)
    default_tax_rate = models.ForeignKey(
        TaxRate, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["display_name"]
        constraints = [
            models.CheckConstraint(condition=Q(rate__gte=0), name="product_rate_not_negative"),
        ]

    def __str__(self) -> str:
        return self.display_name

    def clean(self) -> None:
        broken = broken_tokens(self.display_name)
        if broken:
            written, lacks = broken[0]
            raise ValidationError({"display_name": (
                f"The token “{written}” is not {lacks}. A token starts with [% and ends with "
                f"%], as in {token_example(written)}.")})
        unknown = unknown_tokens(self.display_name)
        if unknown:
            names = ", ".join(f"[% {token} %]" for token in unknown)
            raise ValidationError(
                {
                    "display_name": f"Unknown token {names}. Use contact.first_name, "
                    "contact.last_name, contact.full_name, contact.company or account.name."
                }
            )
        if (
            self.default_tax_rate_id
            and self.account_id
            and self.default_tax_rate.account_id != self.account_id
        ):
            raise ValidationError({"default_tax_rate": "Choose one of this account's tax rates."})

    def rendered_name(self, contact: Contact) -> str:
        """The Display Name as this contact sees it on an invoice, cut to what a line holds
        (tokens can make it longer than the Display Name itself)."""
        values = TokenValues(
            first_name=contact.first_name,
            last_name=contact.last_name,
            company=contact.company,
            account_name=self.account.name,
        )
        limit = InvoiceLine._meta.get_field("name").max_length
        return render_tokens(self.display_name, values)[:limit].rstrip()


class Invoice(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SENT = "sent", "Sent"
        PARTIALLY_PAID = "partially_paid", "Partially paid"
        PAID = "paid", "Paid"
        VOID = "void", "Void"

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="invoices")
    number = models.CharField(max_length=64)
    contact = models.ForeignKey(Contact, on_delete=models.PROTECT, related_name="invoices")
    issue_date = models.DateField()
    due_date = models.DateField()
    currency = models.CharField(max_length=3)
    # Home-currency units per unit of `currency`, as the owner entered it; blank: the rate
    # the accounting app holds for the issue date. Unused for a home-currency invoice.
    exchange_rate = models.DecimalField(
        max_digits=16, decimal_places=6, null=True, blank=True,
        validators=[MinValueValidator(Decimal("0.000001"), "An exchange rate is more than 0.")],
        help_text="Home-currency units per one unit of the invoice's currency. Leave blank "
        "for the accounting app's rate of the issue date.")
    memo = models.TextField(blank=True)
    discount_kind = models.CharField(
        max_length=10, choices=[("", "No discount"), ("percent", "Percent"),
                                ("amount", "Amount")], blank=True, default="")
    discount_value = models.DecimalField(max_digits=12, decimal_places=2, default=ZERO,
                                         validators=NON_NEGATIVE)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    sent_at = models.DateTimeField(null=True, blank=True)
    form_token = form_token_field()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-issue_date", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "number"],
                name="invoice_number_unique_per_account",
                violation_error_message="Another invoice already has this number.",
            ),
            models.CheckConstraint(
                condition=Q(due_date__gte=models.F("issue_date")),
                name="invoice_due_on_or_after_issue",
                violation_error_message="The due date cannot be before the issue date.",
            ),
            models.CheckConstraint(
                condition=Q(discount_value__gte=0)
                & (~Q(discount_kind="percent") | Q(discount_value__lte=100)),
                name="invoice_discount_in_range",
                violation_error_message="A discount is 0 to 100 percent, or an amount of 0 "
                "or more.",
            ),
            form_token_once("invoice"),
        ]
        indexes = [models.Index(fields=["account", "status"])]

    def __str__(self) -> str:
        return f"Invoice {self.number}"

    def get_absolute_url(self) -> str:
        return reverse("invoices:invoice_detail", args=[self.pk])

    @property
    def is_foreign(self) -> bool:
        """Billed in a currency other than the account's own."""
        return bool(self.currency) and self.currency != self.account.currency

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    @property
    def is_void(self) -> bool:
        return self.status == self.Status.VOID

    @property
    def accepts_payments(self) -> bool:
        return self.status in {self.Status.SENT, self.Status.PARTIALLY_PAID}

    @property
    def subtotal(self) -> Decimal:
        return sum((line.amount for line in self.lines.all()), ZERO)

    @property
    def discount_amount(self) -> Decimal:
        """The invoice-level discount, before tax: a percent of the subtotal (rounded to the
        cent) or an amount, never more than the subtotal."""
        return discount_of(self.subtotal, self.discount_kind, self.discount_value)

    @property
    def tax_total(self) -> Decimal:
        return invoice_tax(self.lines.all(), discount=self.discount_amount)

    @property
    def total(self) -> Decimal:
        return total_of(self.lines.all(), self.discount_kind, self.discount_value)

    @property
    def refunded_total(self) -> Decimal:
        return to_cents(sum((refund.amount + refund.tip_amount
                             for payment in self.payments.all()
                             for refund in payment.refunds.all()), ZERO))

    @property
    def amount_paid(self) -> Decimal:
        # Summed in Python so a prefetch_related("payments") list costs no query per row.
        return to_cents(sum((payment.amount for payment in self.payments.all()), ZERO))

    @property
    def tips_total(self) -> Decimal:
        return to_cents(sum((payment.tip_amount for payment in self.payments.all()), ZERO))

    @property
    def balance(self) -> Decimal:
        if self.is_void:
            return ZERO
        return self.total - self.amount_paid


class InvoiceLine(models.Model):
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField(default=0)
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="lines")
    name = models.CharField(
        max_length=200, help_text="The product's Display Name, rendered for this contact."
    )
    description = models.TextField(blank=True)
    quantity = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal("1"))
    unit_price = models.DecimalField(max_digits=12, decimal_places=2)
    discount_percent = models.DecimalField(
        max_digits=5, decimal_places=2, default=ZERO,
        help_text="A discount on this line alone (0-100%), taken before tax.")
    tax_rate = models.ForeignKey(
        TaxRate, null=True, blank=True, on_delete=models.PROTECT, related_name="lines"
    )

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="line_quantity_positive"),
            models.CheckConstraint(
                condition=Q(unit_price__gte=0), name="line_unit_price_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(discount_percent__gte=0) & Q(discount_percent__lte=100),
                name="line_discount_in_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def gross_amount(self) -> Decimal:
        return to_cents(self.quantity * self.unit_price)

    @property
    def line_discount(self) -> Decimal:
        return percent_of(self.gross_amount, self.discount_percent) if self.discount_percent \
            else ZERO

    @property
    def amount(self) -> Decimal:
        """What the line comes to: quantity times unit price, less its own discount."""
        return self.gross_amount - self.line_discount

    @property
    def tax_amount(self) -> Decimal:
        """This line's tax alone (the invoice's tax is rounded per rate: `invoice_tax`)."""
        if self.tax_rate is None:
            return ZERO
        return percent_of(self.amount, self.tax_rate.percentage)


def discount_of(subtotal: Decimal, kind: str, value: Decimal) -> Decimal:
    if kind == "percent":
        return min(percent_of(subtotal, value), subtotal)
    if kind == "amount":
        return min(to_cents(value), subtotal)
    return ZERO


def total_of(lines, discount_kind: str, discount_value: Decimal | None) -> Decimal:
    """What lines (saved or not) come to with an invoice discount and tax: an invoice's total."""
    lines = list(lines)
    subtotal = sum((line.amount for line in lines), ZERO)
    discount = discount_of(subtotal, discount_kind, discount_value or ZERO)
    return subtotal - discount + invoice_tax(lines, discount=discount)


def invoice_tax(lines, discount: Decimal = ZERO) -> Decimal:
    """The tax of these lines: each rate once, on the sum of its lines (money.tax_by_rate),
    after an invoice discount shrinks every rate's base in proportion (as QuickBooks does)."""
    lines = list(lines)
    subtotal = sum((line.amount for line in lines), ZERO)
    share = (subtotal - discount) / subtotal if discount and subtotal else None
    return tax_by_rate(((line.amount, line.tax_rate_id, line.tax_rate.percentage)
                        for line in lines if line.tax_rate is not None), share=share)


class Payment(models.Model):
    class Method(models.TextChoices):
        CARD = "card", "Card"
        BANK_TRANSFER = "bank_transfer", "Bank transfer"
        CHECK = "check", "Check"
        CASH = "cash", "Cash"
        OTHER = "other", "Other"

    # The invoice's account, and no more than its balance: `payment_record` takes the one
    # and checks the other under a lock on the invoice (neither is a database constraint).
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="payments")
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="payments")
    date = models.DateField()
    amount = models.DecimalField(
        max_digits=12, decimal_places=2, help_text="Applied to the invoice's balance."
    )
    tip_amount = models.DecimalField(
        max_digits=12, decimal_places=2, default=ZERO, validators=NON_NEGATIVE
    )
    method = models.CharField(max_length=20, choices=Method.choices, default=Method.CARD)
    reference = models.CharField(max_length=64, blank=True)
    processor_fee = models.DecimalField(
        max_digits=12, decimal_places=2, default=ZERO, validators=NON_NEGATIVE,
        help_text="What the card processor kept of this payment (an expense).")
    recorded_in_quickbooks = models.BooleanField(
        default=False, help_text="Entered in QuickBooks (e.g. a check the bookkeeper recorded) "
        "and brought back here; never sent to QuickBooks again.")
    form_token = form_token_field()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            models.CheckConstraint(condition=Q(tip_amount__gte=0), name="payment_tip_not_negative"),
            models.CheckConstraint(condition=Q(processor_fee__gte=0),
                                   name="payment_fee_not_negative"),
            form_token_once("payment"),
        ]

    def __str__(self) -> str:
        return f"Payment of {self.amount} on {self.invoice.number}"

    @property
    def total_received(self) -> Decimal:
        return self.amount + self.tip_amount

    @property
    def refunded(self) -> tuple[Decimal, Decimal]:
        """(amount, tip) refunded so far."""
        refunds = list(self.refunds.all())
        return (sum((r.amount for r in refunds), ZERO), sum((r.tip_amount for r in refunds), ZERO))

    @property
    def refundable(self) -> tuple[Decimal, Decimal]:
        """(amount, tip) not yet refunded."""
        refunds = list(self.refunds.all())
        return (self.amount - sum((r.amount for r in refunds), ZERO),
                self.tip_amount - sum((r.tip_amount for r in refunds), ZERO))


class Refund(models.Model):
    """Money given back on a payment, fully or partly; its tip part is refunded separately
    (a tip is the client's money too: the owner chooses whether to give it back)."""

    # The payment's account, and no more than it has left (`refundable`): `refund_record`
    # takes the one and checks the other under a lock on the payment (neither is a database
    # constraint).
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="refunds")
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    date = models.DateField()
    amount = models.DecimalField(max_digits=12, decimal_places=2, validators=NON_NEGATIVE,
                                 help_text="Of the payment's amount (not its tip).")
    tip_amount = models.DecimalField(max_digits=12, decimal_places=2, default=ZERO,
                                     validators=NON_NEGATIVE)
    method = models.CharField(max_length=20, choices=Payment.Method.choices,
                              default=Payment.Method.CARD)
    reason = models.CharField(max_length=200, blank=True)
    form_token = form_token_field()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0) & Q(tip_amount__gte=0)
                                   & (Q(amount__gt=0) | Q(tip_amount__gt=0)),
                                   name="refund_positive"),
            form_token_once("refund"),
        ]

    def __str__(self) -> str:
        return f"Refund of {self.total} on {self.payment.invoice.number}"

    @property
    def total(self) -> Decimal:
        return self.amount + self.tip_amount


class Expense(models.Model):
    """Money spent. Expenses stay in the CRM: they never go to QuickBooks."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="expenses")
    date = models.DateField()
    vendor = models.CharField(max_length=200)
    category = models.CharField(max_length=100)
    amount = models.DecimalField(max_digits=12, decimal_places=2, validators=NON_NEGATIVE)
    notes = models.TextField(blank=True)
    form_token = form_token_field()

    class Meta:
        ordering = ["-date", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="expense_amount_not_negative"),
            form_token_once("expense"),
        ]

    def __str__(self) -> str:
        return f"{self.vendor} {self.amount}"
