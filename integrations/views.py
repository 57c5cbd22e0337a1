"""The integration's screens, thin: each calls services and selectors and renders.

Integrations page (connect, disconnect, settings checklist and re-check, the accounts money
goes to, sync problems and Retry, "Check QuickBooks matches hatsync"), Import Invoices (bulk
Sync, progress, Undo sync), Sync history, and the invoice page's QuickBooks panel and Sync now.
"""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from hatsync import request_params
from invoices.models import Invoice
from invoices.views import account_required

from . import rules, selectors
from .context_processors import render_invoice_panel
from .forms import (
    AccountChoicesForm,
    ClassesLocationsForm,
    InvoiceLocationForm,
    TaxCodeMapForm,
)
from .models import BulkSyncJob, InvoiceLocation, QuickBooksConnection, SyncLog
from .qbo.environments import environment
from .qbo.errors import QboError
from .services import accounts as accounts_service
from .services import classes_locations, company_settings, company_status, oauth
from .services import imports as import_service
from .services import reconcile as reconcile_service
from .services import running as running_service
from .services import tax_codes as tax_codes_service
from .services import undo as undo_service


def _redirect_uri(request: HttpRequest) -> str:
    return settings.QBO_REDIRECT_URI or request.build_absolute_uri(
        reverse("integrations:callback")
    )


@require_safe
@account_required
def settings_page(request: HttpRequest) -> HttpResponse:
    connection = selectors.connection_for(request.account)
    checklist = (
        company_settings.connection_checklist(connection=connection)
        if connection and connection.settings_snapshot else []
    )
    return render(request, "integrations/settings.html", {
        "connection": connection,
        "checklist": checklist,
        "account_form": (AccountChoicesForm(connection=connection)
                         if checklist and connection.settings_snapshot.get("accounts") else None),
        "environment": environment(),
        "problems": Paginator(selectors.current_problems(account=request.account,
                                                         connection=connection), 25)
        .get_page(request_params.page_number(request.GET, "problems")),
        "waiting_count": selectors.waiting_count(connection=connection),
        **_reconcile_context(request),
    })


@require_POST
@account_required
def connect(request: HttpRequest) -> HttpResponse:
    try:
        url = oauth.connection_start(
            session=request.session, account=request.account, redirect_uri=_redirect_uri(request)
        )
    except oauth.ConnectError as error:
        messages.error(request, str(error))
        return redirect("integrations:settings")
    return redirect(url)


@require_safe
@account_required
def callback(request: HttpRequest) -> HttpResponse:
    try:
        connection, note = oauth.connection_complete(
            session=request.session, account=request.account, user=request.user,
            params=_oauth_answer(request.GET), redirect_uri=_redirect_uri(request),
        )
    except oauth.ConnectCancelled as cancelled:  # a choice, said calmly (not in red)
        messages.info(request, str(cancelled))
        return redirect("integrations:settings")
    except oauth.ConnectError as error:
        messages.error(request, str(error))
        return redirect("integrations:settings")
    except QboError as error:
        messages.error(request, f"QuickBooks could not finish connecting: {error.message}")
        return redirect("integrations:settings")
    messages.success(request, f"Connected to {connection.company_name} in QuickBooks.")
    if note:
        messages.warning(request, note)
    return redirect("integrations:settings")


def _oauth_answer(params) -> dict[str, str]:
    """What Intuit's redirect carries: printable ASCII (RFC 6749), the company's id in digits."""
    answer = {name: request_params.ascii_text(params, name, max_length=OAUTH_VALUE_LENGTH)
              for name in ("code", "state", "error")}
    realm_id = params.get("realmId", "")
    if realm_id and not (realm_id.isascii() and realm_id.isdigit()
                         and len(realm_id) <= REALM_ID_LENGTH):
        raise request_params.BadParameter(f"“realmId” must be at most {REALM_ID_LENGTH} "
                                          "digits.")
    return answer | {"realmId": realm_id}


OAUTH_VALUE_LENGTH = 2000  # Intuit's codes and our states are far shorter
REALM_ID_LENGTH = 32


@require_POST
@account_required
def recheck(request: HttpRequest) -> HttpResponse:
    connection = selectors.connection_for(request.account)
    if connection is None or not connection.is_connected:
        messages.error(request, "Connect to QuickBooks first.")
        return redirect("integrations:settings")
    try:
        company_settings.connection_check_settings(connection=connection)
        if company_status.writes_refused(connection):  # one probe: writes accepted again?
            company_status.connection_probe_writes(connection=connection)
    except QboError as error:
        messages.error(request, f"QuickBooks settings could not be read: {error.message}")
    else:
        messages.success(request, "QuickBooks settings checked again.")
    return redirect("integrations:settings")


@require_POST
@account_required
def choose_accounts(request: HttpRequest) -> HttpResponse:
    """Save the accounts deposits, discounts and fees go to (this account's connection)."""
    connection = selectors.connection_for(request.account)
    if connection is None or not connection.settings_snapshot.get("accounts"):
        messages.error(request, "Connect to QuickBooks (or press Re-check settings) first.")
        return redirect("integrations:settings")
    form = AccountChoicesForm(request.POST, connection=connection)
    if not form.is_valid():
        messages.error(request, "Choose the accounts from the lists. If one is missing, press "
                                "Re-check settings to read the company's accounts again.")
        return redirect("integrations:settings")
    try:
        note = accounts_service.connection_choose_accounts(connection=connection,
                                                           **form.chosen())
    except accounts_service.AccountChoiceError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, note)
    return redirect("integrations:settings")


@require_http_methods(["GET", "POST"])
@account_required
def tax_codes(request: HttpRequest) -> HttpResponse:
    """Match each tax rate to a QuickBooks tax code (the company's, as last read: this page
    reads nothing from QuickBooks). Only the signed-in account's rates and connection."""
    connection = selectors.connection_for(request.account)
    if not tax_codes_service.needs_codes(connection):
        messages.info(request, "This QuickBooks company takes no tax codes from hatsync (or "
                               "is not connected yet): there is nothing to match.")
        return redirect("integrations:settings")
    words = rules.tax_words(connection.country)
    form = TaxCodeMapForm(request.POST or None, connection=connection)
    if request.method == "POST":
        if form.is_valid():
            again = tax_codes_service.connection_map_tax_rates(connection=connection,
                                                               chosen=form.chosen())
            rates = words["rate"][:1].upper() + words["rate"][1:]
            note = f"{rates}s matched to QuickBooks {words['code']}s."
            if again:
                note += (f" {again} invoice{'s' if again > 1 else ''} that waited for "
                         f"{'them' if again > 1 else 'it'} will sync now.")
            messages.success(request, note)
            return redirect("integrations:tax_codes")
        messages.error(request, f"Choose each {words['code']} from its list. If one is "
                                "missing, create it in QuickBooks, then press Re-check "
                                "settings.")
    return render(request, "integrations/tax_codes.html", {
        "connection": connection, "form": form, "words": words,
        "codes_count": len(tax_codes_service.company_codes(connection)),
    })


@require_http_methods(["GET", "POST"])
@account_required
def classes_locations_page(request: HttpRequest) -> HttpResponse:
    """Choose a class for each product and the account's location, from the company's lists
    (read from QuickBooks when this screen opens: one query each; never on a sync). Only the
    signed-in account's products and connection."""
    connection = selectors.connection_for(request.account)
    if not classes_locations.tracks_anything(connection) or not connection.is_connected:
        messages.info(request, "This QuickBooks company tracks no classes or locations (or is "
                               "not connected): there is nothing to choose. Turned them on in "
                               "QuickBooks? Press Re-check settings.")
        return redirect("integrations:settings")
    term = classes_locations.term(connection)
    if request.method == "GET":
        try:
            classes_locations.read_lists(connection=connection)
        except QboError as error:
            messages.warning(request, f"QuickBooks' lists could not be read ({error.message}); "
                                      "these are the ones read last.")
    form = ClassesLocationsForm(request.POST or None, connection=connection)
    if request.method == "POST":
        if form.is_valid():
            again = classes_locations.connection_choose_tracking(
                connection=connection, classes=form.chosen_classes(),
                location_id=form.chosen_location())
            note = "Classes and locations saved: invoices synced from now on carry them."
            if again:
                note += (f" {again} invoice{'s' if again > 1 else ''} that waited will sync "
                         "now.")
            messages.success(request, note)
            return redirect("integrations:classes_locations")
        messages.error(request, f"Choose each class and {term.lower()} from its list. One "
                                "missing? Create it in QuickBooks, then open this page again.")
    location_state = classes_locations.choice_state(connection, classes_locations.LOCATION,
                                                    connection.location_id)
    return render(request, "integrations/classes_locations.html", {
        "connection": connection, "form": form, "term": term,
        "terms": classes_locations.terms(connection),
        "placement": classes_locations.placement(connection),
        "location_state": location_state,
        "location_name": classes_locations.name_of(connection, classes_locations.LOCATION,
                                                   connection.location_id),
    })


@require_http_methods(["GET", "POST"])
@account_required
def invoice_location(request: HttpRequest, pk: int) -> HttpResponse:
    """One invoice's own location, from the company's list as last read (no read here)."""
    invoice = get_object_or_404(Invoice, account=request.account, pk=pk)
    connection = selectors.connection_for(request.account)
    if not classes_locations.tracks_locations(connection):
        messages.info(request, "This QuickBooks company tracks no locations (or is not "
                               "connected): there is nothing to choose.")
        return redirect(invoice.get_absolute_url())
    current = InvoiceLocation.objects.filter(connection=connection, invoice=invoice).values_list(
        "department_id", flat=True).first() or ""
    form = InvoiceLocationForm(request.POST or None, connection=connection, initial_id=current)
    term = classes_locations.term(connection)
    if request.method == "POST":
        if form.is_valid() and classes_locations.invoice_choose_location(
                connection=connection, invoice=invoice,
                department_id=form.cleaned_data["location"]):
            messages.success(request, f"{term} of invoice {invoice.number} saved: it goes to "
                                      "QuickBooks with its next sync.")
            return redirect(invoice.get_absolute_url())
        messages.error(request, f"Choose the {term.lower()} from the list.")
    return render(request, "integrations/invoice_location.html", {
        "invoice": invoice, "form": form, "term": term, "connection": connection,
        "terms": classes_locations.terms(connection),
        "state": classes_locations.choice_state(connection, classes_locations.LOCATION,
                                                current),
        "mapping_url": classes_locations.mapping_url(),
    })


@require_POST
@account_required
def disconnect(request: HttpRequest) -> HttpResponse:
    connection = selectors.connection_for(request.account)
    if connection is not None:
        oauth.connection_disconnect(connection=connection)
        messages.success(request, "Disconnected from QuickBooks. Your sync history is kept.")
    return redirect("integrations:settings")


@require_safe
@account_required
def import_invoices(request: HttpRequest) -> HttpResponse:
    connection = selectors.connection_for(request.account)
    job_id = request_params.whole_number(request.GET, "job")
    job = selectors.bulk_job(account=request.account, job_id=job_id) if job_id else None
    progress = import_service.bulk_job_progress(job) if job else None
    view = _import_view(request.GET)
    invoices = selectors.importable_invoices(account=request.account, connection=connection,
                                             state=view["state"], search=view["q"],
                                             sort=view["sort"])
    page = Paginator(invoices, view["per_page"]).get_page(request_params.page_number(
        request.GET))
    rows = _import_rows(connection, list(page), job=job, progress=progress)
    matching = selectors.shown_needing_sync(account=request.account, shown=invoices).count()
    undo_job = request.GET.get("undo", "")
    if undo_job and not undo_service.is_undo_job(undo_job):
        raise request_params.BadParameter("“undo” must be the id of an Undo sync, as the "
                                          "page links to it.")
    undo = undo_service.undo_progress(account=request.account, job=undo_job)
    return render(request, "integrations/import_invoices.html", {
        "undo": undo, "undo_job": undo_job,
        "connection": connection, "rows": rows, "page": page, "job": job,
        "qbo_company": selectors.quickbooks_company(connection),
        "progress": progress, **view, "filters": selectors.IMPORT_FILTERS.items(),
        "sorts": [("newest", "Newest first"), ("oldest", "Oldest first"), ("number", "Number")],
        "page_sizes": PAGE_SIZES, "matching": matching,
        "query": urlencode({k: v for k, v in view.items() if v and k != "per_page"}
                           | ({"per_page": view["per_page"]} if view["per_page"] != 100 else {})),
    })


PAGE_SIZES = (25, 50, 100, 250)
# Invoices one press (Sync selected, Undo sync) may name: twice the largest page, so a page's
# ticks and its rows fit, and the Undo confirmation posts back within Django's field limit.
MAX_SELECTED = 500
TOO_MANY_SELECTED = (f"Select at most {MAX_SELECTED} invoices at a time: press again for the "
                     "rest once these are under way.")


def _import_view(params) -> dict:
    """The list's search, state filter, sort and page size, from the query string."""
    return {
        "q": request_params.search_text(params),
        "state": request_params.choice(params, "state", selectors.IMPORT_FILTERS),
        "sort": request_params.choice(params, "sort", selectors.IMPORT_SORTS,
                                      default="newest"),
        "per_page": int(request_params.choice(params, "per_page",
                                              [str(size) for size in PAGE_SIZES],
                                              default="100")),
    }


def _flag(params, name: str) -> bool:
    """A button's or a box's value: "1" when pressed or ticked."""
    return request_params.choice(params, name, ["1"]) == "1"


def _selected(params, name: str) -> list[int] | None:
    """The ticked invoice ids; None (after saying why) when more than a press takes."""
    ids = request_params.whole_numbers(params, name)
    return ids if len(ids) <= MAX_SELECTED else None


def _import_rows(connection, invoices, *, job, progress) -> list[dict]:
    records = selectors.invoice_records(connection=connection,
                                        invoice_ids=[invoice.pk for invoice in invoices])
    running = bool(progress) and not progress["finished"]
    in_job = set(job.invoice_ids) if running else set()
    return [
        {
            "invoice": invoice,
            "record": records.get(invoice.pk),
            "link": selectors.invoice_link(connection, records.get(invoice.pk)),
            "running": invoice.pk in in_job,
        }
        for invoice in invoices
    ]


def _running_url(running: running_service.Running) -> str:
    """Where the running job's progress shows."""
    if running.kind == running_service.IMPORT:
        return f"{reverse('integrations:import_invoices')}?job={running.job}"
    if running.kind == running_service.UNDO:
        return f"{reverse('integrations:import_invoices')}?undo={running.job}"
    return f"{reverse('integrations:settings')}#reconcile"


def _already_running(request: HttpRequest, error: running_service.AlreadyRunning
                     ) -> HttpResponse:
    """A press while the account's import, undo or check runs: say so, show its progress."""
    messages.info(request, error.message)
    return redirect(_running_url(error.running))


@require_POST
@account_required
def import_sync(request: HttpRequest) -> HttpResponse:
    view = _import_view(request.POST)  # the search and filter shown (for `matching`)
    picked, shown = _selected(request.POST, "invoice"), _selected(request.POST, "shown")
    if picked is None or shown is None:
        messages.error(request, TOO_MANY_SELECTED)
        return redirect("integrations:import_invoices")
    if _flag(request.POST, "all"):
        ids = list(selectors.invoices_needing_sync(account=request.account)
                   .values_list("pk", flat=True))
    elif _flag(request.POST, "matching"):  # every invoice the search and filter show
        listed = selectors.importable_invoices(
            account=request.account, connection=selectors.connection_for(
                request.account), state=view["state"], search=view["q"])
        ids = list(selectors.shown_needing_sync(account=request.account, shown=listed)
                   .values_list("pk", flat=True))
    else:  # synced rows can be ticked too (for Undo sync): they are in QuickBooks already
        ids = list(selectors.invoices_needing_sync(account=request.account)
                   .filter(pk__in=picked).values_list("pk", flat=True))
    if not ids:
        messages.error(request, "Select at least one invoice to sync.")
        return redirect("integrations:import_invoices")
    try:
        job = import_service.import_start(account=request.account, user=request.user,
                                          invoice_ids=ids, first_ids=shown)
    except running_service.AlreadyRunning as error:
        return _already_running(request, error)
    except (QboError, QuickBooksConnection.DoesNotExist):
        messages.error(request, "Connect to QuickBooks first (Account Settings > Integrations).")
        return redirect("integrations:import_invoices")
    return redirect(f"{reverse('integrations:import_invoices')}?job={job.pk}")


@require_safe
@account_required
def import_progress(request: HttpRequest, pk: int) -> JsonResponse:
    """The job's progress; with `since` (the `now` of the previous answer), also the
    QuickBooks cell of each invoice that changed since, rendered as on the page."""
    job = get_object_or_404(BulkSyncJob, account=request.account, pk=pk)
    since = request_params.moment(request.GET, "since")
    progress = import_service.bulk_job_progress(job, changed_since=since)
    changed = progress.pop("changed", [])
    if changed:
        connection = selectors.connection_for(request.account)
        invoices = list(selectors.importable_invoices(account=request.account)
                        .filter(pk__in=changed))
        progress["cells"] = {
            row["invoice"].pk: render_to_string("integrations/_import_sync_cell.html", {
                "inv": row["invoice"], "r": row["record"], "link": row["link"],
                "running": row["running"]}, request=request)
            for row in _import_rows(connection, invoices, job=job, progress=progress)
        }
    return JsonResponse(progress)


@require_POST
@account_required
def import_undo(request: HttpRequest) -> HttpResponse:
    """Undo sync: first the confirmation naming what would be deleted from QuickBooks and
    what is skipped; with `confirm`, the undo starts in the background."""
    picked = _selected(request.POST, "invoice")
    if picked is None:
        messages.error(request, TOO_MANY_SELECTED)
        return redirect("integrations:import_invoices")
    all_synced, confirmed = _flag(request.POST, "all_synced"), _flag(request.POST, "confirm")
    ids = undo_service.undo_candidates(account=request.account, all_synced=all_synced,
                                       invoice_ids=picked)
    if len(ids) > MAX_SELECTED:  # all synced: the oldest a press takes, then the rest
        messages.info(request, f"Undo sync takes {MAX_SELECTED} invoices at a time: these "
                               f"are the first {MAX_SELECTED} of {len(ids)}. Press Undo sync "
                               "of all synced again afterwards for the rest.")
        ids = sorted(ids)[:MAX_SELECTED]
    if not ids:
        messages.error(request, "Select at least one synced invoice to undo its sync.")
        return redirect("integrations:import_invoices")
    connection = selectors.connection_for(request.account)
    if connection is None or not connection.is_connected:
        messages.error(request, "Connect to QuickBooks first (Account Settings > Integrations).")
        return redirect("integrations:import_invoices")
    running = running_service.running_job(account=request.account)
    if running is not None:  # before the confirmation: it could not start
        return _already_running(request, running_service.AlreadyRunning(
            running, pressed=running_service.UNDO))
    plan = undo_service.undo_plan(account=request.account, invoice_ids=ids)
    if confirmed and plan.invoice_ids:
        try:
            job = undo_service.undo_start(account=request.account,
                                          invoice_ids=plan.invoice_ids)
        except running_service.AlreadyRunning as error:  # pressed twice at once
            return _already_running(request, error)
        return redirect(f"{reverse('integrations:import_invoices')}?undo={job}")
    return render(request, "integrations/undo_confirm.html", {"plan": plan})


@require_safe
@account_required
def import_undo_progress(request: HttpRequest, job: str) -> HttpResponse:
    """The undo's progress card alone: the page refreshes it until the undo ends."""
    progress = undo_service.undo_progress(account=request.account, job=job)
    if progress is None:
        raise Http404
    return render(request, "integrations/_undo_progress.html",
                  {"undo": progress, "undo_job": job})


@require_safe
@account_required
def sync_history(request: HttpRequest) -> HttpResponse:
    """Every attempt, paginated, with filters: what happened to an invoice or a payment."""
    filters = {
        "outcome": request_params.choice(request.GET, "outcome", SyncLog.Outcome.values),
        "kind": request_params.choice(request.GET, "kind", ["invoice", "payment"]),
        "q": request_params.search_text(request.GET),
    }
    log = selectors.sync_history(account=request.account, outcome=filters["outcome"],
                                 kind=filters["kind"], search=filters["q"])
    page = Paginator(log, 50).get_page(request_params.page_number(request.GET))
    return render(request, "integrations/history.html", {
        "page": page, **filters, "outcomes": SyncLog.Outcome.choices,
        "query": urlencode({k: v for k, v in filters.items() if v}),
    })


@require_POST
@account_required
def retry_problems(request: HttpRequest) -> HttpResponse:
    """Retry one problem (`record`) or all of them: they wait in the outbox again."""
    connection = selectors.connection_for(request.account)
    problems = selectors.current_problems(account=request.account, connection=connection)
    record_id = request_params.whole_number(request.POST, "record")
    if record_id is not None:
        problems = problems.filter(pk=record_id)
    count = import_service.retry(connection=connection, records=problems)
    if count:
        messages.info(request, f"Trying {count} again in the background.")
    return redirect(f"{reverse('integrations:settings')}#problems")


@require_safe
@account_required
def invoice_panel(request: HttpRequest, pk: int) -> HttpResponse:
    """The invoice page's QuickBooks panel alone: the page refreshes it while a sync is under
    way (after Send, Mark as sent or a payment)."""
    html = render_invoice_panel(request, account=request.account, invoice_id=pk)
    if not html:
        raise Http404
    return HttpResponse(html)


@require_POST
@account_required
def invoice_sync(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = get_object_or_404(Invoice, account=request.account, pk=pk)
    try:
        import_service.sync_many(account=request.account, user=request.user,
                               invoice_ids=[invoice.pk])
    except (QboError, QuickBooksConnection.DoesNotExist):
        messages.error(request, "Connect to QuickBooks first (Account Settings > Integrations).")
    else:
        messages.info(request, f"Invoice {invoice.number} is being synced to QuickBooks.")
    return redirect(invoice.get_absolute_url())


def _reconcile_context(request: HttpRequest) -> dict:
    return selectors.reconcile_card(account=request.account,
                                    page=request_params.page_number(request.GET, "differences"))


@require_safe
@account_required
def reconcile_section(request: HttpRequest) -> HttpResponse:
    """The Integrations page's "Check QuickBooks matches hatsync" card alone: the page
    refreshes it while a check runs."""
    return render(request, "integrations/_reconcile.html", _reconcile_context(request))


@require_POST
@account_required
def reconcile_start(request: HttpRequest) -> HttpResponse:
    try:
        report = reconcile_service.start_report(account=request.account)
    except running_service.AlreadyRunning as error:
        return _already_running(request, error)
    if report is None:
        messages.error(request, "Connect to QuickBooks first, then check again.")
    else:
        messages.info(request, "Checking QuickBooks in the background; the result appears "
                               "below.")
    return redirect(f"{reverse('integrations:settings')}#reconcile")


@require_POST
@account_required
def reconcile_repair(request: HttpRequest) -> HttpResponse:
    """One repair the check offered for a difference: send it again, make it again in
    QuickBooks, void it here, or make a new (draft) invoice from it."""
    record_id = request_params.whole_number(request.POST, "record")
    try:
        repair = (reconcile_service.repair(account=request.account, record_id=record_id,
                                           action=request.POST.get("action", ""))
                  if record_id is not None else None)
    except reconcile_service.RepairRefused as refused:
        messages.error(request, refused.message)
        return redirect(f"{reverse('integrations:settings')}#reconcile")
    if repair is None:
        raise Http404
    messages.info(request, repair.done)
    if repair.new_invoice is not None:
        return redirect(repair.new_invoice.get_absolute_url())
    return redirect(f"{reverse('integrations:settings')}#reconcile")
