"""What the integration remembers: the connection, a sync record per object, and the log."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from invoices.models import Account, Contact, Invoice, Payment, Refund

from . import counters
from .encryption import EncryptedTextField


class QuickBooksConnection(models.Model):
    """One account's link to one QuickBooks company (realm)."""

    class Environment(models.TextChoices):  # qbo/environments.py says where each one lives
        LOCAL = "local", "Local sandbox"
        SANDBOX = "sandbox", "Intuit sandbox"
        PRODUCTION = "production", "Production"

    class Status(models.TextChoices):
        CONNECTED = "connected", "Connected"
        NEEDS_RECONNECT = "needs_reconnect", "Needs reconnect"
        DISCONNECTED = "disconnected", "Disconnected"

    account = models.OneToOneField(
        Account, on_delete=models.CASCADE, related_name="quickbooks_connection"
    )
    environment = models.CharField(max_length=20, choices=Environment.choices)
    realm_id = models.CharField(max_length=40)
    company_name = models.CharField(max_length=200, blank=True)
    country = models.CharField(max_length=2, blank=True)
    access_token = EncryptedTextField(blank=True)
    refresh_token = EncryptedTextField(blank=True)
    access_token_expires_at = models.DateTimeField(null=True, blank=True)
    refresh_token_expires_at = models.DateTimeField(null=True, blank=True)
    # Intuit's hard limit on this consent (5 years, 2025): no refresh works after it.
    refresh_token_hard_expires_at = models.DateTimeField(null=True, blank=True)
    settings_snapshot = models.JSONField(default=dict, blank=True)
    settings_checked_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.CONNECTED)
    status_reason = models.TextField(blank=True)
    # Connected, but QuickBooks refuses every write (a lapsed subscription, 6190) since then:
    # records wait, paused, until a probe lands (services/company_status.py).
    writes_refused_at = models.DateTimeField(null=True, blank=True)
    connected_at = models.DateTimeField(default=timezone.now)
    connected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    # One writer per company, without a transaction held open across HTTP: a lease.
    lease_owner = models.CharField(max_length=64, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    # When a drain of this company was queued to start (services/turns.py): a drain that
    # other companies' drains wait behind gives its worker thread back between chunks.
    drain_wanted_at = models.DateTimeField(null=True, blank=True, db_index=True)
    crowded_seen_at = models.DateTimeField(null=True, blank=True)  # its drain saw others wait
    # Accounts chosen on the Integrations page (empty: QuickBooks' defaults, see
    # services/accounts.py); a change applies to what syncs afterwards.
    deposit_account_id = models.CharField(max_length=40, blank=True)
    discount_account_id = models.CharField(max_length=40, blank=True)
    fee_account_id = models.CharField(max_length=40, blank=True)
    # The QuickBooks tax code chosen for a CRM tax rate: {"<TaxRate id>": "<TaxCode Id>"}.
    # A rate not in it goes with the code of its own name (services/tax_codes.py).
    tax_code_map = models.JSONField(default=dict, blank=True)
    # Classes and locations (services/classes_locations.py), for that company as the tax
    # codes are: the class chosen for a product {"<Product id>": "<Class Id>"}, the account's
    # location (Department Id, "" none), and the company's lists as last read on the mapping
    # screen {"classes": [{"id", "name", "active"}], "locations": [...], "read_at": iso}.
    class_map = models.JSONField(default=dict, blank=True)
    location_id = models.CharField(max_length=40, blank=True)
    tracking_lists = models.JSONField(default=dict, blank=True)
    # Changes made in QuickBooks: the time up to which change data capture has been read.
    cdc_cursor = models.DateTimeField(null=True, blank=True)
    # When change data capture (metered) is due (rules.cdc_due): when the last one started,
    # when a gap was detected (a restart, a delivery not taken), when a webhook last came.
    cdc_read_at = models.DateTimeField(null=True, blank=True)
    cdc_gap_at = models.DateTimeField(null=True, blank=True)
    last_webhook_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            # One QuickBooks company is held by at most one hatsync account at a time: the
            # outbox, the sweep and webhooks find a company's work by its realm. A
            # disconnected connection holds nothing, so another account may connect then.
            models.UniqueConstraint(
                fields=["realm_id", "environment"],
                condition=~models.Q(status="disconnected"),
                name="connection_one_account_per_company"),
        ]

    def __str__(self) -> str:
        return f"{self.account} → {self.company_name or self.realm_id} ({self.status})"

    @property
    def is_connected(self) -> bool:
        return self.status == self.Status.CONNECTED


def _links_match_kind() -> models.Q:
    """A record links only to the CRM object of its kind: a customer to its contact, an
    invoice to its invoice, a payment and its fee to the payment, a refund to its refund, an
    item (a rendered name) to nothing. Links are SET_NULL when the object is deleted, so a
    link of the record's own kind may be empty. A payment brought back from QuickBooks also
    remembers its invoice (its payment may be removed, the record stays)."""
    allowed = {
        "customer": {"contact"},
        "item": set(),
        "invoice": {"invoice"},
        "payment": {"payment", "invoice"},
        "refund": {"refund"},
        "fee": {"payment"},
    }
    links = ("contact", "invoice", "payment", "refund")
    condition = models.Q()
    for kind, own in allowed.items():
        others = models.Q(kind=kind)
        for link in links:
            if link not in own:
                others &= models.Q(**{f"{link}__isnull": True})
        condition |= others
    return condition


class SyncRecord(models.Model):
    """One CRM object (or one rendered item name) as it stands in one QuickBooks company.

    It is also the outbox: a record in NEEDS_SYNC is work to do, swept up if a task is lost.
    """

    class Kind(models.TextChoices):
        CUSTOMER = "customer", "Customer"
        ITEM = "item", "Product/service"
        INVOICE = "invoice", "Invoice"
        PAYMENT = "payment", "Payment"
        REFUND = "refund", "Refund"
        FEE = "fee", "Processing fee"

    class State(models.TextChoices):
        NEEDS_SYNC = "needs_sync", "Needs Sync"
        SYNCING = "syncing", "Syncing"
        SYNCED = "synced", "Synced"
        FAILED = "failed", "Failed"
        BLOCKED = "blocked", "Blocked"

    class Origin(models.TextChoices):
        HATSYNC = "hatsync", "Made by hatsync"
        # A payment someone entered in QuickBooks, brought back here: never pushed.
        QUICKBOOKS = "quickbooks", "Recorded in QuickBooks"

    class QboStatus(models.TextChoices):
        """The QuickBooks object's status, as far as hatsync knows it."""
        ACTIVE = "", "In QuickBooks"
        VOID = "void", "Voided by hatsync"
        # What someone did to it in QuickBooks, seen through webhooks or change data
        # capture: hatsync flags it and does not change its own copy.
        VOIDED = "voided", "Voided in QuickBooks"
        DELETED = "deleted", "Deleted in QuickBooks"

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="sync_records")
    realm_id = models.CharField(max_length=40)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    key = models.CharField(max_length=200, help_text="contact:<id>, item:<name>, invoice:<id>…")
    contact = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="sync_records")
    invoice = models.ForeignKey(Invoice, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="sync_records")
    payment = models.ForeignKey(Payment, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="sync_records")
    refund = models.ForeignKey(Refund, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="sync_records")
    state = models.CharField(max_length=12, choices=State.choices, default=State.NEEDS_SYNC)
    qbo_id = models.CharField(max_length=40, blank=True)
    sync_token = models.CharField(max_length=20, blank=True)
    qbo_name = models.CharField(max_length=500, blank=True, help_text="DocNumber or name in QBO")
    fingerprint = models.CharField(max_length=64, blank=True)
    pending_request_id = models.CharField(max_length=64, blank=True)
    last_error = models.TextField(blank=True)
    # Waiting because the company cannot be reached (needs reconnecting, disconnected);
    # last_error says why ("Paused: ..."). It goes when the account reconnects.
    paused = models.BooleanField(default=False)
    warning = models.TextField(blank=True)
    attempts = models.PositiveIntegerField(default=0)
    # How often QuickBooks refused this record's push outright; it salts the requestid, so a
    # corrected retry is a new request (and pruning the log changes nothing).
    refusals = models.PositiveIntegerField(default=0)
    # When the requestid (or batch) in pending_request_id was put in flight.
    request_sent_at = models.DateTimeField(null=True, blank=True)
    qbo_status = models.CharField(max_length=10, blank=True, choices=QboStatus.choices,
                                  default=QboStatus.ACTIVE)
    qbo_status_at = models.DateTimeField(null=True, blank=True)
    state_changed_at = models.DateTimeField(default=timezone.now)
    synced_at = models.DateTimeField(null=True, blank=True)
    origin = models.CharField(max_length=10, choices=Origin.choices, default=Origin.HATSYNC)
    # A fee whose Purchase was deleted (its fee set to 0): that Purchase's id, which salts
    # the requestid of the next create (QuickBooks would answer the old one with the
    # deleted Purchase).
    deleted_qbo_id = models.CharField(max_length=40, blank=True)
    # A bulk sync takes higher first: the invoices on the screen that started it go before
    # the rest (the person watches those rows). Reset when the next bulk sync starts.
    priority = models.PositiveSmallIntegerField(default=0)
    # Its payment or refund was deleted in hatsync: its QuickBooks object is deleted too
    # (services/removals.py). What finding that object again needs once the CRM row is gone:
    # {"payment": id, "date": "YYYY-MM-DD", "amount": "90.00"} or
    # {"refund": id, "doc_number": "R-1042"}.
    removal = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [
            # Per account: an account that connects to a company another account once held
            # gets records of its own (the other account's stay its own, never drained here).
            models.UniqueConstraint(fields=["account", "realm_id", "key"],
                                    name="sync_record_once_per_account_and_realm"),
            # The values of State and Kind (a Meta cannot see them; a test checks).
            models.CheckConstraint(
                condition=models.Q(state__in=[
                    "needs_sync", "syncing", "synced", "failed", "blocked"]),
                name="sync_record_state_known"),
            models.CheckConstraint(
                condition=models.Q(kind__in=[
                    "customer", "item", "invoice", "payment", "refund", "fee"]),
                name="sync_record_kind_known"),
            models.CheckConstraint(condition=_links_match_kind(), name="sync_record_links_kind"),
            models.CheckConstraint(
                condition=~models.Q(origin="quickbooks") | models.Q(kind="payment"),
                name="sync_record_only_payments_from_quickbooks"),
        ]
        indexes = [
            models.Index(fields=["state", "state_changed_at"]),
            models.Index(fields=["account", "kind", "state"]),
        ]

    def __str__(self) -> str:
        return f"{self.key} @ {self.realm_id}: {self.state}"

    @classmethod
    def paused_q(cls) -> models.Q:
        """The records paused while their company cannot be reached."""
        return models.Q(paused=True)

    @property
    def is_paused(self) -> bool:
        return self.paused

    @property
    def changed_in_quickbooks(self) -> bool:
        """Voided or deleted by someone in QuickBooks: flagged for the user."""
        return self.qbo_status in (self.QboStatus.VOIDED, self.QboStatus.DELETED)

    @property
    def void_in_quickbooks(self) -> bool:
        """The invoice is void in QuickBooks as it is here: hatsync's void landed, or it was
        voided or deleted there and its void here has been through (then it keeps its
        flag)."""
        if self.qbo_status == self.QboStatus.VOID:
            return True
        return (self.changed_in_quickbooks and self.state == self.State.SYNCED
                and self.invoice is not None and self.invoice.is_void)


class SyncLogQuerySet(models.QuerySet):
    """Every row written to the sync log is counted for the metrics (sync outcomes by kind
    and result), here, so that no way of writing one is missed."""

    def create(self, **kwargs):
        row = super().create(**kwargs)
        _count_log_rows([row])
        return row

    def bulk_create(self, objs, *args, **kwargs):
        rows = super().bulk_create(objs, *args, **kwargs)
        _count_log_rows(rows)
        return rows


def _count_log_rows(rows) -> None:
    counters.count_many("hatsync_sync_attempts_total", (
        {"kind": row.record.kind, "outcome": row.outcome} for row in rows))


class SyncLog(models.Model):
    """Sync history: one row per attempt on a record, whether a push (create, update, void,
    delete, or adopting what QuickBooks already holds), one blocked before it was sent, or an
    Undo sync removing it; with the outcome, QuickBooks' error code and our requestid."""

    class Outcome(models.TextChoices):
        SYNCED = "synced", "Synced"
        FAILED = "failed", "Failed"
        BLOCKED = "blocked", "Blocked"
        RETRY = "retry", "Will retry"

    record = models.ForeignKey(SyncRecord, on_delete=models.CASCADE, related_name="log")
    created_at = models.DateTimeField(default=timezone.now)
    operation = models.CharField(max_length=20)
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    message = models.TextField(blank=True)
    qbo_error_code = models.CharField(max_length=20, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    # Intuit's id of its (last) answer to this attempt: its support asks for it.
    intuit_tid = models.CharField(max_length=64, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)

    objects = SyncLogQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.record.key} {self.operation} {self.outcome}"


class BulkSyncJob(models.Model):
    """Import Invoices: a batch of invoices the user asked to sync, for the progress bar."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="bulk_sync_jobs")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                   related_name="+")
    invoice_ids = models.JSONField(default=list)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Import of {len(self.invoice_ids)} invoices"


class UndoneInvoice(models.Model):
    """An invoice taken out of QuickBooks with Undo sync (its record is gone): it goes again
    only when the owner presses Sync (not on an edit, not on a reconnect)."""

    connection = models.ForeignKey(QuickBooksConnection, on_delete=models.CASCADE,
                                   related_name="undone_invoices")
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="+")
    undone_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["connection", "invoice"],
                                    name="undone_invoice_once_per_connection"),
        ]

    def __str__(self) -> str:
        return f"Invoice {self.invoice_id} undone in {self.connection_id}"


class InvoiceLocation(models.Model):
    """An invoice's own location in a QuickBooks company (else it takes the account's)."""

    connection = models.ForeignKey(QuickBooksConnection, on_delete=models.CASCADE,
                                   related_name="invoice_locations")
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="+")
    department_id = models.CharField(max_length=40)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["connection", "invoice"],
                                    name="invoice_location_once_per_connection"),
        ]

    def __str__(self) -> str:
        return f"Invoice {self.invoice_id} at {self.department_id} in {self.connection_id}"


class UndoJob(models.Model):
    """Undo sync of a selection of invoices: its progress and, once finished, its summary,
    for the progress card on Import Invoices."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="undo_jobs")
    job = models.CharField(max_length=32, unique=True, help_text="what the page follows (hex)")
    started_at = models.DateTimeField(default=timezone.now)
    # Saved at every turn of the undo: a job that stopped moving no longer counts as running
    # (services/running.py), so a lost worker never blocks the account's next press.
    updated_at = models.DateTimeField(default=timezone.now)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    removed = models.PositiveIntegerField(default=0)
    payments_removed = models.PositiveIntegerField(default=0)
    extras_removed = models.PositiveIntegerField(default=0)  # refunds and fees
    fees_removed = models.PositiveIntegerField(default=0)  # of those, fees
    skipped = models.JSONField(default=list, blank=True)  # sentences, one per invoice
    failed = models.JSONField(default=list, blank=True)  # sentences
    finished = models.BooleanField(default=False)
    summary = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"Undo of {self.total} invoices ({self.done} done)"


class ReconcileReport(models.Model):
    """One check that QuickBooks holds what hatsync believes it synced ("qbo_reconcile")."""

    class State(models.TextChoices):
        RUNNING = "running", "Checking"
        DONE = "done", "Done"
        FAILED = "failed", "Could not finish"

    account = models.ForeignKey(Account, on_delete=models.CASCADE,
                                related_name="reconcile_reports")
    realm_id = models.CharField(max_length=40)
    state = models.CharField(max_length=10, choices=State.choices, default=State.RUNNING)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    invoices_checked = models.PositiveIntegerField(default=0)
    payments_checked = models.PositiveIntegerField(default=0)
    requests = models.PositiveIntegerField(default=0)
    # [{"record": id, "kind": "invoice"|"payment", "object": crm pk, "label", "problem",
    #   "message", "qbo_ids": [...], "state": the record's state, "actions": what can repair
    #   it ("send", "recreate", "void_here", "copy"), "done": what was done since}], in the
    #   order found
    differences = models.JSONField(default=list)
    error = models.TextField(blank=True)
    # Records the check could not read (a query QuickBooks refused or throttled): never
    # "All match" while there are any; `unchecked_reason` says why.
    unchecked = models.PositiveIntegerField(default=0)
    unchecked_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"Reconcile {self.account} {self.started_at:%Y-%m-%d %H:%M}: {self.state}"

    @property
    def all_match(self) -> bool:
        """Finished, everything read, nothing differs: only then does the card say so."""
        return (self.state == self.State.DONE and not self.differences
                and not self.unchecked)


class AppliedEvent(models.Model):
    """A QuickBooks webhook event (its CloudEvents `id`) hatsync has applied: Intuit may
    deliver it again, anyone holding the verifier token may replay it, and then it is
    acknowledged and does nothing. Forgotten after `inbound.APPLIED_KEPT`."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    realm_id = models.CharField(max_length=40)
    event_id = models.CharField(max_length=100)
    applied_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "realm_id", "event_id"],
                                    name="applied_event_once_per_account_and_realm"),
        ]
        indexes = [models.Index(fields=["applied_at"])]

    def __str__(self) -> str:
        return f"event {self.event_id} @ {self.realm_id}"


class AppliedState(models.Model):
    """The newest state of one QuickBooks object hatsync has applied (read after a webhook,
    or seen by change data capture): an event no newer than it is not read again, an older
    state never replaces it. Forgotten after `inbound.APPLIED_KEPT` (an event that old is
    read again: a read is a fact)."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    realm_id = models.CharField(max_length=40)
    entity = models.CharField(max_length=20)  # "Invoice", "Payment"
    qbo_id = models.CharField(max_length=40)
    # Its MetaData.LastUpdatedTime, or the time of the event that made hatsync read it
    # (never later than that read), whichever is later.
    changed_at = models.DateTimeField()
    sync_token = models.CharField(max_length=20, blank=True)  # "": not known (deleted)
    applied_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "realm_id", "entity", "qbo_id"],
                                    name="applied_state_once_per_object"),
        ]
        indexes = [models.Index(fields=["applied_at"])]

    def __str__(self) -> str:
        return f"{self.entity} {self.qbo_id} @ {self.realm_id}: {self.changed_at}"


class ExchangeRateRead(models.Model):
    """A rate QuickBooks holds for one currency on one date, as read once (ExchangeRate
    reads are metered): every foreign invoice and payment of that date goes with it."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    realm_id = models.CharField(max_length=40)
    currency = models.CharField(max_length=3)  # the foreign currency (SourceCurrencyCode)
    as_of = models.DateField()
    rate = models.DecimalField(max_digits=16, decimal_places=6)  # home units per one unit
    read_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "realm_id", "currency", "as_of"],
                                    name="exchange_rate_read_once_per_date"),
        ]

    def __str__(self) -> str:
        return f"{self.currency} {self.as_of}: {self.rate} @ {self.realm_id}"
