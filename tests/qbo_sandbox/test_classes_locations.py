"""Classes and locations (Department): the entities, the Preferences that say whether and how
a company tracks them, and ClassRef / DepartmentRef on transactions."""

from __future__ import annotations

import requests

from .conftest import BASE, US, control, fault_of, sales_line


def set_prefs(realm: str, **settings) -> None:
    control("PATCH", f"companies/{realm}/preferences", settings)


def accounting_prefs(api) -> dict:
    return api.get("preferences").json()["Preferences"]["AccountingInfoPrefs"]


def make_class(api, name: str, **fields) -> dict:
    return api.create("Class", {"Name": name, **fields})


def make_location(api, name: str, **fields) -> dict:
    return api.create("Department", {"Name": name, **fields})


def inactive(api, entity: str, found: dict) -> dict:
    return api.create(entity, {**found, "Active": False})


def test_preferences_say_how_classes_and_locations_are_tracked(us):
    info = accounting_prefs(us)
    assert (info["ClassTrackingPerTxn"], info["ClassTrackingPerTxnLine"],
            info["TrackDepartments"], info["DepartmentTerminology"]) == (
        False, True, True, "Location")
    set_prefs(US, class_tracking_per_txn=True, class_tracking_per_line=False,
              track_departments=False, department_terminology="Territory")
    info = accounting_prefs(us)
    assert (info["ClassTrackingPerTxn"], info["ClassTrackingPerTxnLine"],
            info["TrackDepartments"], info["DepartmentTerminology"]) == (
        True, False, False, "Territory")


def test_a_preferences_update_renames_location_and_moves_the_settings(us):
    prefs = us.get("preferences").json()["Preferences"]
    answer = us.post("preferences", {"Id": "1", "SyncToken": prefs["SyncToken"], "sparse": True,
                                     "AccountingInfoPrefs": {"DepartmentTerminology": "Division",
                                                             "ClassTrackingPerTxn": True}})
    assert answer.status_code == 200, answer.text
    info = accounting_prefs(us)
    assert info["DepartmentTerminology"] == "Division" and info["ClassTrackingPerTxn"] is True


def test_simple_start_tracks_no_classes_or_locations(us):
    control("POST", f"companies/{US}/status", {"plan": "simple_start"})
    info = accounting_prefs(us)
    assert not (info["ClassTrackingPerTxn"] or info["ClassTrackingPerTxnLine"]
                or info["TrackDepartments"])


def test_location_is_renamed_only_to_one_of_quickbooks_labels(us):
    answer = requests.patch(f"{BASE}/_sandbox/companies/{US}/preferences",
                            json={"department_terminology": "Studio"})
    assert answer.status_code == 400 and "Territory" in answer.text
    prefs = us.get("preferences").json()["Preferences"]
    by_api = us.post("preferences", {"Id": "1", "SyncToken": prefs["SyncToken"], "sparse": True,
                                     "AccountingInfoPrefs": {"DepartmentTerminology": "Studio"}})
    assert by_api.status_code == 400 and fault_of(by_api)["code"] == "2170"
    assert accounting_prefs(us)["DepartmentTerminology"] == "Location"


def test_classes_and_departments_are_created_read_and_queried_with_sub_classes(us):
    weddings = make_class(us, "Weddings")
    church = make_class(us, "Church", ParentRef={"value": weddings["Id"]})
    assert (church["FullyQualifiedName"], church["SubClass"]) == ("Weddings:Church", True)
    assert us.get(f"class/{weddings['Id']}").json()["Class"]["Name"] == "Weddings"
    toronto = make_location(us, "Toronto")
    assert toronto["Active"] is True and toronto["FullyQualifiedName"] == "Toronto"
    found = us.query("select * from Department where Name = 'Toronto'").json()
    assert [d["Id"] for d in found["QueryResponse"]["Department"]] == [toronto["Id"]]


def test_a_line_carries_a_class_when_tracked_per_line(us):
    portraits = make_class(us, "Portraits")
    customer = us.customer("Ana")
    answer = us.invoice(customer["Id"], [sales_line("50.00", tax_code="NON",
                                                    ClassRef={"value": portraits["Id"]})])
    assert answer.status_code == 200, answer.text
    line = answer.json()["Invoice"]["Line"][0]["SalesItemLineDetail"]
    assert line["ClassRef"] == {"value": portraits["Id"], "name": "Portraits"}


def test_a_transaction_carries_a_class_when_tracked_per_transaction(us):
    set_prefs(US, class_tracking_per_txn=True, class_tracking_per_line=False)
    weddings = make_class(us, "Weddings")
    customer = us.customer("Ana")
    invoice = us.invoice(customer["Id"], [sales_line("50.00", tax_code="NON",
                                                     ClassRef={"value": weddings["Id"]})],
                         ClassRef={"value": weddings["Id"]}).json()["Invoice"]
    assert invoice["ClassRef"] == {"value": weddings["Id"], "name": "Weddings"}
    assert "ClassRef" not in invoice["Line"][0]["SalesItemLineDetail"]  # per line is off


def test_refs_the_company_does_not_track_are_not_kept(us):
    set_prefs(US, class_tracking_per_txn=False, class_tracking_per_line=False,
              track_departments=False)
    weddings = make_class(us, "Weddings")
    toronto = make_location(us, "Toronto")
    customer = us.customer("Ana")
    invoice = us.invoice(customer["Id"], [sales_line("50.00", tax_code="NON",
                                                     ClassRef={"value": weddings["Id"]})],
                         ClassRef={"value": weddings["Id"]},
                         DepartmentRef={"value": toronto["Id"]}).json()["Invoice"]
    assert "ClassRef" not in invoice and "DepartmentRef" not in invoice
    assert "ClassRef" not in invoice["Line"][0]["SalesItemLineDetail"]


def test_a_transaction_carries_a_location(us):
    toronto = make_location(us, "Toronto")
    customer = us.customer("Ana")
    receipt = us.post("salesreceipt", {"CustomerRef": {"value": customer["Id"]},
                                       "DepartmentRef": {"value": toronto["Id"]},
                                       "Line": [sales_line("20.00", tax_code="NON")]})
    assert receipt.status_code == 200, receipt.text
    assert receipt.json()["SalesReceipt"]["DepartmentRef"] == {"value": toronto["Id"],
                                                               "name": "Toronto"}


def test_a_missing_class_or_location_is_an_invalid_reference(us):
    customer = us.customer("Ana")
    no_class = us.invoice(customer["Id"], [sales_line("5.00", tax_code="NON",
                                                      ClassRef={"value": "999"})])
    assert no_class.status_code == 400 and fault_of(no_class)["code"] == "2500"
    no_location = us.invoice(customer["Id"], [sales_line("5.00", tax_code="NON")],
                             DepartmentRef={"value": "999"})
    assert no_location.status_code == 400 and fault_of(no_location)["code"] == "2500"


def test_an_inactive_class_or_location_is_object_not_found_610(us):
    customer = us.customer("Ana")
    weddings = inactive(us, "Class", make_class(us, "Weddings"))
    toronto = inactive(us, "Department", make_location(us, "Toronto"))
    by_class = us.invoice(customer["Id"], [sales_line("5.00", tax_code="NON",
                                                      ClassRef={"value": weddings["Id"]})])
    assert by_class.status_code == 400 and fault_of(by_class)["code"] == "610"
    assert "made inactive" in fault_of(by_class)["Detail"]
    by_location = us.invoice(customer["Id"], [sales_line("5.00", tax_code="NON")],
                             DepartmentRef={"value": toronto["Id"]})
    assert by_location.status_code == 400 and fault_of(by_location)["code"] == "610"
    assert us.query("select * from Invoice").json()["QueryResponse"] == {}  # nothing saved


def test_an_expense_line_carries_a_class(us):
    portraits = make_class(us, "Portraits")
    checking = us.create("Account", {"Name": "Checking", "AccountType": "Bank"})
    expense = us.post("purchase", {
        "PaymentType": "Cash", "AccountRef": {"value": checking["Id"]},
        "Line": [{"Amount": 12, "DetailType": "AccountBasedExpenseLineDetail",
                  "AccountBasedExpenseLineDetail": {"AccountRef": {"value": "1"},
                                                    "ClassRef": {"value": portraits["Id"]}}}]})
    assert expense.status_code == 200, expense.text
    detail = expense.json()["Purchase"]["Line"][0]["AccountBasedExpenseLineDetail"]
    assert detail["ClassRef"]["name"] == "Portraits"
