"""Contacts as QuickBooks customers: which name a contact's customer has, when an existing
customer is the contact's own, and the push that finds or makes it.

QuickBooks customer names are unique, so two contacts with one name never share a customer:
a customer is reused only when its email is the contact's and no other contact of ours uses
it. The plan is pure; the one-by-one push (`ensure_customer`) and the drain share it.
"""

from collections.abc import Callable

from django.db.models import Count
from django.db.models.functions import Lower

from invoices.models import Account, Contact

from .. import currencies, payloads, rules
from ..models import SyncRecord
from ..qbo.errors import QboFault
from . import exactly_once
from .engine import Blocked, CompanyEngine
from .landed import Plan

Kind = SyncRecord.Kind
State = SyncRecord.State
NAME_ATTEMPTS = 6


def name_candidates(contact: Contact, *, shared: bool, currency: str = ""
                    ) -> tuple[str, list[str]]:
    """The contact's plain name, and the names its customer may be created under, in order.
    `currency`: a foreign one, which the names carry ("Ana Silva (USD)")."""
    base = rules.customer_base_name(first_name=contact.first_name, last_name=contact.last_name,
                                    company=contact.company, email=contact.email)
    if base and currency:
        base = currencies.customer_name_in(base, currency=currency, home="")
    candidates = list(dict.fromkeys(
        rules.customer_display_name_for(base_name=base, email=contact.email, shared=shared,
                                        attempt=attempt)
        for attempt in range(NAME_ATTEMPTS)))
    return base, candidates


def plan_new(record: SyncRecord, contact: Contact, *, base: str, candidates: list[str],
             found: dict[str, dict], used: set[str], looked: set[str] | None = None,
             currency: str = "", home: str = "") -> Plan | None:
    """A customer for a contact that has none yet: adopt the contact's own customer
    (`found`: QuickBooks' customers by casefolded name; `used`: ids other contacts of ours
    have), or create one under the first free name. None when the free name is not known:
    `looked` (casefolded) names the names looked up, when not all of them were. `currency`:
    a foreign one the customer is in (blank: `home`); a customer in another currency is
    never adopted (its currency cannot change)."""
    wanted = (currency or home).upper()
    for name in dict.fromkeys([*sent_name(record), base, *candidates]):
        existing = found.get(name.casefold())
        if (existing and str(existing["Id"]) not in used
                and (not wanted or currencies.currency_of(existing, home=home or wanted)
                     == wanted)
                and rules.same_email((existing.get("PrimaryEmailAddr") or {}).get("Address"),
                                     contact.email)):
            return Plan(record, "Customer", "adopt", name=existing["DisplayName"],
                        answer=existing)
    for name in candidates:
        if looked is not None and name.casefold() not in looked:
            return None
        if name.casefold() in found:
            continue  # someone else has this name: never share a customer
        payload = payloads.customer_payload(contact=contact, display_name=name,
                                            currency=currency)
        return Plan(record, "Customer", "create", payload, rules.fingerprint(payload), name)
    return None


def sent_name(record: SyncRecord) -> list[str]:
    """The name a create whose answer was lost was sent under: the customer may be there
    under it, also after the contact was renamed since."""
    return [record.qbo_name] if record.qbo_name and not record.qbo_id else []


def plan_update(record: SyncRecord, contact: Contact, currency: str = "") -> Plan | None:
    """A contact edited after its customer was made: the sparse update that brings the
    customer up to date, or None when nothing changed. The DisplayName stays the one it was
    created with (renaming could collide); the email, names, company and phone follow."""
    payload = payloads.customer_payload(contact=contact, display_name=record.qbo_name,
                                        currency=currency)
    fingerprint = rules.fingerprint(payload)
    if record.fingerprint == fingerprint:
        return None
    body = {**payload, "Id": record.qbo_id, "SyncToken": record.sync_token, "sparse": True}
    body.pop("DisplayName")
    return Plan(record, "Customer", "update", body, fingerprint)


def shared_names(account: Account, contacts: list[Contact]) -> set[tuple[str, str]]:
    """(first, last) names, lower-cased, that more than one contact of the account has."""
    firsts = {c.first_name.lower() for c in contacts}
    rows = (Contact.objects.filter(account=account)
            .annotate(first=Lower("first_name"), last=Lower("last_name"))
            .filter(first__in=firsts).values("first", "last")
            .annotate(n=Count("id")).filter(n__gt=1))
    return {(row["first"], row["last"]) for row in rows}


def is_shared(contact: Contact, shared: set[tuple[str, str]]) -> bool:
    return (contact.first_name.lower(), contact.last_name.lower()) in shared


def used_ids(realm_id: str, qbo_ids: list[str], *, account_id: int,
             but: list[int] = ()) -> set[str]:
    """Which of these QuickBooks customers a record of ours (other than `but`) already has."""
    return set(SyncRecord.objects.filter(account_id=account_id, realm_id=realm_id,
                                         kind=Kind.CUSTOMER,
                                         qbo_id__in=qbo_ids)
               .exclude(pk__in=list(but)).values_list("qbo_id", flat=True))


def plan_batch(*, account: Account, realm_id: str, contacts: list[tuple[Contact, str]],
               records: dict[str, SyncRecord], query_in: Callable[[str, str, list[str]], list],
               home: str = "") -> tuple[list[Plan], list[Plan], dict[tuple[int, str], str]]:
    """The drain's customers, planned together with a few `IN (...)` look-ups (`query_in`):
    the customers to adopt, the creates and updates to send, and the QuickBooks ids already
    known by (contact, currency). `contacts`: (contact, foreign currency or "") pairs. Only
    the plain name and the first name a contact would get are looked up: a contact whose
    first name is taken gets the one-by-one push, which looks further."""
    known: dict[tuple[int, str], str] = {}
    plans: list[Plan] = []
    pending = []  # (contact, currency, record): no customer yet
    for contact, currency in contacts:
        record = records[exactly_once.customer_key(contact.pk, currency)]
        if record.qbo_id and record.state == State.SYNCED:
            known[contact.pk, currency] = record.qbo_id
            update = plan_update(record, contact, currency)
            if update:
                plans.append(update)
            continue
        if exactly_once.may_have_landed(record, pushing=False):
            continue  # its invoices go one by one, which looks everywhere first
        pending.append((contact, currency, record))
    if not pending:
        return [], plans, known
    shared = shared_names(account, [contact for contact, _, _ in pending])
    names = {(contact.pk, currency): name_candidates(contact, shared=is_shared(contact, shared),
                                                     currency=currency)
             for contact, currency, _ in pending}
    wanted = list(dict.fromkeys(n for base, candidates in names.values()
                                for n in (base, candidates[0])))
    found = {str(c.get("DisplayName", "")).casefold(): c
             for c in query_in("Customer", "DisplayName", wanted)}
    used = used_ids(realm_id, [str(c["Id"]) for c in found.values()], account_id=account.pk)
    looked = {name.casefold() for name in wanted}
    adopted: list[Plan] = []
    for contact, currency, record in pending:
        base, candidates = names[contact.pk, currency]
        plan = plan_new(record, contact, base=base, candidates=candidates, found=found,
                        used=used, looked=looked, currency=currency, home=home)
        if plan is None:
            continue  # someone else has the name: the one-by-one push picks another
        if plan.operation == "adopt":
            used.add(str(plan.answer["Id"]))  # the contact's own customer: use it
            adopted.append(plan)
            continue
        found[plan.name.casefold()] = {}  # taken by this contact from now on
        plans.append(plan)
    return adopted, plans, known


def _sending_as(record: SyncRecord, name: str) -> None:
    """Committed before a create is sent: the name it may be found under if its answer is
    lost (see `sent_name`)."""
    record.qbo_name = name
    SyncRecord.objects.filter(pk=record.pk).update(qbo_name=name)


def sending_as(plans: list[Plan]) -> None:
    """`_sending_as` for the customer creates among a batch's plans."""
    for plan in plans:
        if plan.entity == "Customer" and plan.operation == "create":
            _sending_as(plan.record, plan.name)


def customer_record(engine: CompanyEngine, contact: Contact, currency: str = "") -> SyncRecord:
    record, _ = SyncRecord.objects.get_or_create(
        account_id=engine.connection.account_id,
        realm_id=engine.realm_id, key=exactly_once.customer_key(contact.pk, currency),
        defaults={"kind": Kind.CUSTOMER, "contact": contact},
    )
    return record


def ensure_customer(engine: CompanyEngine, contact: Contact, currency: str = "") -> str:
    """The QuickBooks id of the contact's customer in `currency` (a foreign one; blank: the
    home currency), found or made (or brought up to date)."""
    record = customer_record(engine, contact, currency)
    home = currencies.home_currency_of(country=engine.country, snapshot=engine.snapshot)
    if record.qbo_id and record.state == State.SYNCED:
        update = plan_update(record, contact, currency)
        if update is not None:
            updated = engine.update(record, "Customer", update.payload)
            engine.landed(record, updated, fingerprint=update.fingerprint)
        return record.qbo_id
    base, candidates = name_candidates(
        contact, shared=is_shared(contact, shared_names(engine.account, [contact])),
        currency=currency)
    # One look-up for every name this contact could have, the plain name included: a
    # QuickBooks customer with the contact's email is the same person, whatever its name.
    names = list(dict.fromkeys([*sent_name(record), base, *candidates]))
    found = {str(c.get("DisplayName", "")).casefold(): c
             for c in engine.query(rules.select_where_in("Customer", "DisplayName", names))}
    used = used_ids(engine.realm_id, [str(c["Id"]) for c in found.values()], but=[record.pk],
                    account_id=record.account_id)
    while (plan := plan_new(record, contact, base=base, candidates=candidates, found=found,
                            used=used, currency=currency, home=home)) is not None:
        if plan.operation == "adopt":
            engine.landed(record, plan.answer, fingerprint="", name=plan.name)
            return record.qbo_id
        _sending_as(record, plan.name)
        try:
            created = engine.create(record, "Customer", plan.payload)
        except QboFault as error:
            if not error.is_duplicate_name:
                raise
            # An inactive customer (or a vendor or employee) has the name.
            inactive = engine.find_inactive("Customer", "DisplayName", plan.name)
            if inactive and str(inactive["Id"]) not in used_ids(
                    engine.realm_id, [str(inactive["Id"])], but=[record.pk],
                    account_id=record.account_id) and \
                    currencies.currency_of(inactive, home=home) == (currency or home) and \
                    rules.same_email((inactive.get("PrimaryEmailAddr") or {}).get("Address"),
                                     contact.email):
                created = engine.reactivate(record, "Customer", inactive,
                                            name_field="DisplayName", name=plan.name)
                engine.notes.append(
                    f"The QuickBooks customer {plan.name} was inactive; hatsync made it active "
                    f"again for {contact.full_name}.")
                engine.landed(record, created, fingerprint="", name=plan.name)
                return record.qbo_id
            found[plan.name.casefold()] = {}  # taken: try the next name
            continue
        engine.landed(record, created, fingerprint=plan.fingerprint, name=plan.name)
        return record.qbo_id
    email = f" ({contact.email})" if contact.email else ""
    raise Blocked(f"No free QuickBooks customer name was found for {contact.full_name}{email}.")
