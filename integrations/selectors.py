"""Reads for the integration screens, always scoped to one account."""

from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.db.models.functions import Length
from django.urls import reverse

from invoices.models import Account, Invoice, Product

from . import rules
from .models import BulkSyncJob, QuickBooksConnection, ReconcileReport, SyncLog, SyncRecord
from .qbo.environments import environment
from .rules import invoice_deep_link
from .services import classes_locations
from .services.exactly_once import fee_key, refund_key
from .services.messages import form_number_clash_message


def connection_for(account: Account) -> QuickBooksConnection | None:
    """The account's QuickBooks company (whatever its status), or None."""
    return QuickBooksConnection.objects.filter(account=account).first()


def invoice_number_clash(*, account: Account, number: str, invoice_id: int | None) -> str | None:
    """On a connected account's invoice form: why `number` would be another invoice's number
    in QuickBooks once shortened to its 21 characters (None when it would not). Numbers
    that are one number even unshortened are the CRM's own rule (invoices.selectors)."""
    if connection_for(account) is None:
        return None
    doc_number = rules.shorten_reference(number)
    # Only a long number, or one written as this number's shortened form, can clash.
    others = (Invoice.objects.filter(account=account).annotate(length=Length("number"))
              .filter(Q(length__gt=rules.MAX_REFERENCE_LENGTH) | Q(number__iexact=doc_number))
              .order_by("pk"))
    if invoice_id is not None:
        others = others.exclude(pk=invoice_id)
    for other in others.only("number"):
        if rules.same_doc_number(number, other.number):
            return form_number_clash_message(number=number, holder=other.number)
    return None


def products_sharing_item(*, account: Account, display_name: str,
                          product_id: int | None) -> list[str]:
    """The Display Names of the account's other products that become the same QuickBooks
    item as `display_name` (one name there whatever its capitals and spacing)."""
    key = rules.item_name_for(display_name).casefold()
    if not key:
        return []
    others = Product.objects.filter(account=account)
    if product_id is not None:
        others = others.exclude(pk=product_id)
    return sorted(p.display_name for p in others.only("display_name")
                  if rules.item_name_for(p.display_name).casefold() == key)


def invoice_link(connection: QuickBooksConnection, record: SyncRecord | None) -> str:
    """The invoice's link in QuickBooks while it exists there, whatever its state here
    (an edit or a tip line on its way, blocked, failed); "" when it never got there or was
    deleted there."""
    if record is None or not rules.invoice_viewable_in_quickbooks(
            qbo_id=record.qbo_id, qbo_status=record.qbo_status):
        return ""
    return invoice_deep_link(app_base_url=environment(connection.environment).app_url,
                             qbo_id=record.qbo_id)


def quickbooks_company(connection: QuickBooksConnection | None) -> dict:
    """The company a "View in QuickBooks" link is for: its name, and QuickBooks' Switch
    company link to it (a QuickBooks link opens in the company the browser last used)."""
    if connection is None:
        return {}
    return {
        "name": connection.company_name or f"company {connection.realm_id}",
        "switch_url": rules.company_switch_link(
            app_base_url=environment(connection.environment).app_url,
            realm_id=connection.realm_id),
    }


IMPORT_FILTERS = {
    "needs_sync": "Needs Sync", "synced": "Synced", "blocked": "Blocked", "failed": "Failed",
    "problems": "Blocked or failed",
}


IMPORT_SORTS = {"newest": ("-issue_date", "-pk"), "oldest": ("issue_date", "pk"),
                "number": ("number", "pk")}


def importable_invoices(*, account: Account, connection: QuickBooksConnection | None = None,
                        state: str = "", search: str = "",
                        sort: str = "newest") -> QuerySet[Invoice]:
    """Sent invoices; `state` (one of IMPORT_FILTERS) keeps those whose record with the
    connected company is in that state ("needs_sync": not synced yet); `search` matches the
    number or the contact's name, company or email."""
    invoices = (
        Invoice.objects.filter(account=account)
        .exclude(status=Invoice.Status.DRAFT)
        .select_related("contact")
        .order_by(*IMPORT_SORTS.get(sort, IMPORT_SORTS["newest"]))
    )
    if search.strip():
        term = search.strip()
        invoices = invoices.filter(
            Q(number__icontains=term) | Q(contact__first_name__icontains=term)
            | Q(contact__last_name__icontains=term) | Q(contact__company__icontains=term)
            | Q(contact__email__icontains=term))
    if state not in IMPORT_FILTERS or connection is None:
        return invoices
    records = SyncRecord.objects.filter(account_id=connection.account_id,
                                        realm_id=connection.realm_id,
                                        kind=SyncRecord.Kind.INVOICE)
    wanted = {"problems": ["blocked", "failed"]}.get(state, [state])
    if state == "needs_sync":
        return invoices.exclude(status=Invoice.Status.VOID).exclude(
            pk__in=records.filter(state__in=["synced", "blocked", "failed"])
            .values("invoice_id"))
    return invoices.filter(pk__in=records.filter(state__in=wanted).values("invoice_id"))


def invoices_needing_sync(*, account: Account) -> QuerySet[Invoice]:
    """Sent (not void) invoices that are not yet synced with the connected company."""
    invoices = importable_invoices(account=account).exclude(status=Invoice.Status.VOID)
    connection = QuickBooksConnection.objects.filter(account=account).first()
    if connection is None:
        return invoices
    synced = SyncRecord.objects.filter(
        account_id=connection.account_id,
        realm_id=connection.realm_id, kind=SyncRecord.Kind.INVOICE,
        state=SyncRecord.State.SYNCED,
    ).values("invoice_id")
    return invoices.exclude(pk__in=synced)


def shown_needing_sync(*, account: Account, shown: QuerySet[Invoice]) -> QuerySet[Invoice]:
    """Of the invoices a search or filter shows (every page of it), those to sync."""
    return invoices_needing_sync(account=account).filter(pk__in=shown.values("pk"))


def invoice_records(*, connection: QuickBooksConnection | None, invoice_ids) -> dict:
    if connection is None:
        return {}
    records = SyncRecord.objects.filter(
        account_id=connection.account_id,
        realm_id=connection.realm_id, kind=SyncRecord.Kind.INVOICE, invoice_id__in=invoice_ids
    )
    return {record.invoice_id: record for record in records}


def current_problems(*, account: Account,
                     connection: QuickBooksConnection | None) -> QuerySet[SyncRecord]:
    """Invoices, payments, refunds and processing fees that are not in QuickBooks now and need
    someone: blocked, failed, or paused. Waiting for our own request budget, or a retry under
    way, is not a problem."""
    if connection is None:
        return SyncRecord.objects.none()
    Kind = SyncRecord.Kind
    return (
        SyncRecord.objects.filter(account=account, realm_id=connection.realm_id,
                                  kind__in=[Kind.INVOICE, Kind.PAYMENT, Kind.REFUND, Kind.FEE])
        .filter(Q(state__in=[SyncRecord.State.BLOCKED, SyncRecord.State.FAILED])
                | Q(SyncRecord.paused_q(), state=SyncRecord.State.NEEDS_SYNC))
        .select_related("invoice", "payment__invoice", "refund__payment__invoice")
        .order_by("-state_changed_at", "-pk")
    )


def waiting_count(*, connection: QuickBooksConnection | None) -> int:
    """Invoices and payments waiting in the outbox for this company (e.g. while paused)."""
    if connection is None:
        return 0
    return SyncRecord.objects.filter(
        account_id=connection.account_id,
        realm_id=connection.realm_id, state=SyncRecord.State.NEEDS_SYNC,
        kind__in=[SyncRecord.Kind.INVOICE, SyncRecord.Kind.PAYMENT],
    ).count()


def sync_history(*, account: Account, outcome: str = "", kind: str = "",
                 search: str = "") -> QuerySet[SyncLog]:
    """Every attempt to push the account's invoices and payments, newest first."""
    log = (SyncLog.objects.filter(record__account=account)
           .select_related("record__invoice", "record__payment__invoice"))
    if outcome in SyncLog.Outcome.values:
        log = log.filter(outcome=outcome)
    if kind in (SyncRecord.Kind.INVOICE, SyncRecord.Kind.PAYMENT):
        log = log.filter(record__kind=kind)
    if search.strip():
        term = search.strip()
        log = log.filter(Q(record__invoice__number__icontains=term)
                         | Q(record__payment__invoice__number__icontains=term)
                         | Q(message__icontains=term))
    return log


def payment_followers(*, connection: QuickBooksConnection, invoice: Invoice) -> dict[int, dict]:
    """For the invoice panel, per payment id: `fee` (its processing fee's record or None)
    and `refunds` (each refund with its record or None)."""
    records = SyncRecord.objects.filter(
        account_id=connection.account_id,
        realm_id=connection.realm_id, kind__in=[SyncRecord.Kind.FEE, SyncRecord.Kind.REFUND],
    ).filter(Q(payment__invoice=invoice) | Q(refund__payment__invoice=invoice))
    by_key = {record.key: record for record in records}
    followers: dict[int, dict] = {}
    for payment in invoice.payments.prefetch_related("refunds"):
        followers[payment.pk] = {
            "fee": by_key.get(fee_key(payment.pk)),
            "refunds": [{"refund": refund, "record": by_key.get(refund_key(refund.pk))}
                        for refund in sorted(payment.refunds.all(), key=lambda r: r.pk)],
        }
    return followers


def invoice_panel(*, account: Account, invoice_id) -> dict | None:
    """What the invoice page's QuickBooks panel shows; None when it shows none (no company
    connected, or not one of the account's invoices)."""
    connection = connection_for(account)
    if connection is None:
        return None
    invoice = Invoice.objects.filter(account=account, pk=invoice_id).first()
    if invoice is None:
        return None
    record = invoice_records(connection=connection, invoice_ids=[invoice.pk]).get(invoice.pk)
    records = {r.payment_id: r for r in SyncRecord.objects.filter(
        account_id=connection.account_id,
        realm_id=connection.realm_id, kind=SyncRecord.Kind.PAYMENT, payment__invoice=invoice)}
    followers = payment_followers(connection=connection, invoice=invoice)
    payments = [
        {"payment": payment, "record": records.get(payment.pk),
         "qbo_reference": rules.shorten_reference(payment.reference),
         **followers.get(payment.pk, {})}
        for payment in invoice.payments.order_by("date", "pk")
    ]
    follower_records = [f["fee"] for f in followers.values()] + [
        r["record"] for f in followers.values() for r in f["refunds"]]
    # Payments deleted here, on their way out of QuickBooks (or stuck, saying why).
    removals = list(SyncRecord.objects.filter(
        account_id=connection.account_id,
        realm_id=connection.realm_id, kind=SyncRecord.Kind.PAYMENT, invoice=invoice,
        payment__isnull=True).exclude(removal={}).exclude(state=SyncRecord.State.SYNCED)
        .order_by("pk"))
    settled = {SyncRecord.State.SYNCED, SyncRecord.State.BLOCKED, SyncRecord.State.FAILED}
    moving = connection.is_connected and any(
        r is not None and r.state not in settled and not r.is_paused
        for r in [record, *records.values(), *follower_records, *removals]
    )
    tips = invoice.tips_total
    tips_in_total = rules.tips_apply(country=connection.country,
                                     snapshot=connection.settings_snapshot or {})
    return {
        "invoice": invoice, "record": record, "payments": payments, "removals": removals,
        "qbo_total": invoice.total + tips if tips and tips_in_total else None, "tips": tips,
        "link": invoice_link(connection, record),
        "qbo_company": quickbooks_company(connection),
        "connected": connection.is_connected,
        "refresh_url": reverse("integrations:invoice_panel", args=[invoice.pk]) if moving
        else "",
        "sync_now": _sync_now_shown(connection=connection, invoice=invoice, record=record),
        "location": classes_locations.invoice_location_note(connection, invoice),
    }


def _sync_now_shown(*, connection: QuickBooksConnection, invoice: Invoice,
                    record: SyncRecord | None) -> bool:
    """The panel offers Sync now for a sent invoice that is not synced yet, and for one
    deleted in QuickBooks (to send it again); never for a void one, nor while not connected."""
    if not connection.is_connected or invoice.is_void:
        return False
    not_synced = record is None or record.state != SyncRecord.State.SYNCED
    deleted_there = record is not None and record.qbo_status == SyncRecord.QboStatus.DELETED
    return (not invoice.is_draft and not_synced) or deleted_there


def customer_name_if_different(*, account: Account, contact_id) -> str:
    """The QuickBooks customer a contact syncs to, when its name there differs from the
    contact's (two contacts with one name are two customers, told apart by email); else ""."""
    connection = connection_for(account)
    record = connection and SyncRecord.objects.filter(
        account=account, realm_id=connection.realm_id, kind=SyncRecord.Kind.CUSTOMER,
        contact_id=contact_id, state=SyncRecord.State.SYNCED,
    ).select_related("contact").first()
    if not record or not record.contact or record.qbo_name == record.contact.full_name:
        return ""
    return record.qbo_name


def bulk_job(*, account: Account, job_id) -> BulkSyncJob | None:
    """One of the account's Import Invoices jobs (None: not the account's)."""
    return BulkSyncJob.objects.filter(account=account, pk=job_id).first()


def reconcile_card(*, account: Account, page) -> dict:
    """What the "Check QuickBooks matches hatsync" card shows: the latest report, one page of
    its differences (25 a page; an invoice's with links to it in QuickBooks), whether a check
    is running."""
    connection = connection_for(account)
    report = ReconcileReport.objects.filter(account=account).first()
    differences = Paginator(report.differences if report else [], 25).get_page(page)
    app_url = environment(connection.environment).app_url if connection else ""
    for difference in differences:
        difference["links"] = [invoice_deep_link(app_base_url=app_url, qbo_id=qbo_id)
                               for qbo_id in difference.get("qbo_ids", [])
                               if difference["kind"] == "invoice"]
    return {"connection": connection, "report": report, "differences": differences,
            "qbo_company": quickbooks_company(connection),
            "reconcile_running": report is not None
            and report.state == ReconcileReport.State.RUNNING}
