"""Classes and locations: whether and how the company tracks them (read with the settings,
from Preferences), the lists the owner chooses from, ClassRef and DepartmentRef on what is
sent (one by one and in batches) only where the company uses them, and a class or location
made inactive in QuickBooks said as a sentence."""

import html
import json

import pytest

from integrations import payloads, tracking
from integrations.models import InvoiceLocation, QuickBooksConnection, SyncLog, SyncRecord
from integrations.services import classes_locations
from tests.factories import build_invoice, build_line, make_invoice, make_product
from tests.integrations.conftest import pay, run_outbox
from tests.integrations.test_bulk import import_all, run_drain
from tests.integrations.test_choose_accounts import recheck
from tests.sandbox_helpers import US_REALM, record_for

pytestmark = pytest.mark.django_db


def connection_of(account) -> QuickBooksConnection:
    return QuickBooksConnection.objects.get(account=account)


def set_prefs(sandbox, **settings) -> None:
    sandbox.control("PATCH", f"companies/{US_REALM}/preferences", json=settings)


def make_class(sandbox, account, name: str) -> str:
    return sandbox.api_post(account, "Class", {"Name": name})["Id"]


def make_location(sandbox, account, name: str) -> str:
    return sandbox.api_post(account, "Department", {"Name": name})["Id"]


def make_inactive(sandbox, account, entity: str, qbo_id: str) -> None:
    """Someone makes it inactive in QuickBooks (its name list's "delete")."""
    [found] = [e for e in sandbox.entities(US_REALM, entity) if e["Id"] == qbo_id]
    sandbox.api_post(account, entity, {**found, "Active": False})


def sent(sandbox, entity: str) -> list[dict]:
    """The bodies of this entity's writes, one by one or inside batches."""
    bodies = []
    for call in sandbox.api_calls():
        if call.request.method != "POST" or not call.request.body:
            continue
        try:
            body = json.loads(call.request.body)
        except ValueError:  # a query
            continue
        if f"/{entity.lower()}?" in call.request.url:
            bodies.append(body)
        for item in body.get("BatchItemRequest", []) if "/batch" in call.request.url else []:
            if entity in item:
                bodies.append(item[entity])
    return bodies


def qbo_invoice(sandbox, number: str) -> dict:
    [found] = sandbox.invoices(US_REALM, number)
    return found


def choose(account, *, classes: dict | None = None, location: str | None = None) -> None:
    connection = connection_of(account)
    classes_locations.read_lists(connection=connection)
    classes_locations.connection_choose_tracking(
        connection=connection_of(account),
        classes={product.pk: class_id for product, class_id in (classes or {}).items()},
        location_id=location)


@pytest.fixture
def studio(sandbox, account_for):
    """A connected US studio (the sandbox's defaults: classes per line, locations on) with a
    class per line of work and two locations in QuickBooks."""
    account = account_for("US", US_REALM)
    ids = {name: make_class(sandbox, account, name) for name in ("Weddings", "Portraits")}
    ids |= {name: make_location(sandbox, account, name) for name in ("Toronto", "Ottawa")}
    products = {"wedding": make_product(account=account, display_name="Wedding Day"),
                "portrait": make_product(account=account, display_name="Portrait Session")}
    return account, ids, products


def two_line_invoice(account, products, number: str, **kwargs):
    return make_invoice(account=account, number=number, send=True, lines=[
        (products["wedding"], "1", "900.00", None), (products["portrait"], "1", "150.00", None)],
        **kwargs)


# ---- pure: the company's settings and what an invoice carries ----------------------------

def test_preferences_say_how_classes_go_and_what_a_location_is_called():
    assert tracking.tracking_settings({"ClassTrackingPerTxn": False,
                                       "ClassTrackingPerTxnLine": True,
                                       "DepartmentTerminology": "Territory"}) == {
        "class_tracking_per_txn": False, "class_tracking_per_line": True,
        "location_term": "Territory"}
    assert tracking.tracking_settings({})["location_term"] == "Location"


@pytest.mark.parametrize("snapshot, expected", [
    ({"class_tracking_per_line": True, "locations": True},
     tracking.InvoiceTracking(line_class_ids=("7", "", "8"), department_id="3")),
    ({"class_tracking_per_txn": True, "locations": False},
     tracking.InvoiceTracking(class_id="7")),
    ({}, tracking.InvoiceTracking()),
])
def test_an_invoice_carries_only_what_the_company_tracks(snapshot, expected):
    assert tracking.invoice_tracking(
        snapshot=snapshot, line_product_ids=[1, None, 2], class_map={"1": "7", "2": "8"},
        location_id="3") == expected


def test_per_transaction_the_invoice_takes_its_first_lines_class():
    assert tracking.invoice_tracking(
        snapshot={"class_tracking_per_txn": True}, line_product_ids=[5, 2, 1],
        class_map={"1": "7", "2": "8"}, location_id="").class_id == "8"


def test_the_payload_puts_classref_on_lines_and_departmentref_on_the_invoice():
    lines = [build_line(name="Wedding Day", unit_price="900.00"),
             build_line(name="Portrait Session", unit_price="150.00")]
    payload = payloads.invoice_payload(
        invoice=build_invoice(), lines=lines, doc_number="1042", customer_id="5",
        item_ids={"Wedding Day": "1", "Portrait Session": "2"}, country="US", tax_code_ids={},
        tracking=tracking.InvoiceTracking(line_class_ids=("7", ""), department_id="3"))
    assert [line["SalesItemLineDetail"].get("ClassRef") for line in payload["Line"]] == [
        {"value": "7"}, None]
    assert payload["DepartmentRef"] == {"value": "3"} and "ClassRef" not in payload


@pytest.mark.parametrize("term, many", [("Location", "Locations"), ("Territory", "Territories"),
                                         ("Business", "Businesses"), ("Property", "Properties"),
                                         ("Store", "Stores")])
def test_the_companys_word_for_locations_in_the_plural(term, many):
    assert tracking.plural(term) == many


def test_a_refusal_names_the_class_or_location():
    assert tracking.refused_tracking_ref("Invalid Reference Id : ... ClassRef=12") == (
        "Class", "12")
    assert tracking.refused_tracking_ref(
        "Object Not Found : Something you're trying to use has been made inactive. Check the "
        "fields with accounts, customers, items, vendors or employees. Department Id=4") == (
        "Department", "4")
    assert tracking.refused_tracking_ref("... Customer Id=4") is None


# ---- the settings, read with Preferences (no read of their own) --------------------------

def test_rechecking_settings_reads_class_and_location_tracking_without_another_read(
        sandbox, account_for, client):
    account = account_for("US", US_REALM)
    assert connection_of(account).settings_snapshot.items() >= {
        "class_tracking_per_line": True, "class_tracking_per_txn": False, "locations": True,
        "location_term": "Location"}.items()
    set_prefs(sandbox, class_tracking_per_txn=True, class_tracking_per_line=False,
              track_departments=True, department_terminology="Territory")
    sandbox.rsps.calls.reset()
    recheck(client)
    snapshot = connection_of(account).settings_snapshot
    assert (snapshot["class_tracking_per_txn"], snapshot["class_tracking_per_line"],
            snapshot["location_term"]) == (True, False, "Territory")
    assert len(sandbox.api_calls("/preferences")) == 1
    assert sandbox.api_calls("Class") == [] and sandbox.api_calls("Department") == []


def test_the_lists_are_read_once_each_with_inactive_ones(sandbox, studio):
    account, ids, _ = studio
    make_inactive(sandbox, account, "Class", ids["Portraits"])
    sandbox.rsps.calls.reset()
    lists = classes_locations.read_lists(connection=connection_of(account))
    assert len(sandbox.api_calls("/query")) == 2
    assert {(c["name"], c["active"]) for c in lists["classes"]} >= {
        ("Weddings", True), ("Portraits", False)}
    assert {c["name"] for c in lists["locations"]} >= {"Toronto", "Ottawa"}


# ---- one by one --------------------------------------------------------------------------

def test_one_by_one_each_line_carries_its_products_class_and_the_invoice_its_location(
        sandbox, studio):
    account, ids, products = studio
    choose(account, classes={products["wedding"]: ids["Weddings"],
                             products["portrait"]: ids["Portraits"]}, location=ids["Toronto"])
    invoice = two_line_invoice(account, products, "1042")
    pay(invoice, "100.00")
    run_outbox(account)

    assert record_for(invoice).state == "synced"
    qbo = qbo_invoice(sandbox, "1042")
    assert [line["SalesItemLineDetail"]["ClassRef"]["name"] for line in qbo["Line"]
            if line["DetailType"] == "SalesItemLineDetail"] == ["Weddings", "Portraits"]
    assert qbo["DepartmentRef"] == {"value": ids["Toronto"], "name": "Toronto"}
    [payment] = sent(sandbox, "Payment")
    assert "DepartmentRef" not in payment and "ClassRef" not in payment  # Payment has neither


def test_per_transaction_the_invoice_carries_one_class(sandbox, studio, client):
    account, ids, products = studio
    set_prefs(sandbox, class_tracking_per_txn=True, class_tracking_per_line=False)
    recheck(client)
    choose(account, classes={products["wedding"]: ids["Weddings"],
                             products["portrait"]: ids["Portraits"]})
    invoice = two_line_invoice(account, products, "1043")
    run_outbox(account)

    assert record_for(invoice).state == "synced"
    [body] = sent(sandbox, "Invoice")
    assert body["ClassRef"] == {"value": ids["Weddings"]}
    assert all("ClassRef" not in line["SalesItemLineDetail"] for line in body["Line"])


def test_a_company_that_tracks_neither_gets_neither(sandbox, studio, client):
    account, ids, products = studio
    choose(account, classes={products["wedding"]: ids["Weddings"]}, location=ids["Toronto"])
    set_prefs(sandbox, class_tracking_per_txn=False, class_tracking_per_line=False,
              track_departments=False)
    recheck(client)
    invoice = two_line_invoice(account, products, "1044")
    run_outbox(account)

    assert record_for(invoice).state == "synced"
    [body] = sent(sandbox, "Invoice")
    assert "DepartmentRef" not in body and "ClassRef" not in body
    assert all("ClassRef" not in line["SalesItemLineDetail"] for line in body["Line"])


def test_an_invoices_own_location_goes_instead_of_the_accounts(sandbox, studio):
    account, ids, products = studio
    choose(account, location=ids["Toronto"])
    invoice = two_line_invoice(account, products, "1045")
    classes_locations.invoice_choose_location(connection=connection_of(account),
                                              invoice=invoice, department_id=ids["Ottawa"])
    run_outbox(account)
    assert qbo_invoice(sandbox, "1045")["DepartmentRef"]["name"] == "Ottawa"


# ---- in batches (Import Invoices) -------------------------------------------------------

def waiting(account) -> None:
    """Invoices sent before the connection wait for Import Invoices."""
    SyncRecord.objects.filter(account=account).delete()


def test_an_import_sends_classes_and_locations_in_its_batches(sandbox, studio):
    account, ids, products = studio
    choose(account, classes={products["wedding"]: ids["Weddings"]}, location=ids["Ottawa"])
    invoices = [two_line_invoice(account, products, f"B-{i}") for i in range(3)]
    waiting(account)
    sandbox.rsps.calls.reset()
    import_all(account)
    run_drain(account)

    assert {record_for(i).state for i in invoices} == {"synced"}
    assert sandbox.api_calls("/invoice?") == []  # all went in batches
    for invoice in invoices:
        qbo = qbo_invoice(sandbox, invoice.number)
        classes = [line["SalesItemLineDetail"].get("ClassRef", {}).get("name")
                   for line in qbo["Line"] if line["DetailType"] == "SalesItemLineDetail"]
        assert classes == ["Weddings", None]
        assert qbo["DepartmentRef"]["name"] == "Ottawa"


# ---- made inactive in QuickBooks -------------------------------------------------------

def test_an_inactive_class_blocks_its_invoice_with_a_sentence_and_others_go_on(
        sandbox, studio):
    account, ids, products = studio
    choose(account, classes={products["portrait"]: ids["Portraits"]})
    make_inactive(sandbox, account, "Class", ids["Portraits"])
    blocked = two_line_invoice(account, products, "1046")
    fine = make_invoice(account=account, number="1047", send=True,
                        lines=[(products["wedding"], "1", "900.00", None)])
    run_outbox(account)

    record = record_for(blocked)
    assert record.state == "blocked"
    assert record.last_error == (
        "The class “Portraits” (chosen for “Portrait Session”) is inactive in QuickBooks (it "
        "was made inactive or deleted there), so QuickBooks refused this invoice. Choose "
        "another class for the product in Account Settings > Integrations > Classes and "
        "locations, or make it active again in QuickBooks; then press Sync.")
    log = SyncLog.objects.filter(record=record).first()
    assert log.outcome == "blocked" and log.message == record.last_error
    assert record_for(fine).state == "synced"
    assert classes_locations.choice_state(connection_of(account), "Class",
                                          ids["Portraits"]) == "inactive"


def test_an_inactive_location_in_an_import_blocks_only_its_invoices(sandbox, studio, client):
    account, ids, products = studio
    set_prefs(sandbox, department_terminology="Territory")
    recheck(client)
    choose(account, location=ids["Toronto"])
    invoices = [two_line_invoice(account, products, f"C-{i}") for i in range(3)]
    classes_locations.invoice_choose_location(connection=connection_of(account),
                                              invoice=invoices[1], department_id=ids["Ottawa"])
    make_inactive(sandbox, account, "Department", ids["Ottawa"])
    waiting(account)
    import_all(account)
    run_drain(account)

    states = [record_for(i).state for i in invoices]
    assert states == ["synced", "blocked", "synced"]
    message = record_for(invoices[1]).last_error
    assert message.startswith("The territory “Ottawa” is inactive in QuickBooks")
    assert "Choose another territory for this invoice" in message
    assert "610" not in message and "Object Not Found" not in message


def test_a_class_that_quickbooks_no_longer_has_is_said_so(sandbox, studio):
    account, ids, products = studio
    choose(account, classes={products["wedding"]: ids["Weddings"]})
    connection = connection_of(account)
    QuickBooksConnection.objects.filter(pk=connection.pk).update(
        class_map={str(products["wedding"].pk): "999"})
    invoice = make_invoice(account=account, number="1048", send=True,
                           lines=[(products["wedding"], "1", "900.00", None)])
    run_outbox(account)
    record = record_for(invoice)
    assert record.state == "blocked"
    assert "no longer exists in QuickBooks" in record.last_error


def test_choosing_another_class_sends_the_blocked_invoice_again(sandbox, studio):
    account, ids, products = studio
    choose(account, classes={products["portrait"]: ids["Portraits"]})
    make_inactive(sandbox, account, "Class", ids["Portraits"])
    invoice = two_line_invoice(account, products, "1049")
    run_outbox(account)
    assert record_for(invoice).state == "blocked"

    choose(account, classes={products["portrait"]: ids["Weddings"]})
    run_outbox(account)
    assert record_for(invoice).state == "synced"
    assert [line["SalesItemLineDetail"].get("ClassRef", {}).get("name")
            for line in qbo_invoice(sandbox, "1049")["Line"]
            if line["DetailType"] == "SalesItemLineDetail"] == [None, "Weddings"]


def test_an_invoice_location_must_be_one_of_the_companys(sandbox, studio):
    account, _, products = studio
    classes_locations.read_lists(connection=connection_of(account))
    invoice = two_line_invoice(account, products, "1050")
    assert not classes_locations.invoice_choose_location(
        connection=connection_of(account), invoice=invoice, department_id="999")
    assert not InvoiceLocation.objects.exists()


def test_a_product_of_another_account_gets_no_class(sandbox, studio, other_account):
    account, ids, _ = studio
    theirs = make_product(account=other_account, display_name="Tea Party")
    choose(account, classes={theirs: ids["Weddings"]})
    assert connection_of(account).class_map == {}


# ---- the screens -------------------------------------------------------------------------

MAP_URL = "/settings/integrations/classes-locations/"


def test_the_screen_reads_both_lists_once_and_says_the_companys_word_for_location(
        sandbox, studio, client):
    account, ids, products = studio
    set_prefs(sandbox, department_terminology="Territory")
    recheck(client)
    sandbox.rsps.calls.reset()
    page = client.get(MAP_URL)
    assert page.status_code == 200
    text = page.content.decode()
    assert "<h1>Classes and territories</h1>" in text
    assert "Territory of every invoice" in text and "Weddings" in text and "Ottawa" in text
    assert [c.request.body for c in sandbox.api_calls("/query")] == [
        classes_locations.LIST_QUERY["Class"], classes_locations.LIST_QUERY["Department"]]

    saved = client.post(MAP_URL, {f"class_{products['wedding'].pk}": ids["Weddings"],
                                  f"class_{products['portrait'].pk}": "",
                                  "location": ids["Ottawa"]})
    assert saved.status_code == 302
    connection = connection_of(account)
    assert connection.class_map == {str(products["wedding"].pk): ids["Weddings"]}
    assert connection.location_id == ids["Ottawa"]
    sandbox.rsps.calls.reset()
    invoice = two_line_invoice(account, products, "1051")
    run_outbox(account)
    assert qbo_invoice(sandbox, invoice.number)["DepartmentRef"]["name"] == "Ottawa"
    assert sandbox.api_calls("Class") == []  # a sync reads no lists


def test_the_screen_marks_a_chosen_class_made_inactive(sandbox, studio, client):
    account, ids, products = studio
    choose(account, classes={products["portrait"]: ids["Portraits"]})
    make_inactive(sandbox, account, "Class", ids["Portraits"])
    text = client.get(MAP_URL).content.decode()
    assert "Portraits (inactive in QuickBooks)" in text
    assert "Inactive in QuickBooks</span> Its invoices wait: choose another class." in text
    settings_page = client.get("/settings/integrations/").content.decode()
    assert "A class or location chosen here is inactive in QuickBooks" in settings_page


def test_the_screen_takes_only_the_accounts_products_and_the_companys_ids(
        sandbox, studio, client, other_account):
    account, ids, products = studio
    theirs = make_product(account=other_account, display_name="Tea Party")
    client.get(MAP_URL)
    answer = client.post(MAP_URL, {f"class_{theirs.pk}": ids["Weddings"],
                                   f"class_{products['wedding'].pk}": "999"})
    assert answer.status_code == 200  # not one of the company's classes: said, not saved
    assert connection_of(account).class_map == {}


def test_the_checklist_says_how_the_company_tracks_and_links_to_the_screen(
        sandbox, studio, client):
    text = client.get("/settings/integrations/").content.decode()
    assert "QuickBooks tracks classes on each line and locations" in text
    assert MAP_URL in text


def test_a_company_that_tracks_neither_has_nothing_to_choose(sandbox, studio, client):
    set_prefs(sandbox, class_tracking_per_txn=False, class_tracking_per_line=False,
              track_departments=False)
    recheck(client)
    sandbox.rsps.calls.reset()
    answer = client.get(MAP_URL)
    assert answer.status_code == 302 and sandbox.api_calls("/query") == []


def test_an_invoice_gets_its_own_location_on_its_page(sandbox, studio, client):
    account, ids, products = studio
    choose(account, location=ids["Toronto"])
    invoice = two_line_invoice(account, products, "1052")
    page = client.get(f"/invoices/{invoice.pk}/").content.decode()
    assert "Toronto</strong> (the account's)" in html.unescape(page)
    url = f"/invoices/{invoice.pk}/quickbooks-location/"
    assert "The account's: Toronto" in html.unescape(client.get(url).content.decode())
    assert client.post(url, {"location": ids["Ottawa"]}).status_code == 302
    assert InvoiceLocation.objects.get(invoice=invoice).department_id == ids["Ottawa"]
    run_outbox(account)
    assert qbo_invoice(sandbox, "1052")["DepartmentRef"]["name"] == "Ottawa"


def test_a_refusal_that_names_nothing_is_traced_to_the_class_by_reading_it(
        sandbox, studio, monkeypatch):
    """Intuit's 610 may not say which reference it is about: the customer and items are read
    first (as for any inactive reference), then the invoice's classes and location."""
    from qbo_sandbox import faults

    account, ids, products = studio
    choose(account, classes={products["portrait"]: ids["Portraits"]}, location=ids["Toronto"])
    make_inactive(sandbox, account, "Class", ids["Portraits"])
    monkeypatch.setattr(faults, "object_not_found", lambda entity, entity_id: faults.QBOFault(
        610, "Object Not Found", "Object Not Found : Something you're trying to use has been "
        "made inactive. Check the fields with accounts, customers, items, vendors or "
        "employees."))
    invoice = two_line_invoice(account, products, "1053")
    run_outbox(account)

    record = record_for(invoice)
    assert record.state == "blocked"
    assert record.last_error.startswith("The class “Portraits” (chosen for “Portrait Session”) "
                                        "is inactive in QuickBooks")
    assert len(sandbox.api_calls("/class/")) == 1


def test_a_class_or_location_made_inactive_cannot_be_newly_chosen(sandbox, studio):
    account, ids, products = studio
    make_inactive(sandbox, account, "Class", ids["Portraits"])
    make_inactive(sandbox, account, "Department", ids["Ottawa"])
    choose(account, classes={products["portrait"]: ids["Portraits"]}, location=ids["Ottawa"])
    connection = connection_of(account)
    assert (connection.class_map, connection.location_id) == ({}, "")
    invoice = two_line_invoice(account, products, "1054")
    assert not classes_locations.invoice_choose_location(
        connection=connection, invoice=invoice, department_id=ids["Ottawa"])


def test_a_refund_carries_its_invoices_first_class_and_location(sandbox, studio):
    """A refund reverses the income of its invoice: its lines carry the first line's class
    (per line tracking) and the receipt the invoice's location."""
    from datetime import date
    from decimal import Decimal

    from invoices import services
    from tests.integrations.refund_fee_helpers import push_all, set_up_books

    account, ids, products = studio
    books = set_up_books(sandbox, account)
    books.connection.refresh_from_db()
    books.connection.deposit_account_id = books.checking
    books.connection.save(update_fields=["deposit_account_id"])
    choose(account, classes={products["wedding"]: ids["Weddings"],
                             products["portrait"]: ids["Portraits"]}, location=ids["Toronto"])
    invoice = two_line_invoice(account, products, "1050")
    payment = pay(invoice, "1050.00")
    push_all(account)
    services.refund_record(payment=payment, date=date(2026, 11, 21), amount=Decimal("100.00"),
                           reason="Shorter day")
    push_all(account)

    [receipt] = [r for r in sandbox.entities(US_REALM, "RefundReceipt")
                 if "1050" in r.get("DocNumber", "")]
    assert [line["SalesItemLineDetail"]["ClassRef"]["value"] for line in receipt["Line"]
            if line["DetailType"] == "SalesItemLineDetail"] == [ids["Weddings"]]
    assert receipt["DepartmentRef"]["value"] == ids["Toronto"]


def test_a_refund_in_a_company_that_tracks_neither_carries_neither(sandbox, studio, client):
    from datetime import date
    from decimal import Decimal

    from invoices import services
    from tests.integrations.refund_fee_helpers import push_all, set_up_books

    account, _, products = studio
    books = set_up_books(sandbox, account)
    books.connection.refresh_from_db()
    books.connection.deposit_account_id = books.checking
    books.connection.save(update_fields=["deposit_account_id"])
    set_prefs(sandbox, class_tracking_per_line=False, class_tracking_per_txn=False,
              track_departments=False)
    recheck(client)
    invoice = two_line_invoice(account, products, "1051")
    payment = pay(invoice, "1050.00")
    push_all(account)
    services.refund_record(payment=payment, date=date(2026, 11, 21), amount=Decimal("50.00"))
    push_all(account)

    [body] = sent(sandbox, "RefundReceipt")
    assert "DepartmentRef" not in body and "ClassRef" not in body
    assert all("ClassRef" not in line["SalesItemLineDetail"] for line in body["Line"])
