"""Every parameter of every URL is read with a clear 400: a malformed value (an id that is no
number, a moment that is no date, a filter that is none of its choices) answers 400 with a
sentence naming the parameter, as JSON to a script that asks for JSON; nothing a request
carries answers 500.

PARAMETERS names what each URL of tests/security/url_table.py reads from the query string
(GET) or the form (POST) outside a Django form; a URL added without an entry fails the first
test. Django's forms check their own fields (and say so on the form): FORM_FIELDS sends them
junk too, and only a 500 fails.
"""

import pytest
from django.test import Client
from django.urls import reverse

from integrations.services.oauth import SESSION_STATE_KEY
from tests.security.test_url_scoping import url_for
from tests.security.url_table import URLS, grant_staff, make_world

pytestmark = pytest.mark.django_db

# What a value of each kind must never be taken for (each is a 400).
MALFORMED = {
    "id": ["abc", "²", "٣", "-1", "1.5", "1e3", " 7", "9" * 30, "\x00"],
    "page": ["abc", "²", "-2", "9" * 30, "\x00"],
    "choice": ["bogus", "\x00", "x" * 5000],
    "flag": ["yes", "0", "\x00"],
    "search": ["\x00", "a\x00b"],
    "moment": ["2026-13-45T10:00:00", "2026-11-20T10:00:00+99:00", "2026-02-30T00:00:00Z",
               "yesterday", "9999-99-99T99:99:99", "\x00"],
    "oauth": ["é", "\x00", "x" * 5000],
    "realm": ["abc", "1" * 40, "\x00"],
    "undo_job": ["abc", "0" * 31, "g" * 32, "\x00"],
}
# Kinds any value is good for (compared, never parsed): sent odd values, only a 500 fails.
FREE = {"version": ["", "x" * 5000, "\x00", "é"]}
SENTENCE = "must be"  # each refusal says what the parameter must be

PARAMETERS: dict[str, dict[str, str]] = {
    "home": {}, "login": {}, "logout": {}, "healthz": {}, "readyz": {}, "favicon": {},
    "invoices:invoice_list": {"q": "search", "status": "choice", "page": "page"},
    "invoices:invoice_live": {"v": "version"},
    "invoices:invoice_list_live": {"v": "version"},
    "integrations:settings": {"problems": "page", "differences": "page"},
    "integrations:reconcile": {"differences": "page"},
    "integrations:callback": {"code": "oauth", "state": "oauth", "error": "oauth",
                              "realmId": "realm"},
    "integrations:sync_history": {"outcome": "choice", "kind": "choice", "q": "search",
                                  "page": "page"},
    "integrations:import_invoices": {"job": "id", "state": "choice", "sort": "choice",
                                     "per_page": "choice", "q": "search", "page": "page",
                                     "undo": "undo_job"},
    "integrations:import_progress": {"since": "moment"},
    "integrations:import_sync": {"all": "flag", "matching": "flag", "invoice": "id",
                                 "shown": "id", "q": "search", "state": "choice",
                                 "sort": "choice", "per_page": "choice"},
    "integrations:import_undo": {"all_synced": "flag", "invoice": "id", "confirm": "flag"},
    "integrations:retry_problems": {"record": "id"},
    "integrations:reconcile_repair": {"record": "id"},
    "integrations:operations": {"q": "search"},
    "integrations:operations_requeue": {"record": "id"},
}
# Forms only, or nothing but their path (Django matches it: a bad one is a 404). The webhook's
# body is tests/integrations/test_changes_from_quickbooks.py's.
READ_NOTHING = [
    "invoices:invoice_create", "invoices:invoice_detail", "invoices:invoice_edit",
    "invoices:invoice_send", "invoices:invoice_mark_sent", "invoices:invoice_void",
    "invoices:invoice_delete", "invoices:payment_create", "invoices:refund_create",
    "invoices:payment_edit", "invoices:payment_delete", "invoices:card_fee_settings",
    "invoices:contact_list", "invoices:contact_create", "invoices:contact_edit",
    "invoices:product_list", "invoices:product_create", "invoices:product_edit",
    "invoices:tax_rate_list", "invoices:tax_rate_create", "invoices:tax_rate_edit",
    "invoices:expense_list", "invoices:expense_create", "integrations:connect",
    "integrations:recheck", "integrations:disconnect", "integrations:choose_accounts",
    "integrations:tax_codes", "integrations:classes_locations",
    "integrations:invoice_location", "integrations:reconcile_start",
    "integrations:import_undo_progress", "integrations:invoice_sync",
    "integrations:invoice_panel", "integrations:launch", "integrations:disconnected",
    "integrations:reconnect", "integrations:webhooks", "integrations:metrics",
    "integrations:operations_company",
]
PARAMETERS.update({name: {} for name in READ_NOTHING})
UNLISTED = set(URLS) - set(PARAMETERS)

# Fields of the CRM's and the integration's forms, each sent every junk value.
FORM_FIELDS = ["number", "contact", "issue_date", "due_date", "memo", "discount_kind",
               "discount_value", "form_token", "first_name", "last_name", "email",
               "display_name", "rate", "taxable", "default_tax_rate", "name", "percentage",
               "date", "amount", "tip_amount", "method", "reference", "processor_fee",
               "reason", "vendor", "category", "card_fee_percent", "card_fee_fixed",
               "deposit", "discount", "fee", "action", "location", "lines-TOTAL_FORMS",
               "lines-INITIAL_FORMS", "lines-0-product", "lines-0-quantity",
               "lines-0-unit_price", "lines-0-discount_percent", "lines-0-tax_rate",
               "username", "password", "next"]
JUNK = ["\x00", "²", "NaN", "Infinity", "1e999", "-1e-999", "9" * 40, "99999-01-01",
        "2026-02-30", "é" * 300, ""]


@pytest.fixture
def world(db, sandbox):
    return make_world("ALICE", realm="4620816365000000007")


@pytest.fixture
def visitor(world) -> Client:
    """Signed in (as staff, so the operations pages read their parameters too); a 500 is
    answered as a 500 (not raised), so it can be counted."""
    grant_staff(world)
    client = Client(raise_request_exception=False)
    client.force_login(world.user)
    return client


def cases(kinds: dict) -> list:
    """(URL, parameter, its values): one test each, the values sent in turn."""
    return [pytest.param(name, param, kinds[kind], id=f"{name}-{param}")
            for name, reads in PARAMETERS.items() for param, kind in reads.items()
            if kind in kinds]


def send(visitor, world, name: str, param: str, value: str, **headers):
    """The URL's first method, with `param` set to `value` (and what else its table entry
    names, so the view gets as far as reading it)."""
    entry = URLS[name]
    method = entry.methods[0]
    data = {**(entry.params(world) if entry.params else {}), param: value}
    if name == "integrations:callback":  # a Connect pressed in this session
        session = visitor.session
        session[SESSION_STATE_KEY] = "started-here"
        session.save()
        data = {"code": "c", "state": "started-here", "realmId": "4620816365000000007"} | {
            param: value}
    return getattr(visitor, method.lower())(url_for(name, world), data, **headers)


def test_every_url_says_which_parameters_it_reads():
    assert UNLISTED == set(), "Add these URLs to PARAMETERS (with {} if they read none)"
    assert set(PARAMETERS) - set(URLS) == set(), "Gone from url_table.py: remove them here"
    kinds = {kind for reads in PARAMETERS.values() for kind in reads.values()}
    assert kinds <= set(MALFORMED) | set(FREE)


@pytest.mark.parametrize("name, param, values", cases(MALFORMED))
def test_a_malformed_value_is_a_400_with_a_sentence(visitor, world, name, param, values):
    for value in values:
        response = send(visitor, world, name, param, value)

        assert response.status_code == 400, (value, response.content[:300])
        page = response.content.decode()
        assert f"“{param}”" in page and SENTENCE in page, value
        assert "\x00" not in page  # what was sent is not echoed


def test_a_script_asking_for_json_gets_the_sentence_as_json(visitor, world):
    response = send(visitor, world, "integrations:import_progress", "since",
                    "2026-13-45T10:00:00", HTTP_ACCEPT="application/json")

    assert response.status_code == 400
    assert "“since” must be a date and time" in response.json()["error"]


@pytest.mark.parametrize("value", ["2026-13-45T10:00:00", "2026-11-20T10:00:00+99:00"])
def test_the_import_progress_since_of_the_issue_is_a_400_not_a_500(visitor, world, value):
    url = reverse("integrations:import_progress", args=[world.job.pk])
    assert visitor.get(url, {"since": value}).status_code == 400


@pytest.mark.parametrize("since", ["2026-11-20T10:00:00+00:00", "2026-11-20T10:00:00",
                                   "2026-11-20T10:00:00.123456+05:30", ""])
def test_a_well_formed_since_is_answered(visitor, world, since):
    url = reverse("integrations:import_progress", args=[world.job.pk])
    response = visitor.get(url, {"since": since})
    assert response.status_code == 200 and "now" in response.json()


@pytest.mark.parametrize("name, param, values", cases(FREE))
def test_a_value_compared_as_it_is_never_fails(visitor, world, name, param, values):
    for value in values:
        assert send(visitor, world, name, param, value).status_code < 500, value


@pytest.mark.parametrize("name", [name for name, entry in URLS.items()
                                  if "POST" in entry.methods and name != "integrations:webhooks"
                                  and name != "logout"])
def test_junk_in_every_form_field_is_never_a_500(visitor, world, name):
    """The form shows its errors (200), a message (302) or refuses the request (400)."""
    for junk in JUNK:
        response = visitor.post(url_for(name, world), dict.fromkeys(FORM_FIELDS, junk))
        assert response.status_code in (200, 302, 400, 404), (junk, response.status_code)


def test_the_values_the_pages_send_are_all_taken(visitor, world):
    """What the app's own links and forms send (the filters, sorts and sizes they offer)."""
    for name, params in [
        ("invoices:invoice_list", {"q": "ALICE", "status": "sent", "page": "1"}),
        ("invoices:invoice_list", {"page": "last"}),
        ("integrations:import_invoices", {"job": str(world.job.pk), "state": "synced",
                                          "sort": "number", "per_page": "25", "q": "A",
                                          "page": "2", "undo": ""}),
        ("integrations:sync_history", {"outcome": "failed", "kind": "invoice", "q": "x"}),
        ("integrations:settings", {"problems": "2", "differences": "1"}),
    ]:
        assert visitor.get(url_for(name, world), params).status_code == 200, name


def test_a_username_longer_than_any_is_a_form_error_and_never_reaches_the_lockout(db):
    """Django sets the sign-in username's max_length without enforcing it; the lockout's
    record of a failure holds 255 characters (a 500 on PostgreSQL)."""
    from axes.models import AccessAttempt

    response = Client(raise_request_exception=False).post(
        reverse("login"), {"username": "é" * 300, "password": "x"})

    assert response.status_code == 200
    assert "at most 150 characters" in response.content.decode()
    assert not AccessAttempt.objects.exists()
