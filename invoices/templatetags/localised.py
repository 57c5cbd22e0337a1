"""Money and percentages on pages, in the active (the account's) language: `{% load localised %}`.

Dates need no filter of ours: `{{ value|date }}` is Django's DATE_FORMAT of that language.
"""

from decimal import Decimal, InvalidOperation

from django import template

from ..localisation import currency_symbol as symbol_of
from ..localisation import format_money, format_percent

register = template.Library()


@register.filter
def money(amount, currency: str) -> str:
    """`{{ figures.total|money:invoice.currency }}` -> "£840.00" (the sign, then the figure)."""
    try:
        return format_money(amount, currency)
    except (InvalidOperation, TypeError, ValueError):
        return ""


@register.filter
def percent(value) -> str:
    """`{{ rate.percentage|percent }}` -> "17.5%", "20%" (no trailing zeros)."""
    try:
        return format_percent(Decimal(str(value)))
    except (InvalidOperation, TypeError, ValueError):
        return ""


@register.filter
def currency_symbol(currency: str) -> str:
    """`{{ currency|currency_symbol }}` -> "£" (for a column heading: "Total (£)")."""
    return symbol_of(currency).strip() if currency else ""
