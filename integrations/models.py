"""What the integration remembers: the connection, a sync record per object, and the log."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from invoices.models import Account, Contact, Invoice, Payment, Refund

from .encryption import EncryptedTextField


class QuickBooksConnection(models.Model):
    """One account's link to one QuickBooks company (realm)."""

    class Status(models.TextChoices):
        CONNECTED = "connected", "Connected"
        NEEDS_RECONNECT = "needs_reconnect", "Needs reconnect"
        DISCONNECTED = "disconnected", "Disconnected"

    account = models.OneToOneField(
        Account, on_delete=models.CASCADE, related_name="quickbooks_connection"
    )
    environment = models.CharField(max_length=20)
    realm_id = models.CharField(max_length=40)
    company_name = models.CharField(max_length=200, blank=True)
    country = models.CharField(max_length=2, blank=True)
    access_token = EncryptedTextField(blank=True)
    refresh_token = EncryptedTextField(blank=True)
    access_token_expires_at = models.DateTimeField(null=True, blank=True)
    refresh_token_expires_at = models.DateTimeField(null=True, blank=True)
    settings_snapshot = models.JSONField(default=dict, blank=True)
    settings_checked_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.CONNECTED)
    status_reason = models.TextField(blank=True)
    connected_at = models.DateTimeField(default=timezone.now)
    connected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    # One writer per company, without a transaction held open across HTTP: a lease.
    lease_owner = models.CharField(max_length=64, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    # Accounts chosen on the Integrations page (empty: QuickBooks' defaults, see
    # services/accounts.py); a change applies to what syncs afterwards.
    deposit_account_id = models.CharField(max_length=40, blank=True)
    discount_account_id = models.CharField(max_length=40, blank=True)
    fee_account_id = models.CharField(max_length=40, blank=True)
    # Changes made in QuickBooks: the time up to which change data capture has been read.
    cdc_cursor = models.DateTimeField(null=True, blank=True)
    # Invoices taken out of QuickBooks with Undo sync: they go again only when the owner
    # presses Sync (not on an edit, not on a reconnect).
    undone_invoice_ids = models.JSONField(default=list, blank=True)

    def __str__(self) -> str:
        return f"{self.account} → {self.company_name or self.realm_id} ({self.status})"

    @property
    def is_connected(self) -> bool:
        return self.status == self.Status.CONNECTED


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
    warning = models.TextField(blank=True)
    attempts = models.PositiveIntegerField(default=0)
    # How often QuickBooks refused this record's push outright; it salts the requestid, so a
    # corrected retry is a new request (and pruning the log changes nothing).
    refusals = models.PositiveIntegerField(default=0)
    # When the requestid (or batch) in pending_request_id was put in flight.
    request_sent_at = models.DateTimeField(null=True, blank=True)
    voided = models.BooleanField(default=False)
    # What someone did to the object in QuickBooks ("voided", "deleted"), seen through
    # webhooks or change data capture; hatsync flags it and does not change its own copy.
    qbo_status = models.CharField(max_length=10, blank=True)
    qbo_status_at = models.DateTimeField(null=True, blank=True)
    state_changed_at = models.DateTimeField(default=timezone.now)
    synced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["realm_id", "key"], name="sync_record_once_per_realm"),
        ]
        indexes = [
            models.Index(fields=["state", "state_changed_at"]),
            models.Index(fields=["account", "kind", "state"]),
        ]

    def __str__(self) -> str:
        return f"{self.key} @ {self.realm_id}: {self.state}"


class SyncLog(models.Model):
    """One row per attempt to push something to QuickBooks."""

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
    duration_ms = models.PositiveIntegerField(default=0)

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
    #   "message", "qbo_ids": [...]}], in the order found
    differences = models.JSONField(default=list)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"Reconcile {self.account} {self.started_at:%Y-%m-%d %H:%M}: {self.state}"
