"""Classes and locations (QuickBooks' Class and Department): pure rules, no database and no
HTTP. Whether and how a company tracks them, which ClassRef / DepartmentRef an invoice
carries, and what to say when QuickBooks refuses one.

QuickBooks' facts obeyed here (Preferences `AccountingInfoPrefs`): `ClassTrackingPerTxn` lets
a transaction carry one `ClassRef`; `ClassTrackingPerTxnLine` lets each line carry one
(`SalesItemLineDetail.ClassRef`); `TrackDepartments` lets a transaction carry a
`DepartmentRef`, which the company calls by `DepartmentTerminology` ("Location" unless
renamed: Business, Department, Division, Property, Store, Territory). A class or location made
inactive is refused with 610 "Object Not Found", one that does not exist with 2500 "Invalid
Reference Id". Intuit's Payment has no `DepartmentRef` or `ClassRef` (API reference
"Payment"; python-quickbooks' Payment object has neither): a payment carries none.
"""

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

DEFAULT_LOCATION_TERM = "Location"
CLASS = "Class"
LOCATION = "Department"


def tracking_settings(accounting: Mapping) -> dict:
    """From `Preferences.AccountingInfoPrefs` (already read with the other settings): how the
    company tracks classes and locations, and its word for a location."""
    return {
        "class_tracking_per_txn": bool(accounting.get("ClassTrackingPerTxn")),
        "class_tracking_per_line": bool(accounting.get("ClassTrackingPerTxnLine")),
        "location_term": str(accounting.get("DepartmentTerminology") or "").strip()
        or DEFAULT_LOCATION_TERM,
    }


def class_placement(snapshot: Mapping) -> str:
    """Where an invoice's class goes: "line" (each line its product's), "txn" (one for the
    invoice) or "" (the company tracks no classes). QuickBooks' own setting is one or the
    other; if both are on, per line wins (it says more)."""
    if snapshot.get("class_tracking_per_line"):
        return "line"
    if snapshot.get("class_tracking_per_txn"):
        return "txn"
    return ""


def tracks_locations(snapshot: Mapping) -> bool:
    return bool(snapshot.get("locations"))


def location_term(snapshot: Mapping) -> str:
    """The company's own word for a location ("Location", "Territory", "Business"…)."""
    return str(snapshot.get("location_term") or DEFAULT_LOCATION_TERM)


def plural(term: str) -> str:
    """"Locations", "Territories", "Businesses", "Properties": a company's word, many."""
    if term.endswith("y") and term[-2:-1] not in "aeiou":
        return term[:-1] + "ies"
    return term + ("es" if term.endswith("s") else "s")


def listed_name(name: str) -> str:
    """A class or location's name as the owner gave it: QuickBooks shows an inactive one as
    "Portraits (deleted)"."""
    return name.removesuffix(" (deleted)")


@dataclass(frozen=True)
class InvoiceTracking:
    """What an invoice carries: a class id per line ("" none), the invoice's class id and its
    location (department) id ("" none)."""

    line_class_ids: tuple[str, ...] = ()
    class_id: str = ""
    department_id: str = ""


def invoice_tracking(*, snapshot: Mapping, line_product_ids: Sequence[int | None],
                     class_map: Mapping[str, str], location_id: str) -> InvoiceTracking:
    """The classes and location of an invoice whose lines are of these products.

    `class_map`: the class chosen for a product ({"<Product id>": "<Class Id>"}); `location_id`:
    the invoice's own location, else the account's. Per line, each line takes its product's
    class; per transaction, the invoice takes the class of its first line that has one
    (QuickBooks holds one class per invoice then). Nothing the company does not track."""
    classes = tuple(class_map.get(str(pk), "") if pk is not None else ""
                    for pk in line_product_ids)
    placement = class_placement(snapshot)
    return InvoiceTracking(
        line_class_ids=classes if placement == "line" else (),
        class_id=next((c for c in classes if c), "") if placement == "txn" else "",
        department_id=location_id if tracks_locations(snapshot) else "",
    )


_REFUSED_REF = re.compile(r"\b(ClassRef|DepartmentRef)\s*=\s*([\w-]+)|\b(Class|Department)\s+"
                          r"Id\s*=\s*([\w-]+)")


def refused_tracking_ref(detail: str) -> tuple[str, str] | None:
    """The class or location a refusal names: ("Class" | "Department", its id), or None.
    2500 names the element ("ClassRef=7"), 610 the entity ("Class Id=7")."""
    found = _REFUSED_REF.search(detail or "")
    if not found:
        return None
    if found.group(1):
        return (CLASS if found.group(1) == "ClassRef" else LOCATION), found.group(2)
    return found.group(3), found.group(4)


def refused_ref_message(*, entity: str, name: str, term: str, missing: bool,
                        products: Sequence[str] = (), own_location: bool = False) -> str:
    """Why QuickBooks refused an invoice for its class or location, and what to do."""
    noun = "class" if entity == CLASS else term.lower()
    state = ("no longer exists in QuickBooks" if missing
             else "is inactive in QuickBooks (it was made inactive or deleted there)")
    label = f"The {noun} “{name}”" if name else f"The {noun} chosen for this invoice"
    if entity == CLASS:
        whose = (f" (chosen for {', '.join(f'“{p}”' for p in products)})" if products else "")
        fix = ("Choose another class for the product in Account Settings > Integrations > "
               "Classes and locations, or make it active again in QuickBooks")
    else:
        whose = ""
        fix = (f"Choose another {noun} for this invoice"
               if own_location else f"Choose another {noun} in Account Settings > "
               f"Integrations > Classes and locations")
        fix += ", or make it active again in QuickBooks"
    return (f"{label}{whose} {state}, so QuickBooks refused this invoice. {fix}; then press "
            "Sync.")
