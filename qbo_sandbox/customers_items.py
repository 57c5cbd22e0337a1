"""Customers and items: their names, accounts, stock and balances, as QuickBooks keeps them.
A mixin of `entities.Books`."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from . import faults
from .catalog import GRATUITY_ITEM_ID, MAX_DISPLAY_NAME, MAX_ITEM_NAME
from .lists import base_name
from .values import as_json_number, iso, money, ref_value
from .values import decimal_field as _decimal

if TYPE_CHECKING:
    from .store import Store


_BAD_NAME = re.compile(r"[:\x00-\x1f\x7f]")
_NAME_PARTS = ("Title", "GivenName", "MiddleName", "FamilyName", "Suffix")


class CustomersItems:
    """Savers and checks for Customer and Item; customers' balances; stock."""

    store: Store
    realm: str
    country: str
    prefs: dict[str, Any]
    company: dict[str, Any]
    now: float

    # Customer ---------------------------------------------------------------------------
    def _customer(self, data: dict, current: dict | None, params: dict) -> dict:
        if not data.get("DisplayName"):
            parts = [str(data[p]) for p in _NAME_PARTS if data.get(p)]
            if parts:
                data["DisplayName"] = " ".join(parts)
            elif data.get("CompanyName"):
                data["DisplayName"] = data["CompanyName"]
            else:
                raise faults.required_missing("DisplayName")
        name = str(data["DisplayName"])
        if data.get("Active") is False and not name.endswith(" (deleted)"):
            name = f"{name} (deleted)"  # QBO renames inactive names so they stay unique
            data["DisplayName"] = name
        elif data.get("Active") is not False and name.endswith(" (deleted)"):
            name = name[: -len(" (deleted)")]  # made active again: the suffix goes
            data["DisplayName"] = name
        self._check_name(name, "DisplayName", MAX_DISPLAY_NAME)
        self._check_person_name(name, "Customer", data["Id"])
        self._customer_currency(data, current)
        data.setdefault("Active", True)
        data["FullyQualifiedName"] = name
        data.setdefault("PrintOnCheckName", name)
        data["Balance"] = current["Balance"] if current else 0
        data["BalanceWithJobs"] = data["Balance"]
        data.setdefault("Taxable", self.country == "US")
        data["Job"] = False
        data["BillWithParent"] = False
        data["Level"] = 0
        data.pop("IsProject", None)
        data.setdefault("PreferredDeliveryMethod", "Print")
        data.update(domain="QBO", sparse=False)
        self.store.put_entity(self.realm, "Customer", data)
        return data

    # Item -------------------------------------------------------------------------------
    def _item(self, data: dict, current: dict | None, params: dict) -> dict:
        name = data.get("Name")
        if not name:
            raise faults.required_missing("Name")
        name = str(name)
        if data.get("Active") is False and not name.endswith(" (deleted)"):
            name = f"{name} (deleted)"
            data["Name"] = name
        elif data.get("Active") is not False and name.endswith(" (deleted)"):
            name = name[: -len(" (deleted)")]
            data["Name"] = name
        self._check_name(name, "Name", MAX_ITEM_NAME)
        data.setdefault("Type", "Service")
        if data["Type"] not in ("Service", "NonInventory", "Inventory"):
            raise faults.business_rule(
                f"Item Type {data['Type']} is not supported by this sandbox; use Service, "
                "NonInventory or Inventory.", "Type",
            )
        self._item_account(data, "IncomeAccountRef", ("Revenue",), required=True)
        inventory = data["Type"] == "Inventory"
        self._item_account(data, "ExpenseAccountRef", ("Expense",), required=inventory)
        self._item_account(data, "AssetAccountRef", ("Asset",), required=inventory)
        if inventory:
            if data.get("TrackQtyOnHand") is not True:
                raise faults.business_rule(
                    "An inventory item must track its quantity (TrackQtyOnHand true).",
                    "TrackQtyOnHand")
            if current is None and data.get("QtyOnHand") is None:
                raise faults.required_missing("QtyOnHand")
            if not data.get("InvStartDate"):
                raise faults.required_missing("InvStartDate")
            qty = _decimal(data.get("QtyOnHand"), "QtyOnHand")
            if current is not None:
                qty = Decimal(str(current.get("QtyOnHand", 0)))  # moved by transactions only
            data["QtyOnHand"] = as_json_number(qty or Decimal(0))
        else:
            data["TrackQtyOnHand"] = False
            for key in ("QtyOnHand", "InvStartDate", "ReorderPoint"):
                data.pop(key, None)
        for other_id, other_name in self.store.values(self.realm, "Item", "$.Name"):
            if other_id != data["Id"] and base_name(str(other_name)) == base_name(name):
                raise faults.duplicate_item_name()
        data.setdefault("Active", True)
        data["FullyQualifiedName"] = name
        data.setdefault("UnitPrice", 0)
        data.setdefault("Taxable", False)
        data["SubItem"] = False
        data.update(domain="QBO", sparse=False)
        self.store.put_entity(self.realm, "Item", data)
        return data

    def _item_account(self, data: dict, key: str, classes: tuple[str, ...], *,
                      required: bool) -> None:
        account_id = ref_value(data.get(key))
        if account_id is None:
            if required:
                raise faults.required_missing(key)
            data.pop(key, None)
            return
        account = self.store.entity(self.realm, "Account", account_id)
        if account is None or account.get("Classification") not in classes:
            raise faults.invalid_reference(key, account_id)
        data[key] = {"value": account_id, "name": account["Name"]}

    def _check_name(self, name: str, element: str, limit: int) -> None:
        if _BAD_NAME.search(name):
            raise faults.invalid_name_characters(element)
        if len(name) > limit or not name.strip():
            raise faults.string_length(element)
    def _customer_ref(self, data: dict) -> dict:
        customer_id = ref_value(data.get("CustomerRef"))
        if customer_id is None:
            raise faults.required_missing("CustomerRef")
        customer = self.store.entity(self.realm, "Customer", customer_id)
        if customer is None or not customer.get("Active", True):
            raise faults.invalid_reference("CustomerRef", customer_id)
        return customer
    def _move_stock(self, txn: dict, sign: int) -> None:
        """Inventory items' QtyOnHand moves with the quantities sold (-1) or returned and
        bought (+1), as QuickBooks does; a voided transaction has moved nothing."""
        if txn.get("PrivateNote") == "Voided":
            return
        for line in txn.get("Line", []):
            detail = line.get("SalesItemLineDetail") or line.get("ItemBasedExpenseLineDetail")
            item_id = ref_value((detail or {}).get("ItemRef"))
            if item_id is None or item_id == GRATUITY_ITEM_ID:
                continue
            item = self.store.entity(self.realm, "Item", item_id)
            if item is None or not item.get("TrackQtyOnHand"):
                continue
            qty = Decimal(str(detail.get("Qty") or 1))
            item["QtyOnHand"] = as_json_number(Decimal(str(item.get("QtyOnHand", 0)))
                                               + sign * qty)
            item["SyncToken"] = str(int(item["SyncToken"]) + 1)
            item["MetaData"]["LastUpdatedTime"] = iso(self.now)
            self.store.put_entity(self.realm, "Item", item)
    def _refresh_customer_balance(self, customer_id: str | None) -> None:
        if customer_id is None:
            return
        customer = self.store.entity(self.realm, "Customer", customer_id)
        if customer is None:
            return
        balance = Decimal(0)
        mine = ("$.CustomerRef.value", customer_id)
        for _, open_balance in self.store.values(self.realm, "Invoice", "$.Balance", mine):
            balance += Decimal(str(open_balance))
        for _, unapplied in self.store.values(self.realm, "Payment", "$.UnappliedAmt", mine):
            balance -= Decimal(str(unapplied or 0))
        for _, credit in self.store.values(self.realm, "CreditMemo", "$.RemainingCredit", mine):
            balance -= Decimal(str(credit or 0))
        customer["Balance"] = as_json_number(money(balance))
        customer["BalanceWithJobs"] = customer["Balance"]
        self.store.put_entity(self.realm, "Customer", customer)
