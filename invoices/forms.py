"""The CRM's forms. Every choice list is scoped to one account, passed in as `account=`."""

import re
from collections import Counter
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from uuid import uuid4

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import UniqueConstraint
from django.forms.formsets import (
    INITIAL_FORM_COUNT,
    MAX_NUM_FORM_COUNT,
    MIN_NUM_FORM_COUNT,
    TOTAL_FORM_COUNT,
    ManagementForm,
)
from django.utils.functional import cached_property

from . import hooks, selectors
from .book_dates import PICKER_LIMITS, validate_book_date
from .localisation import format_number, format_percent
from .models import (
    BILLING_CURRENCIES,
    ZERO,
    Account,
    Contact,
    Expense,
    Invoice,
    Payment,
    Product,
    TaxRate,
)
from .services import (
    DUPLICATE_NUMBER,
    MAX_LINES,
    TOO_MANY_LINES,
    LineInput,
    number_taken_message,
)
from .tokens import SUPPORTED_TOKENS

DUE_BEFORE_ISSUE = "The due date cannot be before the issue date."
TOO_MANY_ROWS = (f"{TOO_MANY_LINES} The form sent more rows than that, so none of its lines "
                 "were kept: add them again.")

# Messages the services raise without naming a field, and the field they are about.
SERVICE_MESSAGE_FIELDS = {
    DUPLICATE_NUMBER: "number",
    DUE_BEFORE_ISSUE: "due_date",
}


class DateInput(forms.DateInput):
    """The browser's date picker; it sends and expects ISO dates, within the books' years."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs={**PICKER_LIMITS, **(attrs or {})}, format="%Y-%m-%d")


class BookDateField(forms.DateField):
    """A date that goes into the books (invoice, due, payment, refund, expense): only the
    years accounting software can hold (book_dates.py)."""

    widget = DateInput
    default_validators = [validate_book_date]


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form: on its field when one is known."""
    if hasattr(error, "error_dict"):
        items = [(field, message) for field, errs in error.error_dict.items()
                 for e in errs for message in e.messages]
    else:
        items = [(NON_FIELD_ERRORS, message) for message in error.messages]
    for field, message in items:
        if field not in form.fields:
            field = SERVICE_MESSAGE_FIELDS.get(message)
        form.add_error(field, message)


def add_form_token(form: forms.BaseForm) -> None:
    """A one-time token, issued when a form that creates money records is shown. Its record
    keeps it (unique per account), so the form makes at most one record however often it is
    submitted: Back and submit again, a double click, two tabs of one page.

    Pages are never cached (hatsync.middleware), so Back loads the form again with a new
    token, and the browser puts back what had been typed but not a hidden field; app.js
    keeps the first token in the page's history entry and puts it back. Without JavaScript
    the view asks before recording the same money again (repeats.py)."""
    form.fields["form_token"] = forms.UUIDField(widget=forms.HiddenInput, required=False)
    if not form.is_bound:
        form.initial.setdefault("form_token", uuid4())


RECORD_AGAIN = "record_again"  # ticked: record it although it looks like a repeat (repeats.py)


def ask_to_record_again(form: forms.BaseForm, *, question: str, label: str) -> None:
    """Show `question` on the form, with the checkbox (`label`) that records it anyway."""
    form.fields[RECORD_AGAIN] = forms.BooleanField(required=False, label=label)
    form.add_error(None, question)


def record_again_ticked(data: Mapping) -> bool:
    return forms.CheckboxInput().value_from_datadict(data, {}, RECORD_AGAIN)


# --- Account-scoped model forms ------------------------------------------------------------


class AccountModelForm(forms.ModelForm):
    """A ModelForm for a row that belongs to `account`.

    ModelForm skips every constraint that mentions a field missing from the form, and
    `account` is never on the form, so the per-account unique constraints would only fail
    in the database. This form puts the account on the instance up front and checks those
    constraints itself, showing each error on the field named in `constraint_fields`.
    """

    constraint_fields: dict[str, str] = {}

    def __init__(self, *args, account: Account, **kwargs):
        super().__init__(*args, **kwargs)
        self.account = account
        self.instance.account = account

    def validate_unique(self) -> None:
        super().validate_unique()
        exclude = {
            field.name
            for field in self.instance._meta.fields
            if field.name != "account"
            and (field.name not in self.fields or field.name in self.errors)
        }
        for constraint in self.instance._meta.constraints:
            if not isinstance(constraint, UniqueConstraint):
                continue
            try:
                constraint.validate(type(self.instance), self.instance, exclude=exclude)
            except ValidationError as error:
                self.add_error(self.constraint_fields.get(constraint.name), error)


class ContactForm(AccountModelForm):
    constraint_fields = {"contact_email_unique_per_account": "email"}

    class Meta:
        model = Contact
        fields = ["first_name", "last_name", "company", "email", "phone", "billing_currency"]

    def __init__(self, *args, account: Account, **kwargs):
        super().__init__(*args, account=account, **kwargs)
        currency = self.fields["billing_currency"]
        currency.required = False  # left out: the account's currency (Contact.save)
        currency.choices = [(code, code) for code in BILLING_CURRENCIES]
        currency.initial = self.instance.billing_currency or account.currency
        currency.help_text = (f"Invoices made for this contact are in this currency "
                              f"({account.currency} unless you choose another). An invoice "
                              "keeps the currency it was made in.")


class TaxRateForm(AccountModelForm):
    constraint_fields = {"tax_rate_name_unique_per_account": "name"}

    class Meta:
        model = TaxRate
        fields = ["name", "percentage"]
        labels = {"percentage": "Percentage (%)"}
        help_texts = {"percentage": "0 is a real rate: use it for zero-rated or exempt sales."}

    def clean_percentage(self) -> Decimal:
        percentage = self.cleaned_data["percentage"]
        if percentage < 0:
            raise ValidationError("A tax rate cannot be negative. Use 0 for tax-free sales.")
        return percentage


class ProductForm(AccountModelForm):
    """A product. Before a name is saved that other apps have something to say about (in
    QuickBooks, products of one name are one item), the form shows it and asks for Add
    again: `needs_confirmation` keeps the view from saving until then."""

    CONFIRM_FIELD = "same_item_ok"

    class Meta:
        model = Product
        fields = ["display_name", "description", "rate", "taxable", "default_tax_rate"]
        labels = {"display_name": "Display Name", "rate": "Rate"}
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        tokens = ", ".join(f"[% {token} %]" for token in SUPPORTED_TOKENS)
        self.fields["display_name"].help_text = (
            f"Tokens are filled in for each contact on the invoice: {tokens}. "
            "Example: Photography Session for [% contact.first_name %]."
        )
        self.fields["default_tax_rate"].queryset = selectors.tax_rate_list(account=self.account)
        self.fields["default_tax_rate"].empty_label = "No default"
        self.fields["default_tax_rate"].help_text = "Used on invoice lines left without a tax rate."
        self.needs_confirmation = False
        self.name_notes: list[str] = []
        if not self.is_bound and self.instance.pk:
            self.name_notes = self._name_notes(self.instance.display_name)

    def _name_notes(self, display_name: str) -> list[str]:
        return hooks.product_name_warnings(account=self.account, display_name=display_name,
                                           product_id=self.instance.pk)

    def clean_display_name(self) -> str:
        display_name = self.cleaned_data["display_name"].strip()
        self.name_notes = self._name_notes(display_name)
        saved = self.initial.get("display_name")
        renamed = saved is None or " ".join(saved.split()).casefold() != " ".join(
            display_name.split()).casefold()
        confirmed = self.data.get(self.CONFIRM_FIELD) == display_name
        if self.name_notes and renamed and not confirmed:
            verb = "Save" if self.instance.pk else "Add"
            self.needs_confirmation = True
            self.name_notes = [f"{note} Press {verb} again to keep this name, or give it a "
                               "name of its own." for note in self.name_notes]
        return display_name

    def clean_rate(self) -> Decimal:
        rate = self.cleaned_data["rate"]
        if rate < 0:
            raise ValidationError("A rate cannot be negative.")
        return rate


class ExpenseForm(AccountModelForm):
    class Meta:
        model = Expense
        fields = ["date", "vendor", "category", "amount", "notes"]
        field_classes = {"date": BookDateField}
        widgets = {"date": DateInput(), "notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        add_form_token(self)

    def clean_amount(self) -> Decimal:
        amount = self.cleaned_data["amount"]
        if amount < 0:
            raise ValidationError("An expense cannot be negative.")
        return amount


# --- Invoices ------------------------------------------------------------------------------


class ContactChoiceField(forms.ModelChoiceField):
    """Contacts by name; two with one name are told apart by company or email."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.shared_names: set[str] = set()

    def label_from_instance(self, obj: Contact) -> str:
        if obj.full_name.casefold() not in self.shared_names:
            name = obj.full_name
        else:
            name = f"{obj.full_name} ({obj.company or obj.email})" if (obj.company or obj.email) \
                else obj.full_name
        home = getattr(self, "home_currency", "")
        if home and obj.billing_currency and obj.billing_currency != home:
            return f"{name} · billed in {obj.billing_currency}"  # the invoice's currency
        return name


class InvoiceForm(forms.Form):
    number = forms.CharField(max_length=64)
    contact = ContactChoiceField(
        queryset=Contact.objects.none(), empty_label="Choose a contact"
    )
    issue_date = BookDateField()
    due_date = BookDateField()
    memo = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Printed at the bottom of the invoice.",
    )
    discount_kind = forms.ChoiceField(
        choices=[("", "No discount"), ("percent", "Percent off"), ("amount", "Amount off")],
        required=False,
        label="Discount",
        help_text="Taken off the subtotal, before tax.",
    )
    discount_value = forms.DecimalField(
        max_digits=12,
        decimal_places=2,
        required=False,
        label="Discount (% or amount)",
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0"}),
    )
    exchange_rate = forms.DecimalField(
        max_digits=16, decimal_places=6, required=False, min_value=Decimal("0.000001"),
        label="Exchange rate",
        widget=forms.NumberInput(attrs={"step": "0.000001", "min": "0"}),
        help_text="Only for a contact billed in another currency: how much one unit of it is "
        "worth in your currency. Leave blank for your accounting app's rate of the issue date.")

    def __init__(self, *args, account: Account, invoice: Invoice | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.account = account
        self.invoice = invoice
        contacts = selectors.contact_list(account=account)
        self.fields["contact"].queryset = contacts
        self.fields["contact"].home_currency = account.currency
        self.fields["exchange_rate"].label = f"Exchange rate ({account.currency} per unit)"
        names = Counter(contact.full_name.casefold() for contact in contacts)
        self.fields["contact"].shared_names = {name for name, n in names.items() if n > 1}
        if invoice is None:
            add_form_token(self)

    def clean_number(self) -> str:
        """Free in the account whatever its capitals, and free for the apps the account's
        invoices go to (they say why not, e.g. how the number is shortened there)."""
        number = self.cleaned_data["number"].strip()
        if self.invoice is not None and number == self.invoice.number:
            return number  # kept as it is: its other fields can always be edited
        invoice_id = self.invoice.pk if self.invoice is not None else None
        holder = selectors.invoice_holding_number(account=self.account, number=number,
                                                  exclude_id=invoice_id)
        if holder is not None:
            raise ValidationError(number_taken_message(number=number, holder=holder.number))
        refusals = hooks.invoice_number_refusals(account=self.account, number=number,
                                                 invoice_id=invoice_id)
        if refusals:
            raise ValidationError(refusals)
        return number

    def clean(self) -> dict:
        cleaned = super().clean()
        issue_date, due_date = cleaned.get("issue_date"), cleaned.get("due_date")
        if issue_date and due_date and due_date < issue_date:
            self.add_error("due_date", DUE_BEFORE_ISSUE)
        self._clean_discount(cleaned)
        return cleaned

    def _clean_discount(self, cleaned: dict) -> None:
        """Percent 0 to 100, amount 0 or more (the services check it fits the subtotal)."""
        kind, value = cleaned.get("discount_kind", ""), cleaned.get("discount_value")
        if not kind:
            cleaned["discount_value"] = ZERO
            return
        if value is None:
            if "discount_value" not in self.errors:
                self.add_error("discount_value", "Enter the discount, or choose No discount.")
        elif value < 0:
            self.add_error("discount_value", "A discount cannot be negative.")
        elif kind == "percent" and value > 100:
            self.add_error("discount_value", "A percent discount is 0 to 100.")


class ProductSelect(forms.Select):
    """Each option carries the product's rate and default tax rate, for the form's script."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        product = getattr(value, "instance", None)
        if product is not None:
            option["attrs"]["data-rate"] = f"{product.rate:.2f}"
            if product.taxable and product.default_tax_rate_id:
                option["attrs"]["data-tax-rate"] = str(product.default_tax_rate_id)
        return option


class InvoiceLineForm(forms.Form):
    """One line. A line without a product is a blank row and is left out."""

    product = forms.ModelChoiceField(
        queryset=Product.objects.none(),
        required=False,
        widget=ProductSelect,
        label="Product or service",
    )
    description = forms.CharField(required=False, label="Description")
    quantity = forms.DecimalField(
        max_digits=10, decimal_places=2, required=False, initial=Decimal("1"), label="Qty"
    )
    unit_price = forms.DecimalField(
        max_digits=12,
        decimal_places=2,
        required=False,
        label="Unit price",
        widget=forms.NumberInput(attrs={"step": "0.01", "placeholder": "Product rate"}),
    )
    discount_percent = forms.DecimalField(
        max_digits=5, decimal_places=2, required=False, min_value=0, max_value=100,
        label="Line discount %",
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0", "max": "100",
                                        "placeholder": "0"}),
    )
    tax_rate = forms.ModelChoiceField(
        queryset=TaxRate.objects.none(), required=False, empty_label="Product default"
    )

    def __init__(self, *args, account: Account, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = selectors.product_list(account=account)
        self.fields["tax_rate"].queryset = selectors.tax_rate_list(account=account)
        self.fields["product"].empty_label = "Choose a product or service"
        self.fields["quantity"].widget.attrs.update({"step": "0.01", "min": "0.01"})
        # The lines are table rows: the column headings stand in for visible labels.
        for field in self.fields.values():
            field.widget.attrs.setdefault("aria-label", field.label)

    def clean_quantity(self) -> Decimal | None:
        quantity = self.cleaned_data["quantity"]
        if quantity is not None and quantity <= 0:
            raise ValidationError("The quantity must be more than zero.")
        return quantity

    def clean_unit_price(self) -> Decimal | None:
        unit_price = self.cleaned_data["unit_price"]
        if unit_price is not None and unit_price < 0:
            raise ValidationError("A unit price cannot be negative.")
        return unit_price

    def clean(self) -> dict:
        cleaned = super().clean()
        if cleaned.get("product") is None and "product" not in self.errors:
            typed = cleaned.get("description") or cleaned.get("unit_price") is not None
            if typed or cleaned.get("tax_rate"):
                self.add_error("product", "Choose a product or service for this line.")
        return cleaned

    def line_input(self) -> LineInput | None:
        """The line for the services, with the product's rate and tax rate filling blanks."""
        product = getattr(self, "cleaned_data", {}).get("product")
        if product is None:
            return None
        unit_price = self.cleaned_data.get("unit_price")
        tax_rate = self.cleaned_data.get("tax_rate")
        if tax_rate is None and product.taxable:
            tax_rate = product.default_tax_rate
        return LineInput(
            product=product,
            quantity=self.cleaned_data.get("quantity") or Decimal("1"),
            unit_price=product.rate if unit_price is None else unit_price,
            tax_rate=tax_rate,
            description=self.cleaned_data.get("description", ""),
            discount_percent=self.cleaned_data.get("discount_percent") or ZERO,
        )


class BaseInvoiceLineFormSet(forms.BaseFormSet):
    """An invoice's rows: at most MAX_LINES, blank ones included (the page's Add line stops
    there). A post that claims more (TOTAL_FORMS) only a script can send: it is refused with
    TOO_MANY_ROWS and builds no row at all, so it costs nothing whatever it claims; nor does a
    post build more rows than it carries fields for."""

    default_error_messages = {"too_many_forms": TOO_MANY_ROWS}

    def total_form_count(self) -> int:
        if not self.is_bound:
            return super().total_form_count()
        if self.management_form.cleaned_data[TOTAL_FORM_COUNT] > self.absolute_max:
            return 0  # refused in full_clean (too_many_forms)
        return min(super().total_form_count(), self._rows_posted)

    @cached_property
    def _rows_posted(self) -> int:
        """One more than the highest row number the post has a field of."""
        row = re.compile(rf"{re.escape(self.prefix)}-(\d+)-")
        numbers = [int(match[1]) for key in self.data if (match := row.match(key))]
        return max(numbers, default=-1) + 1

    @cached_property
    def shown_management_form(self) -> ManagementForm:
        """The management form for the page: it counts the rows shown, not what a post
        claimed, so the form shown again can be sent again."""
        if not self.is_bound:
            return self.management_form
        shown = len(self.forms)
        return ManagementForm(auto_id=self.auto_id, prefix=self.prefix, renderer=self.renderer,
                              initial={TOTAL_FORM_COUNT: shown,
                                       INITIAL_FORM_COUNT: min(self.initial_form_count(), shown),
                                       MIN_NUM_FORM_COUNT: self.min_num,
                                       MAX_NUM_FORM_COUNT: self.max_num})

    def clean(self) -> None:
        if any(self.errors):
            return
        if not self.line_inputs():
            raise ValidationError("Add at least one line with a product or service.")

    def line_inputs(self) -> list[LineInput]:
        lines = []
        for form in self.forms:
            if getattr(form, "cleaned_data", {}).get("DELETE"):
                continue
            line = form.line_input()
            if line is not None:
                lines.append(line)
        return lines


InvoiceLineFormSet = forms.formset_factory(
    InvoiceLineForm, formset=BaseInvoiceLineFormSet, extra=3, can_delete=True,
    max_num=MAX_LINES, absolute_max=MAX_LINES, validate_max=True,
)


def invoice_line_initial(invoice: Invoice) -> list[dict]:
    return [
        {
            "product": line.product,
            "description": line.description,
            "quantity": line.quantity,
            "unit_price": line.unit_price,
            "discount_percent": line.discount_percent or None,
            "tax_rate": line.tax_rate,
        }
        for line in invoice.lines.all()
    ]


class PaymentForm(forms.Form):
    date = BookDateField()
    amount = forms.DecimalField(
        max_digits=12,
        decimal_places=2,
        help_text="Applied to the invoice's balance.",
        widget=forms.NumberInput(attrs={"step": "0.01"}),
    )
    tip_amount = forms.DecimalField(
        max_digits=12,
        decimal_places=2,
        required=False,
        initial=ZERO,
        label="Tip",
        help_text="Anything the client paid on top of the invoice.",
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0"}),
    )
    method = forms.ChoiceField(choices=Payment.Method.choices, initial=Payment.Method.CARD)
    reference = forms.CharField(
        max_length=64, required=False, help_text="Check number, transfer reference…"
    )
    processor_fee = forms.DecimalField(
        max_digits=12,
        decimal_places=2,
        required=False,
        label="Processor fee",
        help_text="What the card processor kept (an expense). Leave blank for a card payment "
        "to use your card rate; 0 means no fee.",
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0"}),
    )

    def __init__(self, *args, account: Account | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.account = account
        add_form_token(self)
        if account is not None:
            # The hint names the fee a blank field records: on the amount and its tip, as
            # typed (after a validation error too); the page's script follows the typing.
            fee = self.fields["processor_fee"]
            fee.help_text = card_fee_note(account, self._amount_with_tip())
            fee.widget.attrs.update({
                "data-card-fee-percent": f"{account.card_fee_percent:.2f}",
                "data-card-fee-fixed": f"{account.card_fee_fixed:.2f}",
                "data-card-fee-note": card_fee_note(account, CARD_FEE_SLOT),
            })

    def _amount_with_tip(self) -> Decimal | None:
        """Amount plus tip as shown on the form (typed, or the initial balance), if both are
        numbers that can be paid."""
        if self.is_bound:
            values = (self.data.get(self.add_prefix("amount")),
                      self.data.get(self.add_prefix("tip_amount")) or "0")
        else:
            values = (self.initial.get("amount"), self.initial.get("tip_amount") or "0")
        try:
            amount, tip = (Decimal(str(value).strip()) for value in values)
        except (InvalidOperation, TypeError):
            return None
        if not (amount.is_finite() and tip.is_finite()) or amount <= 0 or tip < 0:
            return None
        if amount + tip > LARGEST_AMOUNT:  # e.g. 1e999: no fee to show (the field says why)
            return None
        return amount + tip

    def clean_amount(self) -> Decimal:
        amount = self.cleaned_data["amount"]
        if amount <= 0:
            raise ValidationError("The amount must be more than zero.")
        return amount

    def clean_tip_amount(self) -> Decimal:
        tip = self.cleaned_data["tip_amount"]
        if tip is None:
            return ZERO
        if tip < 0:
            raise ValidationError("A tip cannot be negative.")
        return tip

    def clean_processor_fee(self) -> Decimal | None:
        fee = self.cleaned_data["processor_fee"]
        if fee is not None and fee < 0:
            raise ValidationError("A processor fee cannot be negative.")
        return fee

    def clean(self) -> dict:
        """A blank fee on a card payment is the account's card rate; other methods, none."""
        data = super().clean()
        if data.get("processor_fee") is None:
            amount, tip = data.get("amount"), data.get("tip_amount") or ZERO
            card = data.get("method") == Payment.Method.CARD
            data["processor_fee"] = (self.account.card_fee(amount + tip)
                                     if card and self.account is not None and amount
                                     else ZERO)
        return data


LARGEST_AMOUNT = Decimal("9999999999.99")  # what max_digits=12, decimal_places=2 holds
CARD_FEE_SLOT = "{fee}"  # where the page's script writes the fee it computes as you type


def card_fee_note(account: Account, amount: Decimal | str | None = None) -> str:
    """The account's card rate in words, with the fee on `amount` (amount and tip) when given;
    CARD_FEE_SLOT gives the sentence with a slot for the fee."""
    rate = (f"Card fee at {format_percent(account.card_fee_percent)} + "
            f"{format_number(account.card_fee_fixed)}")
    if amount is None:
        return (f"{rate}, used when this is left blank for a card payment; change it if your "
                "processor charged differently. 0 means no fee.")
    fee = amount if amount == CARD_FEE_SLOT else format_number(account.card_fee(amount))
    return (f"{rate} on the amount and tip: {fee}; change it if your processor charged "
            "differently. 0 means no fee.")


class RefundForm(forms.Form):
    """Money given back on one payment; the view passes what is left to refund."""

    date = BookDateField()
    amount = forms.DecimalField(
        max_digits=12, decimal_places=2, min_value=0,
        help_text="Of the payment's amount (not its tip).",
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0"}),
    )
    tip_amount = forms.DecimalField(
        max_digits=12, decimal_places=2, required=False, min_value=0, initial=ZERO,
        label="Tip to refund", widget=forms.NumberInput(attrs={"step": "0.01", "min": "0"}),
    )
    method = forms.ChoiceField(choices=Payment.Method.choices)
    reason = forms.CharField(max_length=200, required=False)

    def __init__(self, *args, refundable: tuple[Decimal, Decimal], **kwargs):
        super().__init__(*args, **kwargs)
        add_form_token(self)
        self.left, self.tip_left = refundable
        self.fields["amount"].help_text = (f"Of the payment's amount (not its tip): up to "
                                           f"{format_number(self.left)}.")
        if self.tip_left > 0:
            self.fields["tip_amount"].help_text = f"Up to {format_number(self.tip_left)}."
        else:
            del self.fields["tip_amount"]  # the payment had no tip, or it is given back

    def clean_tip_amount(self) -> Decimal:
        return self.cleaned_data["tip_amount"] or ZERO

    def clean(self) -> dict:
        data = super().clean()
        data.setdefault("tip_amount", ZERO)
        amount, tip = data.get("amount"), data.get("tip_amount")
        if amount is not None and amount > self.left:
            self.add_error("amount", f"At most {format_number(self.left)} of this payment can "
                           "still be refunded.")
        if tip is not None and tip > self.tip_left:
            self.add_error("tip_amount" if "tip_amount" in self.fields else None,
                           f"At most {format_number(self.tip_left)} of the tip can still be "
                           "refunded.")
        if amount is not None and tip is not None and amount + tip <= 0:
            self.add_error("amount", "Enter an amount to refund (more than zero).")
        return data


class CardFeeForm(forms.ModelForm):
    """What the account's card processor keeps of a card payment."""

    class Meta:
        model = Account
        fields = ["card_fee_percent", "card_fee_fixed"]
        labels = {"card_fee_percent": "Percent of each card payment",
                  "card_fee_fixed": "Plus a fixed amount per payment"}
        help_texts = {"card_fee_percent": "e.g. 2.90 for 2.9%",
                      "card_fee_fixed": "e.g. 0.30"}
