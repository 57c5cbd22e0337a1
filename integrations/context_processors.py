"""Adds the QuickBooks panel to the invoice page without the CRM knowing about QuickBooks."""

from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.template.loader import render_to_string

from invoices.models import Invoice

from . import rules, selectors
from .models import QuickBooksConnection, SyncRecord


def invoice_panel(request: HttpRequest) -> dict:
    match = getattr(request, "resolver_match", None)
    account = getattr(getattr(request, "user", None), "account", None)
    if not match or match.view_name != "invoices:invoice_detail" or account is None:
        return {}
    connection = QuickBooksConnection.objects.filter(account=account).first()
    if connection is None:
        return {}
    invoice = Invoice.objects.filter(account=account, pk=match.kwargs.get("pk")).first()
    if invoice is None:
        return {}
    record = selectors.invoice_records(connection=connection, invoice_ids=[invoice.pk]).get(
        invoice.pk
    )
    records = {r.payment_id: r for r in SyncRecord.objects.filter(
        realm_id=connection.realm_id, kind=SyncRecord.Kind.PAYMENT, payment__invoice=invoice)}
    payments = [
        {"payment": payment, "record": records.get(payment.pk),
         "qbo_reference": rules.shorten_reference(payment.reference)}
        for payment in invoice.payments.order_by("date", "pk")
    ]
    html = render_to_string("integrations/_invoice_panel.html", {
        "invoice": invoice, "record": record, "payments": payments,
        "link": selectors.invoice_link(connection, record),
        "connected": connection.is_connected,
        # Rendered without `request` (that would run this processor again): pass the token.
        "csrf_token": get_token(request),
    })
    return {"integration_panel": html}
