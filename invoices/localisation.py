"""How an account's country writes dates, money, percentages and the name of its tax.

Dates and number separators are Django's own locale formats (`django/conf/locale/en_GB`,
`en_CA`, `en`): `AccountLocaleMiddleware` activates the account's language on each request and
`in_account_language` does the same for text built outside a request (a worker's message).
Django has no currency formats, so the symbol is chosen here: a currency is written with its
bare symbol in its home country ($ for dollars in the US, $ for Canadian dollars in Canada,
£ everywhere) and with its country's prefix elsewhere (US$ in Canada, CA$ in the US).
"""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.utils import formats, translation

# A country's language for formats. Django has en-us (its "en"), en-gb, en-ca, en-au and en-ie;
# the rest write dates the British way (as they did before languages were per account).
COUNTRY_LANGUAGES = {
    "US": "en-us",
    "CA": "en-ca",
    "GB": "en-gb",
    "AU": "en-au",
    "NZ": "en-au",
    "IE": "en-ie",
    "FR": "en-gb",
    "DE": "en-gb",
}

# What the tax on a sale is called there: QuickBooks UK says VAT, QuickBooks Canada GST/HST.
TAX_WORDS = {
    "US": "Sales tax",
    "CA": "GST/HST",
    "GB": "VAT",
    "IE": "VAT",
    "FR": "VAT",
    "DE": "VAT",
    "AU": "GST",
    "NZ": "GST",
}

# The currency each language's country writes with a bare symbol.
HOME_CURRENCIES = {"en-us": "USD", "en-ca": "CAD", "en-gb": "GBP", "en-au": "AUD", "en-ie": "EUR"}

# A dollar abroad carries its country; pounds and euros are the same sign everywhere.
_SYMBOLS = {"GBP": "£", "EUR": "€"}
_DOLLARS = {"USD": "US$", "CAD": "CA$", "AUD": "A$", "NZD": "NZ$"}

MINUS = "\u2212"  # the minus sign, as the pages already write it before an amount


def language_for(country: str) -> str:
    """The Django language whose formats the account's country uses ("GB" -> "en-gb")."""
    return COUNTRY_LANGUAGES.get(country, "en-gb")


def tax_word(country: str, *, in_sentence: bool = False) -> str:
    """The word for the tax on a sale in that country: "VAT" in the UK, "GST/HST" in Canada,
    "Sales tax" in the US ("sales tax" inside a sentence; VAT and GST stay capitals)."""
    word = TAX_WORDS.get(country, "Tax")
    return word.lower() if in_sentence and not word.isupper() and "/" not in word else word


@contextmanager
def in_account_language(country: str) -> Iterator[None]:
    """Dates and numbers formatted inside the block are the way `country` writes them."""
    with translation.override(language_for(country)):
        yield


def currency_symbol(currency: str, language: str | None = None) -> str:
    """The sign written before an amount of `currency` in `language` (the active one if None):
    "$" for USD in the US, "CA$" for CAD in the US, "$" for CAD in Canada, "£" for GBP."""
    language = (language or translation.get_language() or settings.LANGUAGE_CODE).lower()
    if currency in _SYMBOLS:
        return _SYMBOLS[currency]
    if currency in _DOLLARS:
        return "$" if HOME_CURRENCIES.get(language) == currency else _DOLLARS[currency]
    return f"{currency}\u00a0"  # no sign we know: the code, kept on the figure's line


def format_money(amount: Decimal | int | float | str, currency: str) -> str:
    """An amount with its currency's sign and the active language's separators: "£1,234.50",
    a minus sign before a negative one; in Canada "$1 234.50" (Django's en_CA groups thousands
    with a space)."""
    value = Decimal(str(amount))
    figure = formats.number_format(abs(value), 2, use_l10n=True, force_grouping=True)
    return f"{MINUS if value < 0 else ''}{currency_symbol(currency)}{figure}"


def format_number(amount: Decimal | int | float | str) -> str:
    """An amount with two decimals in the active language's separators, without a sign."""
    return formats.number_format(Decimal(str(amount)), 2, use_l10n=True, force_grouping=True)


def format_percent(value: Decimal | int | float | str) -> str:
    """A percentage as people write it: no trailing zeros ("17.5%", "20%", "2.9%")."""
    number = Decimal(str(value)).quantize(Decimal("0.001")).normalize()
    figure = formats.number_format(Decimal(f"{number:f}"), use_l10n=True)
    return f"{figure}%"


def local_date(value: date, country: str) -> str:
    """A date the way the account's country writes it, outside a request (a worker's message):
    "31 Dec 2025" in the UK and Canada, "Dec. 31, 2025" in the US."""
    with in_account_language(country):
        return format_date(value)


def format_date(value: date, *, with_year: bool = True) -> str:
    """A date the way the active language writes it (Django's DATE_FORMAT: "28 Nov 2026" in
    en-gb and en-ca, "Nov. 28, 2026" in en-us); without the year, its MONTH_DAY_FORMAT."""
    return formats.date_format(value, "DATE_FORMAT" if with_year else "MONTH_DAY_FORMAT")
