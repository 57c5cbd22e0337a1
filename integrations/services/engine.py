"""The engine that pushes one company's invoices, customers, items and payments.

It runs while its caller holds the company (one writer per company). Before creating
anything it looks for it in QuickBooks (by DocNumber, name, or our marker), and every write
carries a stable requestid: a retry after a crash at any point finds or replays the first
write instead of making a second object.
"""

from collections.abc import Callable
from decimal import Decimal

from django.utils import timezone

from invoices.models import Contact, Invoice, Payment

from .. import payloads, rules
from ..models import QuickBooksConnection, SyncRecord
from ..qbo.client import QboClient
from ..qbo.errors import QboFault
from . import accounts
from .connection import LeaseLost, connection_check_settings
from .messages import (
    invoice_marker,
    marker_invoice_id,
    number_clash_message,
    payment_marker,
    renumbered_message,
)
from .outbox import enqueue, invoice_key, payment_key

State = SyncRecord.State
Kind = SyncRecord.Kind


class Blocked(Exception):
    """A rule stops this object from syncing until the user changes something."""


class Waiting(Exception):
    """Not an error: this object waits for another one (a payment for its invoice)."""


class CompanyEngine:
    """One company's pushes, with one client and the settings read at connect."""

    def __init__(self, connection: QuickBooksConnection, *, access_token: str,
                 refusals: int = 0, keep: Callable[[], bool] | None = None):
        """`refusals`: how often QuickBooks has refused this record's push outright. QBO
        answers a repeated requestid with its first answer, so a write that was refused must
        go again under a new requestid; a write whose answer was lost keeps its requestid."""
        self.request_salt = f"|refused:{refusals}" if refusals else ""
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
            self.snapshot = connection_check_settings(connection=connection, client=self.client)

    def call(self, fn_name: str, *args, **kwargs):
        if self.keep is not None and not self.keep():
            raise LeaseLost(f"Lost the hold on company {self.connection.realm_id}")
        return getattr(self.client, fn_name)(*args, **kwargs)

    def _write(self, record: SyncRecord, entity: str, payload: dict, *, op: str) -> dict:
        """Create or update with a requestid fixed before sending and kept until it lands."""
        if record.pending_request_id.startswith(rules.BATCH_REQUEST_PREFIX):
            # A batch that carried this record got no answer. This push has looked for what
            # that batch may have made (DocNumber, marker, name) before writing, so it writes
            # on its own requestid.
            record.pending_request_id = ""
        if not record.pending_request_id:
            # The record's pk is part of it: a record made again after Undo sync removed the
            # object (and its record) must not be answered with the first, deleted object.
            record.pending_request_id = rules.request_id_for(
                key=f"{record.realm_id}:{record.key}#{record.pk}", operation=op,
                content=rules.fingerprint(payload) + self.request_salt,
            )
            SyncRecord.objects.filter(pk=record.pk).update(
                pending_request_id=record.pending_request_id
            )
        try:
            return self.call(op, entity, payload, request_id=record.pending_request_id)
        except QboFault:
            # A definite refusal: that requestid is spent (QuickBooks would only repeat the
            # refusal), so whatever this push writes next gets another one. An answer that
            # was lost keeps its requestid, so the retry is applied once.
            record.pending_request_id = ""
            SyncRecord.objects.filter(pk=record.pk).update(pending_request_id="")
            self.request_salt += "|refused"
            raise

    def _update(self, record: SyncRecord, entity: str, body: dict) -> dict:
        """Update with the stored SyncToken; a stale one (5010) is re-read and retried once."""
        record.pending_request_id = ""
        try:
            return self._write(record, entity, body, op="update")
        except QboFault as error:
            if not error.is_stale_object:
                raise
            body["SyncToken"] = str(self.call("read", entity, record.qbo_id)["SyncToken"])
            record.pending_request_id = ""
            return self._write(record, entity, body, op="update")

    def delete(self, record: SyncRecord, entity: str, current: dict) -> None:
        """Delete the object `current` (as just read) with its SyncToken and a requestid kept
        until it lands, so a retry after a lost answer is applied once. A stale SyncToken
        (5010) is read again and retried once; an object already gone (610) is done."""
        body = {"Id": str(current["Id"]), "SyncToken": str(current["SyncToken"])}
        for attempt in range(2):
            try:
                self._write(record, entity, body, op="delete")
                return
            except QboFault as error:
                if error.is_not_found:
                    return
                if not error.is_stale_object or attempt:
                    raise
                try:
                    body["SyncToken"] = str(self.call("read", entity, body["Id"])["SyncToken"])
                except QboFault as reread:
                    if reread.is_not_found:
                        return
                    raise

    def _landed(self, record: SyncRecord, entity: dict, *, fingerprint: str, name: str = ""):
        record.qbo_id = str(entity["Id"])
        record.sync_token = str(entity.get("SyncToken", ""))
        record.fingerprint = fingerprint
        record.qbo_name = name or record.qbo_name
        record.pending_request_id = ""
        record.last_error = ""
        record.synced_at = timezone.now()
        record.save(update_fields=["qbo_id", "sync_token", "fingerprint", "qbo_name",
                                   "pending_request_id", "last_error", "warning", "voided",
                                   "synced_at"])
        self._mark_synced(record)

    @staticmethod
    def _mark_synced(record: SyncRecord) -> None:
        """Synced, unless the invoice or payment was changed while this push was under way
        (an edit put it back in the outbox): then it stays there, and its next push sends
        the change. Marking it synced over the edit could leave QuickBooks a version behind."""
        records = SyncRecord.objects.filter(pk=record.pk)
        if record.kind in (Kind.INVOICE, Kind.PAYMENT):
            records = records.exclude(state=State.NEEDS_SYNC)
        now = timezone.now()
        marked = records.update(state=State.SYNCED, state_changed_at=now)
        record.state = State.SYNCED if marked else State.NEEDS_SYNC
        if marked:
            record.state_changed_at = now

    # customers ---------------------------------------------------------------------------
    def customer_id(self, contact: Contact) -> str:
        record, _ = SyncRecord.objects.get_or_create(
            realm_id=self.connection.realm_id, key=f"contact:{contact.pk}",
            defaults={"account": self.account, "kind": Kind.CUSTOMER, "contact": contact},
        )
        if record.qbo_id and record.state == State.SYNCED:
            self._update_customer(record, contact)
            return record.qbo_id
        base = rules.customer_base_name(first_name=contact.first_name,
                                        last_name=contact.last_name,
                                        company=contact.company, email=contact.email)
        shared = (
            Contact.objects.filter(account=self.account)
            .exclude(pk=contact.pk)
            .filter(first_name__iexact=contact.first_name, last_name__iexact=contact.last_name)
            .exists()
        )
        candidates = list(dict.fromkeys(
            rules.customer_display_name_for(
                base_name=base, email=contact.email, shared=shared, attempt=attempt
            )
            for attempt in range(6)
        ))
        # One look-up for every name this contact could have, the plain name included: a
        # QuickBooks customer with the contact's email is the same person, whatever its name.
        names = list(dict.fromkeys([base, *candidates]))
        found = {
            str(c.get("DisplayName", "")).casefold(): c
            for c in self.call("query", rules.select_where_in("Customer", "DisplayName", names))
        }
        for name in names:
            existing = found.get(name.casefold())
            if existing and self._is_contacts_customer(existing, contact, record):
                self._landed(record, existing, fingerprint="", name=existing["DisplayName"])
                return record.qbo_id
        for name in candidates:
            if name.casefold() in found:
                continue  # someone else has this name: never share a customer
            payload = payloads.customer_payload(contact=contact, display_name=name)
            record.pending_request_id = ""
            try:
                created = self._write(record, "Customer", payload, op="create")
            except QboFault as error:
                if not error.is_duplicate_name:
                    raise
                # An inactive customer (or a vendor or employee) has the name.
                inactive = self._find_inactive("Customer", "DisplayName", name)
                if inactive and self._is_contacts_customer(inactive, contact, record):
                    created = self._reactivate(record, "Customer", inactive,
                                               name_field="DisplayName", name=name)
                    self.notes.append(
                        f"The QuickBooks customer {name} was inactive; hatsync made it active "
                        f"again for {contact.full_name}."
                    )
                    self._landed(record, created, fingerprint="", name=name)
                    return record.qbo_id
                continue
            self._landed(record, created, fingerprint=rules.fingerprint(payload), name=name)
            return record.qbo_id
        raise Blocked(f"No free QuickBooks customer name was found for {contact.full_name} "
                      f"({contact.email}).")

    def _is_contacts_customer(self, customer: dict, contact: Contact, record) -> bool:
        """Reuse a QuickBooks customer only when its email is the contact's and no other
        contact of ours already uses it: a payment must never land on the wrong person."""
        email = (customer.get("PrimaryEmailAddr") or {}).get("Address")
        if not rules.same_email(email, contact.email):
            return False
        return not SyncRecord.objects.filter(
            realm_id=self.connection.realm_id, kind=Kind.CUSTOMER, qbo_id=str(customer["Id"])
        ).exclude(pk=record.pk).exists()

    def _update_customer(self, record: SyncRecord, contact: Contact) -> None:
        """A contact edited after its customer was made: bring the customer up to date.

        The DisplayName stays the one it was created with (renaming could collide); the
        email, names, company and phone follow the contact.
        """
        change = self.customer_update(record, contact)
        if change is None:
            return
        body, fingerprint = change
        updated = self._update(record, "Customer", body)
        self._landed(record, updated, fingerprint=fingerprint)

    def customer_update(self, record: SyncRecord, contact: Contact) -> tuple[dict, str] | None:
        """The sparse update that brings a synced customer up to its contact (not its name),
        and its fingerprint; None when nothing changed."""
        payload = payloads.customer_payload(contact=contact, display_name=record.qbo_name)
        fingerprint = rules.fingerprint(payload)
        if record.fingerprint == fingerprint:
            return None
        body = {**payload, "Id": record.qbo_id, "SyncToken": record.sync_token, "sparse": True}
        body.pop("DisplayName")
        return body, fingerprint

    # items ---------------------------------------------------------------------------------
    def item_id(self, name: str, *, taxable: bool) -> str:
        record, _ = SyncRecord.objects.get_or_create(
            realm_id=self.connection.realm_id, key=f"item:{name.casefold()}"[:200],
            defaults={"account": self.account, "kind": Kind.ITEM, "qbo_name": name},
        )
        if record.qbo_id and record.state == State.SYNCED:
            return record.qbo_id
        found = self.call("query", rules.select_where_equals("Item", "Name", name))
        if found:  # products with the same name are one QuickBooks item, by design
            self._landed(record, found[0], fingerprint="", name=name)
            return record.qbo_id
        income = self.snapshot.get("income_account_id")
        if not income:
            raise Blocked("QuickBooks has no income account to record sales in. Add one in "
                          "QuickBooks, then press Re-check settings and Sync.")
        payload = payloads.item_payload(name=name, income_account_id=income, taxable=taxable)
        record.pending_request_id = ""
        try:
            created = self._write(record, "Item", payload, op="create")
        except QboFault as error:
            inactive = (self._find_inactive("Item", "Name", name)
                        if error.is_duplicate_name else None)
            if inactive is None:
                raise
            created = self._reactivate(record, "Item", inactive, name_field="Name", name=name)
            self.notes.append(f"The product {name} was inactive in QuickBooks; hatsync made it "
                              "active again because this invoice uses it.")
        self._landed(record, created, fingerprint=rules.fingerprint(payload), name=name)
        return record.qbo_id

    # inactive customers and items -------------------------------------------------------
    def _find_inactive(self, entity: str, name_field: str, name: str) -> dict | None:
        """QuickBooks hides inactive names from queries, appends " (deleted)" to them, and
        still refuses their name to a new object (6240)."""
        names = [name, f"{name} (deleted)"]
        found = self.call("query", rules.select_where_in(entity, name_field, names,
                                                         inactive=True))
        return found[0] if found else None

    def _reactivate(self, record: SyncRecord, entity: str, current: dict, *, name_field: str,
                    name: str) -> dict:
        """Make an inactive customer or item active again, under its own name."""
        body = {"Id": str(current["Id"]), "SyncToken": str(current["SyncToken"]),
                "sparse": True, "Active": True, name_field: name}
        record.pending_request_id = ""
        return self._write(record, entity, body, op="update")

    def _repair_references(self, contact: Contact, customer_id: str,
                           item_ids: dict[str, str]) -> bool:
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
                current = self.call("read", entity, qbo_id)
            except QboFault as error:
                if not error.is_not_found:
                    raise
                current = None
            if current is not None and current.get("Active", True):
                continue
            record = SyncRecord.objects.filter(
                realm_id=self.connection.realm_id, qbo_id=qbo_id,
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
            reactivated = self._reactivate(record, entity, current, name_field=name_field,
                                           name=record.qbo_name)
            self._landed(record, reactivated, fingerprint=record.fingerprint)
            self.notes.append(f"The {what} {label} was inactive in QuickBooks; hatsync made it "
                              "active again because this invoice uses it.")
            repaired = True
        return repaired

    # invoices ------------------------------------------------------------------------------
    def invoice_checks(self, invoice: Invoice, lines) -> tuple[str, dict[str, str]]:
        if not rules.is_supported_country(self.account.country):
            raise Blocked("Only businesses in the US, Canada and the UK sync with QuickBooks.")
        if invoice.is_draft:
            raise Blocked("Drafts stay in hatsync. Send the invoice (or mark it as sent) first.")
        if not self.snapshot.get("custom_txn_numbers"):
            raise Blocked(
                "Custom transaction numbers are off in QuickBooks, so it would renumber this "
                "invoice. Turn them on (Settings > Account and settings > Sales), press "
                "Re-check settings, then Sync."
            )
        self._name_checks(invoice, lines)
        doc_number = rules.shorten_reference(invoice.number)
        tax_ids: dict[str, str] = {}
        if self.country in {"CA", "GB"}:
            missing = [line.name for line in lines if line.tax_rate is None]
            if missing:
                raise Blocked(
                    "In Canada and the UK every line needs a tax rate (0% and exempt are "
                    f"rates too). Lines without one: {', '.join(missing)}."
                )
            tax_ids, unmatched = rules.match_tax_codes(
                [line.tax_rate.name for line in lines], self.snapshot.get("tax_codes", {})
            )
            if unmatched:
                known = ", ".join(sorted(self.snapshot.get("tax_codes", {}))) or "none"
                raise Blocked(
                    f"These tax rates have no QuickBooks tax code of the same name: "
                    f"{', '.join(unmatched)}. Rename them here to match QuickBooks "
                    f"({known}), press Re-check settings, then Sync."
                )
        return doc_number, tax_ids

    @staticmethod
    def _name_checks(invoice: Invoice, lines) -> None:
        """QuickBooks refuses a customer or item without a name (2020) or with one made only
        of spaces (2050): say what to change here instead."""
        contact = invoice.contact
        if not rules.customer_base_name(first_name=contact.first_name,
                                        last_name=contact.last_name,
                                        company=contact.company, email=contact.email):
            raise Blocked(
                "The contact on this invoice has no name QuickBooks can use (its name, "
                "company and email are blank). Add a first or last name to the contact, "
                "then press Sync."
            )
        for line in lines:
            if not rules.item_name_for(line.name):
                raise Blocked(
                    f"The product “{line.product.display_name}” has no name on this invoice: "
                    "its tokens are empty for this contact. Add words of its own to the "
                    "product's Display Name (or fill in what its tokens show on the contact), "
                    "save this invoice again so the line takes the new name, then press Sync."
                )

    def _tips_for(self, invoice: Invoice) -> Decimal:
        if not self.tips_enabled:
            return Decimal("0")
        return sum((p.tip_amount for p in invoice.payments.all()), Decimal("0"))

    @property
    def tips_enabled(self) -> bool:
        return rules.tips_apply(country=self.country, snapshot=self.snapshot)

    def taxable_item(self, line) -> bool:
        """In Canada and the UK every item is taxable (its line's code decides the rate)."""
        return self.country in {"CA", "GB"} or line.product.taxable

    def invoice_payload(self, invoice: Invoice, lines, *, doc_number: str, tax_ids: dict,
                        customer_id: str, item_ids: dict[str, str]) -> tuple[dict, str]:
        """The invoice as QuickBooks takes it, with our marker, and its fingerprint."""
        payload = payloads.invoice_payload(
            invoice=invoice, lines=lines, doc_number=doc_number, customer_id=customer_id,
            item_ids=item_ids, country=self.country, tax_code_ids=tax_ids,
            tips=self._tips_for(invoice),
            discount_account_id=accounts.discount_account_id(self.connection),
        )
        payload["PrivateNote"] = invoice_marker(invoice.pk)
        return payload, rules.fingerprint(payload)

    def sync_invoice(self, record: SyncRecord) -> str:
        invoice = (
            Invoice.objects.select_related("contact", "account")
            .prefetch_related("lines__tax_rate", "lines__product")
            .get(pk=record.invoice_id)
        )
        lines = list(invoice.lines.all())
        if invoice.is_void:
            return self._void(record, invoice)
        doc_number, tax_ids = self.invoice_checks(invoice, lines)
        # The invoice that holds a number in QuickBooks keeps it for good: its edits, voids
        # and payments always go through. Any other (a create, or a renumbered invoice) must
        # first claim the number, by the same rules.
        if not (record.qbo_id and record.qbo_name == doc_number):
            self._claim_number(record, invoice, doc_number)

        def payload_for() -> tuple[dict, str]:
            nonlocal customer, item_ids
            customer = self.customer_id(invoice.contact)
            item_ids = {
                rules.item_name_for(line.name): self.item_id(
                    rules.item_name_for(line.name), taxable=self.taxable_item(line)
                )
                for line in lines
            }
            return self.invoice_payload(invoice, lines, doc_number=doc_number, tax_ids=tax_ids,
                                        customer_id=customer, item_ids=item_ids)

        customer, item_ids = "", {}
        payload, fingerprint = payload_for()
        if record.qbo_id and record.fingerprint == fingerprint and not record.voided:
            self._mark_synced(record)
            return "unchanged"
        try:
            operation = self._write_invoice(record, invoice, payload, fingerprint, doc_number)
        except QboFault as error:
            if not ((error.is_invalid_reference
                     and self._repair_references(invoice.contact, customer, item_ids))
                    or self._tips_turned_off(error, invoice)):
                raise
            payload, fingerprint = payload_for()
            operation = self._write_invoice(record, invoice, payload, fingerprint, doc_number)
        self._queue_payments(invoice)
        return operation

    def _tips_turned_off(self, error: QboFault, invoice: Invoice) -> bool:
        """A tip line refused as a business rule: were tips turned off in QuickBooks since
        the settings were read? Then read them again (the tips go unapplied, with a warning)."""
        if error.code != "6000" or not self._tips_for(invoice):
            return False
        self.snapshot = connection_check_settings(connection=self.connection, client=self.client)
        return not self.tips_enabled

    def _write_invoice(self, record, invoice, payload, fingerprint, doc_number) -> str:
        record.warning = " ".join(self.notes)
        if record.qbo_id:
            try:
                self._update_invoice(record, payload, fingerprint, doc_number)
            except QboFault as error:
                if error.is_duplicate_doc_number:  # QuickBooks' own check caught a clash
                    self._claim_number(record, invoice, doc_number)
                raise
            return "update"
        try:
            created = self._write(record, "Invoice", payload, op="create")
        except QboFault as error:
            if not error.is_duplicate_doc_number:
                raise
            self._claim_number(record, invoice, doc_number)
            if not record.qbo_id:
                raise
            # It was ours after all (an earlier attempt's create): update it instead.
            self._update_invoice(record, payload, fingerprint, doc_number)
            return "update"
        self._invoice_landed(record, created, fingerprint=fingerprint, doc_number=doc_number)
        return "create"

    def _claim_number(self, record: SyncRecord, invoice: Invoice, doc_number: str) -> None:
        """Make sure `doc_number` is free for this invoice in QuickBooks, or raise Blocked
        naming the invoice that holds it. Adopts our own invoice if an earlier attempt made
        it (the marker in PrivateNote says whose it is)."""
        holder = (
            SyncRecord.objects.filter(realm_id=self.connection.realm_id, kind=Kind.INVOICE,
                                      qbo_name=doc_number)
            .exclude(pk=record.pk).exclude(qbo_id="").select_related("invoice").first()
        )
        if holder is not None:
            raise Blocked(number_clash_message(
                number=invoice.number, doc_number=doc_number,
                holder=holder.invoice.number if holder.invoice else None,
            ))
        found = self.call("query", rules.select_where_equals("Invoice", "DocNumber", doc_number))
        for existing in found:
            if str(existing["Id"]) == record.qbo_id:
                continue  # this very invoice
            owner = marker_invoice_id(existing.get("PrivateNote", ""))
            if owner == invoice.pk and not record.qbo_id:
                record.qbo_id = str(existing["Id"])
                record.sync_token = str(existing["SyncToken"])
                continue
            ours = SyncRecord.objects.filter(  # ours even if its PrivateNote was edited
                realm_id=self.connection.realm_id, kind=Kind.INVOICE, qbo_id=str(existing["Id"])
            ).select_related("invoice").first()
            other = (ours.invoice if ours and ours.invoice else
                     Invoice.objects.filter(account=self.account, pk=owner).first()
                     if owner else None)
            raise Blocked(number_clash_message(
                number=invoice.number, doc_number=doc_number,
                holder=other.number if other else None, outside=other is None,
            ))

    def _update_invoice(self, record, payload, fingerprint, doc_number) -> None:
        body = {**payload, "Id": record.qbo_id, "SyncToken": record.sync_token, "sparse": False}
        updated = self._update(record, "Invoice", body)
        self._invoice_landed(record, updated, fingerprint=fingerprint, doc_number=doc_number)

    def _invoice_landed(self, record: SyncRecord, answer: dict, *, fingerprint: str,
                        doc_number: str) -> None:
        """Record the invoice QuickBooks now has. When it did not keep our number (custom
        numbers were turned off since the settings were read), the invoice is blocked until
        they are on again; its next push then sets the number."""
        qbo_number = str(answer.get("DocNumber") or "")
        if qbo_number == doc_number:
            self._landed(record, answer, fingerprint=fingerprint, name=doc_number)
            return
        self._landed(record, answer, fingerprint="", name=qbo_number)
        self.snapshot = connection_check_settings(connection=self.connection, client=self.client)
        raise Blocked(renumbered_message(doc_number=doc_number, qbo_number=qbo_number))

    def _adopt_own_invoice(self, record: SyncRecord, invoice: Invoice) -> None:
        """An earlier attempt may have created this invoice before we could record it."""
        doc_number = rules.shorten_reference(invoice.number)
        found = self.call("query", rules.select_where_equals("Invoice", "DocNumber", doc_number))
        for existing in found:
            if marker_invoice_id(existing.get("PrivateNote", "")) == invoice.pk:
                record.qbo_id = str(existing["Id"])
                record.sync_token = str(existing["SyncToken"])
                record.qbo_name = doc_number

    def _void(self, record: SyncRecord, invoice: Invoice) -> str:
        if not record.qbo_id:
            self._adopt_own_invoice(record, invoice)
        if not record.qbo_id or record.voided or record.qbo_status:
            # Voided or deleted in QuickBooks already (inbound.py flagged it): nothing to send.
            record.voided = True
            record.save(update_fields=["voided"])
            self._mark_synced(record)
            return "void"
        record.pending_request_id = rules.request_id_for(
            key=f"{record.realm_id}:{record.key}", operation="void", content=record.qbo_id
        )
        try:
            voided = self.call("void_invoice", qbo_id=record.qbo_id,
                               sync_token=record.sync_token,
                               request_id=record.pending_request_id)
        except QboFault as error:
            if not error.is_stale_object:
                raise
            current = self.call("read", "Invoice", record.qbo_id)
            voided = self.call("void_invoice", qbo_id=record.qbo_id,
                               sync_token=str(current["SyncToken"]),
                               request_id=record.pending_request_id + "-2")
        record.voided = True
        self._landed(record, voided, fingerprint=record.fingerprint)
        return "void"

    def _queue_payments(self, invoice: Invoice) -> None:
        """Payments follow their invoice: queue those not yet in QuickBooks."""
        pending = []
        for payment in invoice.payments.all():
            record, _ = SyncRecord.objects.get_or_create(
                realm_id=self.connection.realm_id, key=payment_key(payment.pk),
                defaults={"account": self.account, "kind": Kind.PAYMENT, "payment": payment},
            )
            if record.state != State.SYNCED:
                SyncRecord.objects.filter(pk=record.pk).update(state=State.NEEDS_SYNC)
                pending.append(record.pk)
        enqueue(pending)

    # payments ------------------------------------------------------------------------------
    def sync_payment(self, record: SyncRecord) -> str:
        payment = Payment.objects.select_related("invoice__contact").get(pk=record.payment_id)
        if record.qbo_id and record.fingerprint:
            self._mark_synced(record)
            return "unchanged"
        invoice_record = SyncRecord.objects.filter(
            realm_id=self.connection.realm_id, key=invoice_key(payment.invoice_id)
        ).first()
        if invoice_record is None or not invoice_record.qbo_id:
            raise Waiting(f"Waiting for invoice {payment.invoice.number} to sync first.")
        if invoice_record.state != State.SYNCED or payment.tip_amount:
            # tips change the invoice (its gratuity line): bring it up to date first
            self.sync_invoice(invoice_record)
        customer = self.customer_id(payment.invoice.contact)
        payload, tip_applied = self.payment_payload(payment, customer_id=customer,
                                                    invoice_qbo_id=invoice_record.qbo_id)
        marker = payload["PrivateNote"]
        if record.qbo_id:  # reconcile asked for hatsync's version again: update it
            body = {**payload, "Id": record.qbo_id, "SyncToken": record.sync_token}
            entity = self._update(record, "Payment", body)
            record.warning = " ".join([*self.notes, self.tip_warning(payment, tip_applied)])
            self._landed(record, entity, fingerprint=rules.fingerprint(payload),
                         name=payload.get("PaymentRefNum", ""))
            return "update"
        # Only an earlier attempt can have left a payment behind: then look before creating.
        existing = None
        if record.attempts > 1:
            existing = self._find_payment(invoice_record.qbo_id, marker)
        try:
            entity = existing or self._write(record, "Payment", payload, op="create")
        except QboFault as error:
            contact = payment.invoice.contact
            if not (error.is_invalid_reference
                    and self._repair_references(contact, customer, {})):
                raise
            payload["CustomerRef"] = {"value": self.customer_id(contact)}
            entity = self._write(record, "Payment", payload, op="create")
        record.warning = " ".join([*self.notes, self.tip_warning(payment, tip_applied)]).strip()
        self._landed(record, entity, fingerprint=rules.fingerprint(payload),
                     name=payload.get("PaymentRefNum", ""))
        return "create"

    def payment_payload(self, payment: Payment, *, customer_id: str,
                        invoice_qbo_id: str) -> tuple[dict, bool]:
        """The payment as QuickBooks takes it, with our marker, and whether its tip goes
        through the invoice's tip line."""
        tip_applied = bool(payment.tip_amount) and self.tips_enabled
        payload = payloads.payment_payload(
            payment=payment, customer_id=customer_id, invoice_qbo_id=invoice_qbo_id,
            ref_number=rules.shorten_reference(payment.reference), tip_applied=tip_applied,
            deposit_account_id=accounts.chosen_account_id(self.connection, accounts.DEPOSIT),
        )
        payload["PrivateNote"] = payment_marker(payment.pk)
        return payload, tip_applied

    def _find_payment(self, invoice_qbo_id: str, marker: str) -> dict | None:
        invoice = self.call("read", "Invoice", invoice_qbo_id)
        for linked in invoice.get("LinkedTxn", []):
            if linked.get("TxnType") == "Payment":
                payment = self.call("read", "Payment", str(linked["TxnId"]))
                if payment.get("PrivateNote") == marker:
                    return payment
        return None

    def tip_warning(self, payment: Payment, tip_applied: bool) -> str:
        if not payment.tip_amount or tip_applied:
            return ""
        if self.country == "CA":
            return (f"QuickBooks Canada has no tips setting, so the {payment.tip_amount} tip "
                    "is recorded as unapplied credit for the customer.")
        return (f"Tips are off in QuickBooks, so the {payment.tip_amount} tip is recorded as "
                "unapplied credit for the customer. Turn on Tips (gratuity) in QuickBooks and "
                "press Re-check settings so later tips are applied.")
