"""Recurring transactions: a template (a transaction of one kind, not posted) and a schedule
(RecurringInfo). A mixin of `entities.Books`.

As Intuit's API takes them: POST /recurringtransaction with {"<Kind>": {...the transaction...,
"RecurringInfo": {...}}}; the answer, a read and each query row are {"<Kind>": {...}}; the
Id is the template's. Create and update go by that Id (python-quickbooks' save always POSTs);
delete is POST ?operation=delete with the template. Queries filter on Type ('Bill', ...).

The template is checked and completed exactly as the transaction would be (lines, tax,
totals) and then nothing of that transaction is kept: no Id spent, no balance or stock moved.
RecurringInfo: Name (unique among templates), RecurType Automated, Reminded or UnScheduled,
Active; ScheduleInfo (not for UnScheduled): IntervalType Daily, Weekly, Monthly or Yearly,
NumInterval >= 1, StartDate (default today), an EndDate after it or MaxOccurrences >= 1,
DayOfWeek for Weekly; NextDate is worked out (the first date on or after StartDate).
"""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from . import faults
from .values import clean, iso

if TYPE_CHECKING:
    from .store import Store

KINDS = ("Bill", "Purchase", "CreditMemo", "Deposit", "Estimate", "Invoice", "JournalEntry",
         "RefundReceipt", "SalesReceipt", "Transfer", "VendorCredit", "PurchaseOrder")
RECUR_TYPES = ("Automated", "Reminded", "UnScheduled")  # as Intuit spells them
INTERVALS = ("Daily", "Weekly", "Monthly", "Yearly")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
# What a template does not carry of the transaction it was checked as.
_NOT_IN_TEMPLATE = ("Balance", "HomeBalance", "LinkedTxn", "DocNumber", "TxnDate", "DueDate")


class _Undo(Exception):
    """Raised inside a savepoint to undo a template's trial save."""


class Recurring:
    """RecurringTransaction: templates and their schedules."""

    store: Store
    realm: str
    country: str
    prefs: dict[str, Any]
    company: dict[str, Any]
    now: float

    def recurring_write(self, payload: dict[str, Any], params: Any) -> dict[str, Any]:
        """One create, update or delete of a template, chosen by `operation` and its Id."""
        kind = next((key for key in payload if key in KINDS), None)
        if kind is None or not isinstance(payload[kind], dict):
            raise faults.required_missing("RecurringTransaction (Invoice, Bill, ...)")
        sent = clean(payload[kind])
        operation = params.get("operation", "")
        template_id = str(sent.get("Id") or "")
        current = None
        if template_id not in ("", "0"):
            current = self._recurring_current(template_id, sent.get("SyncToken"), kind)
        if operation == "delete":
            if current is None:
                raise faults.required_missing("Id")
            return self._recurring_delete(current, kind)
        if operation not in ("", "create", "update"):
            raise faults.unsupported_operation(operation)
        info = self._recurring_info(sent.get("RecurringInfo"), template_id)
        if current is not None and sent.get("sparse") in (True, "true"):
            merged = copy.deepcopy(current[kind])
            merged.update(sent)
            sent = merged
        template = self._trial(kind, sent)
        stamp = iso(self.now)
        if current is None:
            template["Id"] = self.store.next_id(self.realm, "RecurringTransaction")
            template["SyncToken"] = "0"
            template["MetaData"] = {"CreateTime": stamp, "LastUpdatedTime": stamp}
        else:
            old = current[kind]
            template["Id"] = old["Id"]
            template["SyncToken"] = str(int(old["SyncToken"]) + 1)
            template["MetaData"] = {"CreateTime": old["MetaData"]["CreateTime"],
                                    "LastUpdatedTime": stamp}
        template["RecurringInfo"] = info
        template["RecurDataRef"] = {"value": template["Id"]}
        template.update(domain="QBO", sparse=False)
        stored = {"Id": template["Id"], "SyncToken": template["SyncToken"], "Type": kind,
                  "MetaData": template["MetaData"], kind: template}
        self.store.put_entity(self.realm, "RecurringTransaction", stored)
        return {kind: template}

    @staticmethod
    def recurring_answer(stored: dict[str, Any]) -> dict[str, Any]:
        """A stored template as Intuit answers it: {"<Kind>": {...}}."""
        kind = stored.get("Type")
        return {kind: stored[kind]} if kind in stored else stored

    def _recurring_current(self, template_id: str, sync_token: Any, kind: str) -> dict:
        found = self.store.entity(self.realm, "RecurringTransaction", template_id)
        if found is None:
            raise faults.object_not_found("RecurringTransaction", template_id)
        if found.get("Type") != kind:
            raise faults.business_rule(
                f"Recurring template {template_id} is a {found.get('Type')}, not a {kind}.")
        if sync_token is None:
            raise faults.required_missing("SyncToken")
        if str(sync_token) != str(found["SyncToken"]):
            raise faults.stale_object("RecurringTransaction", sync_token)
        return found

    def _recurring_delete(self, current: dict, kind: str) -> dict:
        self.store.execute("DELETE FROM entities WHERE realm_id = ? AND type = ? AND id = ?",
                           (self.realm, "RecurringTransaction", current["Id"]))
        self.store.execute("INSERT INTO deleted (realm_id, type, id, time) VALUES (?, ?, ?, ?)",
                           (self.realm, "RecurringTransaction", current["Id"], self.now))
        return {kind: {"Id": current["Id"], "status": "Deleted", "domain": "QBO"}}

    def _trial(self, kind: str, sent: dict) -> dict:
        """The template as `kind`'s rules complete it, from a save that is then undone."""
        body = {key: value for key, value in sent.items()
                if key not in ("Id", "SyncToken", "MetaData", "RecurringInfo", "RecurDataRef",
                               "sparse", "domain")}
        result: dict[str, Any] = {}
        try:
            with self.store.savepoint():
                result = self.create(kind, body, {"include": ""})  # type: ignore[attr-defined]
                raise _Undo
        except _Undo:
            pass
        template = {key: value for key, value in result.items() if key not in _NOT_IN_TEMPLATE}
        for key in ("DocNumber", "DueDate"):
            if sent.get(key):
                template[key] = result[key]
        return template

    def _recurring_info(self, sent: Any, template_id: str) -> dict[str, Any]:
        if not isinstance(sent, dict):
            raise faults.required_missing("RecurringInfo")
        info = clean(sent)
        name = str(info.get("Name") or "").strip()
        if not name:
            raise faults.required_missing("RecurringInfo.Name")
        for other in self.store.entities(self.realm, "RecurringTransaction"):
            kind = other.get("Type")
            other_name = ((other.get(kind) or {}).get("RecurringInfo") or {}).get("Name", "")
            if other["Id"] != template_id and str(other_name).casefold() == name.casefold():
                raise faults.duplicate_list_name("recurring template")
        recur = info.get("RecurType") or "Automated"
        if recur not in RECUR_TYPES:
            raise faults.QBOFault(2170, "Invalid Enumeration", f"Invalid Enumeration : {recur}",
                                  element="RecurType")
        info.update(Name=name, RecurType=recur, Active=info.get("Active") in (True, "true"))
        if recur == "UnScheduled":
            info.pop("ScheduleInfo", None)
            return info
        info["ScheduleInfo"] = self._schedule(info.get("ScheduleInfo"))
        return info

    def _schedule(self, sent: Any) -> dict[str, Any]:
        if not isinstance(sent, dict):
            raise faults.required_missing("RecurringInfo.ScheduleInfo")
        schedule = clean(sent)
        interval = schedule.get("IntervalType")
        if interval is None:
            raise faults.required_missing("ScheduleInfo.IntervalType")
        if interval not in INTERVALS:
            raise faults.QBOFault(2170, "Invalid Enumeration",
                                  f"Invalid Enumeration : {interval}", element="IntervalType")
        every = _whole(schedule.get("NumInterval", 1), "NumInterval")
        if every < 1:
            raise faults.business_rule("NumInterval must be at least 1.", "NumInterval")
        schedule["NumInterval"] = every
        today = datetime.fromtimestamp(self.now, UTC).date()
        start = _day(schedule.get("StartDate") or today.isoformat(), "StartDate")
        schedule["StartDate"] = start.isoformat()
        if schedule.get("EndDate"):
            end = _day(schedule["EndDate"], "EndDate")
            if end < start:
                raise faults.business_rule("EndDate must be on or after StartDate.", "EndDate")
            schedule["EndDate"] = end.isoformat()
        if schedule.get("MaxOccurrences") not in (None, ""):
            count = _whole(schedule["MaxOccurrences"], "MaxOccurrences")
            if count < 1:
                raise faults.business_rule("MaxOccurrences must be at least 1.",
                                           "MaxOccurrences")
            schedule["MaxOccurrences"] = count
        for key in ("DaysBefore", "RemindDays", "DayOfMonth", "MonthOfYear"):
            if schedule.get(key) not in (None, ""):
                schedule[key] = _whole(schedule[key], key)
        day_of_month = schedule.get("DayOfMonth")
        if day_of_month is not None and not 1 <= day_of_month <= 31:
            raise faults.business_rule("DayOfMonth must be between 1 and 31.", "DayOfMonth")
        weekday = schedule.get("DayOfWeek")
        if weekday is not None and weekday not in WEEKDAYS:
            raise faults.QBOFault(2170, "Invalid Enumeration",
                                  f"Invalid Enumeration : {weekday}", element="DayOfWeek")
        if interval == "Weekly" and weekday is None:
            raise faults.required_missing("ScheduleInfo.DayOfWeek")
        schedule["NextDate"] = next_date(schedule, start).isoformat()
        schedule.pop("PreviousDate", None)
        return schedule


def next_date(schedule: dict[str, Any], start: date) -> date:
    """The first day on or after `start` the schedule falls on (Weekly: its DayOfWeek;
    Monthly: its DayOfMonth, the month's last day when shorter)."""
    interval = schedule["IntervalType"]
    if interval == "Weekly":
        wanted = WEEKDAYS.index(schedule["DayOfWeek"])
        return start + timedelta(days=(wanted - start.weekday()) % 7)
    if interval == "Monthly" and schedule.get("DayOfMonth"):
        year, month = start.year, start.month
        for _ in range(2):
            last = (date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)).day
            candidate = date(year, month, min(schedule["DayOfMonth"], last))
            if candidate >= start:
                return candidate
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return start


def _day(value: Any, element: str) -> date:
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        raise faults.request_malformed(element) from None


def _whole(value: Any, element: str) -> int:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise faults.request_malformed(element) from None
    if number != int(number):
        raise faults.request_malformed(element)
    return int(number)
