"""Multicurrency: CurrencyPrefs, CompanyCurrency, ExchangeRate, and the currency rules of
customers, accounts and transactions. A mixin of `entities.Books`.

As Intuit's "Manage multiple currencies" guide and QBO-FACTS ("Multicurrency") say:
multicurrency is off by default and, once on, cannot be turned off (not on Simple Start); the
home currency is the company's country's and never changes; a foreign currency must be in the
company's currency list (CompanyCurrency); `ExchangeRate` is home units per foreign unit, and a
transaction sent without one is booked at 1; `HomeTotalAmt` / `HomeBalance` are read only; a
customer's currency is fixed once it has transactions; QuickBooks makes one A/R account per
foreign currency on first use; money is deposited to an account in the home currency or in
the transaction's own. The fault codes for these rules are not published by Intuit: the
sandbox answers 6000 (a business validation error), see README "Known differences".
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from . import faults
from .values import as_json_number, iso, money, ref_value

if TYPE_CHECKING:
    from .store import Store

HOME_CURRENCIES = {"US": "USD", "CA": "CAD", "GB": "GBP", "AU": "AUD"}
# ISO 4217 code -> the name QuickBooks gives it.
CURRENCY_NAMES = {
    "USD": "United States Dollar", "CAD": "Canadian Dollar", "GBP": "British Pound Sterling",
    "AUD": "Australian Dollar", "EUR": "Euro", "JPY": "Japanese Yen", "CHF": "Swiss Franc",
    "MXN": "Mexican Peso", "NZD": "New Zealand Dollar", "INR": "Indian Rupee",
    "CNY": "Chinese Yuan Renminbi", "SEK": "Swedish Krona", "DKK": "Danish Krone",
    "NOK": "Norwegian Krone", "ZAR": "South African Rand", "BRL": "Brazilian Real",
    "HKD": "Hong Kong Dollar", "SGD": "Singapore Dollar",
}
# The default rate table: US dollars per unit (a stand-in for Intuit's market rates; rates an
# app sets through ExchangeRate win for their date and after it).
USD_PER_UNIT = {
    "USD": Decimal("1"), "CAD": Decimal("0.73"), "GBP": Decimal("1.27"), "AUD": Decimal("0.66"),
    "EUR": Decimal("1.08"), "JPY": Decimal("0.0067"), "CHF": Decimal("1.13"),
    "MXN": Decimal("0.058"), "NZD": Decimal("0.61"), "INR": Decimal("0.012"),
    "CNY": Decimal("0.14"), "SEK": Decimal("0.095"), "DKK": Decimal("0.145"),
    "NOK": Decimal("0.093"), "ZAR": Decimal("0.054"), "BRL": Decimal("0.20"),
    "HKD": Decimal("0.128"), "SGD": Decimal("0.74"),
}
RATE_PLACES = Decimal("0.000001")
# The transactions whose customer fixes their currency.
CUSTOMER_TXNS = ("Invoice", "Payment", "SalesReceipt", "RefundReceipt", "CreditMemo")


def default_rate(source: str, home: str) -> Decimal:
    """Home units per one `source` unit from the default table."""
    return (USD_PER_UNIT[source] / USD_PER_UNIT[home]).quantize(RATE_PLACES)


def multicurrency_off() -> faults.QBOFault:
    return faults.business_rule(
        "Multicurrency is not turned on for this company. Turn it on (Account and Settings > "
        "Advanced > Currency) before using a currency other than the home currency.",
        "CurrencyRef")


class Currencies:
    """Currency rules; `Books` provides store, realm, country, now, prefs and company."""

    store: Store
    realm: str
    country: str
    now: float
    prefs: dict[str, Any]

    def _home_currency(self) -> str:
        return HOME_CURRENCIES[self.country]

    def multicurrency_enabled(self) -> bool:
        return bool(self.prefs.get("multicurrency")) and self.prefs.get("plan") != "simple_start"

    def _today(self) -> str:
        return datetime.fromtimestamp(self.now, UTC).date().isoformat()

    # CurrencyPrefs ----------------------------------------------------------------------
    def _update_currency_prefs(self, sent: dict[str, Any]) -> None:
        """A Preferences update may turn multicurrency on (never off, never on Simple
        Start) and cannot change the home currency."""
        home = ref_value(sent.get("HomeCurrency"))
        if home not in (None, "") and home != self._home_currency():
            raise faults.business_rule(
                f"The home currency is {self._home_currency()} and can't be changed.",
                "HomeCurrency")
        wanted = sent.get("MultiCurrencyEnabled")
        if wanted in (True, "true"):
            self.turn_on_multicurrency()
        elif wanted in (False, "false") and self.multicurrency_enabled():
            raise faults.business_rule(
                "Multicurrency can't be turned off once it has been turned on.",
                "MultiCurrencyEnabled")

    def turn_on_multicurrency(self) -> None:
        if self.prefs.get("plan") == "simple_start":
            raise feature_not_in_plan("Multicurrency")
        if not self.prefs.get("multicurrency"):
            self.prefs["multicurrency"] = True
            company = self.company  # type: ignore[attr-defined]
            self.store.save_company(company, company["created_at"])

    # CompanyCurrency --------------------------------------------------------------------
    def _company_currency(self, data: dict, current: dict | None, params: dict) -> dict:
        if not self.multicurrency_enabled():
            raise multicurrency_off()
        code = str(data.get("Code") or (current or {}).get("Code") or "").upper()
        if not code:
            raise faults.required_missing("Code")
        if current is not None and code != current["Code"]:
            raise faults.business_rule("A currency's Code can't be changed.", "Code")
        if code not in CURRENCY_NAMES:
            raise faults.invalid_reference("Code", code)
        if code == self._home_currency():
            raise faults.business_rule(
                f"{code} is the home currency; it is not added to the currency list.", "Code")
        for other in self.store.entities(self.realm, "CompanyCurrency"):
            if other["Code"] == code and other["Id"] != data["Id"]:
                raise faults.business_rule(f"{code} is already in the currency list.", "Code")
        data.update(Code=code, Name=CURRENCY_NAMES[code], domain="QBO", sparse=False)
        data["Active"] = data.get("Active") not in (False, "false")
        data.setdefault("CustomField", [])
        self.store.put_entity(self.realm, "CompanyCurrency", data)
        return data

    def _currency_in_list(self, code: str) -> dict | None:
        return next((c for c in self.store.entities(self.realm, "CompanyCurrency")
                     if c.get("Code") == code), None)

    def _foreign_currency(self, code: str, element: str = "CurrencyRef") -> None:
        """A foreign currency may be used only with multicurrency on and when it is an
        active CompanyCurrency."""
        if not self.multicurrency_enabled():
            raise multicurrency_off()
        listed = self._currency_in_list(code)
        if listed is None or not listed.get("Active", True):
            raise faults.business_rule(
                f"The currency {code} is not in this company's currency list. Add it "
                "(CompanyCurrency) before using it.", element)

    def _currency_code(self, ref: Any) -> str:
        code = ref_value(ref)
        return str(code).upper() if code not in (None, "") else ""

    # ExchangeRate -----------------------------------------------------------------------
    def exchange_rate(self, source: str | None, as_of: str | None) -> dict[str, Any]:
        """`GET exchangerate?sourcecurrencycode=EUR&asofdate=YYYY-MM-DD`: the rate set for
        the latest date on or before `as_of` (default today), else the default table's."""
        if not self.multicurrency_enabled():
            raise multicurrency_off()
        if not source:
            raise faults.required_missing("sourcecurrencycode")
        source = source.upper()
        if source not in USD_PER_UNIT:
            raise faults.invalid_reference("sourcecurrencycode", source)
        as_of = self._rate_date(as_of or self._today(), "asofdate")
        stored = [r for r in self.store.entities(self.realm, "ExchangeRate")
                  if r["SourceCurrencyCode"] == source and r["AsOfDate"] <= as_of]
        if stored:
            return self._rate_answer(max(stored, key=lambda r: r["AsOfDate"]))
        return self._rate_answer(self._default_rate_row(source, as_of))

    def exchange_rates(self) -> list[dict[str, Any]]:
        """What an ExchangeRate query ranges over: every rate set, newest first per
        currency, and today's default rate for each currency with none set for today.
        Nothing while multicurrency is off."""
        if not self.multicurrency_enabled():
            return []
        today = self._today()
        rows = sorted(self.store.entities(self.realm, "ExchangeRate"),
                      key=lambda r: (r["SourceCurrencyCode"], r["AsOfDate"]), reverse=True)
        have_today = {r["SourceCurrencyCode"] for r in rows if r["AsOfDate"] == today}
        home = self._home_currency()
        rows += [self._default_rate_row(code, today) for code in sorted(USD_PER_UNIT)
                 if code != home and code not in have_today]
        rows.sort(key=lambda r: r["SourceCurrencyCode"])  # stable: newest first per currency
        return [self._rate_answer(r) for r in rows]

    def _default_rate_row(self, source: str, as_of: str) -> dict[str, Any]:
        return {"SourceCurrencyCode": source, "TargetCurrencyCode": self._home_currency(),
                "AsOfDate": as_of,
                "Rate": as_json_number(default_rate(source, self._home_currency())),
                "MetaData": {"LastUpdatedTime": iso(self.company["created_at"])}}  # type: ignore

    @staticmethod
    def _rate_answer(row: dict[str, Any]) -> dict[str, Any]:
        answer = {key: row[key] for key in ("SourceCurrencyCode", "TargetCurrencyCode",
                                            "AsOfDate", "Rate", "MetaData")}
        answer.update(domain="QBO", sparse=False, SyncToken="0")
        return answer

    def set_exchange_rate(self, data: dict[str, Any]) -> dict[str, Any]:
        """POST exchangerate: set the rate of one currency for one date (the latest write
        for that date wins; no Id, no SyncToken)."""
        if not self.multicurrency_enabled():
            raise multicurrency_off()
        source = self._currency_code({"value": data.get("SourceCurrencyCode")})
        if not source:
            raise faults.required_missing("SourceCurrencyCode")
        home = self._home_currency()
        if source not in USD_PER_UNIT:
            raise faults.invalid_reference("SourceCurrencyCode", source)
        if source == home:
            raise faults.business_rule("The home currency's rate is always 1.",
                                       "SourceCurrencyCode")
        target = self._currency_code({"value": data.get("TargetCurrencyCode")}) or home
        if target != home:
            raise faults.business_rule(
                f"Exchange rates are set against the home currency ({home}).",
                "TargetCurrencyCode")
        rate = _positive_rate(data.get("Rate"), "Rate", required=True)
        as_of = self._rate_date(data.get("AsOfDate") or self._today(), "AsOfDate")
        row = {"Id": f"{source}:{as_of}", "SourceCurrencyCode": source,
               "TargetCurrencyCode": home, "AsOfDate": as_of, "Rate": as_json_number(rate),
               "MetaData": {"LastUpdatedTime": iso(self.now)}}
        self.store.put_entity(self.realm, "ExchangeRate", row)
        return self._rate_answer(row)

    @staticmethod
    def _rate_date(value: Any, element: str) -> str:
        try:
            return datetime.strptime(str(value)[:10], "%Y-%m-%d").date().isoformat()
        except ValueError:
            raise faults.request_malformed(element) from None

    # customers and accounts -------------------------------------------------------------
    def _customer_currency(self, data: dict, current: dict | None) -> None:
        """A customer's CurrencyRef (default home); fixed once the customer has
        transactions."""
        code = self._currency_code(data.get("CurrencyRef"))
        was = self._currency_code((current or {}).get("CurrencyRef")) or self._home_currency()
        if not code:
            code = was if current is not None else self._home_currency()
        if code != self._home_currency() and code != was:
            self._foreign_currency(code)
        if current is not None and code != was and self._has_transactions(current["Id"]):
            raise faults.business_rule(
                f"The currency of a customer with transactions can't be changed (it is {was}). "
                "Make another customer for the other currency.", "CurrencyRef")
        data["CurrencyRef"] = {"value": code, "name": CURRENCY_NAMES.get(code, code)}

    def _has_transactions(self, customer_id: str) -> bool:
        return any(self.store.values(self.realm, kind, "$.Id",
                                     ("$.CustomerRef.value", customer_id))
                   for kind in CUSTOMER_TXNS)

    def _account_currency(self, data: dict, current: dict | None) -> None:
        """An account's currency: home unless a foreign one is sent (bank, credit card and
        A/R accounts may hold one); income and expense accounts are always home; fixed once
        created."""
        home = self._home_currency()
        code = self._currency_code(data.get("CurrencyRef")) or (
            self._currency_code((current or {}).get("CurrencyRef")) or home)
        if current is not None:
            was = self._currency_code(current.get("CurrencyRef")) or home
            if code != was:
                raise faults.business_rule("An account's currency can't be changed.",
                                           "CurrencyRef")
        elif code != home:
            if data.get("Classification") in ("Revenue", "Expense"):
                raise faults.business_rule(
                    "Income and expense accounts are always in the home currency.",
                    "CurrencyRef")
            self._foreign_currency(code)
        data["CurrencyRef"] = {"value": code, "name": CURRENCY_NAMES.get(code, code)}

    def _receivable_account(self, code: str) -> dict:
        """QuickBooks' A/R account for a foreign currency, made on first use."""
        for account in self.store.entities(self.realm, "Account"):
            if (account.get("AccountType") == "Accounts Receivable"
                    and self._currency_code(account.get("CurrencyRef")) == code):
                return account
        return self.create("Account", {  # type: ignore[attr-defined]
            "Name": f"Accounts Receivable (A/R) - {code}", "AccountType": "Accounts Receivable",
            "AccountSubType": "AccountsReceivable", "CurrencyRef": {"value": code}}, {})

    # transactions -----------------------------------------------------------------------
    def _txn_currency(self, data: dict, customer: dict | None) -> tuple[str, Decimal]:
        """The transaction's CurrencyRef (default: its customer's, else home) and
        ExchangeRate (home: 1; foreign sent without one: 1, as QuickBooks books it)."""
        home = self._home_currency()
        sent = self._currency_code(data.get("CurrencyRef"))
        own = self._currency_code((customer or {}).get("CurrencyRef")) or home
        code = sent or (own if customer is not None else home)
        if code != home:
            self._foreign_currency(code)
        if customer is not None and code != own:
            raise faults.business_rule(
                f"The transaction's currency ({code}) must be its customer's currency ({own}).",
                "CurrencyRef")
        if code == home:
            rate = Decimal(1)
        else:
            rate = _positive_rate(data.get("ExchangeRate"), "ExchangeRate",
                                  required=False) or Decimal(1)
        data["CurrencyRef"] = {"value": code, "name": CURRENCY_NAMES.get(code, code)}
        data["ExchangeRate"] = as_json_number(rate)
        return code, rate

    def _money_account_currency(self, account: dict | None, code: str, element: str) -> None:
        """Money of a foreign transaction lands in (or leaves) an account in the home
        currency or in the transaction's own."""
        if account is None:
            return
        held = self._currency_code(account.get("CurrencyRef")) or self._home_currency()
        if held not in (self._home_currency(), code):
            raise faults.business_rule(
                f"The currency of the account ({held}) must be either the home currency or "
                f"the transaction currency ({code}).", element)

    @staticmethod
    def _home_amounts(data: dict, rate: Decimal) -> None:
        """Read-only HomeTotalAmt (and HomeBalance): the amounts in home units, to the
        cent."""
        data["HomeTotalAmt"] = as_json_number(money(Decimal(str(data["TotalAmt"])) * rate))
        if "Balance" in data and "HomeBalance" in data:
            data["HomeBalance"] = as_json_number(money(Decimal(str(data["Balance"])) * rate))


def feature_not_in_plan(feature: str) -> faults.QBOFault:
    """Intuit's 5020 (its fault-code list: "You have issued a request against a feature for
    which your product is not entitled")."""
    return faults.QBOFault(
        5020, "Permission Denied Error",
        f"You do not have permission to access this feature. {feature} is not available on "
        "QuickBooks Simple Start.")


def _positive_rate(value: Any, element: str, *, required: bool) -> Decimal | None:
    if value in (None, ""):
        if required:
            raise faults.required_missing(element)
        return None
    try:
        rate = Decimal(str(value))
    except InvalidOperation:
        raise faults.request_malformed(element) from None
    if rate <= 0:
        raise faults.business_rule("An exchange rate must be more than 0.", element)
    return rate
