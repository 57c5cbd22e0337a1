"""Adds QuickBooks' parts to CRM pages without the CRM knowing about QuickBooks: the invoice
page's panel, the note on a long invoice number, a contact's customer name, the banner of a
connection about to end. Each asks a selector what to show."""

from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils import timezone

from . import hard_expiry, rules, selectors


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
