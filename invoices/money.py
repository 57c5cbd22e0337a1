"""Money arithmetic: Decimal only, rounded half-up to the cent like an invoice on paper."""

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def to_cents(value: Decimal) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def percent_of(amount: Decimal, percentage: Decimal) -> Decimal:
    return to_cents(Decimal(amount) * Decimal(percentage) / Decimal(100))
