"""manage.py qbo_live_check: the script, its shape diff, and its refusal of production.
Here the "Intuit" side is the in-process local sandbox, so there must be no difference."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from integrations.models import QuickBooksConnection
from integrations.services.live_check import key_paths, shape_differences

pytestmark = pytest.mark.django_db


def test_key_paths_are_types_not_values():
    answer = {"Invoice": {"Id": "7", "TotalAmt": 10.5, "Line": [
        {"Amount": 10, "SalesItemLineDetail": {"Qty": 1}},
        {"Amount": 10, "SubTotalLineDetail": {}}],
        "AllowIPNPayment": False, "MetaData": {"CreateTime": "2023-02-18T12:57:24-08:00"}}}
    assert key_paths(answer) == {
        "Invoice": "object", "Invoice.Id": "string", "Invoice.TotalAmt": "number",
        "Invoice.Line": "array", "Invoice.Line[].Amount": "number",
        "Invoice.Line[].SalesItemLineDetail": "object",
        "Invoice.Line[].SalesItemLineDetail.Qty": "number",
        "Invoice.Line[].SubTotalLineDetail": "object", "Invoice.AllowIPNPayment": "boolean",
        "Invoice.MetaData": "object", "Invoice.MetaData.CreateTime": "string",
    }


def test_shape_differences_name_each_path():
    intuit = {"Payment": {"Id": "1", "CurrencyRef": {"value": "USD", "name": "US Dollar"},
                          "TotalAmt": 5}, "time": "2023-01-01T00:00:00.000-08:00"}
    local = {"Payment": {"Id": "99", "TotalAmt": "5", "ProcessPayment": False}}
    assert shape_differences(intuit, local) == [
        "only Intuit: Payment.CurrencyRef (object)",
        "only Intuit: Payment.CurrencyRef.name (string)",
        "only Intuit: Payment.CurrencyRef.value (string)",
        "only local: Payment.ProcessPayment (boolean)",
        "type differs: Payment.TotalAmt: Intuit number, local string",
    ]
    assert shape_differences(intuit, intuit) == []


def test_live_check_against_the_local_sandbox_reports_no_difference(sandbox, account_for,
                                                                     settings):
    sandbox.rsps.add_passthru("http://127.0.0.1")  # the command's own local twin
    # Its twin keeps Intuit's 10 requests a second: the budget keeps to its real 9.
    settings.QBO_REQUESTS_PER_SECOND = 9
    account = account_for()
    out = StringIO()
    call_command("qbo_live_check", "--account", str(account.pk), stdout=out)
    text = out.getvalue()
    for name in ("read Preferences", "read CompanyInfo", "create Customer", "create Item",
                 "create Invoice", "create Payment", "read Invoice", "read Payment",
                 "delete Payment", "void Invoice", "inactivate Item", "inactivate Customer"):
        assert f"{name}: ok intuit_tid=" in text, text
    assert "intuit_tid=-" not in text, text
    assert text.strip().endswith("differing=0"), text
    # What it made is cleaned up on the connected company.
    realm = QuickBooksConnection.objects.get(account=account).realm_id
    customers = [c for c in sandbox.entities(realm, "Customer")
                 if c["DisplayName"].startswith("hatsync live check")]
    assert [c["Active"] for c in customers] == [False]
    invoices = [i for i in sandbox.entities(realm, "Invoice") if i["DocNumber"].startswith("LC")]
    assert [i["TotalAmt"] for i in invoices] == [0]


def test_live_check_refuses_production(sandbox, account_for):
    account = account_for()
    QuickBooksConnection.objects.filter(account=account).update(environment="production")
    with pytest.raises(CommandError, match="production"):
        call_command("qbo_live_check", "--account", str(account.pk), stdout=StringIO())
    assert not [r for r in sandbox.log() if "/customer" in r["path"]]


def test_live_check_needs_a_connection(db):
    with pytest.raises(CommandError, match="no QuickBooks connection"):
        call_command("qbo_live_check", "--account", "999999", stdout=StringIO())


def test_compare_pairs_calls_by_name_and_reports_status_and_shape():
    from integrations.services.live_check import Call, compare

    intuit = [Call("read Invoice", "ok", "1-a", 0.1, {"Invoice": {"Id": "1", "Deposit": 0}}),
              Call("create Item", "failed: 6240", "1-b", 0.1),
              Call("read Payment", "ok", "1-c", 0.1, {"Payment": {}})]
    local = [Call("read Invoice", "ok", "1-x", 0.0, {"Invoice": {"Id": "9"}}),
             Call("create Item", "ok", "1-y", 0.0, {"Item": {}})]
    assert [c.differences for c in compare(intuit, local)] == [
        ["only Intuit: Invoice.Deposit (number)"],
        ["status differs: Intuit failed: 6240, local ok"],
        ["the local sandbox did not make this call"],
    ]


def test_quickbooks_out_of_reach_is_a_sentence_not_a_traceback(sandbox, account_for,
                                                               monkeypatch):
    from integrations.management.commands import qbo_live_check
    from integrations.qbo.errors import QboUnavailable

    def unreachable(connection):
        raise QboUnavailable("QuickBooks sign-in could not be reached (connection refused).")

    monkeypatch.setattr(qbo_live_check, "client_for", unreachable)
    account = account_for()
    with pytest.raises(CommandError, match="QuickBooks could not be used: QuickBooks sign-in "
                                           "could not be reached"):
        call_command("qbo_live_check", "--account", str(account.pk), stdout=StringIO())
