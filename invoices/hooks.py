"""Where other apps add their own words to the CRM's forms without the CRM knowing them:
whether an invoice number may be used, and what to say about a product's name before it is
saved. Each is a signal whose receivers answer with a sentence (or None); the CRM shows the
sentences as they are and knows nothing of who wrote them."""

from django.dispatch import Signal

from .models import Account, Invoice, Product

# account, number, invoice_id (None for a new invoice): a sentence refusing the number
invoice_number_checks = Signal()
# account, display_name, product_id (None for a new product): a sentence to read first
product_name_notes = Signal()


def _sentences(signal: Signal, sender: type, **kwargs) -> list[str]:
    return [answer for _, answer in signal.send(sender=sender, **kwargs) if answer]


def invoice_number_refusals(*, account: Account, number: str,
                            invoice_id: int | None) -> list[str]:
    """Why other apps cannot take `number` for this invoice (empty when they can)."""
    return _sentences(invoice_number_checks, Invoice, account=account, number=number,
                      invoice_id=invoice_id)


def product_name_warnings(*, account: Account, display_name: str,
                          product_id: int | None) -> list[str]:
    """What other apps want said about this name before it is saved (it may still be)."""
    return _sentences(product_name_notes, Product, account=account,
                      display_name=display_name, product_id=product_id)
