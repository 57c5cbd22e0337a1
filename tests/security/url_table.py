"""Every URL of the product, and how to aim it at one account's records.

test_url_scoping.py fails when a URL is added without an entry here, so each new URL comes
with its scope test. `args`: the record the URL is about (another account's gives 404);
`params`: ids the view takes from the query string or the form (another account's are
ignored); neither: the URL is about the signed-in user's own account as a whole. `staff`: the
operations pages, which cross accounts on purpose (an operator searching for a requestid does
not know whose it is): instead of the scoping tests they get the staff tests, a signed-in user
who is not staff is refused (403) and changes nothing, a visitor is sent to sign in.

TASKS says the same of the Celery tasks: which model each task's first argument is the id of
(a task queued while one account is signed in must only ever name that account's rows).
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from integrations.models import BulkSyncJob, QuickBooksConnection, SyncRecord
from invoices import services
from invoices.models import Account, Expense
from tests.factories import (
    make_account,
    make_contact,
    make_invoice,
    make_product,
    make_tax_rate,
    make_user,
)


@dataclass
class World:
    """One account with one of everything a URL can point at."""

    account: object
    user: object
    contact: object
    tax_rate: object
    product: object
    draft_invoice: object
    sent_invoice: object
    payment: object
    expense: object
    connection: object
    problem: object  # a sync record that failed
    job: object  # an Import Invoices run


def make_world(text: str, *, realm: str, country: str = "US") -> World:
    """Every piece of CRM text holds `text` (a marker to look for, or markup to see escaped)."""
    account = make_account(country=country)
    Account.objects.filter(pk=account.pk).update(name=f"{text} Studio")
    account.refresh_from_db()
    user = make_user(account=account)
    connection = QuickBooksConnection.objects.create(
        account=account, environment="local", realm_id=realm, company_name=f"{text} Company",
        country=country, access_token=f"access-{realm}", refresh_token=f"refresh-{realm}",
        access_token_expires_at=timezone.now() + timedelta(hours=1),
    )
    contact = make_contact(account=account, first_name=text, last_name=text)
    tax_rate = make_tax_rate(account=account, name=f"{text} Tax")
    product = make_product(account=account, display_name=f"{text} Session", tax_rate=tax_rate)
    lines = [(product, "1", "100.00", tax_rate)]
    draft = make_invoice(account=account, contact=contact, number=f"{text}-1", lines=lines)
    sent = make_invoice(account=account, contact=contact, number=f"{text}-2", lines=lines,
                        send=True)
    payment = services.payment_record(invoice=sent, date=date(2026, 11, 20),
                                      amount=Decimal("10.00"), reference=f"{text} ref")
    expense = Expense.objects.create(account=account, date=date(2026, 11, 2), vendor=text,
                                     category=text, amount=Decimal("5.00"), notes=text)
    problem = SyncRecord.objects.get(invoice=sent, kind=SyncRecord.Kind.INVOICE)
    SyncRecord.objects.filter(pk=problem.pk).update(
        state=SyncRecord.State.FAILED, last_error=f"{text} could not be synced",
        warning=f"{text} warning")
    job = BulkSyncJob.objects.create(account=account, created_by=user, invoice_ids=[sent.pk])
    return World(account, user, contact, tax_rate, product, draft, sent, payment, expense,
                 connection, problem, job)


@dataclass(frozen=True)
class Url:
    methods: tuple[str, ...]  # what the view answers
    args: Callable[[World], list] | None = None
    params: Callable[[World], dict] | None = None
    public: bool = False  # open without signing in
    note: str = ""
    staff: bool = False  # staff only, every account (see the module's docstring)


ACCOUNT_WIDE = "about the signed-in user's own account: nothing in the URL names a record"
STAFF = "staff only, across every account (test_operations_page.py)"
GET, POST, BOTH = ("GET",), ("POST",), ("GET", "POST")


def _draft(w: World) -> list:
    return [w.draft_invoice.pk]


def _sent(w: World) -> list:
    return [w.sent_invoice.pk]


def _undo_job(w: World) -> str:
    """An Undo sync of the account's sent invoice (nothing in it to remove)."""
    from integrations.services import undo

    return undo.undo_start(account=w.account, invoice_ids=[w.sent_invoice.pk])


URLS: dict[str, Url] = {
    "home": Url(GET, public=True, note="a redirect to the invoice list"),
    "login": Url(BOTH, public=True),
    "logout": Url(POST, public=True),
    "healthz": Url(GET, public=True, note="for load balancers; says nothing of any account"),
    "readyz": Url(GET, public=True, note="for load balancers: the database and the broker "
                                         "answer; says nothing of any account"),
    "favicon": Url(GET, public=True, note="a redirect to the static icon"),
    "invoices:invoice_list": Url(GET, note=ACCOUNT_WIDE),
    "invoices:invoice_create": Url(BOTH, note=ACCOUNT_WIDE),
    "invoices:invoice_detail": Url(GET, args=_sent),
    "invoices:invoice_edit": Url(BOTH, args=_draft),
    "invoices:invoice_send": Url(POST, args=_draft),
    "invoices:invoice_mark_sent": Url(POST, args=_draft),
    "invoices:invoice_void": Url(POST, args=_sent),
    "invoices:invoice_delete": Url(POST, args=_draft),
    "invoices:payment_create": Url(BOTH, args=_sent),
    "invoices:refund_create": Url(BOTH, args=lambda w: [w.sent_invoice.pk, w.payment.pk]),
    "invoices:payment_edit": Url(BOTH, args=lambda w: [w.sent_invoice.pk, w.payment.pk]),
    "invoices:payment_delete": Url(BOTH, args=lambda w: [w.sent_invoice.pk, w.payment.pk]),
    "invoices:invoice_live": Url(GET, args=_sent),
    "invoices:invoice_list_live": Url(GET, note=ACCOUNT_WIDE),
    "invoices:card_fee_settings": Url(BOTH, note=ACCOUNT_WIDE),
    "invoices:contact_list": Url(GET, note=ACCOUNT_WIDE),
    "invoices:contact_create": Url(BOTH, note=ACCOUNT_WIDE),
    "invoices:contact_edit": Url(BOTH, args=lambda w: [w.contact.pk]),
    "invoices:product_list": Url(GET, note=ACCOUNT_WIDE),
    "invoices:product_create": Url(BOTH, note=ACCOUNT_WIDE),
    "invoices:product_edit": Url(BOTH, args=lambda w: [w.product.pk]),
    "invoices:tax_rate_list": Url(GET, note=ACCOUNT_WIDE),
    "invoices:tax_rate_create": Url(BOTH, note=ACCOUNT_WIDE),
    "invoices:tax_rate_edit": Url(BOTH, args=lambda w: [w.tax_rate.pk]),
    "invoices:expense_list": Url(GET, note=ACCOUNT_WIDE),
    "invoices:expense_create": Url(BOTH, note=ACCOUNT_WIDE),
    "integrations:settings": Url(GET, note=ACCOUNT_WIDE),
    "integrations:connect": Url(POST, note=ACCOUNT_WIDE),
    "integrations:callback": Url(GET, note="the OAuth state in the session names the account "
                                           "(test_oauth_state.py)"),
    "integrations:recheck": Url(POST, note=ACCOUNT_WIDE),
    "integrations:disconnect": Url(POST, note=ACCOUNT_WIDE),
    "integrations:choose_accounts": Url(POST, note=ACCOUNT_WIDE + " (test_choose_accounts.py: "
                                        "ids not in the own company's list are refused)"),
    "integrations:tax_codes": Url(BOTH, params=lambda w: {f"rate_{w.tax_rate.pk}": "1"},
                                  note="another account's rate in the form is ignored "
                                  "(test_tax_code_mapping.py)"),
    "integrations:classes_locations": Url(
        BOTH, params=lambda w: {f"class_{w.product.pk}": "1", "location": "1"},
        note="another account's product in the form is ignored (test_classes_locations.py)"),
    "integrations:invoice_location": Url(BOTH, args=_sent),
    "integrations:retry_problems": Url(POST, params=lambda w: {"record": w.problem.pk}),
    "integrations:reconcile": Url(GET, note=ACCOUNT_WIDE),
    "integrations:reconcile_start": Url(POST, note=ACCOUNT_WIDE),
    "integrations:reconcile_repair": Url(POST, params=lambda w: {"record": w.problem.pk,
                                                                 "action": "send"}),
    "integrations:sync_history": Url(GET, note=ACCOUNT_WIDE),
    "integrations:import_invoices": Url(GET, params=lambda w: {"job": w.job.pk}),
    "integrations:import_sync": Url(POST, params=lambda w: {"invoice": [w.sent_invoice.pk]}),
    "integrations:import_progress": Url(GET, args=lambda w: [w.job.pk]),
    "integrations:import_undo": Url(POST, params=lambda w: {"invoice": [w.sent_invoice.pk],
                                                            "confirm": "1"}),
    "integrations:import_undo_progress": Url(GET, args=lambda w: [_undo_job(w)]),
    "integrations:invoice_sync": Url(POST, args=_sent),
    "integrations:invoice_panel": Url(GET, args=_sent),
    "integrations:launch": Url(GET, note=ACCOUNT_WIDE + " (QuickBooks' Launch: a redirect)"),
    "integrations:disconnected": Url(GET, note=ACCOUNT_WIDE + " (believed only once QuickBooks "
                                     "refuses the tokens: test_intuit_urls.py)"),
    "integrations:reconnect": Url(BOTH, note=ACCOUNT_WIDE + " (starts the OAuth flow)"),
    "integrations:webhooks": Url(POST, public=True,
                                 note="Intuit calls it, not a person: taken only with a valid "
                                      "intuit-signature; its events name companies by realm "
                                      "(test_changes_from_quickbooks.py)"),
    "integrations:metrics": Url(GET, public=True,
                                note="Prometheus calls it, not a person: answered only with "
                                     "the HATSYNC_METRICS_TOKEN bearer token (not found "
                                     "while none is set); figures over every account, a "
                                     "company named only by realm id (test_metrics.py)"),
    "integrations:operations": Url(GET, staff=True, note=STAFF),
    "integrations:operations_company": Url(GET, args=lambda w: [w.connection.pk], staff=True,
                                           note=STAFF),
    "integrations:operations_requeue": Url(POST, params=lambda w: {"record": w.problem.pk},
                                           staff=True, note=STAFF),
}


def grant_staff(world: World) -> None:
    """The world's user becomes staff (how the staff entries are reached)."""
    type(world.user).objects.filter(pk=world.user.pk).update(is_staff=True)
    world.user.is_staff = True


# Celery task name -> (app label, model) its first argument is the primary key of.
TASKS: dict[str, tuple[str, str] | None] = {
    "integrations.tasks.sync_record": ("integrations", "SyncRecord"),
    "integrations.tasks.drain_company": ("integrations", "QuickBooksConnection"),
    "integrations.tasks.reconcile_account": ("integrations", "ReconcileReport"),
    "integrations.tasks.sweep_outbox": None,  # no arguments: every connected company
    "integrations.tasks.process_webhook": None,  # QuickBooks' events: realms, not our rows
    "integrations.tasks.catch_up_changes": None,  # no arguments: every connected company
    "integrations.tasks.catch_up_company": ("integrations", "QuickBooksConnection"),
    "integrations.tasks.undo_sync": ("integrations", "QuickBooksConnection"),
    "integrations.tasks.probe_company_writes": ("integrations", "QuickBooksConnection"),
}
