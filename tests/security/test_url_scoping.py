"""Every URL is scoped to the signed-in user's account: another account's records are not
found, its ids in a form or a query string are ignored, and nothing of it changes or shows.
Tasks queued meanwhile name only the signed-in account's rows. A visitor who is not signed in
is sent to sign in.

The URLs come from the URLconf itself (admin/ aside: staff only, Django's own checks); a URL
missing from tests/security/url_table.py fails the first test. The operations pages (staff
entries) cross accounts on purpose: a signed-in user who is not staff is refused and changes
nothing, staff reach them.
"""

import pytest
from celery import current_app
from celery.app.task import Task
from django.apps import apps
from django.urls import URLResolver, get_resolver, reverse

from invoices.models import Account
from tests.security.url_table import TASKS, URLS, grant_staff, make_world

pytestmark = pytest.mark.django_db
THEIRS = "MARCHHARE"  # in every piece of the other account's text
TAMPER = {  # what a form that did reach the other account's record would have saved
    "first_name": "Mallory", "last_name": "Mallory", "email": "mallory@example.com",
    "display_name": "Mallory", "name": "Mallory", "percentage": "1", "rate": "1.00",
    "number": "MALLORY", "amount": "1.00", "date": "2026-11-20", "vendor": "Mallory",
    "category": "Mallory", "issue_date": "2026-11-01", "due_date": "2026-11-15",
}


def urlconf_names(patterns=None, namespace: str = "") -> set[str]:
    names = set()
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            if pattern.app_name == "admin" or str(pattern.pattern).startswith("static"):
                continue
            inner = ":".join(filter(None, [namespace, pattern.namespace]))
            names |= urlconf_names(pattern.url_patterns, inner)
            continue
        assert pattern.name, f"The URL {pattern.pattern} needs a name (and a scope entry)"
        names.add(f"{namespace}:{pattern.name}" if namespace else pattern.name)
    return names


def holdings(account) -> dict[str, list[dict]]:
    """Every row that belongs to the account, as stored."""
    rows = {}
    for model in [*apps.get_app_config("invoices").get_models(),
                  *apps.get_app_config("integrations").get_models()]:
        fields = {f.name for f in model._meta.get_fields()}
        if model is Account:
            path = "pk"
        else:
            path = next((p for p in ("account", "invoice__account", "record__account")
                         if p.split("__")[0] in fields), None)
        assert path, f"Say how a {model.__name__} belongs to an account"
        rows[model.__name__] = list(model.objects.filter(**{path: account.pk})
                                    .order_by("pk").values())
    return rows


@pytest.fixture
def mine(db):
    return make_world("MADHATTER", realm="4620816365000000001")


@pytest.fixture
def theirs(db):
    return make_world(THEIRS, realm="4620816365000000002", country="CA")


@pytest.fixture
def queued(monkeypatch) -> list[tuple[str, tuple]]:
    """Tasks are written down here instead of going to the broker."""
    calls = []
    monkeypatch.setattr(Task, "apply_async",
                        lambda task, args=(), kwargs=None, **options: calls.append(
                            (task.name, tuple(args or ()))))
    return calls


@pytest.fixture
def signed_in(client, mine, sandbox, queued, django_capture_on_commit_callbacks):
    """Signed in as `mine`; QuickBooks is the in-process sandbox (nothing leaves the test);
    what a request queues after its commit is queued (into `queued`)."""
    client.force_login(mine.user)

    def request(method: str, url: str, data=None):
        with django_capture_on_commit_callbacks(execute=True):
            return getattr(client, method.lower())(url, data or {})

    client.request_committed = request
    return client


def assert_tasks_name_only(account, queued) -> None:
    for name, args in queued:
        assert name in TASKS, f"Add {name} to TASKS in tests/security/url_table.py"
        if TASKS[name] is not None:
            row = apps.get_model(*TASKS[name]).objects.get(pk=args[0])
            assert row.account_id == account.pk, (name, args)


def url_for(name: str, world) -> str:
    entry = URLS[name]
    return reverse(name, args=entry.args(world) if entry.args else None)


def test_every_url_in_the_urlconf_has_a_scope_entry():
    names = urlconf_names()
    assert names - set(URLS) == set(), "New URLs: add them to tests/security/url_table.py"
    assert set(URLS) - names == set(), "Gone from the URLconf: remove them from the table"


def test_every_task_has_a_scope_entry():
    import integrations.tasks  # noqa: F401  (registers them)

    ours = {name for name in current_app.tasks if name.startswith(("integrations.", "invoices."))}
    assert ours == set(TASKS)


def test_every_entry_builds_its_url_with_the_arguments_it_says(mine):
    for name in URLS:
        assert url_for(name, mine)  # NoReverseMatch when the table and the URL disagree


OBJECT_URLS = [name for name, entry in URLS.items() if entry.args and not entry.staff]
ACCOUNT_URLS = [name for name, entry in URLS.items()
                if not entry.args and not entry.public and not entry.staff]
STAFF_URLS = [name for name, entry in URLS.items() if entry.staff]


@pytest.mark.parametrize("name", OBJECT_URLS)
def test_another_accounts_record_is_not_found_and_left_alone(signed_in, theirs, queued, name):
    url, before = url_for(name, theirs), holdings(theirs.account)
    for method in ("GET", "POST"):  # a method the view does not use is refused before all
        expected = 404 if method in URLS[name].methods else 405
        assert signed_in.request_committed(method, url, TAMPER).status_code == expected, method
    assert holdings(theirs.account) == before
    assert queued == []


@pytest.mark.parametrize("name", OBJECT_URLS)
def test_the_owner_reaches_their_own_record(signed_in, mine, queued, name):
    response = signed_in.request_committed(URLS[name].methods[0], url_for(name, mine))
    assert response.status_code in (200, 302)
    assert_tasks_name_only(mine.account, queued)


@pytest.mark.parametrize("name", ACCOUNT_URLS)
def test_an_account_wide_url_neither_shows_nor_changes_another_account(
    signed_in, mine, theirs, queued, name
):
    entry, before = URLS[name], holdings(theirs.account)
    params = entry.params(theirs) if entry.params else {}
    for method in entry.methods:
        response = signed_in.request_committed(method, reverse(name), params)
        # Another account's id in the form: ignored, or not found.
        assert response.status_code in ((200, 302, 404) if params else (200, 302)), method
        assert THEIRS.encode() not in response.content
    assert holdings(theirs.account) == before
    assert_tasks_name_only(mine.account, queued)


@pytest.mark.parametrize("name", STAFF_URLS)
def test_a_staff_url_is_refused_to_a_signed_in_user_who_is_not_staff(
    signed_in, mine, theirs, queued, name
):
    entry = URLS[name]
    before = holdings(mine.account), holdings(theirs.account)
    url = url_for(name, theirs)
    for method in ("GET", "POST"):
        params = entry.params(theirs) if entry.params else {}
        response = signed_in.request_committed(method, url, params)
        assert response.status_code == (403 if method in entry.methods else 405), method
        assert THEIRS.encode() not in response.content
    assert (holdings(mine.account), holdings(theirs.account)) == before
    assert queued == []


@pytest.mark.parametrize("name", STAFF_URLS)
def test_staff_reach_a_staff_url(signed_in, mine, theirs, queued, name):
    grant_staff(mine)
    entry = URLS[name]
    params = entry.params(theirs) if entry.params else {}
    response = signed_in.request_committed(entry.methods[0], url_for(name, theirs), params)
    assert response.status_code in (200, 302)


@pytest.mark.parametrize("name", [name for name, entry in URLS.items() if not entry.public])
def test_a_visitor_is_sent_to_sign_in(client, mine, name):
    url = url_for(name, mine)
    for method in ("get", "post"):
        response = getattr(client, method)(url)
        if response.status_code == 405:  # a method the view does not use: refused first
            assert method.upper() not in URLS[name].methods
            continue
        assert response.status_code == 302, (method, response.status_code)
        assert response.url.startswith(f"{reverse('login')}?next=")


def test_the_public_urls_show_nothing_of_an_account(client, theirs):
    assert client.get(reverse("home")).url == reverse("invoices:invoice_list")
    assert client.get(reverse("healthz")).json() == {"status": "ok"}
    assert client.get(reverse("integrations:metrics")).status_code == 404  # no token set
    assert client.get(reverse("readyz")).json() == {"status": "ok", "database": "ok",
                                                     "broker": "ok"}
    login = client.get(reverse("login"))
    assert login.status_code == 200 and THEIRS.encode() not in login.content
    assert client.post(reverse("logout")).url == reverse("login")
