"""The pure plan steps the one-by-one push and the drain share, and the one landed step."""

import pytest

from integrations.models import SyncRecord
from integrations.services import customers, items, landed
from invoices.models import Contact


def contact(**fields) -> Contact:
    return Contact(**({"pk": 3, "first_name": "Ana", "last_name": "Silva",
                       "email": "ana@example.com"} | fields))


def customer(qbo_id: str, name: str, email: str) -> dict:
    return {"Id": qbo_id, "DisplayName": name, "PrimaryEmailAddr": {"Address": email}}


def plan_for(person: Contact, found: dict, *, used=(), looked=None, shared=False):
    base, candidates = customers.name_candidates(person, shared=shared)
    return customers.plan_new(SyncRecord(kind="customer"), person, base=base,
                              candidates=candidates, found=found, used=set(used),
                              looked=looked)


def test_the_contacts_own_customer_is_adopted_by_its_email():
    plan = plan_for(contact(), {"ana silva": customer("9", "Ana Silva", "ANA@example.com")})
    assert (plan.operation, plan.name, plan.answer["Id"]) == ("adopt", "Ana Silva", "9")


def test_a_name_someone_else_has_makes_the_customer_under_a_name_with_the_email():
    plan = plan_for(contact(), {"ana silva": customer("9", "Ana Silva", "other@example.com")})
    assert plan.operation == "create"
    assert plan.name == "Ana Silva (ana@example.com)"
    assert plan.payload["DisplayName"] == plan.name


def test_a_customer_another_contact_of_ours_uses_is_never_shared():
    plan = plan_for(contact(), {"ana silva": customer("9", "Ana Silva", "ana@example.com")},
                    used={"9"})
    assert plan.operation == "create" and plan.name == "Ana Silva (ana@example.com)"


def test_the_drain_leaves_a_contact_whose_free_name_it_did_not_look_up():
    found = {"ana silva": customer("9", "Ana Silva", "other@example.com")}
    assert plan_for(contact(), found, looked={"ana silva"}) is None
    assert plan_for(contact(), {}, looked={"ana silva"}).name == "Ana Silva"


def test_no_free_name_is_no_plan():
    person = contact()
    _, candidates = customers.name_candidates(person, shared=False)
    taken = {name.casefold(): customer(str(i), name, "x@example.com")
             for i, name in enumerate(candidates)}
    assert plan_for(person, taken) is None


def test_an_unchanged_contact_plans_no_customer_update():
    person = contact(phone="555-0100")
    record = SyncRecord(kind="customer", qbo_id="9", sync_token="2", qbo_name="Ana Silva")
    update = customers.plan_update(record, person)
    assert update.operation == "update"
    assert update.payload["Id"] == "9" and update.payload["sparse"] is True
    assert "DisplayName" not in update.payload
    record.fingerprint = update.fingerprint
    assert customers.plan_update(record, person) is None


def test_an_item_quickbooks_has_is_adopted_and_a_missing_one_needs_an_income_account():
    record = SyncRecord(kind="item")
    adopt = items.plan_item(record, "Album", taxable=True, found={"Id": "4", "Name": "Album"},
                            income_account_id="")
    assert adopt.operation == "adopt" and adopt.answer["Id"] == "4"
    assert items.plan_item(record, "Album", taxable=True, found=None,
                           income_account_id="") is None
    create = items.plan_item(record, "Album", taxable=False, found=None,
                             income_account_id="79")
    assert create.operation == "create"
    assert create.payload["IncomeAccountRef"] == {"value": "79"}


@pytest.mark.parametrize(("answered", "blocked"), [("1001", False), ("17", True)])
def test_an_invoice_quickbooks_renumbered_is_blocked_with_both_numbers(answered, blocked):
    message = landed.renumbered(kind="invoice", answer={"DocNumber": answered},
                                doc_number="1001")
    assert (message is not None) == blocked
    if blocked:
        assert "(17)" in message and "1001" in message
    assert landed.renumbered(kind="payment", answer={"DocNumber": "17"},
                             doc_number="1001") is None
