"""The CRM's pages: thin views over selectors and services, each scoped to the user's account."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import wraps
from urllib.parse import urlencode
from uuid import UUID
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from hatsync import request_params

from . import live, repeats, selectors, services
from .forms import (
    DUPLICATE_NUMBER,
    CardFeeForm,
    ContactForm,
    ExpenseForm,
    InvoiceForm,
    InvoiceLineFormSet,
    PaymentForm,
    ProductForm,
    RefundForm,
    TaxRateForm,
    add_service_errors,
    ask_to_record_again,
    invoice_line_initial,
    record_again_ticked,
)
from .localisation import format_money, format_number, format_percent
from .models import Account, Contact, Expense, Invoice, Payment, Product, Refund, TaxRate
from .services import AlreadyRecorded
from .tokens import has_tokens

INVOICES_PER_PAGE = 50
DAYS_UNTIL_DUE = 30


def account_required(view):
    """Sign-in required, and the user must belong to an account, which becomes `request.account`.

    Staff without an account are sent to the admin (where accounts are set up); anyone else
    gets a page saying why they cannot see anything.
    """

    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        account = request.user.account
        if account is None:
            if request.user.is_staff:
                return redirect("admin:index")
            return render(request, "invoices/no_account.html", status=403)
        request.account = account
        return view(request, *args, **kwargs)

    return wrapper


def account_today(account: Account) -> date:
    try:
        return timezone.localdate(timezone=ZoneInfo(account.timezone))
    except (ZoneInfoNotFoundError, ValueError):
        return timezone.localdate()


@dataclass(frozen=True)
class InvoiceFigures:
    """An invoice's money for a template; with lines and payments prefetched, no queries."""

    subtotal: Decimal
    discount: Decimal
    tax_total: Decimal
    total: Decimal
    paid: Decimal
    tips: Decimal
    balance: Decimal

    @classmethod
    def of(cls, invoice: Invoice) -> "InvoiceFigures":
        return cls(
            subtotal=invoice.subtotal,
            discount=invoice.discount_amount,
            tax_total=invoice.tax_total,
            total=invoice.total,
            paid=invoice.amount_paid,
            tips=invoice.tips_total,
            balance=invoice.balance,
        )


@dataclass(frozen=True)
class CurrencyTotal:
    currency: str
    total: Decimal
    balance: Decimal
    count: int


def per_currency(rows: list[tuple[Invoice, "InvoiceFigures"]], *, home: str
                 ) -> list[CurrencyTotal]:
    """The rows' totals and balances summed per currency (never added across currencies),
    the home currency first. Void invoices count for nothing."""
    sums: dict[str, list] = {}
    for invoice, figures in rows:
        if invoice.is_void:
            continue
        entry = sums.setdefault(invoice.currency or home, [Decimal("0.00"), Decimal("0.00"), 0])
        entry[0] += figures.total
        entry[1] += figures.balance
        entry[2] += 1
    order = sorted(sums, key=lambda code: (code != home, code))
    return [CurrencyTotal(code, *sums[code]) for code in order]


def _get_invoice(request, pk: int) -> Invoice:
    invoices = Invoice.objects.select_related("contact").prefetch_related(
        "lines__tax_rate", "lines__product", "payments__refunds"
    )
    return get_object_or_404(invoices, pk=pk, account=request.account)


# --- One record per form shown -----------------------------------------------------------


def _form_token(request) -> UUID | None:
    try:
        return UUID(request.POST.get("form_token", ""))
    except ValueError:
        return None


def _recorded_before(request, model) -> HttpResponse | None:
    """The answer to a form submitted again, if the record it made exists: its page, with a
    message saying nothing new was made. None for a form not submitted before."""
    record = services.recorded_by_form(model, account=request.account,
                                       form_token=_form_token(request))
    return None if record is None else _already_recorded(request, record)


def _already_recorded(request, record) -> HttpResponse:
    again = "Submitting the form again added nothing."
    if isinstance(record, Payment):
        messages.info(request, f"This payment was already recorded: "
                      f"{_amount_on_date(record)}. {again}")
        return redirect(f"{record.invoice.get_absolute_url()}#payment-{record.pk}")
    if isinstance(record, Refund):
        messages.info(request, f"This refund was already recorded: "
                      f"{_amount_on_date(record)}. {again}")
        return redirect(f"{record.payment.invoice.get_absolute_url()}#refund-{record.pk}")
    if isinstance(record, Invoice):
        messages.info(request, f"Invoice {record.number} was already created from this form. "
                      f"{again}")
        return redirect(record)
    messages.info(request, f"This expense from {record.vendor} was already added "
                  f"({format_number(record.amount)} on {date_format(record.date)}). {again}")
    return redirect("invoices:expense_list")


def _amount_on_date(record: Payment | Refund) -> str:
    """"$100.00 on Nov. 5, 2026": a payment's amount or a refund's total, in its invoice's
    currency and the account's formats."""
    if isinstance(record, Payment):
        money = format_money(record.amount, record.invoice.currency)
    else:
        money = format_money(record.total, record.payment.invoice.currency)
    return f"{money} on {date_format(record.date)}"


# --- The same money again from a new copy of the form (Back without JavaScript) -----------

REPEATABLE = {"payment": Payment, "refund": Refund, "expense": Expense, "invoice": Invoice}


def _asked_first(request, form, kind: str, *, target: int, amount: Decimal, on: date) -> bool:
    """True, with the question and its checkbox on the form, when this session recorded the
    same money lately (repeats.probable_repeat) and the checkbox is not ticked. A record
    deleted since does not count."""
    if record_again_ticked(request.POST):
        return False
    now = timezone.now().timestamp()
    earlier = repeats.probable_repeat(repeats.recent(request.session), kind=kind,
                                      target=target, amount=amount, on=on, now=now)
    record = None if earlier is None else REPEATABLE[kind].objects.filter(
        account=request.account, pk=earlier["id"]).first()
    if record is None:
        return False
    question, label = _repeat_question(record, repeats.time_ago(now - earlier["at"]))
    ask_to_record_again(form, question=question, label=label)
    return True


def _repeat_question(record, ago: str) -> tuple[str, str]:
    """What the form says about the earlier `record`, and the label of the checkbox."""
    if isinstance(record, Payment):
        label, again = "Record another payment", "record a second payment of the same amount"
        done = f"You recorded a payment of {_amount_on_date(record)} on this invoice {ago}."
    elif isinstance(record, Refund):
        label, again = "Record another refund", "record a second refund of the same amount"
        done = f"You recorded a refund of {_amount_on_date(record)} on this payment {ago}."
    elif isinstance(record, Expense):
        label, again = "Add another expense", "add a second expense of the same amount"
        done = (f"You added an expense of {format_money(record.amount, record.account.currency)}"
                f" from {record.vendor} on {date_format(record.date)}, {ago}.")
    else:
        label, again = "Create another invoice", "create a second invoice like it"
        done = (f"You created invoice {record.number} for {record.contact.full_name} "
                f"({format_money(record.total, record.currency)}, issued "
                f"{date_format(record.issue_date)}) {ago}.")
    return f"{done} To {again}, tick “{label}” and submit again.", label


def _remember(request, kind: str, record, *, target: int, amount: Decimal, on: date) -> None:
    repeats.remember(request.session, kind=kind, record_id=record.pk, target=target,
                     amount=amount, on=on, now=timezone.now().timestamp())


# --- Invoices ------------------------------------------------------------------------------


@require_safe
@account_required
def invoice_list(request):
    search = request_params.search_text(request.GET)
    status = request_params.choice(request.GET, "status", Invoice.Status.values)
    invoices = selectors.invoice_list(account=request.account, search=search, status=status)
    page = Paginator(invoices, INVOICES_PER_PAGE).get_page(request_params.page_number(
        request.GET))
    rows = [(invoice, InvoiceFigures.of(invoice)) for invoice in page]
    totals = per_currency(rows, home=request.account.currency)
    filters = urlencode({key: value for key, value in (("q", search), ("status", status)) if value})
    return render(
        request,
        "invoices/invoice_list.html",
        {
            "page": page,
            "rows": rows,
            "search": search,
            "status": status,
            "statuses": Invoice.Status.choices,
            "filters": filters,
            "currency": request.account.currency,
            "totals": totals,
            "live_version": live.invoice_list_version(request.account),
        },
    )


@require_safe
@account_required
def invoice_detail(request, pk: int):
    invoice = _get_invoice(request, pk)
    payments = list(invoice.payments.all())
    return render(
        request,
        "invoices/invoice_detail.html",
        {
            "invoice": invoice,
            "figures": InvoiceFigures.of(invoice),
            "payments": payments,
            "can_edit": not invoice.is_void,
            "can_send": invoice.is_draft,
            "can_record_payment": invoice.accepts_payments,
            "refunded": invoice.refunded_total,
            "can_void": not invoice.is_void and not payments,
            "can_delete": invoice.is_draft,
            "live_version": live.invoice_version(invoice),
        },
    )


def _live_answer(request: HttpRequest, version: str) -> HttpResponse:
    """204 while the page's version is the one it has (`v`); else the new version."""
    if request.GET.get("v", "") == version:
        return HttpResponse(status=204)
    return JsonResponse({"version": version})


@require_safe
@account_required
def invoice_live(request: HttpRequest, pk: int) -> HttpResponse:
    """The invoice page polls this (every few seconds) to follow changes made elsewhere."""
    invoice = get_object_or_404(Invoice.objects.select_related("account"), pk=pk,
                                account=request.account)
    return _live_answer(request, live.invoice_version(invoice))


@require_safe
@account_required
def invoice_list_live(request: HttpRequest) -> HttpResponse:
    """The invoice list polls this to follow changes made elsewhere."""
    return _live_answer(request, live.invoice_list_version(request.account))


def _save_invoice(form: InvoiceForm, lines, save):
    """Validate the invoice and its lines, then call `save(**fields, lines=...)`.

    Returns the saved invoice, or None after putting every error on the form.
    """
    if not all([form.is_valid(), lines.is_valid()]):
        return None
    try:
        return save(**form.cleaned_data, lines=lines.line_inputs())
    except ValidationError as error:
        add_service_errors(form, error)
    except IntegrityError:
        # Two people saved the same number at the same moment; the database kept one.
        form.add_error("number", DUPLICATE_NUMBER)
    return None


@require_http_methods(["GET", "POST"])
@account_required
def invoice_create(request):
    account = request.account
    line_kwargs = {"prefix": "lines", "form_kwargs": {"account": account}}
    if request.method == "POST":
        # Before the form's checks: a resubmitted form's number is its own invoice's now.
        answer = _recorded_before(request, Invoice)
        if answer is not None:
            return answer
        form = InvoiceForm(request.POST, account=account)
        lines = InvoiceLineFormSet(request.POST, **line_kwargs)

        def save(**fields):
            total = services.lines_total(fields["lines"], discount_kind=fields["discount_kind"],
                                         discount_value=fields["discount_value"])
            target, on = fields["contact"].pk, fields["issue_date"]
            if _asked_first(request, form, "invoice", target=target, amount=total, on=on):
                return None
            invoice = services.invoice_create(account=account, **fields)
            _remember(request, "invoice", invoice, target=target, amount=total, on=on)
            return invoice

        try:
            invoice = _save_invoice(form, lines, save)
        except AlreadyRecorded as already:
            return _already_recorded(request, already.record)
        if invoice is not None:
            messages.success(request, f"Invoice {invoice.number} created as a draft.")
            return redirect(invoice)
    else:
        today = account_today(account)
        form = InvoiceForm(
            account=account,
            initial={
                "number": selectors.invoice_next_number(account=account),
                "issue_date": today,
                "due_date": today + timedelta(days=DAYS_UNTIL_DUE),
            },
        )
        lines = InvoiceLineFormSet(**line_kwargs)
    return render(
        request, "invoices/invoice_form.html", {"form": form, "lines": lines, "invoice": None}
    )


@require_http_methods(["GET", "POST"])
@account_required
def invoice_edit(request, pk: int):
    invoice = _get_invoice(request, pk)
    if invoice.is_void:
        messages.error(request, f"Invoice {invoice.number} is void, so it cannot be edited.")
        return redirect(invoice)
    line_kwargs = {"prefix": "lines", "form_kwargs": {"account": request.account}}
    if request.method == "POST":
        form = InvoiceForm(request.POST, account=request.account, invoice=invoice)
        lines = InvoiceLineFormSet(request.POST, **line_kwargs)

        def save(**fields):
            return services.invoice_update(invoice=invoice, **fields)

        saved = _save_invoice(form, lines, save)
        if saved is not None:
            messages.success(request, f"Invoice {saved.number} saved.")
            return redirect(saved)
    else:
        form = InvoiceForm(
            account=request.account,
            invoice=invoice,
            initial={
                "number": invoice.number,
                "contact": invoice.contact,
                "issue_date": invoice.issue_date,
                "due_date": invoice.due_date,
                "memo": invoice.memo,
                "discount_kind": invoice.discount_kind,
                "discount_value": invoice.discount_value if invoice.discount_kind else None,
                "exchange_rate": invoice.exchange_rate,
            },
        )
        lines = InvoiceLineFormSet(initial=invoice_line_initial(invoice), **line_kwargs)
    return render(
        request, "invoices/invoice_form.html", {"form": form, "lines": lines, "invoice": invoice}
    )


def _invoice_action(request, pk: int, action, success: str):
    """Run a status-changing service on a POST and report how it went as a flash message."""
    invoice = get_object_or_404(Invoice, pk=pk, account=request.account)
    try:
        action(invoice=invoice)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return None
    messages.success(request, success.format(number=invoice.number))
    return invoice


@account_required
@require_POST
def invoice_send(request, pk: int):
    _invoice_action(request, pk, services.invoice_send, "Invoice {number} sent.")
    return redirect("invoices:invoice_detail", pk=pk)


@account_required
@require_POST
def invoice_mark_sent(request, pk: int):
    _invoice_action(request, pk, services.invoice_mark_sent, "Invoice {number} marked as sent.")
    return redirect("invoices:invoice_detail", pk=pk)


@account_required
@require_POST
def invoice_void(request, pk: int):
    _invoice_action(request, pk, services.invoice_void, "Invoice {number} is now void.")
    return redirect("invoices:invoice_detail", pk=pk)


@account_required
@require_POST
def invoice_delete(request, pk: int):
    if _invoice_action(request, pk, services.invoice_delete, "Invoice {number} deleted."):
        return redirect("invoices:invoice_list")
    return redirect("invoices:invoice_detail", pk=pk)


@require_http_methods(["GET", "POST"])
@account_required
def payment_create(request, pk: int):
    invoice = _get_invoice(request, pk)
    if request.method == "POST":
        # Before the status check: the first submission may have paid the invoice in full.
        answer = _recorded_before(request, Payment)
        if answer is not None:
            return answer
    if not invoice.accepts_payments:
        messages.error(
            request,
            f"Invoice {invoice.number} is {invoice.get_status_display().lower()}; "
            "payments can only be recorded on sent, unpaid invoices.",
        )
        return redirect(invoice)
    figures = InvoiceFigures.of(invoice)
    if request.method == "POST":
        form = PaymentForm(request.POST, account=request.account)
        if form.is_valid() and not _asked_first(
                request, form, "payment", target=invoice.pk,
                amount=form.cleaned_data["amount"], on=form.cleaned_data["date"]):
            try:
                payment = services.payment_record(invoice=invoice, **form.cleaned_data)
            except AlreadyRecorded as already:
                return _already_recorded(request, already.record)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                _remember(request, "payment", payment, target=invoice.pk,
                          amount=payment.amount, on=payment.date)
                messages.success(
                    request,
                    f"Payment of {format_money(payment.amount, invoice.currency)} recorded "
                    f"on invoice {invoice.number}.",
                )
                return redirect(invoice)
    else:
        form = PaymentForm(
            initial={"date": account_today(request.account), "amount": figures.balance},
            account=request.account,
        )
    return render(
        request,
        "invoices/payment_form.html",
        {"form": form, "invoice": invoice, "figures": figures, "payment": None},
    )


def _payment_or_gone(request, invoice: Invoice, payment_pk: int) -> Payment | None:
    """The invoice's payment, or None (with a message) when it was deleted already, e.g.
    from another tab. Another account's payment is a 404, as its invoice is."""
    payment = Payment.objects.filter(pk=payment_pk, invoice=invoice,
                                     account=request.account).first()
    if payment is None:
        messages.info(request, f"That payment is no longer on invoice {invoice.number}: it "
                      "was deleted already.")
    return payment


@require_http_methods(["GET", "POST"])
@account_required
def payment_edit(request, pk: int, payment_pk: int):
    invoice = _get_invoice(request, pk)
    payment = _payment_or_gone(request, invoice, payment_pk)
    if payment is None:
        return redirect(invoice)
    if payment.recorded_in_quickbooks:
        messages.error(request, "This payment was entered in QuickBooks, so it cannot be "
                       "edited here. Change it in QuickBooks; hatsync follows within a minute.")
        return redirect(invoice)
    figures = InvoiceFigures.of(invoice)
    if request.method == "POST":
        form = PaymentForm(request.POST, account=request.account)
        if form.is_valid():
            fields = {k: v for k, v in form.cleaned_data.items() if k != "form_token"}
            try:
                payment = services.payment_update(payment=payment, **fields)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                paid = format_money(payment.amount, invoice.currency)
                messages.success(request, f"Payment of {paid} "
                                 f"on invoice {invoice.number} saved.")
                return redirect(f"{invoice.get_absolute_url()}#payment-{payment.pk}")
    else:
        form = PaymentForm(account=request.account, initial={
            "date": payment.date, "amount": payment.amount, "tip_amount": payment.tip_amount,
            "method": payment.method, "reference": payment.reference,
            "processor_fee": payment.processor_fee})
    return render(request, "invoices/payment_form.html",
                  {"form": form, "invoice": invoice, "figures": figures, "payment": payment,
                   "refunded": payment.refunded})


@require_http_methods(["GET", "POST"])
@account_required
def payment_delete(request, pk: int, payment_pk: int):
    """GET: what deleting the payment takes with it; POST: delete it."""
    invoice = _get_invoice(request, pk)
    payment = _payment_or_gone(request, invoice, payment_pk)
    if payment is None:
        return redirect(invoice)
    if request.method == "POST":
        try:
            services.payment_delete(payment=payment)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            paid = format_money(payment.amount, invoice.currency)
            messages.success(request, f"Payment of {paid} "
                             f"deleted from invoice {invoice.number}.")
        return redirect(invoice)
    refunds = list(payment.refunds.all())
    return render(request, "invoices/payment_confirm_delete.html", {
        "invoice": invoice, "payment": payment, "refunds": refunds,
        "refunded_total": sum((r.total for r in refunds), Decimal("0.00")),
        "balance_after": InvoiceFigures.of(invoice).balance + payment.amount,
    })


@require_http_methods(["GET", "POST"])
@account_required
def refund_create(request, pk: int, payment_pk: int):
    """Give back money of one payment (another account's payment is a 404)."""
    invoice = _get_invoice(request, pk)
    if request.method == "POST":
        answer = _recorded_before(request, Refund)
        if answer is not None:
            return answer
    payment = get_object_or_404(Payment, pk=payment_pk, invoice=invoice,
                                account=request.account)
    refundable = payment.refundable
    if refundable[0] <= 0 and refundable[1] <= 0:
        messages.error(request, "This payment has been refunded in full already.")
        return redirect(invoice)
    if request.method == "POST":
        form = RefundForm(request.POST, refundable=refundable)
        if form.is_valid() and not _asked_first(
                request, form, "refund", target=payment.pk, on=form.cleaned_data["date"],
                amount=form.cleaned_data["amount"] + form.cleaned_data["tip_amount"]):
            try:
                refund = services.refund_record(payment=payment, **form.cleaned_data)
            except AlreadyRecorded as already:
                return _already_recorded(request, already.record)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                _remember(request, "refund", refund, target=payment.pk, amount=refund.total,
                          on=refund.date)
                messages.success(request,
                                 f"Refund of {format_money(refund.total, invoice.currency)} "
                                 f"recorded on invoice {invoice.number}.")
                return redirect(invoice)
    else:
        form = RefundForm(refundable=refundable, initial={
            "date": account_today(request.account), "amount": refundable[0],
            "tip_amount": Decimal("0.00"), "method": payment.method})
    return render(request, "invoices/refund_form.html",
                  {"form": form, "invoice": invoice, "payment": payment,
                   "refundable": refundable})


@require_http_methods(["GET", "POST"])
@account_required
def card_fee_settings(request):
    """Account Settings > Card fees: the rate the payment form proposes for card payments."""
    form = CardFeeForm(request.POST or None, instance=request.account)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Card fees saved. New card payments propose "
                                  f"{format_percent(form.instance.card_fee_percent)} + "
                                  f"{format_number(form.instance.card_fee_fixed)}.")
        return redirect("invoices:card_fee_settings")
    return render(request, "invoices/card_fee_form.html", {"form": form, "object": True})


# --- Contacts, products, tax rates, expenses ----------------------------------------------


def _edit_page(request, form_class, template: str, instance, list_url: str, noun: str):
    """The create/edit page shared by the simple account-owned records."""
    label = str(instance) if instance is not None else ""
    if request.method == "POST":
        form = form_class(request.POST, instance=instance, account=request.account)
        # A form may ask for the same POST again before saving (it says why on the page).
        if form.is_valid() and not getattr(form, "needs_confirmation", False):
            saved = form.save()
            verb = "added" if instance is None else "saved"
            messages.success(request, f"{noun} {saved} {verb}.")
            return redirect(list_url)
    else:
        form = form_class(instance=instance, account=request.account)
    # `label` was taken before the form wrote what was typed onto the instance.
    return render(request, template, {"form": form, "object": instance, "object_label": label})


@require_safe
@account_required
def contact_list(request):
    contacts = selectors.contact_list(account=request.account)
    return render(request, "invoices/contact_list.html", {"contacts": contacts})


@require_http_methods(["GET", "POST"])
@account_required
def contact_create(request):
    return _edit_page(
        request, ContactForm, "invoices/contact_form.html", None, "invoices:contact_list", "Contact"
    )


@require_http_methods(["GET", "POST"])
@account_required
def contact_edit(request, pk: int):
    contact = get_object_or_404(Contact, pk=pk, account=request.account)
    return _edit_page(
        request, ContactForm, "invoices/contact_form.html", contact, "invoices:contact_list",
        "Contact",
    )


@require_safe
@account_required
def product_list(request):
    products = [
        (product, has_tokens(product.display_name))
        for product in selectors.product_list(account=request.account)
    ]
    return render(
        request,
        "invoices/product_list.html",
        {"products": products, "currency": request.account.currency},
    )


@require_http_methods(["GET", "POST"])
@account_required
def product_create(request):
    return _edit_page(
        request, ProductForm, "invoices/product_form.html", None, "invoices:product_list",
        "Product",
    )


@require_http_methods(["GET", "POST"])
@account_required
def product_edit(request, pk: int):
    product = get_object_or_404(Product, pk=pk, account=request.account)
    return _edit_page(
        request, ProductForm, "invoices/product_form.html", product, "invoices:product_list",
        "Product",
    )


@require_safe
@account_required
def tax_rate_list(request):
    tax_rates = selectors.tax_rate_list(account=request.account)
    return render(request, "invoices/tax_rate_list.html", {"tax_rates": tax_rates})


@require_http_methods(["GET", "POST"])
@account_required
def tax_rate_create(request):
    return _edit_page(
        request, TaxRateForm, "invoices/tax_rate_form.html", None, "invoices:tax_rate_list",
        "Tax rate",
    )


@require_http_methods(["GET", "POST"])
@account_required
def tax_rate_edit(request, pk: int):
    tax_rate = get_object_or_404(TaxRate, pk=pk, account=request.account)
    return _edit_page(
        request, TaxRateForm, "invoices/tax_rate_form.html", tax_rate, "invoices:tax_rate_list",
        "Tax rate",
    )


@require_safe
@account_required
def expense_list(request):
    expenses = selectors.expense_list(account=request.account)
    return render(
        request,
        "invoices/expense_list.html",
        {"expenses": expenses, "currency": request.account.currency},
    )


@require_http_methods(["GET", "POST"])
@account_required
def expense_create(request):
    if request.method == "POST":
        answer = _recorded_before(request, Expense)
        if answer is not None:
            return answer
        form = ExpenseForm(request.POST, account=request.account)
        if form.is_valid() and not _asked_first(
                request, form, "expense", target=request.account.pk,
                amount=form.cleaned_data["amount"], on=form.cleaned_data["date"]):
            try:
                expense = services.expense_record(
                    expense=form.save(commit=False), form_token=form.cleaned_data["form_token"])
            except AlreadyRecorded as already:
                return _already_recorded(request, already.record)
            _remember(request, "expense", expense, target=request.account.pk,
                      amount=expense.amount, on=expense.date)
            messages.success(request, f"Expense from {expense.vendor} added.")
            return redirect("invoices:expense_list")
    else:
        today = account_today(request.account)
        form = ExpenseForm(account=request.account, initial={"date": today})
    return render(request, "invoices/expense_form.html", {"form": form})
