"""The engine a push runs on: one company's client, its settings, and the writes that are
applied once.

It runs while its caller holds the company (one writer per company). Every write carries a
requestid fixed before sending and kept until it lands (exactly_once.py), and every answer
is recorded through the one landed step (landed.py). What to send for each kind of record is
the business of its own module (customers, items, invoices, payments, refunds, fees).
"""

from collections.abc import Callable

from django.utils import timezone

from .. import rules
from ..models import QuickBooksConnection, SyncRecord
from ..qbo.client import QboClient
from ..qbo.errors import QboFault
from . import exactly_once
from .company_settings import connection_check_settings
from .landed import Landed, record_landed
from .lease import LeaseLost

State = SyncRecord.State
Kind = SyncRecord.Kind
# Records whose CRM object can change (or go) while a push is under way: an edit puts the
# record back in the outbox, and a push that lands meanwhile leaves it there.
EDITABLE_KINDS = (Kind.INVOICE, Kind.PAYMENT, Kind.FEE, Kind.REFUND)


class Blocked(Exception):
    """A rule stops this object from syncing until the user changes something."""


class Waiting(Exception):
    """Not an error: this object waits for another one (a payment for its invoice)."""


class CompanyEngine:
    """One company's pushes, with one client and the settings read at connect."""

    def __init__(self, connection: QuickBooksConnection, *, access_token: str,
                 refusals: int = 0, keep: Callable[[], bool] | None = None):
        """`refusals`: how often QuickBooks has refused the pushed record outright. QBO
        answers a repeated requestid with its first answer, so a write that was refused must
        go again under a new requestid; a write whose answer was lost keeps its requestid."""
        self.request_salt = exactly_once.refusal_salt(refusals)
        self.keep = keep  # the company's lease: renewed before each request, or LeaseLost
        self.connection = connection
        self.account = connection.account
        self.country = connection.country
        self.snapshot = connection.settings_snapshot or {}
        self.notes: list[str] = []  # what the user should know about this push (warnings)
        self.client = QboClient(env_name=connection.environment, realm_id=connection.realm_id,
                                access_token=access_token)
        if connection.settings_checked_at is None:
            # Connecting could not read the settings: read them now, before any rule uses them.
            self.reread_settings()

    @property
    def realm_id(self) -> str:
        return self.connection.realm_id

    @property
    def tips_enabled(self) -> bool:
        return rules.tips_apply(country=self.country, snapshot=self.snapshot)

    def taxable_item(self, line) -> bool:
        """In Canada and the UK every item is taxable (its line's code decides the rate)."""
        return self.country in {"CA", "GB"} or line.product.taxable

    def reread_settings(self) -> dict:
        """Read the QuickBooks settings again (something QuickBooks said shows they changed)."""
        self.snapshot = connection_check_settings(connection=self.connection, client=self.client)
        return self.snapshot

    # requests ------------------------------------------------------------------------------
    def _hold(self) -> QboClient:
        if self.keep is not None and not self.keep():
            raise LeaseLost(f"Lost the hold on company {self.connection.realm_id}")
        return self.client

    def query(self, statement: str) -> list[dict]:
        return self._hold().query(statement)

    def read(self, entity: str, qbo_id: str) -> dict:
        return self._hold().read(entity, qbo_id)

    def exchange_rate(self, currency: str, as_of: str) -> dict:
        return self._hold().exchange_rate(currency, as_of)

    def add_currency(self, code: str) -> dict:
        """Add `code` to the company's currencies (the same requestid every time: added
        once)."""
        return self._hold().create("CompanyCurrency", {"Code": code}, request_id=(
            rules.request_id_for(key=f"{self.realm_id}:currency:{code}", operation="create",
                                 content=code)))

    def write(self, record: SyncRecord, entity: str, payload: dict, *, op: str) -> dict:
        """Create, update or delete with a requestid fixed before sending and kept until it
        lands (a retry after a lost answer is applied once)."""
        if exactly_once.is_batch_request_id(record.pending_request_id):
            # A batch that carried this record got no answer. This push has looked for what
            # that batch may have made (DocNumber, marker, name) before writing, so it writes
            # on its own requestid.
            record.pending_request_id = ""
        if not record.pending_request_id:
            exactly_once.send_under(record, exactly_once.write_request_id(
                record, operation=op, payload=payload, salt=self.request_salt))
        client = self._hold()
        send = {"create": client.create, "update": client.update, "delete": client.delete}[op]
        try:
            return send(entity, payload, request_id=record.pending_request_id)
        except QboFault:
            exactly_once.refused(record)
            self.request_salt += "|refused"
            raise

    def create(self, record: SyncRecord, entity: str, payload: dict) -> dict:
        """A create under a requestid of its own (never one left by an earlier write)."""
        record.pending_request_id = ""
        return self.write(record, entity, payload, op="create")

    def update(self, record: SyncRecord, entity: str, body: dict) -> dict:
        """Update with the stored SyncToken; a stale one (5010) is re-read and retried once."""
        record.pending_request_id = ""
        try:
            return self.write(record, entity, body, op="update")
        except QboFault as error:
            if not error.is_stale_object:
                raise
            body["SyncToken"] = str(self.read(entity, record.qbo_id)["SyncToken"])
            record.pending_request_id = ""
            return self.write(record, entity, body, op="update")

    def delete(self, record: SyncRecord, entity: str, current: dict) -> None:
        """Delete the object `current` (as just read) with its SyncToken and a requestid kept
        until it lands, so a retry after a lost answer is applied once. A stale SyncToken
        (5010) is read again and retried once; an object already gone (610) is done."""
        body = {"Id": str(current["Id"]), "SyncToken": str(current["SyncToken"])}
        for attempt in range(2):
            try:
                self.write(record, entity, body, op="delete")
                return
            except QboFault as error:
                if error.is_not_found:
                    return
                if not error.is_stale_object or attempt:
                    raise
                try:
                    body["SyncToken"] = str(self.read(entity, body["Id"])["SyncToken"])
                except QboFault as reread:
                    if reread.is_not_found:
                        return
                    raise

    def void_invoice(self, record: SyncRecord) -> dict:
        """Void the record's invoice (a stale SyncToken is read again, once)."""
        exactly_once.send_under(record, exactly_once.void_request_id(record))
        try:
            return self._hold().void_invoice(qbo_id=record.qbo_id, sync_token=record.sync_token,
                                             request_id=record.pending_request_id)
        except QboFault as error:
            if not error.is_stale_object:
                raise
            current = self.read("Invoice", record.qbo_id)
            return self._hold().void_invoice(qbo_id=record.qbo_id,
                                             sync_token=str(current["SyncToken"]),
                                             request_id=record.pending_request_id + "-2")

    # inactive customers and items ---------------------------------------------------------
    def find_inactive(self, entity: str, name_field: str, name: str) -> dict | None:
        """QuickBooks hides inactive names from queries, appends " (deleted)" to them, and
        still refuses their name to a new object (6240)."""
        names = [name, f"{name} (deleted)"]
        found = self.query(rules.select_where_in(entity, name_field, names, inactive=True))
        return found[0] if found else None

    def reactivate(self, record: SyncRecord, entity: str, current: dict, *, name_field: str,
                   name: str) -> dict:
        """Make an inactive customer or item active again, under its own name."""
        body = {"Id": str(current["Id"]), "SyncToken": str(current["SyncToken"]),
                "sparse": True, "Active": True, name_field: name}
        record.pending_request_id = ""
        return self.write(record, entity, body, op="update")

    def repair_references(self, contact, customer_id: str, item_ids: dict[str, str]) -> bool:
        """After QuickBooks refused a reference: make the inactive customer or items of an
        invoice or payment active again (as QuickBooks itself offers when you use one).
        True if anything was."""
        repaired = False
        refs = [("Customer", "DisplayName", customer_id)] + [
            ("Item", "Name", qbo_id) for qbo_id in dict.fromkeys(item_ids.values())
            if qbo_id != rules.GRATUITY_ITEM_ID
        ]
        for entity, name_field, qbo_id in refs:
            try:
                current = self.read(entity, qbo_id)
            except QboFault as error:
                if not error.is_not_found:
                    raise
                current = None
            if current is not None and current.get("Active", True):
                continue
            record = SyncRecord.objects.filter(
                account_id=self.connection.account_id,
                realm_id=self.realm_id, qbo_id=qbo_id,
                kind=Kind.CUSTOMER if entity == "Customer" else Kind.ITEM,
            ).first()
            if record is None:
                continue
            label = contact.full_name if entity == "Customer" else record.qbo_name
            what = "customer" if entity == "Customer" else "product"
            if current is None:  # gone for good: forget it; resolving again finds or makes one
                record.qbo_id = record.sync_token = ""
                record.state = State.NEEDS_SYNC
                record.save(update_fields=["qbo_id", "sync_token", "state"])
                repaired = True
                continue
            reactivated = self.reactivate(record, entity, current, name_field=name_field,
                                          name=record.qbo_name)
            self.landed(record, reactivated, fingerprint=record.fingerprint)
            self.notes.append(f"The {what} {label} was inactive in QuickBooks; hatsync made it "
                              "active again because this invoice uses it.")
            repaired = True
        return repaired

    # what landed ---------------------------------------------------------------------------
    def landed(self, record: SyncRecord, answer: dict, *, fingerprint: str,
               name: str = "") -> None:
        """Record QuickBooks' answer: synced (unless an edit came in meanwhile). A renumbered
        invoice is blocked, and the settings that let it happen are read again."""
        blocked = record_landed([Landed(record, answer, fingerprint=fingerprint, name=name)])
        # The push goes on with this record: its state as saved (an edit meanwhile kept it
        # in the outbox).
        record.state, record.state_changed_at = SyncRecord.objects.filter(
            pk=record.pk).values_list("state", "state_changed_at").get()
        if blocked:
            self.reread_settings()
            raise Blocked(record.last_error)

    @staticmethod
    def mark_synced(record: SyncRecord) -> None:
        """Synced as it is, unless the invoice or payment was changed while this push was
        under way (an edit put it back in the outbox): then it stays there, and its next push
        sends the change. Marking it synced over the edit could leave QuickBooks a version
        behind."""
        records = SyncRecord.objects.filter(pk=record.pk)
        if record.kind in EDITABLE_KINDS:
            records = records.exclude(state=State.NEEDS_SYNC)
        marked = records.update(state=State.SYNCED, state_changed_at=timezone.now())
        record.state = State.SYNCED if marked else State.NEEDS_SYNC
