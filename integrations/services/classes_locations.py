"""Classes and locations: the company's lists (read when the owner opens the mapping screen,
one query each, never on a sync), the owner's choices (a class per product, a location for
the account or one invoice), what an invoice carries, and a refused class or location said
as a sentence.

Whether the company tracks them, and what it calls a location, come with the settings
(`settings_snapshot`, read with Preferences at connect and on "Re-check settings"): nothing
here reads Preferences again. The choices live on the connection (`class_map`,
`location_id`) and in `InvoiceLocation`, and belong to that company, as the tax codes do.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from invoices.models import Invoice, Product

from .. import tracking
from ..models import InvoiceLocation, QuickBooksConnection, SyncRecord
from ..qbo.client import QboClient
from ..qbo.errors import QboFault
from ..tracking import CLASS, LOCATION, InvoiceTracking
from .tokens import client_for

if TYPE_CHECKING:  # engine.py reads the settings through company_settings, which uses this
    from .engine import CompanyEngine

LIST_KEYS = {CLASS: "classes", LOCATION: "locations"}
# Inactive ones too (QuickBooks answers only active names unless the query asks about Active).
LIST_QUERY = {CLASS: "select * from Class where Active in (true, false) maxresults 1000",
              LOCATION: "select * from Department where Active in (true, false) maxresults 1000"}


def placement(connection: QuickBooksConnection | None) -> str:
    """"line", "txn" or "" (tracking.class_placement)."""
    return tracking.class_placement(connection.settings_snapshot or {}) if connection else ""


def tracks_classes(connection: QuickBooksConnection | None) -> bool:
    return bool(placement(connection))


def tracks_locations(connection: QuickBooksConnection | None) -> bool:
    return bool(connection and tracking.tracks_locations(connection.settings_snapshot or {}))


def tracks_anything(connection: QuickBooksConnection | None) -> bool:
    return tracks_classes(connection) or tracks_locations(connection)


def term(connection: QuickBooksConnection) -> str:
    """The company's word for a location."""
    return tracking.location_term(connection.settings_snapshot or {})


def terms(connection: QuickBooksConnection) -> str:
    """The company's word for locations (many)."""
    return tracking.plural(term(connection))


def mapping_url() -> str:
    return reverse("integrations:classes_locations")


@dataclass(frozen=True)
class ProductClass:
    """One product, the class chosen for it ("" none) and how that class stands."""

    product: Product
    class_id: str
    class_name: str
    state: str  # "", "inactive", "missing"


def product_rows(connection: QuickBooksConnection) -> list[ProductClass]:
    class_map = connection.class_map or {}
    rows = []
    for product in Product.objects.filter(account=connection.account).order_by("display_name"):
        class_id = class_map.get(str(product.pk), "")
        rows.append(ProductClass(product=product, class_id=class_id,
                                 class_name=name_of(connection, CLASS, class_id),
                                 state=choice_state(connection, CLASS, class_id)))
    return rows


def options(connection: QuickBooksConnection, entity: str) -> list[tuple[str, str]]:
    """(id, label) of the company's classes or locations as last read; inactive ones are
    marked (one already chosen stays choosable, so the form shows it as it is)."""
    return [(row["id"], row["name"] + ("" if row["active"] else " (inactive in QuickBooks)"))
            for row in (connection.tracking_lists or {}).get(LIST_KEYS[entity], [])]


def checklist(connection: QuickBooksConnection) -> list[dict]:
    """The settings checklist's line on classes and locations, when the company tracks them
    (when it does not, the plan checklist says so)."""
    snapshot = connection.settings_snapshot or {}
    placement = tracking.class_placement(snapshot)
    parts = []
    if placement:
        parts.append("classes " + ("on each line" if placement == "line"
                                   else "one per invoice"))
    if tracking.tracks_locations(snapshot):
        parts.append(tracking.plural(tracking.location_term(snapshot)).lower())
    if not parts:
        return []
    refused = [row for entity in (CLASS, LOCATION) for row in listed(connection, entity).values()
               if not row["active"] and _is_chosen(connection, entity, row["id"])]
    return [{
        "key": "classes_locations", "applicable": True, "ok": not refused,
        "label": "QuickBooks tracks " + " and ".join(parts),
        "fix": ("A class or location chosen here is inactive in QuickBooks: its invoices "
                "wait. Choose another." if refused else ""),
        "link": "Choose classes and locations",
        "info": "" if refused else ("hatsync sends the class of each product and the "
                                    "location you choose; nothing where none is chosen."),
    }]


def _is_chosen(connection: QuickBooksConnection, entity: str, qbo_id: str) -> bool:
    if entity == CLASS:
        return qbo_id in (connection.class_map or {}).values()
    return qbo_id == connection.location_id or InvoiceLocation.objects.filter(
        connection=connection, department_id=qbo_id).exists()


def read_lists(*, connection: QuickBooksConnection, client: QboClient | None = None) -> dict:
    """Read the company's classes and locations (inactive ones too, so a choice made
    inactive shows as such): one query for each the company tracks. Kept on the connection."""
    snapshot = connection.settings_snapshot or {}
    client = client or client_for(connection)
    lists: dict = {"read_at": timezone.now().isoformat()}
    for entity, tracked in ((CLASS, bool(tracking.class_placement(snapshot))),
                            (LOCATION, tracking.tracks_locations(snapshot))):
        if not tracked:
            lists[LIST_KEYS[entity]] = []
            continue
        found = client.query(LIST_QUERY[entity])
        lists[LIST_KEYS[entity]] = sorted((
            {"id": str(row["Id"]),
             "name": tracking.listed_name(row.get("FullyQualifiedName") or row.get("Name", "")),
             "active": bool(row.get("Active", True))} for row in found),
            key=lambda row: row["name"].casefold())
    connection.tracking_lists = lists
    connection.save(update_fields=["tracking_lists"])
    return lists


def listed(connection: QuickBooksConnection, entity: str) -> dict[str, dict]:
    """The classes or locations as last read, by id."""
    return {row["id"]: row for row in (connection.tracking_lists or {}).get(LIST_KEYS[entity],
                                                                           [])}


def choice_state(connection: QuickBooksConnection, entity: str, qbo_id: str) -> str:
    """How a chosen class or location stands, as last known: "" (fine or none chosen),
    "inactive" or "missing" (not in the list read, or refused as missing)."""
    if not qbo_id:
        return ""
    row = listed(connection, entity).get(qbo_id)
    if row is None:
        return "missing" if (connection.tracking_lists or {}).get("read_at") else ""
    return "" if row["active"] else ("missing" if row.get("missing") else "inactive")


def name_of(connection: QuickBooksConnection, entity: str, qbo_id: str) -> str:
    row = listed(connection, entity).get(qbo_id)
    return row["name"] if row else ""


def invoice_location_id(connection: QuickBooksConnection, invoice: Invoice) -> str:
    """The invoice's own location, else the account's ("" none)."""
    own = InvoiceLocation.objects.filter(connection=connection, invoice=invoice).values_list(
        "department_id", flat=True).first()
    return own or connection.location_id


def invoice_location_note(connection: QuickBooksConnection, invoice: Invoice) -> dict | None:
    """The invoice panel's line on its location (None when the company tracks none)."""
    if not tracks_locations(connection) or invoice.is_draft:
        return None
    qbo_id = invoice_location_id(connection, invoice)
    return {"term": term(connection), "name": name_of(connection, LOCATION, qbo_id),
            "own": qbo_id != connection.location_id,
            "state": choice_state(connection, LOCATION, qbo_id),
            "url": reverse("integrations:invoice_location", args=[invoice.pk])}


def invoice_tracking_for(connection: QuickBooksConnection, invoice: Invoice, lines, *,
                         snapshot: Mapping) -> InvoiceTracking:
    """What the invoice carries, by the company's settings and the owner's choices."""
    if not (tracking.class_placement(snapshot) or tracking.tracks_locations(snapshot)):
        return InvoiceTracking()
    return tracking.invoice_tracking(
        snapshot=snapshot, line_product_ids=[line.product_id for line in lines],
        class_map=connection.class_map or {},
        location_id=(invoice_location_id(connection, invoice)
                     if tracking.tracks_locations(snapshot) else ""))


# the owner's choices -------------------------------------------------------------------------

def connection_choose_tracking(*, connection: QuickBooksConnection,
                               classes: Mapping[int, str], location_id: str | None) -> int:
    """Keep the classes chosen for the account's products (product id -> Class Id, "" none)
    and the account's location (None: unchanged). Products of other accounts and ids not in
    the company's lists are left out. Returns how many blocked invoices now go again."""
    # An inactive one is refused by QuickBooks: it may stay chosen (shown as it is), not be
    # newly chosen.
    class_ids = {key for key, row in listed(connection, CLASS).items() if row["active"]}
    location_ids = {key for key, row in listed(connection, LOCATION).items() if row["active"]}
    products = set(Product.objects.filter(account=connection.account).values_list("pk",
                                                                                flat=True))
    with transaction.atomic():
        connection = QuickBooksConnection.objects.select_for_update().get(pk=connection.pk)
        before = dict(connection.class_map or {})
        class_map = {key: value for key, value in before.items()
                     if key.isdigit() and int(key) in products}
        for product_id, class_id in classes.items():
            if product_id not in products or (
                    class_id and class_id not in class_ids
                    and class_id != before.get(str(product_id))):
                continue
            if class_id:
                class_map[str(product_id)] = class_id
            else:
                class_map.pop(str(product_id), None)
        connection.class_map = class_map
        fields = ["class_map"]
        location_changed = False
        if location_id is not None and (not location_id or location_id in location_ids
                                        or location_id == connection.location_id):
            location_changed = location_id != connection.location_id
            connection.location_id = location_id
            fields.append("location_id")
        connection.save(update_fields=fields)
    changed = {int(key) for key in set(class_map) | set(before)
               if class_map.get(key) != before.get(key)}
    return _retry_blocked(connection, product_ids=changed, every_invoice=location_changed)


def invoice_choose_location(*, connection: QuickBooksConnection, invoice: Invoice,
                            department_id: str) -> bool:
    """The invoice's own location ("" = the account's). False when the id is not one of the
    company's active locations. A blocked invoice goes again."""
    row = listed(connection, LOCATION).get(department_id)
    if department_id and not (row and row["active"]):
        return False
    if department_id:
        InvoiceLocation.objects.update_or_create(connection=connection, invoice=invoice,
                                                 defaults={"department_id": department_id})
    else:
        InvoiceLocation.objects.filter(connection=connection, invoice=invoice).delete()
    _retry(connection, SyncRecord.objects.filter(
        account=connection.account, realm_id=connection.realm_id, invoice=invoice,
        kind=SyncRecord.Kind.INVOICE, state=SyncRecord.State.BLOCKED))
    return True


def _retry_blocked(connection: QuickBooksConnection, *, product_ids: set[int],
                   every_invoice: bool) -> int:
    """Blocked invoices whose class (or the account's location) changed go again."""
    if not product_ids and not every_invoice:
        return 0
    blocked = SyncRecord.objects.filter(account=connection.account,
                                        realm_id=connection.realm_id,
                                        kind=SyncRecord.Kind.INVOICE,
                                        state=SyncRecord.State.BLOCKED)
    if not every_invoice:
        blocked = blocked.filter(Q(invoice__lines__product__in=product_ids)).distinct()
    return _retry(connection, blocked)


def _retry(connection: QuickBooksConnection, records) -> int:
    # Imported here: the invoice panel's selectors read this module, and the outbox's
    # imports reach the signals that import those selectors.
    from .imports import retry

    return retry(connection=connection, records=records)


# a refused class or location -----------------------------------------------------------------

def refused_ref(engine: "CompanyEngine", error: QboFault, *, payload: dict, invoice: Invoice,
                lines, probe: bool) -> str:
    """The sentence for an invoice QuickBooks refused because of its class or location, or
    "" when the refusal is about something else. The refusal names the class or location
    (2500 "ClassRef=…", 610 "Class Id=…"); with `probe` (the customer and items were found
    fine), one the fault does not name is read to find which it is. The list kept for the
    mapping screen then marks it."""
    if not error.is_invalid_reference:
        return ""
    refs = _sent_refs(payload)
    if not refs:
        return ""
    named = tracking.refused_tracking_ref(f"{error.message} {error.detail}")
    if named is not None and named in refs:
        found = named, error.code == "2500"
    elif named is None and probe:
        found = _probe(engine, refs)
        if found is None:
            return ""
    else:
        return ""
    (entity, qbo_id), missing = found
    connection = engine.connection
    _mark(connection, entity, qbo_id, missing=missing)
    products = []
    own = False
    if entity == CLASS:
        products = list(dict.fromkeys(
            line.product.display_name for line in lines
            if line.product_id is not None
            and (connection.class_map or {}).get(str(line.product_id)) == qbo_id))
    else:
        own = InvoiceLocation.objects.filter(connection=connection, invoice=invoice,
                                             department_id=qbo_id).exists()
    return tracking.refused_ref_message(
        entity=entity, name=name_of(connection, entity, qbo_id),
        term=tracking.location_term(engine.snapshot), missing=missing, products=products,
        own_location=own)


def _sent_refs(payload: dict) -> set[tuple[str, str]]:
    refs = set()
    if payload.get("ClassRef"):
        refs.add((CLASS, str(payload["ClassRef"]["value"])))
    if payload.get("DepartmentRef"):
        refs.add((LOCATION, str(payload["DepartmentRef"]["value"])))
    for line in payload.get("Line", []):
        ref = (line.get("SalesItemLineDetail") or {}).get("ClassRef")
        if ref:
            refs.add((CLASS, str(ref["value"])))
    return refs


def _probe(engine: "CompanyEngine",
           refs: set[tuple[str, str]]) -> tuple[tuple[str, str], bool] | None:
    """Read the invoice's classes and location (only after a refusal that names none)."""
    for entity, qbo_id in sorted(refs):
        try:
            current = engine.read(entity, qbo_id)
        except QboFault as error:
            if error.is_not_found or error.code == "2500":
                return (entity, qbo_id), True
            raise
        if not current.get("Active", True):
            return (entity, qbo_id), False
    return None


def _mark(connection: QuickBooksConnection, entity: str, qbo_id: str, *,
          missing: bool) -> None:
    """The kept list says the class or location is inactive (or gone) until read again."""
    with transaction.atomic():
        locked = QuickBooksConnection.objects.select_for_update().get(pk=connection.pk)
        lists = dict(locked.tracking_lists or {})
        rows = [dict(row) for row in lists.get(LIST_KEYS[entity], [])]
        row = next((r for r in rows if r["id"] == qbo_id), None)
        if row is None:
            row = {"id": qbo_id, "name": "", "active": False}
            rows.append(row)
        row["active"] = False
        if missing:
            row["missing"] = True
        lists[LIST_KEYS[entity]] = rows
        locked.tracking_lists = lists
        locked.save(update_fields=["tracking_lists"])
    connection.tracking_lists = lists
