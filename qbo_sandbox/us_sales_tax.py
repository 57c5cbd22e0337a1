"""US sales tax on a sales form, as QuickBooks Online works it out and answers it.

Two kinds of US company (`Preferences.TaxPrefs.PartnerTaxEnabled`):
- automated sales tax (AST, companies since Nov 2017): lines say only TAX or NON; QuickBooks
  picks the rates (from the address; here, the form's `TxnTaxCodeRef` or the company's first
  tax code); a `TxnTaxDetail.TotalTax` sent overrides its figure, spread over those rates.
- without AST (older companies): the tax comes from `TxnTaxDetail.TxnTaxCodeRef`, a tax code
  (or group) of the company; none sent, no tax. `TotalTax` sent overrides its figure too.
Without sales tax set up (`UsingSalesTax` false), QuickBooks records no tax at all.
Answers carry `TxnTaxDetail: {TxnTaxCodeRef, TotalTax, TaxLine: [...TaxLineDetail]}`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from . import faults
from .values import as_json_number, money, ref_value, tax_line

if TYPE_CHECKING:
    from .store import Store


def us_tax_detail(store: Store, realm: str, prefs: dict[str, Any], sent: dict[str, Any],
                  taxable: Decimal) -> tuple[Decimal, dict[str, Any]]:
    """The tax and the `TxnTaxDetail` QuickBooks answers for `taxable` (the TAX lines, after
    discount), given the `TxnTaxDetail` sent."""
    if not prefs.get("sales_tax"):
        return Decimal(0), {"TotalTax": 0}
    override = sent.get("TotalTax")
    override = None if override in (None, "") else money(override)
    code_id = ref_value(sent.get("TxnTaxCodeRef"))
    code = None
    if code_id is not None:
        code = store.entity(realm, "TaxCode", code_id)
        if code is None:
            raise faults.invalid_reference("TxnTaxCodeRef", code_id)
    elif prefs.get("automated_sales_tax", True):
        code = next(iter(store.entities(realm, "TaxCode")), None)
    if code is None:
        if prefs.get("automated_sales_tax", True) and override is not None:
            return override, {"TotalTax": as_json_number(override)}
        return Decimal(0), {"TotalTax": 0}
    rates = [store.entity(realm, "TaxRate", d["TaxRateRef"]["value"])
             for d in code.get("SalesTaxRateList", {}).get("TaxRateDetail", [])]
    percents = [Decimal(str(rate["RateValue"])) for rate in rates]
    amounts = [money(taxable * percent / 100) for percent in percents]
    total = sum(amounts, Decimal(0))
    if override is not None and amounts:
        amounts = _spread(override, percents)
        total = override
    lines = [tax_line(rate, percent, amount, taxable)
             for rate, percent, amount in zip(rates, percents, amounts, strict=True)]
    return total, {"TxnTaxCodeRef": {"value": code["Id"]},
                   "TotalTax": as_json_number(total), "TaxLine": lines}


def _spread(total: Decimal, percents: list[Decimal]) -> list[Decimal]:
    """An overriding total shared over the rates by their percentages, the last taking the
    cents left."""
    whole = sum(percents, Decimal(0))
    if not whole:
        return [Decimal(0)] * (len(percents) - 1) + [total]
    shares = [money(total * percent / whole) for percent in percents[:-1]]
    return [*shares, total - sum(shares, Decimal(0))]
