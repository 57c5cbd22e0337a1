"""Multicurrency rules (pure: no database, no HTTP), as QuickBooks Online keeps them.

QBO-FACTS "Multicurrency": a company has one home currency (its country's, fixed); other
currencies need multicurrency on (it cannot be turned off again; Simple Start has none) and
a `CompanyCurrency` record; a customer's currency is fixed once it has transactions, so a
contact billed in a second currency is a second customer; a transaction carries
`CurrencyRef` and `ExchangeRate` (home units per one foreign unit; none sent books it at
1); money of a foreign transaction goes to an account in the home currency or its own.
"""

from decimal import ROUND_HALF_UP, Decimal

# The home currency of each country hatsync connects (QuickBooks' own, never changed).
HOME_CURRENCIES = {"US": "USD", "CA": "CAD", "GB": "GBP"}
RATE_PLACES = Decimal("0.000001")  # QuickBooks keeps six places
CENT = Decimal("0.01")


def home_currency_of(*, country: str, snapshot: dict) -> str:
    """The company's home currency: as its Preferences say, else its country's."""
    return snapshot.get("home_currency") or HOME_CURRENCIES.get(country, "USD")


def is_foreign(currency: str, *, home: str) -> bool:
    return bool(currency) and currency.upper() != home.upper()


def customer_name_in(name: str, *, currency: str, home: str) -> str:
    """The customer name of a contact billed in `currency`: its own name in the home
    currency, "Ana Silva (USD)" in another, since a QuickBooks customer has one currency
    for good and its names are unique."""
    if not is_foreign(currency, home=home):
        return name
    return f"{name} ({currency.upper()})"


def rate_to_send(*, entered: Decimal | None, quickbooks: Decimal | None) -> Decimal:
    """The ExchangeRate a foreign transaction goes with: the one the owner entered on the
    invoice wins; else the rate QuickBooks holds for the date."""
    rate = entered if entered else quickbooks
    if not rate or rate <= 0:
        raise ValueError("no exchange rate")
    return Decimal(rate).quantize(RATE_PLACES, ROUND_HALF_UP)


def home_amount(amount: Decimal, rate: Decimal) -> Decimal:
    """An amount in home units, to the cent, as QuickBooks computes HomeTotalAmt."""
    return (Decimal(amount) * Decimal(rate)).quantize(CENT, ROUND_HALF_UP)


def wire_rate(rate: Decimal) -> str:
    """A rate as the JSON carries it: "1.350000" (QuickBooks' six places)."""
    return f"{Decimal(rate).quantize(RATE_PLACES, ROUND_HALF_UP):f}"


def account_takes(account_currency: str, *, currency: str, home: str) -> bool:
    """Whether money of a `currency` transaction may be deposited to (or paid from) an
    account held in `account_currency` (blank: the home currency)."""
    held = (account_currency or home).upper()
    return held in {home.upper(), currency.upper()}


def currency_of(entity: dict, *, home: str) -> str:
    """The currency of a QuickBooks answer (a customer, a transaction): its CurrencyRef,
    else the home currency (a company without multicurrency sends none)."""
    ref = entity.get("CurrencyRef")
    code = ref.get("value") if isinstance(ref, dict) else ref
    return str(code or home).upper()
