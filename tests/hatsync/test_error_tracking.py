"""Sentry: on only with SENTRY_DSN, with the Django and Celery integrations; no event leaves
with a token, a sign-in code, a cookie, an Authorization header or QuickBooks data in it."""

import copy
import json
import os
import subprocess
import sys
from pathlib import Path

from hatsync.error_tracking import FILTERED, scrub_breadcrumb, scrub_event, scrub_url

ROOT = Path(__file__).resolve().parents[2]
ACCESS = "eyJlbmMiOiJBMTI4Q0JDLUhTMjU2IiwiYWxnIjoiZGlyIn0..ACCESS-TOKEN-x_y"
REFRESH = "AB11797512345REFRESHTOKENqwertyuiop"
CODE = "AB11SIGNINCODE7777"
SESSION = "s3ss10nk3yabcdef"
PRIVATE = ["Quillon", "Marchbanks", "987.65", "CustomerRef", "TotalAmt", "select ", "SELECT",
           "dataChangeEvent"]


def _django_event() -> dict:
    """What sentry-sdk's Django integration builds for a failed OAuth callback, with what a
    breadcrumb trail, a Celery task and the logging integration add."""
    return {
        "level": "error",
        "platform": "python",
        "exception": {"values": [{
            "type": "QboAuthError",
            "value": f'QuickBooks refused the sign-in code ({{"error": "invalid_grant", '
                     f'"code": "{CODE}"}}) refresh_token={REFRESH}',
            "module": "integrations.qbo.errors",
            "stacktrace": {"frames": [{
                "filename": "integrations/qbo/client.py", "function": "process_request",
                "lineno": 190,
                "vars": {"headers": {"Authorization": f"Bearer {ACCESS}"},
                         "data": '{"CustomerRef": {"value": "58"}, "TotalAmt": 987.65}'},
            }]},
        }]},
        "request": {
            "url": f"https://hatsync.example.com/integrations/quickbooks/callback/?code={CODE}"
                   "&state=st4te&realmId=9130354",
            "method": "GET",
            "query_string": f"code={CODE}&state=st4te&realmId=9130354",
            "cookies": {"sessionid": SESSION, "csrftoken": "csrfcsrfcsrf"},
            "headers": {"Cookie": f"sessionid={SESSION}; csrftoken=csrfcsrfcsrf",
                        "Authorization": f"Bearer {ACCESS}", "Intuit-Signature": "c2lnbmF0dXJl",
                        "User-Agent": "Mozilla/5.0", "Host": "hatsync.example.com"},
            "data": '{"eventNotifications": [{"realmId": "9130354", "dataChangeEvent": '
                    '{"entities": [{"name": "Customer", "id": "58"}]}}]}',
            "env": {"REMOTE_ADDR": "203.0.113.9"},
        },
        "breadcrumbs": {"values": [
            {"type": "http", "category": "httplib", "level": "info", "timestamp": 1.0,
             "data": {"url": "https://quickbooks.api.intuit.com/v3/company/9130354/query"
                             "?query=select * from Customer where DisplayName = 'Quillon "
                             "Marchbanks'&minorversion=75",
                      "method": "POST", "status_code": 200, "reason": "OK",
                      "http.query": "query=select * from Customer", "http.fragment": ""}},
            {"type": "http", "category": "httplib",
             "data": {"url": "https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer",
                      "method": "POST", "status_code": 400,
                      "body": f"grant_type=refresh_token&refresh_token={REFRESH}"}},
            {"type": "log", "category": "requests_oauthlib.oauth2_session", "level": "debug",
             "message": f"Obtained token {{'access_token': '{ACCESS}', "
                        f"'refresh_token': '{REFRESH}'}}",
             "data": {"token": {"access_token": ACCESS}}},
            {"type": "log", "category": "integrations.services.sync", "level": "info",
             "message": "Sync of invoice:12 (create): synced"},
        ]},
        "extra": {"celery-job": {"task_name": "integrations.tasks.process_webhook",
                                 "args": [[{"realmId": "9130354", "name": "Quillon"}]],
                                 "kwargs": {"payload": {"TotalAmt": 987.65}}},
                  "sys.argv": ["gunicorn"]},
        "contexts": {"trace": {"trace_id": "abc", "span_id": "def", "op": "http.server"},
                     "response": {"status_code": 500, "body": "Quillon"}},
        "tags": {"realm": "9130354", "status_code": "500"},
        "user": {"id": "7", "email": "alice@example.com", "ip_address": "203.0.113.9",
                 "username": "alice"},
        "modules": {"django": "5.2"},
    }


def _leaks(event: dict) -> list[str]:
    text = json.dumps(event)
    return [s for s in [ACCESS, REFRESH, CODE, SESSION, "csrfcsrfcsrf", "c2lnbmF0dXJl",
                        "alice@example.com", "203.0.113.9", *PRIVATE] if s in text]


def test_a_django_event_leaves_without_tokens_codes_cookies_or_quickbooks_data():
    event = scrub_event(_django_event(), {})
    assert _leaks(event) == []


def test_what_an_engineer_needs_stays_in_the_event():
    event = scrub_event(_django_event(), {})
    exception = event["exception"]["values"][0]
    assert exception["type"] == "QboAuthError"
    assert exception["value"] == ("QuickBooks refused the sign-in code ({…}) "
                                  "refresh_token=[redacted]")
    assert exception["stacktrace"]["frames"] == [{
        "filename": "integrations/qbo/client.py", "function": "process_request", "lineno": 190}]
    assert event["request"] == {
        "method": "GET", "url": "https://hatsync.example.com/integrations/quickbooks/callback/",
        "headers": {"Cookie": FILTERED, "Authorization": FILTERED,
                    "Intuit-Signature": FILTERED, "User-Agent": "Mozilla/5.0",
                    "Host": "hatsync.example.com"},
        "query_string": FILTERED, "data": FILTERED}
    crumbs = event["breadcrumbs"]["values"]
    assert crumbs[0]["data"] == {
        "method": "POST", "status_code": 200, "reason": "OK",
        "url": "https://quickbooks.api.intuit.com/v3/company/9130354/query"}
    assert crumbs[1]["data"]["status_code"] == 400 and "body" not in crumbs[1]["data"]
    assert "data" not in crumbs[2]
    assert crumbs[3]["message"] == "Sync of invoice:12 (create): synced"
    assert event["extra"]["celery-job"] == {"task_name": "integrations.tasks.process_webhook",
                                            "args": FILTERED, "kwargs": FILTERED}
    assert event["tags"] == {"realm": "9130354", "status_code": "500"}
    assert event["user"] == {"id": "7"}


def test_a_transactions_spans_keep_no_query_text():
    transaction = {"type": "transaction", "spans": [
        {"op": "http.client", "description": "POST https://quickbooks.api.intuit.com/v3/company"
                                             "/1/query?query=SELECT * FROM Customer",
         "data": {"url": "https://quickbooks.api.intuit.com/v3/company/1/query?query=select",
                  "http.query": "query=select", "http.method": "POST"}},
        {"op": "db", "description": "SELECT ... WHERE note = 'Quillon'"},
    ]}
    scrubbed = scrub_event(copy.deepcopy(transaction), {})
    assert scrubbed["spans"][0]["description"] == (
        "POST https://quickbooks.api.intuit.com/v3/company/1/query")
    assert scrubbed["spans"][0]["data"]["url"] == (
        "https://quickbooks.api.intuit.com/v3/company/1/query")
    assert scrubbed["spans"][1]["description"] == "SELECT ... WHERE note = %s"
    assert _leaks(scrubbed) == ["SELECT"]  # a database span names its SQL, not its values


def test_a_breadcrumb_alone_and_a_relative_url():
    assert scrub_breadcrumb({"category": "query", "message": "SELECT 1",
                             "data": {"params": [REFRESH]}}) == {
        "category": "query", "message": "SELECT 1"}
    assert scrub_url(f"/integrations/quickbooks/callback/?code={CODE}") == (
        "/integrations/quickbooks/callback/")


def _run(code: str, **env: str) -> str:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("SENTRY_")}
    environment.update(env)
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=environment,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


INSPECT = """
import django, json, os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hatsync.settings")
django.setup()
import sentry_sdk
from hatsync.error_tracking import scrub_breadcrumb, scrub_event
client = sentry_sdk.get_client()
o = client.options
print(json.dumps({"active": client.is_active(),
                  "integrations": sorted(getattr(client, "integrations", {})),
                  "before_send": o.get("before_send") is scrub_event,
                  "before_send_transaction": o.get("before_send_transaction") is scrub_event,
                  "before_breadcrumb": o.get("before_breadcrumb") is scrub_breadcrumb,
                  "pii": o.get("send_default_pii"), "locals": o.get("include_local_variables"),
                  "environment": o.get("environment")}))
"""


def test_sentry_is_on_with_django_and_celery_when_sentry_dsn_is_set():
    seen = json.loads(_run(INSPECT, SENTRY_DSN="https://public@sentry.invalid/1",
                           SENTRY_ENVIRONMENT="staging"))
    assert seen["active"] is True
    assert {"django", "celery"} <= set(seen["integrations"])
    assert seen["before_send"] and seen["before_send_transaction"] and seen["before_breadcrumb"]
    assert seen["pii"] is False and seen["locals"] is False
    assert seen["environment"] == "staging"


def test_sentry_is_off_without_sentry_dsn():
    assert json.loads(_run(INSPECT))["active"] is False


CAPTURE = """
import django, json, os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hatsync.settings")
django.setup()
import sentry_sdk
from sentry_sdk.transport import Transport
from django.core.wsgi import get_wsgi_application
from django.test.utils import override_settings
from wsgiref.util import setup_testing_defaults
from hatsync.error_tracking import init_sentry

class Captured(Transport):
    events = []
    def capture_envelope(self, envelope):
        for item in envelope.items:
            if item.type in ("event", "transaction"):
                self.events.append(item.payload.json)

init_sentry(dsn="https://public@sentry.invalid/1", environment="test", transport=Captured)
environ = {"PATH_INFO": "/test-500/", "QUERY_STRING": "code=%(code)s&state=x",
           "HTTP_HOST": "testserver", "HTTP_AUTHORIZATION": "Bearer %(access)s",
           "HTTP_COOKIE": "csrftoken=%(session)s"}
setup_testing_defaults(environ)
with override_settings(ROOT_URLCONF="tests.hatsync.error_urls", DEBUG=False,
                       ALLOWED_HOSTS=["testserver"]):
    # Through Django's WSGI handler, as gunicorn calls it (the integration wraps it).
    b"".join(get_wsgi_application()(environ, lambda status, headers, exc_info=None: None))
sentry_sdk.flush()
print(json.dumps(Captured.events))
"""


def test_a_real_failing_page_reaches_sentry_scrubbed():
    code = CAPTURE % {"access": ACCESS, "session": SESSION, "code": CODE}
    events = json.loads(_run(code, DATABASE_URL="sqlite:///:memory:"))
    assert len(events) == 1
    event = events[0]
    assert event["exception"]["values"][-1]["type"] == "RuntimeError"
    assert event["request"]["url"] == "http://testserver/test-500/"
    assert event["request"]["headers"]["Authorization"] == FILTERED
    assert event["request"]["headers"]["Cookie"] == FILTERED
    assert event["request"]["query_string"] == FILTERED
    assert _leaks(event) == []
