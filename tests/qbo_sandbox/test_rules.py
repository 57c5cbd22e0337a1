"""One test per QBO rule and fault, asserting the exact JSON the sandbox sends."""

from __future__ import annotations

from .conftest import AU, CA, GB, US, api_for, control, fault_of, sales_line


def test_fault_bodies_have_qbo_shape_and_time(us):
    us.customer("Ana")
    answer = us.post("customer", {"DisplayName": "ana"})
    assert answer.status_code == 400
    body = answer.json()
    assert set(body) == {"Fault", "time"}
    assert body["Fault"]["type"] == "ValidationFault"
    assert set(body["Fault"]["Error"][0]) == {"Message", "Detail", "code", "element"}


def test_duplicate_display_name_is_6240_with_intuits_wording(us):
    us.customer("Ana Lima")
    error = fault_of(us.post("customer", {"DisplayName": "ANA LIMA"}))
    assert error["code"] == "6240"
    assert error["Message"] == "Duplicate Name Exists Error"
    assert error["Detail"] == (
        "The name supplied already exists. : Another customer, vendor or employee is already "
        "using this name. Please use a different name."
    )


def test_renaming_a_customer_onto_another_name_is_6240(us):
    us.customer("One")
    two = us.customer("Two")
    answer = us.post("customer", {"Id": two["Id"], "SyncToken": "0", "sparse": True,
                                  "DisplayName": "one"})
    assert fault_of(answer)["code"] == "6240"


def test_duplicate_item_name_is_6240(us):
    us.item("Session")
    answer = us.post("item", {"Name": "session", "IncomeAccountRef": {"value": "1"}})
    assert fault_of(answer)["code"] == "6240"


def test_names_with_colon_tab_or_newline_are_rejected(us):
    for name in ("Smith: Wedding", "Tab\tName", "Line\nBreak"):
        error = fault_of(us.post("customer", {"DisplayName": name}))
        assert error["code"] == "2050" and error["element"] == "DisplayName"
    error = fault_of(us.post("item", {"Name": "A:B", "IncomeAccountRef": {"value": "1"}}))
    assert error["code"] == "2050" and error["element"] == "Name"


def test_item_name_over_100_and_display_name_over_500_characters_are_2050(us):
    answer = us.post("item", {"Name": "x" * 101, "IncomeAccountRef": {"value": "1"}})
    assert fault_of(answer)["code"] == "2050"
    us.item("y" * 100)
    assert fault_of(us.post("customer", {"DisplayName": "z" * 501}))["code"] == "2050"


def test_item_needs_an_income_account_that_exists(us):
    assert fault_of(us.post("item", {"Name": "NoAccount"}))["code"] == "2020"
    answer = us.post("item", {"Name": "Bad", "IncomeAccountRef": {"value": "77"}})
    assert fault_of(answer)["code"] == "2500"


def test_customer_without_any_name_is_2020_and_a_given_name_alone_is_enough(us):
    assert fault_of(us.post("customer", {"Notes": "nameless"}))["code"] == "2020"
    made = us.create("Customer", {"GivenName": "Zoe", "FamilyName": "Park"})
    assert made["DisplayName"] == "Zoe Park"


def test_doc_number_over_21_characters_is_2050(us):
    customer = us.customer("Docs")
    answer = us.invoice(customer["Id"], [sales_line(10)], DocNumber="INV-2024-WEDDING-SMITH-0001")
    error = fault_of(answer)
    assert error["code"] == "2050" and error["element"] == "DocNumber"
    assert us.invoice(customer["Id"], [sales_line(10)], DocNumber="INV-2...NG-SMITH-0001") \
        .status_code == 200


def test_payment_ref_num_over_21_characters_is_2050(us):
    customer = us.customer("Payer")
    answer = us.post("payment", {"CustomerRef": {"value": customer["Id"]}, "TotalAmt": 5,
                                 "PaymentRefNum": "R" * 22})
    assert fault_of(answer)["code"] == "2050"
    assert fault_of(answer)["element"] == "PaymentRefNum"


def test_duplicate_doc_number_detail_names_the_holder(us):
    customer = us.customer("Dup")
    first = us.invoice(customer["Id"], [sales_line(10)], DocNumber="1042").json()["Invoice"]
    error = fault_of(us.invoice(customer["Id"], [sales_line(10)], DocNumber="1042"))
    assert error["code"] == "6140"
    assert error["Message"] == "Duplicate Document Number Error"
    assert error["Detail"] == (
        "Duplicate Document Number Error : You must specify a different number. This number "
        f"has already been used. DocNumber=1042 is assigned to TxnType=Invoice with "
        f"TxnId={first['Id']}"
    )


def test_a_doc_number_that_differs_only_in_capitals_is_the_same_number(us):
    """QuickBooks' queries compare strings without regard to capitals, and its
    duplicate-number check is taken to do the same (README: "Duplicate DocNumber")."""
    customer = us.customer("DupCase")
    first = us.invoice(customer["Id"], [sales_line(10)], DocNumber="DISC-AMT-1").json()["Invoice"]
    error = fault_of(us.invoice(customer["Id"], [sales_line(10)], DocNumber="disc-amt-1"))
    assert error["code"] == "6140"
    assert f"TxnId={first['Id']}" in error["Detail"]


def test_include_allowduplicatedocnum_lets_a_duplicate_through(us):
    customer = us.customer("Dup2")
    us.invoice(customer["Id"], [sales_line(10)], DocNumber="7")
    body = {"CustomerRef": {"value": customer["Id"]}, "Line": [sales_line(10)], "DocNumber": "7"}
    assert us.post("invoice", body, include="allowduplicatedocnum").status_code == 200


def test_duplicate_check_preference_off_accepts_duplicates(us):
    control("PATCH", f"companies/{US}/preferences", {"duplicate_doc_number_check": False})
    customer = us.customer("Dup3")
    us.invoice(customer["Id"], [sales_line(10)], DocNumber="8")
    assert us.invoice(customer["Id"], [sales_line(10)], DocNumber="8").status_code == 200


def test_custom_txn_numbers_off_ignores_the_sent_number_and_auto_numbers(us):
    control("PATCH", f"companies/{US}/preferences", {"custom_txn_numbers": False})
    customer = us.customer("Auto")
    first = us.invoice(customer["Id"], [sales_line(10)], DocNumber="MY-1").json()["Invoice"]
    second = us.invoice(customer["Id"], [sales_line(10)], DocNumber="MY-1").json()["Invoice"]
    assert (first["DocNumber"], second["DocNumber"]) == ("1001", "1002")


def test_stale_sync_token_on_update_and_void_is_5010(us):
    customer = us.customer("Stale")
    invoice = us.invoice(customer["Id"], [sales_line(10)]).json()["Invoice"]
    us.post("invoice", {"Id": invoice["Id"], "SyncToken": "0", "sparse": True, "PrivateNote": "x"})
    stale = us.post("invoice", {"Id": invoice["Id"], "SyncToken": "0"}, operation="void")
    assert fault_of(stale)["code"] == "5010"
    assert fault_of(stale)["Message"] == "Stale Object Error"


def test_unknown_item_tax_code_and_linked_txn_references_are_2500(ca, us):
    customer = us.customer("Refs")
    assert fault_of(us.invoice(customer["Id"], [sales_line(10, item="404")]))["code"] == "2500"
    ca_customer = ca.customer("Refs")
    answer = ca.invoice(ca_customer["Id"], [sales_line(10, tax_code="99")])
    assert fault_of(answer)["code"] == "2500"
    answer = us.post("payment", {"CustomerRef": {"value": customer["Id"]}, "TotalAmt": 5,
                                 "Line": [{"Amount": 5, "LinkedTxn": [{"TxnId": "999",
                                                                       "TxnType": "Invoice"}]}]})
    assert fault_of(answer)["code"] == "2500"


def test_read_of_a_missing_object_is_610(us):
    answer = us.get("invoice/4242")
    assert answer.status_code == 400
    assert fault_of(answer)["code"] == "610"


def test_required_fields_missing_are_2020(us):
    customer = us.customer("Req")
    assert fault_of(us.post("invoice", {"Line": [sales_line(1)]}))["code"] == "2020"
    assert fault_of(us.invoice(customer["Id"], []))["code"] == "2020"
    assert fault_of(us.post("payment", {"TotalAmt": 5}))["code"] == "2020"
    answer = us.post("payment", {"CustomerRef": {"value": customer["Id"]}})
    assert fault_of(answer)["code"] == "2020"


def test_outside_the_us_every_sales_line_needs_a_tax_code(ca, gb):
    for api in (ca, gb):
        customer = api.customer("Taxless")
        error = fault_of(api.invoice(customer["Id"], [sales_line(10)]))
        assert error["code"] == "6000" and "TaxCodeRef" in error["Detail"]


def test_canadian_tax_is_computed_from_the_tax_codes(ca):
    customer = ca.customer("Maple")
    lines = [sales_line(100, tax_code="1"), sales_line(200, tax_code="2"),
             sales_line(50, tax_code="5")]
    invoice = ca.invoice(customer["Id"], lines).json()["Invoice"]
    assert invoice["TxnTaxDetail"]["TotalTax"] == 31  # 5 + 26 + 0
    assert invoice["TotalAmt"] == 381
    assert invoice["Line"][-1] == {"Amount": 350, "DetailType": "SubTotalLineDetail",
                                   "SubTotalLineDetail": {}}


def test_uk_vat_inclusive_amounts_hold_the_tax_inside(gb):
    customer = gb.customer("Tea")
    invoice = gb.invoice(customer["Id"], [sales_line(120, tax_code="1")],
                         GlobalTaxCalculation="TaxInclusive").json()["Invoice"]
    assert invoice["TxnTaxDetail"]["TotalTax"] == 20
    assert invoice["TotalAmt"] == 120


def test_us_lines_use_tax_or_non_and_total_tax_comes_from_txn_tax_detail(us):
    customer = us.customer("Stars")
    invoice = us.invoice(customer["Id"], [sales_line(100, tax_code="TAX")],
                         TxnTaxDetail={"TotalTax": 8.25}).json()["Invoice"]
    assert invoice["TotalAmt"] == 108.25 and invoice["Balance"] == 108.25
    assert fault_of(us.invoice(customer["Id"], [sales_line(1, tax_code="GST")]))["code"] == "6000"


def test_amount_must_equal_qty_times_unit_price_and_is_computed_when_missing(us):
    customer = us.customer("Math")
    made = us.invoice(customer["Id"], [{"DetailType": "SalesItemLineDetail",
                                        "SalesItemLineDetail": {"ItemRef": {"value": "1"},
                                                                "Qty": 3, "UnitPrice": 2.5}}])
    assert made.json()["Invoice"]["TotalAmt"] == 7.5
    wrong = us.invoice(customer["Id"], [sales_line(10, Qty=3, UnitPrice=2.5)])
    assert fault_of(wrong)["code"] == "6070"


def test_gratuity_line_is_accepted_when_tips_are_on_and_rejected_when_off(us):
    customer = us.customer("Tipper")
    tip = sales_line(15, item="GRATUITY_ITEM_ID")
    invoice = us.invoice(customer["Id"], [sales_line(100), tip]).json()["Invoice"]
    assert invoice["TotalAmt"] == 115
    control("PATCH", f"companies/{US}/preferences", {"gratuity": False})
    error = fault_of(us.invoice(customer["Id"], [sales_line(100), tip]))
    assert error["code"] == "6000" and "Gratuity" in error["Detail"]


def test_canada_has_no_tips_setting(ca):
    prefs = ca.get("preferences").json()["Preferences"]
    names = [nv["Name"] for nv in prefs["OtherPrefs"]["NameValue"]]
    assert "SalesFormsPrefs.AllowGratuity" not in names
    customer = ca.customer("Tip CA")
    answer = ca.invoice(customer["Id"], [sales_line(5, item="GRATUITY_ITEM_ID")])
    assert fault_of(answer)["code"] == "6000"


def test_partial_payment_reduces_the_balance_and_overpayment_is_unapplied(us):
    customer = us.customer("Partial")
    invoice = us.invoice(customer["Id"], [sales_line(100)]).json()["Invoice"]
    link = [{"TxnId": invoice["Id"], "TxnType": "Invoice"}]
    us.create("Payment", {"CustomerRef": {"value": customer["Id"]}, "TotalAmt": 40,
                          "Line": [{"Amount": 40, "LinkedTxn": link}]})
    assert us.get(f"invoice/{invoice['Id']}").json()["Invoice"]["Balance"] == 60
    payment = us.create("Payment", {"CustomerRef": {"value": customer["Id"]}, "TotalAmt": 100,
                                    "Line": [{"Amount": 60, "LinkedTxn": link}]})
    assert payment["UnappliedAmt"] == 40
    assert us.get(f"invoice/{invoice['Id']}").json()["Invoice"]["Balance"] == 0


def test_payment_on_another_customers_invoice_is_6000(us):
    owner, other = us.customer("Owner"), us.customer("Other")
    invoice = us.invoice(owner["Id"], [sales_line(10)]).json()["Invoice"]
    answer = us.post("payment", {"CustomerRef": {"value": other["Id"]}, "TotalAmt": 10,
                                 "Line": [{"Amount": 10, "LinkedTxn": [
                                     {"TxnId": invoice["Id"], "TxnType": "Invoice"}]}]})
    assert fault_of(answer)["code"] == "6000"


def test_voided_invoice_has_zero_amounts_and_its_payment_becomes_unapplied(us):
    customer = us.customer("Voider")
    invoice = us.invoice(customer["Id"], [sales_line(50)]).json()["Invoice"]
    payment = us.create("Payment", {"CustomerRef": {"value": customer["Id"]}, "TotalAmt": 50,
                                    "Line": [{"Amount": 50, "LinkedTxn": [
                                        {"TxnId": invoice["Id"], "TxnType": "Invoice"}]}]})
    current = us.get(f"invoice/{invoice['Id']}").json()["Invoice"]
    voided = us.post("invoice", {"Id": current["Id"], "SyncToken": current["SyncToken"]},
                     operation="void").json()["Invoice"]
    assert (voided["TotalAmt"], voided["Balance"], voided["PrivateNote"]) == (0, 0, "Voided")
    assert us.get(f"payment/{payment['Id']}").json()["Payment"]["UnappliedAmt"] == 50


def test_sparse_update_changes_only_the_fields_sent(us):
    customer = us.create("Customer", {"DisplayName": "Sparse", "Notes": "keep"})
    answer = us.post("customer", {"Id": customer["Id"], "SyncToken": "0", "sparse": True,
                                  "CompanyName": "Sparse Ltd"})
    updated = answer.json()["Customer"]
    assert updated["Notes"] == "keep" and updated["CompanyName"] == "Sparse Ltd"
    assert updated["SyncToken"] == "1"


def test_full_update_replaces_fields_not_sent(us):
    customer = us.create("Customer", {"DisplayName": "Full", "Notes": "gone"})
    updated = us.post("customer", {"Id": customer["Id"], "SyncToken": "0",
                                   "DisplayName": "Full"}).json()["Customer"]
    assert "Notes" not in updated


def test_ids_and_sync_tokens_are_strings_with_metadata(us):
    customer = us.customer("Strings")
    assert isinstance(customer["Id"], str) and customer["SyncToken"] == "0"
    assert set(customer["MetaData"]) == {"CreateTime", "LastUpdatedTime"}


def test_australian_sample_company_exists_for_the_unsupported_region_check(rsps):
    au = api_for(AU)
    info = au.get(f"companyinfo/{AU}").json()["CompanyInfo"]
    assert info["Country"] == "AU"
    assert api_for(CA).get(f"companyinfo/{CA}").json()["CompanyInfo"]["Country"] == "CA"
    assert api_for(GB).get(f"companyinfo/{GB}").json()["CompanyInfo"]["Country"] == "GB"


def test_request_id_replay_returns_the_first_response_even_for_a_fault(us):
    first = us.post("customer", {"DisplayName": "Once"}, requestid="abc")
    second = us.post("customer", {"DisplayName": "Once"}, requestid="abc")
    assert second.status_code == 200 and second.json() == first.json()
    us.customer("Twice")
    bad = us.post("customer", {"DisplayName": "twice"}, requestid="def")
    assert bad.status_code == 400
    # Even after the clash goes away, the same requestid still answers with the first fault.
    again = us.post("customer", {"DisplayName": "Brand new"}, requestid="def")
    assert again.status_code == 400 and again.json() == bad.json()
    customers = control("GET", f"companies/{US}/entities/Customer")["Customer"]
    assert sorted(c["DisplayName"] for c in customers) == ["Once", "Twice"]


def test_batch_over_the_item_limit_is_rejected_whole(us):
    items = [{"bId": str(n), "operation": "create", "Customer": {"DisplayName": f"B{n}"}}
             for n in range(31)]
    answer = us.post("batch", {"BatchItemRequest": items})
    assert answer.status_code == 400
    assert control("GET", f"companies/{US}/entities/Customer")["Customer"] == []


def test_batch_mixes_create_update_and_query(us):
    existing = us.customer("Existing")
    answer = us.post("batch", {"BatchItemRequest": [
        {"bId": "a", "operation": "create", "Customer": {"DisplayName": "New"}},
        {"bId": "b", "operation": "update", "Customer": {"Id": existing["Id"], "SyncToken": "0",
                                                         "sparse": True, "Notes": "n"}},
        {"bId": "c", "Query": "select count(*) from Customer"},
        {"bId": "d", "operation": "update", "Customer": {"Id": existing["Id"], "SyncToken": "0",
                                                         "sparse": True}},
    ]}).json()["BatchItemResponse"]
    by_id = {a["bId"]: a for a in answer}
    assert by_id["a"]["Customer"]["DisplayName"] == "New"
    assert by_id["b"]["Customer"]["SyncToken"] == "1"
    assert by_id["c"]["QueryResponse"] == {"totalCount": 2}
    assert by_id["d"]["Fault"]["Error"][0]["code"] == "5010"
