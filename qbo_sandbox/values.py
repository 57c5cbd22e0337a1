"""Amounts and timestamps as QBO writes them, shared by the entity modules."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from . import faults

CENT = Decimal("0.01")


def money(value: Any) -> Decimal:
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def as_json_number(value: Decimal) -> float | int:
    """QBO writes amounts as JSON numbers (10, 10.5, 10.25)."""
    value = value.normalize() if value == value.to_integral() else value
    return int(value) if value == value.to_integral() else float(value)


def tax_line(rate: dict[str, Any], percent: Decimal, amount: Decimal,
             net: Decimal) -> dict[str, Any]:
    """One `TxnTaxDetail.TaxLine` as Intuit answers it: a rate's share of the tax."""
    return {
        "Amount": as_json_number(amount),
        "DetailType": "TaxLineDetail",
        "TaxLineDetail": {
            "TaxRateRef": {"value": rate["Id"], "name": rate["Name"]},
            "PercentBased": True,
            "TaxPercent": as_json_number(percent),
            "NetAmountTaxable": as_json_number(money(net)),
        },
    }


def iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds")


def clean(payload: dict[str, Any]) -> dict[str, Any]:
    """Drop the empty strings and nulls python-quickbooks sends for unset fields."""
    result: dict[str, Any] = {}
    for key, value in payload.items():
        if value is None or value == "":
            continue
        if isinstance(value, dict):
            value = clean(value)
        elif isinstance(value, list):
            value = [clean(v) if isinstance(v, dict) else v for v in value]
        result[key] = value
    return result


def ref_value(ref: Any) -> str | None:
    """The id in a reference (`{"value": "3", "name": ...}` or a bare value); None if empty."""
    if isinstance(ref, dict):
        value = ref.get("value")
        return None if value in (None, "") else str(value)
    return None if ref in (None, "") else str(ref)


def decimal_field(value: Any, element: str) -> Decimal | None:
    """A number sent in `element`; None when absent; a malformed-request fault when no number."""
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise faults.request_malformed(element) from None
