"""Money arithmetic: Decimal only, rounded half-up to the cent like an invoice on paper."""

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def to_cents(value: Decimal) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def percent_of(amount: Decimal, percentage: Decimal) -> Decimal:
    return to_cents(Decimal(amount) * Decimal(percentage) / Decimal(100))


def tax_by_rate(lines: Iterable[tuple[Decimal, object, Decimal]],
                share: Decimal | None = None) -> Decimal:
    """The tax of an invoice: each rate applied once to the sum of its lines' amounts, then
    rounded (not rounded line by line), as accounting systems (QuickBooks among them) compute
    it. `lines`: (amount, rate key, percentage) for each taxed line; `share`: what an
    invoice discount leaves of each base ((subtotal - discount) / subtotal)."""
    bases: dict[object, Decimal] = {}
    percentages: dict[object, Decimal] = {}
    for amount, key, percentage in lines:
        bases[key] = bases.get(key, Decimal(0)) + Decimal(amount)
        percentages[key] = Decimal(percentage)
    if share is not None:  # a discount before tax: each base shrinks in proportion
        bases = {key: base * share for key, base in bases.items()}
    return sum((percent_of(base, percentages[key]) for key, base in bases.items()),
               Decimal("0.00"))
