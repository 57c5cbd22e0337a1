"""The QBO sandbox as tests use it: its control API, its Accounting API called as another app
would, the consent page pressed as a person would, and the sync record a test then checks.

One `Sandbox` for both ways it runs: in-process behind `responses` (tests/integrations, whose
`rsps` also shows each call's body) and as the real server process (tests/system).
"""

from collections import Counter
from urllib.parse import parse_qs, urlsplit

import requests

US_REALM, CA_REALM, GB_REALM, AU_REALM = (
    "9341453108260001", "9341453108260002", "9341453108260003", "9341453108260004",
)
IN_PROCESS_URL = "http://qbo-sandbox.test"
CLIENT_AUTH = ("hatsync-local", "hatsync-local-secret")
TOKEN_PATH = "/oauth2/v1/tokens/bearer"


class Sandbox:
    """The sandbox at `base_url`, through HTTP only. `rsps`: the `responses` mock that routes
    the in-process one (its calls keep the request bodies)."""

    def __init__(self, base_url: str, *, rsps=None, app=None):
        self.base_url = base_url
        self.rsps = rsps
        self.app = app

    def control(self, method: str, path: str, **kwargs):
        response = requests.request(method, f"{self.base_url}/_sandbox/{path}", timeout=10,
                                    **kwargs)
        response.raise_for_status()
        return response.json()

    def entities(self, realm: str, entity: str) -> list[dict]:
        return self.control("GET", f"companies/{realm}/entities/{entity}")[entity]

    def invoices(self, realm: str, doc_number: str) -> list[dict]:
        return [i for i in self.entities(realm, "Invoice") if i.get("DocNumber") == doc_number]

    def new_company(self, name: str = "Test Studio", country: str = "US") -> str:
        """A bare company of its own (no other test's objects, requests or faults); its realm."""
        return self.control("POST", "companies", json={"name": name, "country": country})[
            "realm_id"]

    def log(self, realm: str | None = None) -> list[dict]:
        """The request log: this company's API calls, or every call (token calls too)."""
        params = {"realm": realm} if realm else {}
        return self.control("GET", "requests", params=params)["requests"]

    def token_calls(self) -> list[dict]:
        return [r for r in self.log() if r["method"] == "POST" and r["path"] == TOKEN_PATH]

    def api(self, method: str, realm: str, path: str, token: str, **kwargs) -> dict:
        """Call the Accounting API as another app would (e.g. someone typing in QuickBooks)."""
        response = requests.request(
            method, f"{self.base_url}/v3/company/{realm}/{path}", timeout=10,
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
            **kwargs,
        )
        response.raise_for_status()
        return response.json()

    def api_post(self, account, entity: str, body: dict) -> dict:
        """Write to QuickBooks directly with the account's own token, as someone using
        QuickBooks itself would."""
        from integrations.models import QuickBooksConnection

        connection = QuickBooksConnection.objects.get(account=account)
        return self.api("POST", connection.realm_id, entity.lower(), connection.access_token,
                        json=body)[entity]

    def foreign_invoice(self, account, doc_number: str) -> dict:
        """An invoice made in QuickBooks, not by hatsync, for a customer of its own."""
        customer = self.api_post(account, "Customer", {"DisplayName": f"Other {doc_number}"})
        return self.api_post(account, "Invoice", {
            "DocNumber": doc_number, "CustomerRef": {"value": customer["Id"]},
            "Line": [{"DetailType": "SalesItemLineDetail", "Amount": 5,
                      "SalesItemLineDetail": {"ItemRef": {"value": "1"}, "Qty": 1,
                                              "UnitPrice": 5, "TaxCodeRef": {"value": "NON"}}}],
        })

    def api_calls(self, fragment: str = "") -> list:
        """The in-process sandbox's Accounting API calls (with their bodies) since the last
        `rsps.calls.reset()`."""
        assert self.rsps is not None, "only the in-process sandbox keeps request bodies"
        return [c for c in self.rsps.calls if "/v3/" in c.request.url and fragment in c.request.url]

    def assert_exactly_once(self, realm: str) -> None:
        """Every write carried a requestid, and no DocNumber exists twice in QuickBooks."""
        writes = [r for r in self.log(realm)
                  if r["method"] == "POST" and r["path"].startswith("/v3/")
                  and not r["path"].endswith("/query")]
        assert writes, "no writes reached the sandbox"
        assert all(r.get("requestid") for r in writes), [
            r for r in writes if not r.get("requestid")]
        numbers = Counter(i.get("DocNumber") for i in self.entities(realm, "Invoice"))
        assert [n for n, times in numbers.items() if times > 1] == []


def press_connect_and_consent(client, realm: str = US_REALM) -> tuple[str, dict]:
    """Press Connect here, then Connect on the sandbox's consent page (which lists the company).
    Returns where QuickBooks sends the browser back (the callback's path and its parameters),
    not yet followed."""
    from django.conf import settings

    start = client.post("/integrations/quickbooks/connect/")
    assert start.status_code == 302, start
    assert start["Location"].startswith(settings.QBO_LOCAL_SANDBOX_URL), start["Location"]
    page = requests.get(start["Location"], timeout=10)
    assert page.status_code == 200 and realm in page.text, page.text
    consent = requests.post(start["Location"], data={"action": "connect", "realm_id": realm},
                            allow_redirects=False, timeout=10)
    assert consent.status_code in (302, 303), consent.text
    back = urlsplit(consent.headers["Location"])
    return back.path, {k: v[0] for k, v in parse_qs(back.query).items()}


def connect_through_consent_page(client, realm: str = US_REALM):
    """Press Connect here, then Connect on the sandbox's consent page, then follow QuickBooks
    back here. Returns that last answer: a redirect to the page that says how it went."""
    done = client.get(*press_connect_and_consent(client, realm))
    assert done.status_code == 302, done
    return done


def connected_through_consent_page(client, realm: str = US_REALM):
    """`connect_through_consent_page`, and the signed-in account is now connected to `realm`.
    Returns its QuickBooksConnection."""
    from django.contrib.auth import get_user_model

    from integrations.models import QuickBooksConnection

    connect_through_consent_page(client, realm)
    user = get_user_model().objects.get(pk=client.session["_auth_user_id"])
    connection = QuickBooksConnection.objects.get(account=user.account)
    assert connection.realm_id == realm
    assert connection.status == "connected", connection.status_reason
    return connection


def record_for(obj, kind: str = "invoice"):
    """The sync record of an invoice, payment, refund or contact (kind "contact"), or None
    when it has none."""
    from integrations.models import SyncRecord

    return SyncRecord.objects.filter(key=f"{kind}:{obj.pk}").first()
