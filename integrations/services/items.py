"""Invoice lines' names as QuickBooks items (products and services).

Products with one Display Name are one item, and a name rendered from tokens is an item of
its own: the record is keyed by the name. The plan is pure; the one-by-one push
(`ensure_item`) and the drain share it.
"""

from collections.abc import Callable

from .. import payloads, rules
from ..models import SyncRecord
from ..qbo.errors import QboFault
from . import exactly_once
from .engine import Blocked, CompanyEngine
from .landed import Plan

Kind = SyncRecord.Kind
State = SyncRecord.State
NO_INCOME_ACCOUNT = ("QuickBooks has no income account to record sales in. Add one in "
                     "QuickBooks, then press Re-check settings and Sync.")


def plan_item(record: SyncRecord, name: str, *, taxable: bool, found: dict | None,
              income_account_id: str) -> Plan | None:
    """Adopt the item QuickBooks has under this name (`found`), or create it; None when it
    cannot be made (no income account)."""
    if found:  # products with the same name are one QuickBooks item, by design
        return Plan(record, "Item", "adopt", name=name, answer=found)
    if not income_account_id:
        return None
    payload = payloads.item_payload(name=name, income_account_id=income_account_id,
                                    taxable=taxable)
    return Plan(record, "Item", "create", payload, rules.fingerprint(payload), name)


def plan_batch(*, lines, taxable: Callable[[object], bool], records: dict[str, SyncRecord],
               query_in: Callable[[str, str, list[str]], list], income_account_id: str
               ) -> tuple[list[Plan], list[Plan], dict[str, str]]:
    """The drain's items, planned together with one `IN (...)` look-up (`query_in`): the
    items to adopt, the creates to send, and the QuickBooks ids already known by casefolded
    name."""
    wanted: dict[str, tuple[str, bool]] = {}
    for line in lines:
        name = rules.item_name_for(line.name)
        wanted[name.casefold()] = (name, taxable(line))
    known: dict[str, str] = {}
    missing = []
    for key, (name, _) in wanted.items():
        record = records[exactly_once.item_key(name)]
        if record.qbo_id and record.state == State.SYNCED:
            known[key] = record.qbo_id
        elif not exactly_once.may_have_landed(record, pushing=False):
            missing.append(key)
    if not missing:
        return [], [], known
    found = {str(i.get("Name", "")).casefold(): i
             for i in query_in("Item", "Name", [wanted[k][0] for k in missing])}
    adopted, plans = [], []
    for key in missing:
        name, is_taxable = wanted[key]
        plan = plan_item(records[exactly_once.item_key(name)], name, taxable=is_taxable,
                         found=found.get(key), income_account_id=income_account_id)
        if plan is not None:
            (adopted if plan.operation == "adopt" else plans).append(plan)
    return adopted, plans, known


def item_record(engine: CompanyEngine, name: str) -> SyncRecord:
    record, _ = SyncRecord.objects.get_or_create(
        account_id=engine.connection.account_id,
        realm_id=engine.realm_id, key=exactly_once.item_key(name),
        defaults={"kind": Kind.ITEM, "qbo_name": name},
    )
    return record


def ensure_item(engine: CompanyEngine, name: str, *, taxable: bool) -> str:
    """The QuickBooks id of the item with this name, found or made."""
    record = item_record(engine, name)
    if record.qbo_id and record.state == State.SYNCED:
        return record.qbo_id
    found = engine.query(rules.select_where_equals("Item", "Name", name))
    plan = plan_item(record, name, taxable=taxable, found=found[0] if found else None,
                     income_account_id=engine.snapshot.get("income_account_id", ""))
    if plan is None:
        raise Blocked(NO_INCOME_ACCOUNT)
    if plan.operation == "adopt":
        engine.landed(record, plan.answer, fingerprint="", name=name)
        return record.qbo_id
    try:
        created = engine.create(record, "Item", plan.payload)
    except QboFault as error:
        inactive = (engine.find_inactive("Item", "Name", name)
                    if error.is_duplicate_name else None)
        if inactive is None:
            raise
        created = engine.reactivate(record, "Item", inactive, name_field="Name", name=name)
        engine.notes.append(f"The product {name} was inactive in QuickBooks; hatsync made it "
                            "active again because this invoice uses it.")
    engine.landed(record, created, fingerprint=plan.fingerprint, name=name)
    return record.qbo_id


def line_items(engine: CompanyEngine, lines) -> dict[str, str]:
    """Each line's item name and its QuickBooks id, found or made."""
    return {rules.item_name_for(line.name): ensure_item(
        engine, rules.item_name_for(line.name), taxable=engine.taxable_item(line))
        for line in lines}
