"""What every sales form shares (invoice, sales and refund receipt, credit memo): its lines,
discount, tax and total, its dates, the account its money lands in, and how a voided one
looks. A mixin of `entities.Books`."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from . import faults
from .catalog import GRATUITY_ITEM_ID, LATEST_DATE, US_TAX_CODES
from .faults import QBOFault
from .us_sales_tax import us_tax_detail
from .values import CENT, as_json_number, clean, iso, money, ref_value, tax_line
from .values import decimal_field as _decimal

if TYPE_CHECKING:
    from .store import Store



class SalesLines:
    """Lines, discount, tax and totals of a sales form."""

    store: Store
    realm: str
    country: str
    prefs: dict[str, Any]
    company: dict[str, Any]
    now: float

    def _sales_totals(self, data: dict) -> Decimal:
        """Lines, discount, tax and the subtotal line of a sales form (invoice, sales or
        refund receipt, credit memo), as QuickBooks computes them; returns the total. A
        discount applies, before tax, to the sales lines above it (a tip line after it is not
        discounted): each tax code's taxable amount above it shrinks in proportion."""
        if not data.get("Line"):
            raise faults.required_missing("Line")
        lines, _ = self._invoice_lines(data["Line"])
        subtotal = Decimal(0)
        discount = Decimal(0)
        above: dict[str, Decimal] = {}  # taxable amounts per code not yet under a discount
        taxable: dict[str, Decimal] = {}
        for line in lines:
            if line["DetailType"] == "SalesItemLineDetail":
                amount = Decimal(str(line["Amount"]))
                subtotal += amount
                code = ref_value(line["SalesItemLineDetail"].get("TaxCodeRef"))
                if code is not None:
                    above[code] = above.get(code, Decimal(0)) + amount
            elif line["DetailType"] == "DiscountLineDetail":
                base = subtotal - discount
                amount = self._discount(line, base)
                if amount and base:
                    share = (base - amount) / base
                    above = {code: value * share for code, value in above.items()}
                discount += amount
                for code, value in above.items():
                    taxable[code] = taxable.get(code, Decimal(0)) + value
                above = {}
        for code, value in above.items():
            taxable[code] = taxable.get(code, Decimal(0)) + value
        tax, tax_detail, inclusive = self._invoice_tax(data, taxable)
        total = subtotal - discount + (Decimal(0) if inclusive else tax)
        lines.append({
            "Amount": as_json_number(money(subtotal)),
            "DetailType": "SubTotalLineDetail",
            "SubTotalLineDetail": {},
        })
        data["Line"] = lines
        data["TxnTaxDetail"] = tax_detail
        return total

    def _discount(self, line: dict, base: Decimal) -> Decimal:
        """One DiscountLineDetail line: a percent of the sales lines above it or an amount,
        posted to a discount account (default: the company's "Discounts given")."""
        detail = line.setdefault("DiscountLineDetail", {})
        percent = _decimal(detail.get("DiscountPercent"), "DiscountPercent")
        if detail.get("PercentBased") in (True, "true") or (
                percent and line.get("Amount") in (None, 0, "0")):
            if percent is None or not 0 <= percent <= 100:
                raise faults.business_rule(
                    "A percent-based discount needs DiscountPercent between 0 and 100.",
                    "DiscountPercent")
            amount = money(base * percent / 100)
            detail.update(PercentBased=True, DiscountPercent=as_json_number(percent))
        else:
            amount = money(_decimal(line.get("Amount"), "Amount") or 0)
            detail["PercentBased"] = False
            detail.pop("DiscountPercent", None)
        if amount < 0:
            raise faults.business_rule("A discount can't be negative.", "Amount")
        if amount > base:
            raise faults.business_rule(
                f"The discount ({amount}) is more than the subtotal above it ({base}).", "Line")
        account_id = ref_value(detail.get("DiscountAccountRef"))
        if account_id is None:
            default = next((a for a in self.store.entities(self.realm, "Account")
                            if a.get("AccountSubType") == "DiscountsRefundsGiven"), None)
            account_id = default["Id"] if default else None
        if account_id is not None:
            account = self.store.entity(self.realm, "Account", account_id)
            if account is None:
                raise faults.invalid_reference("DiscountAccountRef", account_id)
            detail["DiscountAccountRef"] = {"value": account_id, "name": account["Name"]}
        line["Amount"] = as_json_number(amount)
        return amount

    def _deposit_account(self, data: dict, *, required: bool,
                         key: str = "DepositToAccountRef") -> dict | None:
        """Where money lands (or leaves from): a bank, credit card or other current asset
        account (e.g. Undeposited Funds, the default when absent and not required)."""
        account_id = ref_value(data.get(key))
        if account_id is None:
            if required:
                raise faults.required_missing(key)
            default = next((a for a in self.store.entities(self.realm, "Account")
                            if a.get("AccountSubType") == "UndepositedFunds"), None)
            if default is None:
                data.pop(key, None)
                return None
            account_id = default["Id"]
        account = self.store.entity(self.realm, "Account", account_id)
        if account is None or account.get("AccountType") not in (
                "Bank", "Other Current Asset", "Credit Card"):
            raise faults.invalid_reference(key, account_id)
        data[key] = {"value": account_id, "name": account["Name"]}
        return account
    def _invoice_dates(self, data: dict) -> None:
        today = datetime.fromtimestamp(self.now, UTC).date()
        txn_date = data.get("TxnDate") or today.isoformat()
        try:
            parsed = datetime.strptime(str(txn_date)[:10], "%Y-%m-%d").date()
        except ValueError:
            raise faults.request_malformed("TxnDate") from None
        data["TxnDate"] = parsed.isoformat()
        if not data.get("DueDate"):  # computed only when needed: 30 days on may not exist
            data["DueDate"] = min(parsed + timedelta(days=30),
                                  date.fromisoformat(LATEST_DATE)).isoformat()

    def _invoice_lines(self, sent: list[dict]) -> tuple[list[dict], dict[str, Decimal]]:
        """Validate and complete the lines; also sum the taxable amounts per tax code."""
        lines: list[dict] = []
        taxable: dict[str, Decimal] = {}
        for raw in sent:
            line = clean(raw)
            for empty in ("LinkedTxn", "CustomField", "LineNum"):
                if not line.get(empty):
                    line.pop(empty, None)
            kind = line.get("DetailType")
            if kind == "SubTotalLineDetail":
                continue  # QBO recomputes the subtotal
            if kind == "DescriptionOnly":
                line["Amount"] = 0
                line.setdefault("DescriptionLineDetail", {})
                line["DetailType"] = "DescriptionOnly"
            elif kind == "DiscountLineDetail":
                line["Amount"] = as_json_number(money(_decimal(line.get("Amount"), "Amount")
                                                      or 0))
            elif kind == "SalesItemLineDetail":
                code, amount = self._sales_line(line)
                if code is not None:
                    taxable[code] = taxable.get(code, Decimal(0)) + amount
            elif not kind:
                raise faults.required_missing("DetailType")
            else:
                raise faults.request_malformed(f"Line.DetailType={kind}")
            line["Id"] = str(len(lines) + 1)
            line["LineNum"] = len(lines) + 1
            lines.append(line)
        if not any(line["DetailType"] == "SalesItemLineDetail" for line in lines):
            raise faults.required_missing("Line")
        return lines, taxable

    def _sales_line(self, line: dict) -> tuple[str | None, Decimal]:
        detail = line.setdefault("SalesItemLineDetail", {})
        item_id = ref_value(detail.get("ItemRef")) or "1"  # QBO's default "Services" item
        if item_id == GRATUITY_ITEM_ID:
            if self.country == "CA" or not self.prefs.get("gratuity"):
                raise faults.business_rule(
                    "Gratuity is not enabled for this company. Turn on tips (Account and "
                    "Settings > Sales > Tips) before sending a line with ItemRef "
                    "GRATUITY_ITEM_ID.", "ItemRef",
                )
            detail["ItemRef"] = {"value": GRATUITY_ITEM_ID, "name": "Gratuity"}
        else:
            item = self.store.entity(self.realm, "Item", item_id)
            if item is None or not item.get("Active", True):
                raise faults.invalid_reference("ItemRef", item_id)
            detail["ItemRef"] = {"value": item_id, "name": item["Name"]}
        amount = self._line_amount(line, detail)
        if item_id == GRATUITY_ITEM_ID:
            detail.pop("TaxCodeRef", None)
            return None, amount
        code = ref_value(detail.get("TaxCodeRef"))
        if self.country == "US":
            code = (code or "NON").upper()
            if code not in US_TAX_CODES:
                raise faults.business_rule(
                    f"Invalid tax code {code!r}: US sales lines use TaxCodeRef TAX or NON.",
                    "TaxCodeRef",
                )
            detail["TaxCodeRef"] = {"value": code}
            return code, amount
        if code is None:
            label = {"CA": "GST/HST", "GB": "VAT", "AU": "GST"}[self.country]
            raise faults.business_rule(
                f"Make sure all your transactions have a {label} rate before you save. Every "
                "sales line needs SalesItemLineDetail.TaxCodeRef (the Id of a TaxCode).",
                "TaxCodeRef",
            )
        tax_code = self.store.entity(self.realm, "TaxCode", code)
        if tax_code is None:
            raise faults.invalid_reference("TaxCodeRef", code)
        detail["TaxCodeRef"] = {"value": code}
        return code, amount

    def _line_amount(self, line: dict, detail: dict) -> Decimal:
        amount = _decimal(line.get("Amount"), "Amount")
        qty = _decimal(detail.get("Qty"), "Qty") or None  # the library sends 0 when unset
        price = _decimal(detail.get("UnitPrice"), "UnitPrice") or None
        if amount is None:
            if price is None:
                raise faults.required_missing("Amount")
            amount = (qty or Decimal(1)) * price
            detail.setdefault("Qty", as_json_number(qty or Decimal(1)))
        elif qty is not None and price is not None:
            if abs(qty * price - amount) > CENT:
                raise QBOFault(
                    6070,
                    "Amount is not equal to UnitPrice * Qty",
                    f"Amount is not equal to UnitPrice * Qty. Supplied value:{amount}",
                    element="Amount",
                )
        for key in ("Qty", "UnitPrice"):
            if detail.get(key) in (0, "0"):
                detail.pop(key)
        if not detail.get("TaxInclusiveAmt"):
            detail.pop("TaxInclusiveAmt", None)
        amount = money(amount)
        line["Amount"] = as_json_number(amount)
        return amount

    def _invoice_tax(
        self, data: dict, taxable: dict[str, Decimal]
    ) -> tuple[Decimal, dict, bool]:
        mode = data.get("GlobalTaxCalculation", "TaxExcluded")
        inclusive = mode == "TaxInclusive"
        sent = data.get("TxnTaxDetail") or {}
        if self.country == "US":
            _decimal(sent.get("TotalTax"), "TotalTax")
            total, detail = us_tax_detail(self.store, self.realm, self.prefs, sent,
                                          taxable.get("TAX", Decimal(0)))
            return total, detail, False
        if mode == "NotApplicable":
            return Decimal(0), {"TotalTax": 0}, False
        tax_lines = []
        total = Decimal(0)
        for code_id, base in taxable.items():
            code = self.store.entity(self.realm, "TaxCode", code_id)
            for rate_detail in code["SalesTaxRateList"]["TaxRateDetail"]:
                rate = self.store.entity(self.realm, "TaxRate",
                                         rate_detail["TaxRateRef"]["value"])
                percent = Decimal(str(rate["RateValue"]))
                if inclusive:
                    amount = money(base * percent / (100 + percent))
                    net = base - amount
                else:
                    amount = money(base * percent / 100)
                    net = base
                total += amount
                tax_lines.append(tax_line(rate, percent, amount, net))
        return total, {"TotalTax": as_json_number(money(total)), "TaxLine": tax_lines}, inclusive
    def _voided(self, txn: dict) -> None:
        """A sales form as QuickBooks keeps it once voided: every amount 0, "Voided"."""
        for line in txn.get("Line", []):
            line["Amount"] = 0
            detail = line.get("SalesItemLineDetail")
            if detail:
                detail.pop("Qty", None)
                detail["UnitPrice"] = 0
        txn["TxnTaxDetail"] = {"TotalTax": 0}
        txn.update(TotalAmt=0, HomeTotalAmt=0, Balance=0, PrivateNote="Voided")
        txn["SyncToken"] = str(int(txn["SyncToken"]) + 1)
        txn["MetaData"]["LastUpdatedTime"] = iso(self.now)
