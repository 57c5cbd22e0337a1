"""Classes and locations (Department) on transactions, as the company's Preferences allow. A
mixin of `entities.Books`.

`AccountingInfoPrefs.ClassTrackingPerTxn` lets a transaction carry one `ClassRef`;
`ClassTrackingPerTxnLine` lets each line carry one (`SalesItemLineDetail.ClassRef`, and the
expense line details'); `TrackDepartments` lets a transaction carry a `DepartmentRef` (called
by `DepartmentTerminology`, e.g. "Location"). A reference the company's settings do not use
is dropped (QuickBooks keeps no class where it tracks none; not verified, README "Known
differences"). A class or department that does not exist is an invalid reference (2500); one
made inactive is 610 "Object Not Found", Intuit's answer for an inactive reference
(QBO-FACTS; Intuit's "Top QuickBooks Online API errors").
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import faults
from .values import ref_value

if TYPE_CHECKING:
    from .store import Store

# Preferences.AccountingInfoPrefs key -> the company setting (control API) it shows.
TRACKING_PREFS = {"ClassTrackingPerTxn": "class_tracking_per_txn",
                  "ClassTrackingPerTxnLine": "class_tracking_per_line",
                  "TrackDepartments": "track_departments",
                  "DepartmentTerminology": "department_terminology"}
# What QuickBooks lets a company call its locations (Account and Settings > Advanced >
# Categories > Track locations > Location label).
DEPARTMENT_TERMS = ("Business", "Department", "Division", "Location", "Property", "Store",
                    "Territory")
LINE_DETAILS = ("SalesItemLineDetail", "AccountBasedExpenseLineDetail",
                "ItemBasedExpenseLineDetail", "DepositLineDetail")


class Tracking:
    """ClassRef / DepartmentRef on transactions; `Books` provides store, realm, preferences."""

    store: Store
    realm: str

    def _tracking_refs(self, data: dict[str, Any]) -> None:
        info = self.preferences()["AccountingInfoPrefs"]  # type: ignore[attr-defined]
        self._tracked_ref(data, "ClassRef", "Class", bool(info.get("ClassTrackingPerTxn")))
        self._tracked_ref(data, "DepartmentRef", "Department",
                          bool(info.get("TrackDepartments")))
        per_line = bool(info.get("ClassTrackingPerTxnLine"))
        for line in data.get("Line") or []:
            for key in LINE_DETAILS:
                detail = line.get(key) if isinstance(line, dict) else None
                if isinstance(detail, dict):
                    self._tracked_ref(detail, "ClassRef", "Class", per_line)

    def _tracked_ref(self, holder: dict, key: str, entity: str, tracked: bool) -> None:
        target = ref_value(holder.get(key))
        if target is None or not tracked:
            holder.pop(key, None)
            return
        found = self.store.entity(self.realm, entity, str(target))
        if found is None:
            raise faults.invalid_reference(key, target)
        if not found.get("Active", True):
            raise faults.object_not_found(entity, target)
        holder[key] = {"value": str(target), "name": found.get("FullyQualifiedName")
                       or found["Name"]}
