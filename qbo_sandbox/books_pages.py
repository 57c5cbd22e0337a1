"""A company's transactions as a bookkeeper sees them in QuickBooks: the invoice, payment,
sales receipt, refund receipt, credit memo, expense (Purchase) and bank deposit pages, and the
Sales and Expenses lists that link them.

Each page shows the figures QuickBooks shows and they add up on the page: lines, discount,
subtotal, tax per rate (`TxnTaxDetail.TaxLine`), total, payments and balance. Tax codes are
shown by name and rate, never by Id. Plain HTML on `pages.page` (no script, every value
escaped); the figures are the stored entity's, nothing is recomputed here but the sums a
reader would do.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from html import escape
from typing import Any

from .currencies import HOME_CURRENCIES
from .pages import _notice as notice_line
from .pages import company_nav, invoice_status, link, page
from .store import Store
from .values import ref_value

# Page path and title of each transaction type (QuickBooks' own /app paths).
TXN_PAGES = {
    "Invoice": ("/app/invoice", "Invoice"),
    "Payment": ("/app/recvpayment", "Payment"),
    "SalesReceipt": ("/app/salesreceipt", "Sales receipt"),
    "RefundReceipt": ("/app/refundreceipt", "Refund receipt"),
    "CreditMemo": ("/app/creditmemo", "Credit memo"),
    "Purchase": ("/app/expense", "Expense"),
    "Deposit": ("/app/deposit", "Deposit"),
}
SALES_LIST = ("Invoice", "Payment", "SalesReceipt", "RefundReceipt", "CreditMemo")
# What the tax is called on a sales form's column, per country.
TAX_WORD = {"US": "Tax", "CA": "Sales tax", "GB": "VAT", "AU": "GST"}
US_LINE_CODES = {"TAX": "Taxable", "NON": "Non-taxable"}
PLAIN_METHOD_NOTE = "Payment method: "  # pages' payments without a PaymentMethodRef
PAYMENT_TYPES = {"Cash": "Cash", "Check": "Check", "CreditCard": "Credit card"}


@dataclass
class Lookups:
    """What a page needs besides the transaction: names of the things it refers to and the
    company's tax codes. Read once per page from the store (`Lookups.read`)."""

    store: Store
    realm: str
    country: str
    code_names: dict[str, str] = field(default_factory=dict)  # TaxCode Id -> name
    code_percents: dict[str, Decimal] = field(default_factory=dict)  # its sales rates' sum
    rate_codes: dict[str, str] = field(default_factory=dict)  # TaxRate Id -> its code's name

    @classmethod
    def read(cls, store: Store, realm: str, country: str) -> Lookups:
        found = cls(store, realm, country)
        rates = {r["Id"]: r for r in store.entities(realm, "TaxRate")}
        for code in store.entities(realm, "TaxCode"):
            details = (code.get("SalesTaxRateList") or {}).get("TaxRateDetail") or []
            rate_ids = [str(ref_value(d.get("TaxRateRef")) or "") for d in details]
            found.code_names[code["Id"]] = str(code.get("Name", code["Id"]))
            found.code_percents[code["Id"]] = sum(
                (_dec(rates.get(r, {}).get("RateValue")) for r in rate_ids), Decimal(0))
            if len(rate_ids) == 1:  # a rate of a group is named by itself
                found.rate_codes.setdefault(rate_ids[0], found.code_names[code["Id"]])
        return found

    def entity(self, kind: str, entity_id: Any) -> dict[str, Any] | None:
        return self.store.entity(self.realm, kind, str(entity_id)) if entity_id else None

    def name(self, ref: Any, kind: str) -> str:
        """The name of what a reference points at: the name it carries, else the entity's."""
        value = ref_value(ref)
        if value is None:
            return ""
        if isinstance(ref, dict) and ref.get("name"):
            return str(ref["name"])
        found = self.entity(kind, value)
        if found is None:
            return value
        return str(found.get("DisplayName") or found.get("Name") or value)

    def line_tax(self, code_id: str | None) -> str:
        """A line's tax code as QuickBooks shows it: TAX / NON in words (US), else the
        code's name with its rate (unless the name says it already)."""
        if code_id is None:
            return ""
        if self.country == "US" and code_id.upper() in US_LINE_CODES:
            return US_LINE_CODES[code_id.upper()]
        name = self.code_names.get(code_id)
        if name is None:
            return f"Tax code {code_id}"
        percent = self.code_percents.get(code_id, Decimal(0))
        shown = _percent(percent)
        if f"{shown}%" in name or f"{percent:.1f}%" in name:
            return name
        return f"{name} ({shown}%)"

    def tax_label(self, rate_ref: Any) -> str:
        """The name of a tax line: "VAT" in the UK (as QuickBooks' "VAT @ 20% on …"), else
        the code the rate belongs to, else the rate's own name."""
        if self.country == "GB":
            return "VAT"
        rate_id = ref_value(rate_ref)
        if rate_id is not None and self.country != "US" and rate_id in self.rate_codes:
            return self.rate_codes[rate_id]
        return self.name(rate_ref, "TaxRate") or "Tax"

    def deposits_holding(self, kind: str, txn_id: str) -> list[dict[str, Any]]:
        """The bank deposits that took this payment (or sales receipt) in."""
        return [d for d in self.store.entities(self.realm, "Deposit")
                if any(str(t.get("TxnId")) == str(txn_id) and t.get("TxnType") == kind
                       for line in d.get("Line") or [] for t in line.get("LinkedTxn") or [])]


# figures ----------------------------------------------------------------------------------

def _dec(value: Any) -> Decimal:
    try:
        found = Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        return Decimal(0)
    return found if found.is_finite() else Decimal(0)


def amount(value: Any) -> str:
    """Money as the pages write it: two decimals, a minus for what is taken off."""
    return f"{_dec(value):.2f}"


def _percent(value: Any) -> str:
    """A percent or a quantity as QuickBooks writes it: 8, 7.6, 1.5 (no trailing zeros)."""
    return f"{_dec(value).normalize():f}"


def _qty(value: Any) -> str:
    return "" if value in (None, "") else escape(_percent(value))


def _rate(value: Any) -> str:
    """A unit price: at least two decimals, more when QuickBooks holds more (33.335)."""
    if value in (None, ""):
        return ""
    found = _dec(value)
    return f"{found:.2f}" if found == found.quantize(Decimal("0.01")) else _percent(found)


@dataclass(frozen=True)
class SummaryRow:
    """One row under a form's lines. `adds`: whether it counts towards the row after it
    (False for tax already inside the amounts)."""

    label: str
    value: Decimal
    css: str = ""
    adds: bool = True


def sales_summary(txn: dict[str, Any], lookups: Lookups) -> list[SummaryRow]:
    """Subtotal, discounts, tax per rate and total of a sales form, as QuickBooks lists
    them. Tax-inclusive forms show their tax as included (it is inside the subtotal)."""
    lines = txn.get("Line") or []
    subtotal = next((_dec(li.get("Amount")) for li in lines
                     if li.get("DetailType") == "SubTotalLineDetail"),
                    sum((_dec(li.get("Amount")) for li in lines
                         if li.get("DetailType") == "SalesItemLineDetail"), Decimal(0)))
    rows = [SummaryRow("Subtotal", subtotal, "subtotal")]
    for line in lines:
        if line.get("DetailType") != "DiscountLineDetail":
            continue
        detail = line.get("DiscountLineDetail") or {}
        label = "Discount"
        if detail.get("PercentBased") and detail.get("DiscountPercent") not in (None, ""):
            label = f"Discount {_percent(detail['DiscountPercent'])}%"
        rows.append(SummaryRow(label, -_dec(line.get("Amount")), "discount"))
    inclusive = txn.get("GlobalTaxCalculation") == "TaxInclusive"
    tax = txn.get("TxnTaxDetail") or {}
    tax_lines = [t for t in tax.get("TaxLine") or [] if t.get("DetailType") == "TaxLineDetail"]
    for tax_line in tax_lines:
        detail = tax_line.get("TaxLineDetail") or {}
        label = (f"{lookups.tax_label(detail.get('TaxRateRef'))} @ "
                 f"{_percent(detail.get('TaxPercent', 0))}% on "
                 f"{amount(detail.get('NetAmountTaxable', 0))}")
        if inclusive:
            rows.append(SummaryRow(f"Includes {label}", _dec(tax_line.get("Amount")),
                                   "tax included", adds=False))
        else:
            rows.append(SummaryRow(label, _dec(tax_line.get("Amount")), "tax"))
    if not tax_lines and (lookups.country == "US" or _dec(tax.get("TotalTax"))):
        label = "Sales tax" if lookups.country == "US" else TAX_WORD.get(lookups.country,
                                                                          "Tax")
        rows.append(SummaryRow(f"Includes {label}" if inclusive else label,
                               _dec(tax.get("TotalTax")), "tax included" if inclusive
                               else "tax", adds=not inclusive))
    code = foreign_currency(txn, lookups.country)
    rows.append(SummaryRow(f"Total ({code})" if code else "Total", _dec(txn.get("TotalAmt")),
                           "total"))
    if code:  # what QuickBooks shows under a foreign form's total: the home amount
        rows.append(SummaryRow(
            f"Total in {HOME_CURRENCIES[lookups.country]} at {txn.get('ExchangeRate', 1)} "
            f"{HOME_CURRENCIES[lookups.country]} per {code}", _dec(txn.get("HomeTotalAmt")),
            "home total", adds=False))
    return rows


def foreign_currency(txn: dict, country: str) -> str:
    """The transaction's currency code when it is not the home currency, else ""."""
    code = str((txn.get("CurrencyRef") or {}).get("value") or "")
    return code if code and code != HOME_CURRENCIES.get(country) else ""


def _summary_table(rows: list[SummaryRow]) -> str:
    body = "".join(
        f"<tr class='{escape(row.css)}'><th scope=row>{escape(row.label)}</th>"
        f"<td class=num>{amount(row.value)}</td></tr>"
        for row in rows
    )
    return f"<table class=totals>{body}</table>"


def _sales_lines(txn: dict[str, Any], lookups: Lookups) -> str:
    """The product/service lines (and description-only lines) of a sales form."""
    rows, number = [], 0
    for line in txn.get("Line") or []:
        kind = line.get("DetailType")
        if kind == "SalesItemLineDetail":
            number += 1
            detail = line.get("SalesItemLineDetail") or {}
            rows.append(
                f"<tr><td>{number}</td><td>{escape(lookups.name(detail.get('ItemRef'), 'Item'))}"
                f"</td><td>{escape(str(line.get('Description', '')))}</td>"
                f"<td class=num>{_qty(detail.get('Qty'))}</td>"
                f"<td class=num>{_rate(detail.get('UnitPrice'))}</td>"
                f"<td class=num>{amount(line.get('Amount'))}</td>"
                f"<td>{escape(lookups.line_tax(ref_value(detail.get('TaxCodeRef'))))}</td></tr>"
            )
        elif kind == "DescriptionOnly":
            number += 1
            rows.append(f"<tr><td>{number}</td><td></td><td colspan=5>"
                        f"{escape(str(line.get('Description', '')))}</td></tr>")
    tax_word = TAX_WORD.get(lookups.country, "Tax")
    return (
        "<div class=scroll><table class=lines><tr><th>#</th><th>Product/service</th>"
        "<th>Description</th><th class=num>Qty</th><th class=num>Rate</th>"
        f"<th class=num>Amount</th><th>{escape(tax_word)}</th></tr>{''.join(rows)}</table></div>"
    )


def _details(pairs: list[tuple[str, str]]) -> str:
    """The facts at the top of a form, those with a value (already escaped HTML)."""
    return "<dl>" + "".join(f"<dt>{escape(k)}</dt><dd>{v}</dd>" for k, v in pairs if v) + "</dl>"


def _txn_link(base: str, realm: str, kind: str, txn_id: Any, text: str) -> str:
    path = TXN_PAGES.get(kind, ("", ""))[0]
    if not path:
        return escape(text)
    return (f"<a href='{escape(link(base, path, txnId=txn_id, realmId=realm))}'>"
            f"{escape(text)}</a>")


def _status(txn: dict[str, Any], kind: str) -> str:
    """The status QuickBooks gives each kind of transaction in its lists."""
    if txn.get("PrivateNote") == "Voided":
        return "Voided"
    if kind == "Invoice":
        return invoice_status(txn)
    if kind == "Payment":
        return "Unapplied" if _dec(txn.get("UnappliedAmt")) > 0 else "Closed"
    if kind == "CreditMemo":
        return "Unapplied" if _dec(txn.get("RemainingCredit")) > 0 else "Closed"
    if kind in ("SalesReceipt", "RefundReceipt"):
        return "Paid"
    return ""


def _badge(status: str) -> str:
    return f"<span class='status {escape(status)}'>{escape(status)}</span>" if status else ""


def payment_method(payment: dict[str, Any], lookups: Lookups) -> str:
    """The payment method: its PaymentMethodRef, else what a page payment noted in its memo
    (a company without payment methods)."""
    named = lookups.name(payment.get("PaymentMethodRef"), "PaymentMethod")
    note = str(payment.get("PrivateNote") or "")
    if not named and note.startswith(PLAIN_METHOD_NOTE):
        named = note[len(PLAIN_METHOD_NOTE):]
    return named


def _head(company: dict[str, Any], title: str, status: str, crumbs: str) -> str:
    return (f"<h1>{escape(title)} {_badge(status)}</h1><p class=lead>{escape(company['name'])}"
            f" &middot; {crumbs}</p>")


def _list_link(base: str, realm: str, path: str, text: str) -> str:
    return f"<a href='{escape(link(base, path, realmId=realm))}'>{escape(text)}</a>"


# the invoice --------------------------------------------------------------------------------

def invoice(
    company: dict[str, Any],
    inv: dict[str, Any],
    base: str,
    *,
    lookups: Lookups,
    payments: list[dict[str, Any]],
    actions: str = "",
    notice: str = "",
) -> str:
    """One invoice: lines with their tax codes, subtotal, discount, tax per rate, total, the
    payments applied (method, reference, account) and the balance due. `payments`: the
    Payment entities in its LinkedTxn; `actions`: the bookkeeper's buttons (HTML)."""
    realm = company["realm_id"]
    status = invoice_status(inv)
    applied_rows, applied_total = [], Decimal(0)
    for pay in payments:
        applied = sum((_dec(line.get("Amount")) for line in pay.get("Line") or []
                       if any(str(t.get("TxnId")) == str(inv["Id"])
                              for t in line.get("LinkedTxn") or [])), Decimal(0))
        applied_total += applied
        applied_rows.append(
            f"<tr><td>{_txn_link(base, realm, 'Payment', pay['Id'], str(pay.get('TxnDate', '')))}"
            f"</td><td>{escape(str(pay.get('PaymentRefNum', '')))}</td>"
            f"<td>{escape(payment_method(pay, lookups))}</td>"
            f"<td>{escape(lookups.name(pay.get('DepositToAccountRef'), 'Account'))}</td>"
            f"<td class=num>{amount(pay.get('TotalAmt'))}</td>"
            f"<td class=num>{amount(applied)}</td></tr>"
        )
    rows = sales_summary(inv, lookups)
    if _dec(inv.get("Deposit")):
        rows.append(SummaryRow("Deposit", -_dec(inv.get("Deposit")), "deposit"))
    if payments:
        rows.append(SummaryRow("Payments received", -applied_total, "payments"))
    code = foreign_currency(inv, lookups.country)
    rows.append(SummaryRow(f"Balance due ({code})" if code else "Balance due",
                           _dec(inv.get("Balance")), "balance"))
    paid = (
        "<h2>Payments</h2><div class=scroll><table class=payments><tr><th>Date</th>"
        "<th>Ref no.</th><th>Method</th><th>Deposited to</th><th class=num>Payment</th>"
        f"<th class=num>Applied here</th></tr>{''.join(applied_rows)}</table></div>"
        if applied_rows else ""
    )
    return page(
        f"Invoice {inv.get('DocNumber', '')}",
        notice_line(notice)
        + _head(company, f"Invoice {inv.get('DocNumber', '')}", status,
                _list_link(base, realm, "/app/homepage", "All invoices") + " &middot; "
                + _list_link(base, realm, "/app/sales", "Sales"))
        + _details([
            ("Customer", escape(lookups.name(inv.get("CustomerRef"), "Customer"))),
            ("Email", escape(str((inv.get("BillEmail") or {}).get("Address", "")))),
            ("Invoice date", escape(str(inv.get("TxnDate", "")))),
            ("Due date", escape(str(inv.get("DueDate", "")))),
            ("Terms", escape(lookups.name(inv.get("SalesTermRef"), "Term"))),
            ("Amounts are", _amounts_are(inv, lookups)),
            ("Transaction ID", escape(str(inv["Id"]))),
        ])
        + _sales_lines(inv, lookups) + _summary_table(rows) + paid
        + _memo(inv) + actions,
        company_nav(base, realm, "invoices"),
    )


def _amounts_are(txn: dict[str, Any], lookups: Lookups) -> str:
    if lookups.country == "US":
        return ""
    return {"TaxInclusive": "Inclusive of tax", "NotApplicable": "Out of scope of tax"}.get(
        str(txn.get("GlobalTaxCalculation")), "Exclusive of tax")


def _memo(txn: dict[str, Any]) -> str:
    parts = []
    message = (txn.get("CustomerMemo") or {}).get("value") if isinstance(
        txn.get("CustomerMemo"), dict) else None
    if message:
        parts.append(("Message", escape(str(message))))
    note = txn.get("PrivateNote")
    if note and note != "Voided":
        parts.append(("Memo", escape(str(note))))
    return _details(parts) if parts else ""


# sales receipt, refund receipt, credit memo --------------------------------------------------

def sales_form(company: dict[str, Any], kind: str, txn: dict[str, Any], base: str, *,
               lookups: Lookups) -> str:
    """A sales receipt, refund receipt or credit memo: who, where the money went (or came
    from), the lines and the figures."""
    realm = company["realm_id"]
    title = f"{TXN_PAGES[kind][1]} {txn.get('DocNumber', '')}".strip()
    money_word = {"SalesReceipt": "Deposit to", "RefundReceipt": "Refund from"}.get(kind)
    facts = [
        ("Customer", escape(lookups.name(txn.get("CustomerRef"), "Customer"))),
        ("Email", escape(str((txn.get("BillEmail") or {}).get("Address", "")))),
        (f"{TXN_PAGES[kind][1]} date", escape(str(txn.get("TxnDate", "")))),
        ("Payment method", escape(payment_method(txn, lookups))),
        ("Reference no.", escape(str(txn.get("PaymentRefNum", "")))),
    ]
    if money_word:
        facts.append((money_word, escape(lookups.name(txn.get("DepositToAccountRef"),
                                                      "Account"))))
    facts += [("Amounts are", _amounts_are(txn, lookups)),
              ("Transaction ID", escape(str(txn["Id"])))]
    rows = sales_summary(txn, lookups)
    if kind == "RefundReceipt":
        rows.append(SummaryRow("Amount refunded", _dec(txn.get("TotalAmt")), "refunded"))
    elif kind == "CreditMemo":
        rows.append(SummaryRow("Credit remaining", _dec(txn.get("RemainingCredit")),
                               "balance"))
    return page(
        title,
        _head(company, title, _status(txn, kind), _list_link(base, realm, "/app/sales",
                                                                   "Sales"))
        + _details(facts) + _sales_lines(txn, lookups) + _summary_table(rows) + _memo(txn),
        company_nav(base, realm, "sales"),
    )


# payment --------------------------------------------------------------------------------------

def payment(company: dict[str, Any], pay: dict[str, Any], base: str, *,
            lookups: Lookups) -> str:
    """QuickBooks' payment page: method, reference, the account it went to, the invoices it
    paid and what is left as credit; and the bank deposit it went into, if any."""
    realm = company["realm_id"]
    rows, applied = [], Decimal(0)
    for line in pay.get("Line") or []:
        for linked in line.get("LinkedTxn") or []:
            kind, txn_id = str(linked.get("TxnType", "")), linked.get("TxnId")
            txn = lookups.entity(kind, txn_id) or {}
            number = str(txn.get("DocNumber") or txn_id)
            rows.append(
                f"<tr><td>{escape(TXN_PAGES.get(kind, ('', kind))[1])} "
                f"{_txn_link(base, realm, kind, txn_id, number) if txn else escape(number)}"
                f"</td><td>{escape(str(txn.get('TxnDate', '')))}</td>"
                f"<td>{escape(str(txn.get('DueDate', '')))}</td>"
                f"<td class=num>{amount(txn.get('TotalAmt')) if txn else ''}</td>"
                f"<td class=num>{amount(txn.get('Balance')) if txn else ''}</td>"
                f"<td class=num>{amount(line.get('Amount'))}</td></tr>"
            )
        applied += _dec(line.get("Amount"))
    table = (
        "<h2>Applied to</h2><div class=scroll><table class=applied><tr><th>Transaction</th>"
        "<th>Date</th><th>Due date</th><th class=num>Original amount</th>"
        "<th class=num>Open balance</th><th class=num>Payment</th></tr>"
        f"{''.join(rows)}</table></div>"
        if rows else "<p class=muted>This payment is not applied to any invoice.</p>"
    )
    received = _dec(pay.get("TotalAmt"))
    credit = _dec(pay["UnappliedAmt"]) if "UnappliedAmt" in pay else received - applied
    summary = _summary_table([SummaryRow("Amount to apply", applied, "applied"),
                              SummaryRow("Amount to credit", credit, "credit"),
                              SummaryRow("Amount received", received, "total")])
    deposits = lookups.deposits_holding("Payment", pay["Id"])
    deposited = ", ".join(_txn_link(base, realm, "Deposit", d["Id"],
                                    f"Deposit of {d.get('TxnDate', '')}") for d in deposits)
    return page(
        "Payment",
        _head(company, "Payment", _status(pay, "Payment"),
              _list_link(base, realm, "/app/sales", "Sales"))
        + _details([
            ("Customer", escape(lookups.name(pay.get("CustomerRef"), "Customer"))),
            ("Payment date", escape(str(pay.get("TxnDate", "")))),
            ("Payment method", escape(payment_method(pay, lookups))),
            ("Reference no.", escape(str(pay.get("PaymentRefNum", "")))),
            ("Deposit to", escape(lookups.name(pay.get("DepositToAccountRef"), "Account"))),
            ("Deposited in", deposited),
            ("Transaction ID", escape(str(pay["Id"]))),
        ])
        + table + summary + _memo(pay),
        company_nav(base, realm, "sales"),
    )


# expense (Purchase) ---------------------------------------------------------------------------

def _expense_kind(txn: dict[str, Any]) -> str:
    """What QuickBooks calls a Purchase: a Check, a Credit card credit, else an Expense."""
    if txn.get("PaymentType") == "Check":
        return "Check"
    if txn.get("PaymentType") == "CreditCard" and txn.get("Credit") in (True, "true"):
        return "Credit card credit"
    return "Expense"


def expense(company: dict[str, Any], txn: dict[str, Any], base: str, *,
            lookups: Lookups) -> str:
    """An expense (Purchase), e.g. a card processor's fee: payee, the account paid from,
    the category and item lines, tax and total."""
    realm = company["realm_id"]
    kind = _expense_kind(txn)
    categories, items = [], []
    for line in txn.get("Line") or []:
        if line.get("DetailType") == "AccountBasedExpenseLineDetail":
            detail = line.get("AccountBasedExpenseLineDetail") or {}
            categories.append(
                f"<tr><td>{len(categories) + 1}</td>"
                f"<td>{escape(lookups.name(detail.get('AccountRef'), 'Account'))}</td>"
                f"<td>{escape(str(line.get('Description', '')))}</td>"
                f"<td class=num>{amount(line.get('Amount'))}</td>"
                f"<td>{escape(lookups.line_tax(ref_value(detail.get('TaxCodeRef'))))}</td>"
                f"<td>{escape(lookups.name(detail.get('CustomerRef'), 'Customer'))}</td></tr>")
        elif line.get("DetailType") == "ItemBasedExpenseLineDetail":
            detail = line.get("ItemBasedExpenseLineDetail") or {}
            items.append(
                f"<tr><td>{len(items) + 1}</td>"
                f"<td>{escape(lookups.name(detail.get('ItemRef'), 'Item'))}</td>"
                f"<td>{escape(str(line.get('Description', '')))}</td>"
                f"<td class=num>{_qty(detail.get('Qty'))}</td>"
                f"<td class=num>{_rate(detail.get('UnitPrice'))}</td>"
                f"<td class=num>{amount(line.get('Amount'))}</td>"
                f"<td>{escape(lookups.line_tax(ref_value(detail.get('TaxCodeRef'))))}</td></tr>")
    tax_word = TAX_WORD.get(lookups.country, "Tax")
    tables = ""
    if categories:
        tables += (
            "<h2>Category details</h2><div class=scroll><table class=lines><tr><th>#</th>"
            "<th>Category</th><th>Description</th><th class=num>Amount</th>"
            f"<th>{escape(tax_word)}</th><th>Customer</th></tr>{''.join(categories)}"
            "</table></div>")
    if items:
        tables += (
            "<h2>Item details</h2><div class=scroll><table class=lines><tr><th>#</th>"
            "<th>Product/service</th><th>Description</th><th class=num>Qty</th>"
            f"<th class=num>Rate</th><th class=num>Amount</th><th>{escape(tax_word)}</th></tr>"
            f"{''.join(items)}</table></div>")
    subtotal = sum((_dec(line.get("Amount")) for line in txn.get("Line") or []
                    if line.get("DetailType") in ("AccountBasedExpenseLineDetail",
                                                  "ItemBasedExpenseLineDetail")), Decimal(0))
    rows = [SummaryRow("Subtotal", subtotal, "subtotal")]
    tax = _dec((txn.get("TxnTaxDetail") or {}).get("TotalTax"))
    if tax:
        rows.append(SummaryRow(tax_word, tax, "tax"))
    rows.append(SummaryRow("Total", _dec(txn.get("TotalAmt")), "total"))
    payment_word = {"Check": "Check no.", "Expense": "Ref no."}.get(kind, "Ref no.")
    return page(
        kind,
        _head(company, kind, "", _list_link(base, realm, "/app/expenses", "Expenses"))
        + _details([
            ("Payee", escape(lookups.name(txn.get("EntityRef"), "Vendor"))),
            ("Payment account", escape(lookups.name(txn.get("AccountRef"), "Account"))),
            ("Payment date", escape(str(txn.get("TxnDate", "")))),
            ("Payment method", escape(payment_method(txn, lookups))),
            ("Payment type", escape(PAYMENT_TYPES.get(str(txn.get("PaymentType")),
                                                      str(txn.get("PaymentType", ""))))),
            (payment_word, escape(str(txn.get("DocNumber", "")))),
            ("Transaction ID", escape(str(txn["Id"]))),
        ])
        + tables + _summary_table(rows) + _memo(txn),
        company_nav(base, realm, "expenses"),
    )


# bank deposit ---------------------------------------------------------------------------------

def deposit(company: dict[str, Any], txn: dict[str, Any], base: str, *,
            lookups: Lookups) -> str:
    """A bank deposit: the payments and sales receipts it took out of Undeposited Funds
    (each linked to its page) and its other lines on accounts, and the total."""
    realm = company["realm_id"]
    rows, total = [], Decimal(0)
    for number, line in enumerate(txn.get("Line") or [], start=1):
        links = [t for t in line.get("LinkedTxn") or [] if isinstance(t, dict)]
        detail = line.get("DepositLineDetail") or {}
        if links:
            kind, txn_id = str(links[0].get("TxnType", "")), links[0].get("TxnId")
            linked = lookups.entity(kind, txn_id) or {}
            source = _txn_link(base, realm, kind, txn_id, f"{TXN_PAGES.get(kind, ('', kind))[1]}"
                               f" {linked.get('DocNumber') or linked.get('TxnDate') or txn_id}")
            who = lookups.name(linked.get("CustomerRef"), "Customer")
            account = lookups.name(linked.get("DepositToAccountRef"), "Account")
            method = payment_method(linked, lookups) if linked else ""
            ref = str(linked.get("PaymentRefNum", ""))
        else:
            source = ""
            who = lookups.name(detail.get("Entity"), "Customer")
            account = lookups.name(detail.get("AccountRef"), "Account")
            method = lookups.name(detail.get("PaymentMethodRef"), "PaymentMethod")
            ref = str(detail.get("CheckNum", ""))
        total += _dec(line.get("Amount"))
        rows.append(
            f"<tr><td>{number}</td><td>{escape(who)}</td><td>{source}</td>"
            f"<td>{escape(account)}</td><td>{escape(str(line.get('Description', '')))}</td>"
            f"<td>{escape(method)}</td><td>{escape(ref)}</td>"
            f"<td class=num>{amount(line.get('Amount'))}</td></tr>")
    lines = (
        "<div class=scroll><table class=lines><tr><th>#</th><th>Received from</th>"
        "<th>Transaction</th><th>Account</th><th>Description</th><th>Payment method</th>"
        f"<th>Ref no.</th><th class=num>Amount</th></tr>{''.join(rows)}</table></div>")
    summary = _summary_table([SummaryRow("Subtotal", total, "subtotal"),
                              SummaryRow("Total", _dec(txn.get("TotalAmt")), "total")])
    return page(
        "Deposit",
        _head(company, "Deposit", "", _list_link(base, realm, "/app/sales", "Sales"))
        + _details([
            ("Account", escape(lookups.name(txn.get("DepositToAccountRef"), "Account"))),
            ("Date", escape(str(txn.get("TxnDate", "")))),
            ("Transaction ID", escape(str(txn["Id"]))),
        ])
        + lines + summary + _memo(txn),
        company_nav(base, realm, "sales"),
    )


# lists ------------------------------------------------------------------------------------------

def _newest_first(txns: list[tuple[str, dict[str, Any]]]) -> list[tuple[str, dict[str, Any]]]:
    return sorted(txns, key=lambda pair: (str(pair[1].get("TxnDate", "")),
                                          int(pair[1]["Id"]) if str(pair[1]["Id"]).isdigit()
                                          else 0), reverse=True)


def sales_list(company: dict[str, Any], txns: list[tuple[str, dict[str, Any]]],
               deposits: list[dict[str, Any]], base: str, *, lookups: Lookups) -> str:
    """Sales > All sales: every invoice, payment, sales receipt, refund receipt and credit
    memo (`txns`: (entity, transaction) pairs), newest first, each linked to its page; and
    the bank deposits (QuickBooks keeps those in the bank register)."""
    realm = company["realm_id"]
    rows = "".join(
        f"<tr><td>{escape(str(txn.get('TxnDate', '')))}</td>"
        f"<td>{_txn_link(base, realm, kind, txn['Id'], TXN_PAGES[kind][1])}</td>"
        f"<td>{escape(str(txn.get('PaymentRefNum' if kind == 'Payment' else 'DocNumber', '')))}"
        f"</td><td>{escape(lookups.name(txn.get('CustomerRef'), 'Customer'))}</td>"
        f"<td class=num>{amount(txn.get('Balance', 0)) if kind == 'Invoice' else ''}</td>"
        f"<td class=num>{'-' if kind == 'RefundReceipt' else ''}{amount(txn.get('TotalAmt'))}"
        f"</td><td>{_badge(_status(txn, kind))}</td></tr>"
        for kind, txn in _newest_first(txns)
    ) or "<tr><td colspan=7>No sales transactions yet.</td></tr>"
    deposit_rows = "".join(
        f"<tr><td>{escape(str(d.get('TxnDate', '')))}</td>"
        f"<td>{_txn_link(base, realm, 'Deposit', d['Id'], 'Deposit')}</td>"
        f"<td>{escape(lookups.name(d.get('DepositToAccountRef'), 'Account'))}</td>"
        f"<td class=num>{len(d.get('Line') or [])}</td>"
        f"<td class=num>{amount(d.get('TotalAmt'))}</td></tr>"
        for _, d in _newest_first([("Deposit", d) for d in deposits])
    ) or "<tr><td colspan=5>No bank deposits yet.</td></tr>"
    return page(
        f"Sales - {company['name']}",
        f"<h1>Sales</h1><p class=lead>{escape(company['name'])} &middot; All sales</p>"
        "<div class=scroll><table class=sales><tr><th>Date</th><th>Type</th><th>No.</th>"
        "<th>Customer</th><th class=num>Balance</th><th class=num>Total</th><th>Status</th>"
        f"</tr>{rows}</table></div><h2>Bank deposits</h2><div class=scroll><table "
        "class=deposits><tr><th>Date</th><th>Type</th><th>Account</th><th class=num>Lines</th>"
        f"<th class=num>Total</th></tr>{deposit_rows}</table></div>",
        company_nav(base, realm, "sales"),
    )


def expenses_list(company: dict[str, Any], purchases: list[dict[str, Any]], base: str, *,
                  lookups: Lookups) -> str:
    """Expenses: every Purchase, newest first, with payee, the account paid from, its
    category and total, each linked to its page."""
    realm = company["realm_id"]

    def category(txn: dict[str, Any]) -> str:
        names = []
        for line in txn.get("Line") or []:
            detail = (line.get("AccountBasedExpenseLineDetail")
                      or line.get("ItemBasedExpenseLineDetail") or {})
            ref = detail.get("AccountRef") or detail.get("ItemRef")
            kind = "Account" if "AccountRef" in detail else "Item"
            names.append(lookups.name(ref, kind))
        distinct = list(dict.fromkeys(n for n in names if n))
        return distinct[0] if len(distinct) == 1 else ("-Split-" if distinct else "")

    rows = "".join(
        f"<tr><td>{escape(str(txn.get('TxnDate', '')))}</td>"
        f"<td>{_txn_link(base, realm, 'Purchase', txn['Id'], _expense_kind(txn))}</td>"
        f"<td>{escape(str(txn.get('DocNumber', '')))}</td>"
        f"<td>{escape(lookups.name(txn.get('EntityRef'), 'Vendor'))}</td>"
        f"<td>{escape(lookups.name(txn.get('AccountRef'), 'Account'))}</td>"
        f"<td>{escape(category(txn))}</td>"
        f"<td class=num>{amount(txn.get('TotalAmt'))}</td></tr>"
        for _, txn in _newest_first([("Purchase", p) for p in purchases])
    ) or "<tr><td colspan=7>No expenses yet.</td></tr>"
    return page(
        f"Expenses - {company['name']}",
        f"<h1>Expenses</h1><p class=lead>{escape(company['name'])}</p><div class=scroll>"
        "<table class=expenses><tr><th>Date</th><th>Type</th><th>No.</th><th>Payee</th>"
        "<th>Payment account</th><th>Category</th><th class=num>Total</th></tr>"
        f"{rows}</table></div>",
        company_nav(base, realm, "expenses"),
    )
