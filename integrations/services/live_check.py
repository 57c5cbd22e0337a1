"""The live check: one short script run against Intuit's sandbox and the local sandbox, and
the differences in the shape of their answers (key paths and value types, never values).

The diff functions are pure; `run_script` makes the calls through one QboClient.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from integrations.qbo.errors import QboError

# Keys whose presence depends on the data, not on the service (a company's own settings).
IGNORED_PATHS = ("time",)


def value_type(value: Any) -> str:
    """The JSON type of a value: object, array, string, number, boolean or null."""
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float | Decimal):
        return "number"
    if value is None:
        return "null"
    return "string"


def key_paths(answer: Any, prefix: str = "") -> dict[str, str]:
    """Every key path of a JSON answer with its value's type. A list's items share one path
    (`Line[]`), their keys merged, so two answers with different numbers of lines compare."""
    paths: dict[str, str] = {}
    if isinstance(answer, dict):
        for key, value in answer.items():
            path = f"{prefix}.{key}" if prefix else key
            paths[path] = value_type(value)
            paths.update(key_paths(value, path))
    elif isinstance(answer, list):
        for item in answer:
            paths.update(key_paths(item, f"{prefix}[]"))
    return paths


def shape_differences(intuit: Any, local: Any) -> list[str]:
    """Each key path that only one answer has, or that has another type in each, as a line a
    maintainer reads: `only Intuit: Invoice.CustomField[].Name (string)`."""
    theirs, ours = key_paths(intuit), key_paths(local)
    lines = []
    for path in sorted(set(theirs) | set(ours)):
        if path.split(".")[0] in IGNORED_PATHS:
            continue
        if path not in ours:
            lines.append(f"only Intuit: {path} ({theirs[path]})")
        elif path not in theirs:
            lines.append(f"only local: {path} ({ours[path]})")
        elif theirs[path] != ours[path]:
            lines.append(f"type differs: {path}: Intuit {theirs[path]}, local {ours[path]}")
    return lines


@dataclass
class Call:
    """One call of the script and what came back."""

    name: str
    status: str  # "ok" or the error's words
    intuit_tid: str
    seconds: float
    answer: Any = None
    differences: list[str] = field(default_factory=list)


def _timed(client: Any, name: str, fn: Callable[[], Any], calls: list[Call]) -> Any:
    started = time.monotonic()
    try:
        answer, status = fn(), "ok"
    except QboError as error:
        answer, status = None, f"failed: {error}"
    calls.append(Call(name, status, client.intuit_tid, round(time.monotonic() - started, 3),
                      answer))
    return answer


def run_script(client: Any, *, marker: str | None = None) -> list[Call]:
    """Read Preferences and CompanyInfo; create a marked customer, item, invoice and payment;
    read them back; then delete the payment, void the invoice and inactivate the customer and
    item. Every write carries its own requestid. Stops creating after the first failure."""
    marker = marker or uuid.uuid4().hex[:8]
    calls: list[Call] = []

    def rid() -> str:
        return uuid.uuid4().hex

    _timed(client, "read Preferences", client.preferences, calls)
    _timed(client, "read CompanyInfo", client.company_info, calls)
    customer = _timed(client, "create Customer", lambda: client.create(
        "Customer", {"DisplayName": f"hatsync live check {marker}"}, request_id=rid()), calls)
    accounts = _timed(client, "query income Account", lambda: client.query(
        "select * from Account where AccountType = 'Income' maxresults 1"), calls)
    item = None
    if accounts:
        item = _timed(client, "create Item", lambda: client.create("Item", {
            "Name": f"hatsync live check {marker}", "Type": "Service",
            "IncomeAccountRef": {"value": accounts[0]["Id"]}}, request_id=rid()), calls)
    if not (customer and item):
        return calls
    invoice = _timed(client, "create Invoice", lambda: client.create("Invoice", {
        "DocNumber": f"LC{marker}"[:21], "CustomerRef": {"value": customer["Id"]},
        "Line": [{"DetailType": "SalesItemLineDetail", "Amount": 10, "Description": marker,
                  "SalesItemLineDetail": {"ItemRef": {"value": item["Id"]}, "Qty": 1,
                                          "UnitPrice": 10, "TaxCodeRef": {"value": "NON"}}}],
    }, request_id=rid()), calls)
    payment = None
    if invoice:
        payment = _timed(client, "create Payment", lambda: client.create("Payment", {
            "CustomerRef": {"value": customer["Id"]}, "TotalAmt": 10,
            "Line": [{"Amount": 10, "LinkedTxn": [{"TxnId": invoice["Id"],
                                                   "TxnType": "Invoice"}]}],
        }, request_id=rid()), calls)
        _timed(client, "read Invoice", lambda: client.read("Invoice", invoice["Id"]), calls)
    if payment:
        _timed(client, "read Payment", lambda: client.read("Payment", payment["Id"]), calls)
        _timed(client, "delete Payment", lambda: client.delete(
            "Payment", payment, request_id=rid()), calls)
    if invoice:
        current = client.read("Invoice", invoice["Id"]) if payment else invoice
        _timed(client, "void Invoice", lambda: client.void_invoice(
            qbo_id=current["Id"], sync_token=current["SyncToken"], request_id=rid()), calls)
    _timed(client, "read Customer", lambda: client.read("Customer", customer["Id"]), calls)
    for entity, made in (("Item", item), ("Customer", customer)):
        current = client.read(entity, made["Id"])
        _timed(client, f"inactivate {entity}", lambda e=entity, c=current: client.update(
            e, {"Id": c["Id"], "SyncToken": c["SyncToken"], "sparse": True, "Active": False},
            request_id=rid()), calls)
    return calls


def compare(intuit_calls: list[Call], local_calls: list[Call]) -> list[Call]:
    """Intuit's calls, each with the shape differences from the local call of the same name."""
    local = {call.name: call for call in local_calls}
    for call in intuit_calls:
        twin = local.get(call.name)
        if twin is None:
            call.differences = ["the local sandbox did not make this call"]
        elif call.status != "ok" or twin.status != "ok":
            if call.status != twin.status:
                call.differences = [f"status differs: Intuit {call.status}, local {twin.status}"]
        else:
            call.differences = shape_differences(call.answer, twin.answer)
    return intuit_calls


def local_twin_client(base_url: str, *, country: str, company_name: str) -> Any:
    """A client for a new company of the local sandbox at `base_url` (its own process or
    thread), signed in through the sandbox's own OAuth endpoints as hatsync would be."""
    import requests
    from django.test.utils import override_settings

    from integrations.qbo import client as qbo
    from qbo_sandbox.app import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET

    realm = requests.post(f"{base_url}/_sandbox/companies", timeout=10, json={
        "name": company_name, "country": country}).json()["realm_id"]
    redirect = "http://localhost/live-check"
    code = requests.post(f"{base_url}/_sandbox/authorize", timeout=10, json={
        "realm_id": realm, "redirect_uri": redirect}).json()["code"]
    token = requests.post(f"{base_url}/oauth2/v1/tokens/bearer", timeout=10, data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": redirect},
        auth=(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET)).json()["access_token"]
    with override_settings(QBO_LOCAL_SANDBOX_URL=base_url):
        qbo._discovery_document.cache_clear()
        try:
            return qbo.QboClient(env_name="local", realm_id=realm, access_token=token)
        finally:
            qbo._discovery_document.cache_clear()


def live_check(intuit_client: Any, local_client: Any) -> list[Call]:
    """The script against both, Intuit's calls carrying their shape differences."""
    marker = uuid.uuid4().hex[:8]
    return compare(run_script(intuit_client, marker=marker),
                   run_script(local_client, marker=marker))
