"""Time activities: hours an employee or a vendor worked, perhaps for a customer and billable.
A mixin of `entities.Books`.

NameOf (Employee or Vendor) says who worked, EmployeeRef or VendorRef names them; the time is
Hours and Minutes, or StartTime and EndTime (the end after the start, BreakHours/BreakMinutes
taken off); CustomerRef and ItemRef, when sent, name existing ones; BillableStatus is Billable,
NotBillable or HasBeenBilled (default NotBillable); HourlyRate and CostRate are kept.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from . import faults
from .values import as_json_number, ref_value
from .values import decimal_field as _decimal

if TYPE_CHECKING:
    from .store import Store

NAME_OF = ("Employee", "Vendor")
BILLABLE = ("Billable", "NotBillable", "HasBeenBilled")


def _moment(value: Any, element: str) -> datetime:
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise faults.request_malformed(element) from None


class TimeActivities:
    """The TimeActivity saver."""

    store: Store
    realm: str
    country: str
    prefs: dict[str, Any]
    company: dict[str, Any]
    now: float

    def _time_activity(self, data: dict, current: dict | None, params: dict) -> dict:
        name_of = data.get("NameOf")
        if name_of is None:
            raise faults.required_missing("NameOf")
        if name_of not in NAME_OF:
            raise faults.QBOFault(2170, "Invalid Enumeration", f"Invalid Enumeration : {name_of}",
                                  element="NameOf")
        key = f"{name_of}Ref"
        worker_id = ref_value(data.get(key))
        if worker_id is None:
            raise faults.required_missing(key)
        worker = self.store.entity(self.realm, name_of, worker_id)
        if worker is None or not worker.get("Active", True):
            raise faults.invalid_reference(key, worker_id)
        data[key] = {"value": worker_id, "name": worker["DisplayName"]}
        data.pop("VendorRef" if name_of == "Employee" else "EmployeeRef", None)
        if ref_value(data.get("CustomerRef")) is not None:
            customer = self._customer_ref(data)  # type: ignore[attr-defined]
            data["CustomerRef"] = {"value": customer["Id"], "name": customer["DisplayName"]}
        item_id = ref_value(data.get("ItemRef"))
        if item_id is not None:
            item = self.store.entity(self.realm, "Item", item_id)
            if item is None:
                raise faults.invalid_reference("ItemRef", item_id)
            data["ItemRef"] = {"value": item_id, "name": item["Name"]}
        self._time_worked(data)
        status = data.get("BillableStatus") or "NotBillable"
        if status not in BILLABLE:
            raise faults.QBOFault(2170, "Invalid Enumeration", f"Invalid Enumeration : {status}",
                                  element="BillableStatus")
        data["BillableStatus"] = status
        for rate in ("HourlyRate", "CostRate"):
            value = _decimal(data.get(rate), rate)
            if value is not None:
                if value < 0:
                    raise faults.business_rule(f"{rate} can't be negative.", rate)
                data[rate] = as_json_number(value)
        data.setdefault("Taxable", False)
        self._invoice_dates(data)  # type: ignore[attr-defined]
        data.pop("DueDate", None)
        data.update(domain="QBO", sparse=False)
        self.store.put_entity(self.realm, "TimeActivity", data)
        return data

    def _time_worked(self, data: dict) -> None:
        hours = data.get("Hours")
        minutes = data.get("Minutes")
        if data.get("StartTime") and data.get("EndTime"):
            start = _moment(data["StartTime"], "StartTime")
            end = _moment(data["EndTime"], "EndTime")
            if (start.tzinfo is None) != (end.tzinfo is None) or end <= start:
                raise faults.business_rule("EndTime must be after StartTime.", "EndTime")
            return
        if hours in (None, "") and minutes in (None, ""):
            raise faults.required_missing("Hours")
        for key, value, top in (("Hours", hours, 24), ("Minutes", minutes, 59)):
            if value in (None, ""):
                continue
            number = _decimal(value, key)
            if number is None or number < 0 or number > top or number != int(number):
                raise faults.request_malformed(key)
            data[key] = int(number)
