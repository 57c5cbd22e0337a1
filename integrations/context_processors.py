"""Adds QuickBooks' parts to CRM pages without the CRM knowing about QuickBooks: the invoice
page's panel, the note on a long invoice number, a contact's customer name, the banner of a
connection about to end, and what QuickBooks will not take of an invoice's tax (on the
invoice and product forms and beside Send). Each asks a selector or service what to show."""

from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from invoices.forms import InvoiceLineFormSet, ProductForm
from invoices.models import Invoice, Product

from . import hard_expiry, rules, selectors
from .services import tax_codes


def _on_page(request: HttpRequest, *view_names: str):
    """(account, the page's URL kwargs) on one of these CRM pages, else (None, {})."""
    match = getattr(request, "resolver_match", None)
    account = getattr(getattr(request, "user", None), "account", None)
    if not match or account is None or match.view_name not in view_names:
        return None, {}
    return account, match.kwargs


def invoice_panel(request: HttpRequest) -> dict:
    account, kwargs = _on_page(request, "invoices:invoice_detail")
    if account is None:
        return {}
    html = render_invoice_panel(request, account=account, invoice_id=kwargs.get("pk"))
    return {"integration_panel": html} if html else {}


def render_invoice_panel(request: HttpRequest, *, account, invoice_id) -> str:
    """The QuickBooks panel of one of the account's invoices ("" when there is none)."""
    panel = selectors.invoice_panel(account=account, invoice_id=invoice_id)
    if panel is None:
        return ""
    # Rendered without `request` (that would run this processor again): pass the token.
    return render_to_string("integrations/_invoice_panel.html",
                            {**panel, "csrf_token": get_token(request)})


def invoice_number_note(request: HttpRequest) -> dict:
    """On the invoice form of a connected account: what QuickBooks will store as the number
    (shown as you type, by app.js) when it is longer than QuickBooks takes."""
    account, _ = _on_page(request, "invoices:invoice_create", "invoices:invoice_edit")
    if account is None or selectors.connection_for(account) is None:
        return {}
    return {"integration_number_note": {
        "limit": rules.MAX_REFERENCE_LENGTH, "head": rules.SHORTENED_HEAD,
        "tail": rules.SHORTENED_TAIL, "target": "QuickBooks"}}


def contact_customer_note(request: HttpRequest) -> dict:
    """On a contact's page: the QuickBooks customer it syncs to, when its name differs (two
    contacts with one name are two customers there, told apart by email)."""
    account, kwargs = _on_page(request, "invoices:contact_edit")
    name = account and selectors.customer_name_if_different(account=account,
                                                            contact_id=kwargs.get("pk"))
    if not name:
        return {}
    return {"integration_contact_note": f"In QuickBooks this contact is the customer "
                                        f"“{name}”."}


def connection_renewal_banner(request: HttpRequest) -> dict:
    """On every page of an account whose QuickBooks connection ends within 30 days (Intuit's
    five-year limit): when, and a Reconnect button."""
    account = getattr(getattr(request, "user", None), "account", None)
    connection = account and selectors.connection_for(account)
    if not connection or connection.status == connection.Status.DISCONNECTED:
        return {}
    notice = hard_expiry.renewal_notice(hard_expires_at=connection.refresh_token_hard_expires_at,
                                        now=timezone.now(), company_name=connection.company_name)
    return {"integration_renewal": notice} if notice else {}


TAX_NOTE_PAGES = ("invoices:invoice_create", "invoices:invoice_edit", "invoices:invoice_detail",
                  "invoices:product_create", "invoices:product_edit", "invoices:product_list")


def tax_sync_notes(request: HttpRequest) -> dict:
    """In Canada and the UK (and a US company without automated sales tax): on the invoice
    form, the product form and list, and beside Send, what QuickBooks will not take (a line
    without a rate, a rate with no QuickBooks tax code) and how to fix it, before anything
    is sent. Reads only the connection as last checked (no QuickBooks call)."""
    account, kwargs = _on_page(request, *TAX_NOTE_PAGES)
    connection = account and selectors.connection_for(account)
    if not tax_codes.needs_codes(connection):
        return {}
    view = request.resolver_match.view_name
    if view == "invoices:invoice_detail":
        return _send_warning(request, connection, kwargs.get("pk"))
    extra = {}
    if view.startswith("invoices:invoice_"):
        problems = tax_codes.line_problems(connection=connection,
                                           lines=_form_lines(request, account, kwargs))
        heading = "These lines cannot go to QuickBooks as they are"
        extra["integration_line_tax"] = _line_tax_rules(connection)
    elif view == "invoices:product_list":
        names = tax_codes.products_with_problems(connection)
        words = rules.tax_words(connection.country)
        problems = [f"Lines of {', '.join(f'“{n}”' for n in names)} get no {words['rate']} "
                    "QuickBooks takes unless you choose one on each line. Open a product to "
                    "see why."] if names else []
        heading = "Products whose lines cannot go to QuickBooks as they come"
    else:
        product = _product_tax(request, account, kwargs)
        problem = product and tax_codes.product_problem(connection=connection, **product)
        problems = [problem] if problem else []
        heading = "Lines of this product cannot go to QuickBooks as they come"
    if not problems:
        problems = _general_problems(connection, products=view.startswith("invoices:invoice_"))
        heading = "What QuickBooks cannot take yet"
    if not problems:
        return extra
    return {**extra, "integration_tax_note": _render_note(connection, heading, problems)}


def _line_tax_rules(connection) -> dict:
    """For the invoice form's script: which rates have no QuickBooks code, whether a line
    needs a rate at all, and what each line then says under its tax rate."""
    words = rules.tax_words(connection.country)
    return {
        "bad_rates": ",".join(str(row.rate.pk) for row in tax_codes.rate_codes(connection)
                              if not row.code_id),
        "needs_rate": connection.country != "US",
        "no_rate": f"No {words['rate']}: QuickBooks will not take this line. Choose one.",
        "no_code": f"This {words['rate']} has no QuickBooks {words['code']} yet: match it on "
                   "the Integrations page, or choose another.",
    }


def _render_note(connection, heading: str, problems: list[str], *, edit_url: str = "") -> str:
    return render_to_string("integrations/_tax_note.html", {
        "heading": heading, "problems": problems, "edit_url": edit_url,
        "mapping_url": tax_codes.mapping_url(), "words": rules.tax_words(connection.country)})


def _general_problems(connection, *, products: bool = False) -> list[str]:
    """The account's rates that have no QuickBooks code (what any line using them meets);
    with `products`, also the products whose lines get no rate QuickBooks takes as they come."""
    unmatched = [row.rate.name for row in tax_codes.rate_codes(connection) if not row.code_id]
    problems = [tax_codes.unmatched_sentence(connection.country, unmatched)] if unmatched else []
    names = tax_codes.products_with_problems(connection) if products else []
    if names:
        words = rules.tax_words(connection.country)
        problems.append(f"Lines of {', '.join(f'“{n}”' for n in names)} get no {words['rate']} "
                        "QuickBooks takes unless you choose one on the line.")
    return problems


def _form_lines(request: HttpRequest, account, kwargs) -> list[tuple]:
    """The lines of the invoice form: as posted (the form is shown again with an error), else
    the saved invoice's; each with the rate it will have (the product's default filling a
    blank, by the CRM's own rule)."""
    if request.method == "POST":
        lines = InvoiceLineFormSet(request.POST, prefix="lines",
                                   form_kwargs={"account": account})
        if not lines.is_valid():
            return []
        return [(line.product.display_name, line.tax_rate) for line in lines.line_inputs()]
    invoice = Invoice.objects.filter(account=account, pk=kwargs.get("pk")).first()
    if invoice is None:
        return []
    return [(line.name, line.tax_rate) for line in invoice.lines.select_related("tax_rate")]


def _product_tax(request: HttpRequest, account, kwargs) -> dict | None:
    """Taxable and the default rate: as posted, else the saved product's; none on a new
    product's empty form (it says only what any product meets)."""
    if request.method == "POST":
        form = ProductForm(request.POST, account=account)
        form.is_valid()
        return {"taxable": bool(form.cleaned_data.get("taxable")),
                "default_tax_rate": form.cleaned_data.get("default_tax_rate")}
    product = Product.objects.filter(account=account, pk=kwargs.get("pk")).select_related(
        "default_tax_rate").first()
    if product is None:
        return None
    return {"taxable": product.taxable, "default_tax_rate": product.default_tax_rate}


def _send_warning(request: HttpRequest, connection, invoice_id) -> dict:
    """Beside Send on a draft: why QuickBooks will not take it as it is, how to fix it, and
    the question Send asks first (it can still go to the client: the invoice waits, blocked,
    until it is fixed)."""
    invoice = Invoice.objects.filter(account=connection.account, pk=invoice_id).first()
    if invoice is None or not invoice.is_draft:
        return {}
    problems = tax_codes.line_problems(connection=connection, lines=[
        (line.name, line.tax_rate) for line in invoice.lines.select_related("tax_rate")])
    if not problems:
        return {}
    html = _render_note(connection, "Before you send: QuickBooks will not take this invoice "
                        "as it is", problems, edit_url=reverse("invoices:invoice_edit",
                                                               args=[invoice.pk]))
    confirm = (f"QuickBooks will not take invoice {invoice.number} as it is: "
               + " ".join(problems) + " Send it to your client anyway? It waits in Sync "
               "problems until you fix it.")
    return {"integration_send_warning": {"html": html, "confirm": confirm}}
