"""Adds the QuickBooks panel to the invoice page without the CRM knowing about QuickBooks."""

from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.urls import reverse

from invoices.models import Invoice

from . import rules, selectors
from .models import QuickBooksConnection, SyncRecord


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
    connection = QuickBooksConnection.objects.filter(account=account).first()
    if connection is None:
        return ""
    invoice = Invoice.objects.filter(account=account, pk=invoice_id).first()
    if invoice is None:
        return ""
    record = selectors.invoice_records(connection=connection, invoice_ids=[invoice.pk]).get(
        invoice.pk
    )
    records = {r.payment_id: r for r in SyncRecord.objects.filter(
        realm_id=connection.realm_id, kind=SyncRecord.Kind.PAYMENT, payment__invoice=invoice)}
    followers = selectors.payment_followers(connection=connection, invoice=invoice)
    payments = [
        {"payment": payment, "record": records.get(payment.pk),
         "qbo_reference": rules.shorten_reference(payment.reference),
         **followers.get(payment.pk, {})}
        for payment in invoice.payments.order_by("date", "pk")
    ]
    follower_records = [f["fee"] for f in followers.values()] + [
        r["record"] for f in followers.values() for r in f["refunds"]]
    settled = {SyncRecord.State.SYNCED, SyncRecord.State.BLOCKED, SyncRecord.State.FAILED}
    moving = connection.is_connected and any(
        r is not None and r.state not in settled and not r.is_paused
        for r in [record, *records.values(), *follower_records]
    )
    tips = invoice.tips_total
    tips_in_total = rules.tips_apply(country=connection.country,
                                     snapshot=connection.settings_snapshot or {})
    return render_to_string("integrations/_invoice_panel.html", {
        "invoice": invoice, "record": record, "payments": payments,
        "qbo_total": invoice.total + tips if tips and tips_in_total else None, "tips": tips,
        "link": selectors.invoice_link(connection, record),
        "connected": connection.is_connected,
        "refresh_url": reverse("integrations:invoice_panel", args=[invoice.pk]) if moving
        else "",
        # Rendered without `request` (that would run this processor again): pass the token.
        "csrf_token": get_token(request),
    })


def invoice_number_note(request: HttpRequest) -> dict:
    """On the invoice form of a connected account: what QuickBooks will store as the number
    (shown as you type, by app.js) when it is longer than QuickBooks takes."""
    account, _ = _on_page(request, "invoices:invoice_create", "invoices:invoice_edit")
    if account is None or not QuickBooksConnection.objects.filter(account=account).exists():
        return {}
    return {"integration_number_note": {
        "limit": rules.MAX_REFERENCE_LENGTH, "head": rules.SHORTENED_HEAD,
        "tail": rules.SHORTENED_TAIL, "target": "QuickBooks"}}


def contact_customer_note(request: HttpRequest) -> dict:
    """On a contact's page: the QuickBooks customer it syncs to, when its name differs (two
    contacts with one name are two customers there, told apart by email)."""
    account, kwargs = _on_page(request, "invoices:contact_edit")
    if account is None:
        return {}
    connection = QuickBooksConnection.objects.filter(account=account).first()
    record = connection and SyncRecord.objects.filter(
        account=account, realm_id=connection.realm_id, kind=SyncRecord.Kind.CUSTOMER,
        contact_id=kwargs.get("pk"), state=SyncRecord.State.SYNCED,
    ).select_related("contact").first()
    if not record or not record.contact or record.qbo_name == record.contact.full_name:
        return {}
    return {"integration_contact_note": f"In QuickBooks this contact is the customer "
                                        f"“{record.qbo_name}”."}
