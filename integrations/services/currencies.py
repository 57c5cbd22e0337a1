"""Foreign currencies in a push: that the company may use one (multicurrency on, the
currency in its list, added when missing), and the exchange rate an invoice or payment goes
with.

The rate: the one the owner entered on the invoice wins; otherwise the rate QuickBooks holds
for the transaction's date (the `ExchangeRate` entity), read once per currency and date and
kept (`ExchangeRateRead`): reads are metered. A refund and a processing fee go at their
payment's rate, as QuickBooks answered it (money given back at the rate it came in).
"""

from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError

from .. import currencies, rules
from ..models import ExchangeRateRead
from ..qbo.errors import QboFault
from .engine import Blocked, CompanyEngine
from .messages import (
    currency_inactive_message,
    currency_not_added_message,
    multicurrency_off_message,
    no_rate_message,
)


def home_currency(engine: CompanyEngine) -> str:
    return currencies.home_currency_of(country=engine.country, snapshot=engine.snapshot)


def foreign(engine: CompanyEngine, currency: str) -> str:
    """`currency` when it is not the company's home currency, else "" (what the payloads
    take: nothing is sent for the home currency)."""
    return currency.upper() if currencies.is_foreign(currency, home=home_currency(engine)) \
        else ""


def currency_ready(engine: CompanyEngine, currency: str) -> None:
    """Blocked unless the company can hold `currency`; a currency missing from its list is
    added (QuickBooks refuses a transaction in a currency not in the list)."""
    code = foreign(engine, currency)
    if not code:
        return
    home = home_currency(engine)
    if not engine.snapshot.get("multi_currency"):
        engine.reread_settings()  # turned on since the settings were read?
        if not engine.snapshot.get("multi_currency"):
            raise Blocked(multicurrency_off_message(currency=code, home=home))
    if code in engine.snapshot.get("currencies", []):
        return
    found = engine.query(rules.select_where_equals("CompanyCurrency", "Code", code))
    listed = next((c for c in found if str(c.get("Code", "")).upper() == code), None)
    if listed is None:
        try:
            engine.add_currency(code)
        except QboFault as error:
            raise Blocked(currency_not_added_message(currency=code,
                                                     detail=error.detail or error.message)
                          ) from error
        engine.notes.append(f"hatsync added {code} to the currencies of this QuickBooks "
                            "company.")
    elif not listed.get("Active", True):
        raise Blocked(currency_inactive_message(currency=code))
    codes = sorted({*engine.snapshot.get("currencies", []), code})
    engine.snapshot["currencies"] = codes
    snapshot = dict(engine.connection.settings_snapshot or {}, currencies=codes)
    engine.connection.settings_snapshot = snapshot
    engine.connection.save(update_fields=["settings_snapshot"])


def quickbooks_rate(engine: CompanyEngine, currency: str, on: date) -> Decimal:
    """The rate QuickBooks holds for `currency` on `on`, read once and kept."""
    account_id = engine.connection.account_id
    kept = ExchangeRateRead.objects.filter(account_id=account_id, realm_id=engine.realm_id,
                                           currency=currency, as_of=on).first()
    if kept is not None:
        return kept.rate
    home = home_currency(engine)
    try:
        answer = engine.exchange_rate(currency, on.isoformat())
        rate = Decimal(str(answer.get("Rate")))
    except (QboFault, InvalidOperation) as error:
        raise Blocked(no_rate_message(currency=currency, home=home, on=on)) from error
    if rate <= 0:
        raise Blocked(no_rate_message(currency=currency, home=home, on=on))
    try:
        ExchangeRateRead.objects.create(account_id=account_id, realm_id=engine.realm_id,
                                        currency=currency, as_of=on, rate=rate)
    except IntegrityError:  # another worker kept it first: the same rate
        pass
    return rate


def rate_for(engine: CompanyEngine, currency: str, on: date,
             entered: Decimal | None = None) -> Decimal | None:
    """The ExchangeRate to send for a transaction in `currency` dated `on` (None: the home
    currency, which goes without one)."""
    code = foreign(engine, currency)
    if not code:
        return None
    if entered:
        return currencies.rate_to_send(entered=entered, quickbooks=None)
    return currencies.rate_to_send(entered=None, quickbooks=quickbooks_rate(engine, code, on))


def invoice_currency(engine: CompanyEngine, invoice) -> tuple[str, Decimal | None]:
    """(currency to send, rate) of an invoice: ("", None) in the home currency. Blocked
    when the company cannot hold its currency."""
    currency_ready(engine, invoice.currency)
    return foreign(engine, invoice.currency), rate_for(
        engine, invoice.currency, invoice.issue_date, entered=invoice.exchange_rate)


def payment_currency(engine: CompanyEngine, payment) -> tuple[str, Decimal | None]:
    """A payment is in its invoice's currency, at QuickBooks' rate for the payment's date
    (the owner's rate on the invoice when the payment is dated the invoice's day)."""
    invoice = payment.invoice
    currency_ready(engine, invoice.currency)
    entered = invoice.exchange_rate if payment.date == invoice.issue_date else None
    return foreign(engine, invoice.currency), rate_for(engine, invoice.currency, payment.date,
                                                       entered=entered)


def rate_of(answer: dict) -> Decimal | None:
    """The ExchangeRate of a QuickBooks transaction, None when it has none (home)."""
    value = answer.get("ExchangeRate")
    try:
        return Decimal(str(value)) if value not in (None, "") else None
    except InvalidOperation:
        return None


def currency_of_payment(engine: CompanyEngine, qbo_payment: dict) -> dict:
    """A refund's or processing fee's `currency` and `exchange_rate`: its payment's, as
    QuickBooks answered it (nothing for the home currency)."""
    code = foreign(engine, currencies.currency_of(qbo_payment, home=home_currency(engine)))
    if not code:
        return {}
    return {"currency": code, "exchange_rate": rate_of(qbo_payment)}
