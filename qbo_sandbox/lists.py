"""Name lists other than customers and items: Account, PaymentMethod, Term, Class, Department,
Vendor, Employee, and the Preferences object. A mixin of `entities.Books`.

As in QuickBooks: names cannot hold ':' or control characters; a made-inactive name gets
" (deleted)" appended and still holds its name; customers, vendors and employees share one
namespace (6240); every other list is unique on its own.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from . import faults
from .tracking import DEPARTMENT_TERMS, TRACKING_PREFS
from .values import ref_value

if TYPE_CHECKING:
    from .store import Store

DELETED = " (deleted)"
PEOPLE = ("Customer", "Vendor", "Employee")
_NAME_PARTS = ("Title", "GivenName", "MiddleName", "FamilyName", "Suffix")

# AccountType (Intuit's display strings) -> its AccountSubTypes (first: the default) and
# Classification. Intuit's enumeration, the sub types a small business meets.
ACCOUNT_TYPES: dict[str, tuple[str, tuple[str, ...]]] = {
    "Bank": ("Asset", ("Checking", "Savings", "CashOnHand", "MoneyMarket", "TrustAccounts",
                       "RentsHeldInTrust")),
    "Other Current Asset": ("Asset", (
        "OtherCurrentAssets", "UndepositedFunds", "Inventory", "PrepaidExpenses",
        "AllowanceForBadDebts", "EmployeeCashAdvances", "LoansToOfficers", "LoansToOthers",
        "LoansToStockholders", "Retainage", "DevelopmentCosts")),
    "Fixed Asset": ("Asset", (
        "OtherFixedAssets", "Vehicles", "Buildings", "MachineryAndEquipment",
        "FurnitureAndFixtures", "AccumulatedDepreciation", "Land", "LeaseholdImprovements")),
    "Other Asset": ("Asset", ("OtherLongTermAssets", "SecurityDeposits", "Goodwill",
                              "AccumulatedAmortizationOfOtherAssets")),
    "Accounts Receivable": ("Asset", ("AccountsReceivable",)),
    "Accounts Payable": ("Liability", ("AccountsPayable",)),
    "Credit Card": ("Liability", ("CreditCard",)),
    "Other Current Liability": ("Liability", (
        "OtherCurrentLiabilities", "SalesTaxPayable", "GlobalTaxPayable", "GlobalTaxSuspense",
        "PayrollTaxPayable", "PayrollClearing", "LineOfCredit", "LoanPayable",
        "DirectDepositPayable", "CurrentTaxLiability", "TrustAccountsLiabilities")),
    "Long Term Liability": ("Liability", ("NotesPayable", "OtherLongTermLiabilities",
                                          "ShareholderNotesPayable")),
    "Equity": ("Equity", ("OwnersEquity", "OpeningBalanceEquity", "RetainedEarnings",
                          "PartnersEquity", "CommonStock", "PaidInCapitalOrSurplus",
                          "PartnerContributions", "PartnerDistributions", "PersonalIncome",
                          "PersonalExpense")),
    "Income": ("Revenue", ("ServiceFeeIncome", "SalesOfProductIncome", "DiscountsRefundsGiven",
                           "OtherPrimaryIncome", "NonProfitIncome",
                           "UnappliedCashPaymentIncome")),
    "Other Income": ("Revenue", ("OtherMiscellaneousIncome", "InterestEarned", "DividendIncome",
                                 "OtherInvestmentIncome", "TaxExemptInterest")),
    "Cost of Goods Sold": ("Expense", (
        "SuppliesMaterialsCogs", "CostOfLaborCos", "EquipmentRentalCos",
        "OtherCostsOfServiceCos", "ShippingFreightDeliveryCos")),
    "Expense": ("Expense", (
        "OtherMiscellaneousServiceCost", "AdvertisingPromotional", "Auto", "BankCharges",
        "BadDebts", "CharitableContributions", "CommunicationsExpense", "CostOfLabor",
        "DuesSubscriptions", "Entertainment", "EntertainmentMeals", "EquipmentRental",
        "FinanceCosts", "Insurance", "InterestPaid", "LegalProfessionalFees",
        "OfficeGeneralAdministrativeExpenses", "OtherBusinessExpenses", "PayrollExpenses",
        "PromotionalMeals", "RentOrLeaseOfBuildings", "RepairMaintenance",
        "ShippingFreightDelivery", "SuppliesMaterials", "TaxesPaid", "Travel", "TravelMeals",
        "UnappliedCashBillPaymentExpense", "Utilities")),
    "Other Expense": ("Expense", ("OtherMiscellaneousExpense", "Depreciation", "Amortization",
                                  "ExchangeGainOrLoss", "PenaltiesSettlements",
                                  "GasAndFuel", "Vehicle")),
}
SUBTYPE_TO_TYPE = {sub: kind for kind, (_, subs) in ACCOUNT_TYPES.items() for sub in subs}

# entity -> (name field, max length, what the 6240 detail calls it)
LISTS: dict[str, tuple[str, int, str]] = {
    "Account": ("Name", 100, "account"),
    "PaymentMethod": ("Name", 31, "payment method"),
    "Term": ("Name", 31, "term"),
    "Class": ("Name", 100, "class"),
    "Department": ("Name", 100, "location"),
    "Vendor": ("DisplayName", 500, ""),
    "Employee": ("DisplayName", 500, ""),
}


def invalid_enumeration(element: str, value: Any) -> faults.QBOFault:
    return faults.QBOFault(2170, "Invalid Enumeration", f"Invalid Enumeration : {value}",
                           element=element)


def base_name(name: str) -> str:
    """A name as its uniqueness is judged: case-insensitive, " (deleted)" ignored."""
    name = name.casefold()
    return name[: -len(DELETED)] if name.endswith(DELETED) else name


class NameLists:
    """Savers for the name lists; `Books` provides store, realm, country, now."""

    store: Store
    realm: str
    country: str

    def _named(self, entity: str, data: dict, current: dict | None, params: dict) -> dict:
        field, limit, kind = LISTS[entity]
        if entity in ("Vendor", "Employee"):
            self._person_display_name(data, entity)
        name = data.get(field)
        if name in (None, ""):
            raise faults.required_missing(field)
        name = str(name)
        if data.get("Active") is False and not name.endswith(DELETED):
            name = f"{name}{DELETED}"
            data[field] = name
        if data.get("Active") is not False and name.endswith(DELETED):
            name = name[: -len(DELETED)]  # made active again: QBO drops the suffix
            data[field] = name
        self._check_name(name, field, limit)  # type: ignore[attr-defined]
        qualified = self._qualified_name(entity, data, name)
        if entity in PEOPLE:
            self._check_person_name(name, entity, data["Id"])
        else:
            for other in self.store.entities(self.realm, entity):
                other_name = other.get("FullyQualifiedName") or other.get(field) or ""
                if other["Id"] != data["Id"] and base_name(str(other_name)) == base_name(
                        qualified):
                    raise faults.duplicate_list_name(kind)
        data.setdefault("Active", True)
        getattr(self, f"_list_{entity.lower()}")(data, current)
        data.update(domain="QBO", sparse=False)
        self.store.put_entity(self.realm, entity, data)
        return data

    def _qualified_name(self, entity: str, data: dict, name: str) -> str:
        """Accounts, classes and departments nest (Parent:Child); the others are flat."""
        if entity not in ("Account", "Class", "Department"):
            return name
        parent_id = ref_value(data.get("ParentRef"))
        flag = {"Account": "SubAccount", "Class": "SubClass", "Department": "SubDepartment"}[
            entity]
        if parent_id is None:
            data[flag] = False
            data.pop("ParentRef", None)
            data["FullyQualifiedName"] = name
            return name
        parent = self.store.entity(self.realm, entity, parent_id)
        if parent is None or parent_id == data["Id"]:
            raise faults.invalid_reference("ParentRef", parent_id)
        data[flag] = True
        data["ParentRef"] = {"value": parent_id}
        data["FullyQualifiedName"] = f"{parent.get('FullyQualifiedName', parent['Name'])}:{name}"
        return data["FullyQualifiedName"]

    def _check_person_name(self, name: str, entity: str, entity_id: str) -> None:
        """Customers, vendors and employees share one namespace in QuickBooks (6240)."""
        for other_type in PEOPLE:
            for other_id, other_name in self.store.values(self.realm, other_type,
                                                          "$.DisplayName"):
                if (other_type, other_id) != (entity, entity_id) and base_name(
                        str(other_name)) == base_name(name):
                    raise faults.duplicate_name()

    def _person_display_name(self, data: dict, entity: str) -> None:
        if data.get("DisplayName"):
            return
        parts = [str(data[p]) for p in _NAME_PARTS if data.get(p)]
        if parts:
            data["DisplayName"] = " ".join(parts)
        elif entity == "Vendor" and data.get("CompanyName"):
            data["DisplayName"] = data["CompanyName"]
        else:
            raise faults.required_missing("DisplayName" if entity == "Vendor" else
                                          "GivenName")

    # per list ---------------------------------------------------------------------------
    def _list_account(self, data: dict, current: dict | None) -> None:
        kind, sub = data.get("AccountType"), data.get("AccountSubType")
        if kind is None and sub is None:
            raise faults.required_missing("AccountType")
        if kind is not None and kind not in ACCOUNT_TYPES:
            raise invalid_enumeration("AccountType", kind)
        if sub is not None and sub not in SUBTYPE_TO_TYPE:
            raise invalid_enumeration("AccountSubType", sub)
        kind = kind or SUBTYPE_TO_TYPE[sub]
        classification, subs = ACCOUNT_TYPES[kind]
        sub = sub or subs[0]
        if sub not in subs:
            raise faults.business_rule(
                f"AccountSubType {sub} does not belong to AccountType {kind}.", "AccountSubType")
        data.update(AccountType=kind, AccountSubType=sub, Classification=classification)
        balance = current.get("CurrentBalance", 0) if current else 0
        data["CurrentBalance"] = balance  # read only: moved by transactions, not by updates
        data["CurrentBalanceWithSubAccounts"] = balance
        self._account_currency(data, current)  # type: ignore[attr-defined]

    def _list_paymentmethod(self, data: dict, current: dict | None) -> None:
        kind = data.setdefault("Type", "NON_CREDIT_CARD")
        if kind not in ("CREDIT_CARD", "NON_CREDIT_CARD"):
            raise invalid_enumeration("Type", kind)

    def _list_term(self, data: dict, current: dict | None) -> None:
        kind = data.setdefault("Type", "STANDARD")
        if kind not in ("STANDARD", "DATE_DRIVEN"):
            raise invalid_enumeration("Type", kind)
        if kind == "STANDARD":
            data.setdefault("DueDays", 0)
            for key in ("DayOfMonthDue", "DueNextMonthDays", "DiscountDayOfMonth"):
                if data.get(key) in (0, None):
                    data.pop(key, None)
        elif not data.get("DayOfMonthDue"):
            raise faults.required_missing("DayOfMonthDue")

    def _list_class(self, data: dict, current: dict | None) -> None:
        pass

    def _list_department(self, data: dict, current: dict | None) -> None:
        pass

    def _list_vendor(self, data: dict, current: dict | None) -> None:
        data.setdefault("PrintOnCheckName", data["DisplayName"])
        data["Balance"] = current.get("Balance", 0) if current else 0
        data.setdefault("Vendor1099", False)
        tax_id = str(data.get("TaxIdentifier") or "")
        if tax_id and not tax_id.startswith("X"):  # QBO answers it masked
            data["TaxIdentifier"] = "X" * max(len(tax_id) - 4, 0) + tax_id[-4:]
        data["CurrencyRef"] = {"value": self._home_currency()}  # type: ignore[attr-defined]

    def _list_employee(self, data: dict, current: dict | None) -> None:
        if not (data.get("GivenName") or data.get("FamilyName")):
            raise faults.required_missing("GivenName")
        data.setdefault("PrintOnCheckName", data["DisplayName"])
        data.setdefault("BillableTime", False)
        ssn = str(data.get("SSN") or "")
        if ssn and not ssn.startswith("X"):
            data["SSN"] = "XXX-XX-" + ssn[-4:]

    # Preferences ------------------------------------------------------------------------
    def _update_preferences(self, data: dict, current: dict, params: dict) -> dict:
        """Intuit lets an app change most preferences; the ones the product checks also move
        the company's settings (the control API's view)."""
        if data.get("sparse") in (True, "true"):
            merged = copy.deepcopy(current)
            for section, value in data.items():
                if isinstance(value, dict) and isinstance(merged.get(section), dict):
                    merged[section].update(value)
                else:
                    merged[section] = value
            data = merged
        for key in ("sparse", "domain"):
            data.pop(key, None)
        stored = {key: value for key, value in data.items() if key.endswith("Prefs")}
        stored.update(Id="1", SyncToken=str(int(current["SyncToken"]) + 1))
        stored["MetaData"] = {"CreateTime": current["MetaData"]["CreateTime"],
                              "LastUpdatedTime": self._iso_now()}  # type: ignore[attr-defined]
        self._update_currency_prefs(stored.get("CurrencyPrefs") or {})  # type: ignore
        company = self.company  # type: ignore[attr-defined]
        custom = stored.get("SalesFormsPrefs", {}).get("CustomTxnNumbers")
        if isinstance(custom, bool):
            company["preferences"]["custom_txn_numbers"] = custom
        info = stored.get("AccountingInfoPrefs") or {}
        term = info.get("DepartmentTerminology")
        if term and term not in DEPARTMENT_TERMS:
            raise invalid_enumeration("DepartmentTerminology", term)
        for key, setting in TRACKING_PREFS.items():
            value = info.get(key)
            if isinstance(value, bool) or (key == "DepartmentTerminology" and value):
                company["preferences"][setting] = value
        self.store.save_company(company, company["created_at"])
        self.store.put_entity(self.realm, "Preferences", stored)
        return self.preferences()  # type: ignore[attr-defined]

