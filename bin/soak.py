"""Soak: thousands of mixed CRM operations over several accounts while the local QuickBooks
sandbox fails at random and the worker is killed now and then; then everything must be synced
once and reconcile must find no difference.

Use bin/soak, which points it at a throw-away database and broker folder. A tool of the
project, not of the product: it lives outside the app packages, so no product code imports
the sandbox.

    bin/soak [--accounts 3] [--operations 2000] [--fault-rate 0.05] [--lost-answer-rate 0.03]
             [--kills 3] [--seed N] [--timeout 300] [--rate 12] [--time-scale 4]

The last line printed is one JSON object with the figures. Exit status 1 when anything differs,
is duplicated, is blocked or failed, or has not settled within --timeout.
"""

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_CEILING, Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import requests

import harness
from harness import HarnessError, KillableWorker, free_port, stop_process

CENT = Decimal("0.01")
COUNTRIES = ("US", "CA", "GB")
# The worker's recovery thresholds, shortened as in tests/system/faults.py: a killed worker's
# lease runs out in 5 s and the sweeper (beat, inside the worker) looks every second for
# records waiting or "Syncing" for over 4 s.
SHORT_THRESHOLDS = {
    "QBO_LEASE_SECONDS": "5",
    "SYNC_SWEEP_SECONDS": "1",
    "SYNC_SWEEP_WAITING_AFTER": "4",
    "SYNC_SWEEP_STUCK_AFTER": "4",
}
# What a person does, and how often (weights).
OPERATIONS = {
    "create_send": 24,
    "draft_mark_sent": 10,
    "edit": 16,
    "pay": 12,
    "pay_tip": 8,
    "void": 6,
    "rename_contact": 8,
    "rename_product": 6,
}
FIRST_NAMES = ("Ana", "Ben", "Chloe", "Dev", "Eli", "Farah", "Gus", "Hana", "Ivo", "June",
               "Kofi", "Lena", "Mo", "Nia", "Oren", "Pia", "Quinn", "Rosa", "Sam", "Tao")
LAST_NAMES = ("Silva", "Park", "O'Neil", "Nguyen", "Müller", "Okafor", "Rossi", "Dubois")
PRODUCT_NAMES = ("Portrait Session", "Session for [% contact.first_name %]", "Wedding: Full Day",
                 "Prints for [% contact.full_name %]", "[% account.name %] Album", "Headshots",
                 "Retouching", "Travel")


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="bin/soak",
        description="Mixed CRM operations over several accounts with QuickBooks failing at "
        "random and the worker killed; then reconcile must find no difference.",
    )
    parser.add_argument("--accounts", type=int, default=3,
                        help="accounts, each with its own sandbox company: US, Canada, UK, ...")
    parser.add_argument("--operations", type=int, default=2000, help="in all accounts")
    parser.add_argument("--fault-rate", type=float, default=0.05,
                        help="share of QBO calls the sandbox answers 500 without applying them")
    parser.add_argument("--lost-answer-rate", type=float, default=0.03,
                        help="share of QBO writes the sandbox applies, then answers 504")
    parser.add_argument("--kills", type=int, default=3, help="times the worker gets SIGKILL")
    parser.add_argument("--seed", type=int, default=None, help="for the same operations again")
    parser.add_argument("--timeout", type=float, default=300,
                        help="seconds for everything to settle after the last operation")
    parser.add_argument("--rate", type=float, default=12, help="operations a second")
    parser.add_argument("--imported", type=int, default=40,
                        help="invoices per account sent before connecting, then imported")
    parser.add_argument("--time-scale", type=float, default=4.0,
                        help="the sandbox clock (and our request budget) runs this much faster")
    parser.add_argument("--concurrency", type=int, default=4, help="worker processes")
    parser.add_argument("--whole-prices", action="store_true",
                        help="whole-dollar prices only (by default prices have cents, so a "
                        "line's tax can end in half a cent: rounding is soaked too)")
    parser.add_argument("--worker-log", type=Path, default=None,
                        help="keep the worker's log there (it is thrown away otherwise)")
    args = parser.parse_args(argv)
    if min(args.accounts, args.operations, args.rate, args.time_scale, args.concurrency) <= 0:
        parser.error("--accounts, --operations, --rate, --time-scale and --concurrency must "
                     "be above 0")
    if args.seed is None:
        args.seed = random.SystemRandom().randrange(1_000_000)
    return args


# Django reads the sandbox's address when it sets up, so the port is chosen before that.
ARGS = parse_args(sys.argv[1:])
SANDBOX_URL = f"http://127.0.0.1:{free_port()}"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hatsync.settings")
os.environ.update({
    "QBO_ENVIRONMENT": "local",
    "QBO_LOCAL_SANDBOX_URL": SANDBOX_URL,
    "QBO_LIMITS_TIME_SCALE": str(ARGS.time_scale),
    "QBO_CLIENT_ID": "hatsync-local",
    "QBO_CLIENT_SECRET": "hatsync-local-secret",
    **SHORT_THRESHOLDS,
})

import django

django.setup()

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection as db
from django.db.models import Count

from integrations.models import QuickBooksConnection, SyncLog, SyncRecord
from integrations.services import imports, oauth
from integrations.services.reconcile import reconcile_account
from invoices import services
from invoices.models import Account, Contact, Invoice, Payment, Product, TaxRate, User
from invoices.services import LineInput

State = SyncRecord.State
SENT_STATUSES = (Invoice.Status.SENT, Invoice.Status.PARTIALLY_PAID, Invoice.Status.PAID)


class SoakError(Exception):
    """The soak could not run to the end; the message says what was seen."""


# --- the sandbox ---------------------------------------------------------------------------

def sandbox_call(method: str, path: str, **kwargs) -> dict:
    response = requests.request(method, f"{SANDBOX_URL}/_sandbox/{path}", timeout=30, **kwargs)
    response.raise_for_status()
    return response.json()


def sandbox_entities(realm_id: str, entity: str) -> list[dict]:
    return sandbox_call("GET", f"companies/{realm_id}/entities/{entity.lower()}")[entity]


def start_sandbox(data_dir: Path, time_scale: float) -> subprocess.Popen:
    port = int(SANDBOX_URL.rsplit(":", 1)[1])
    process, _ = harness.start_sandbox(data_dir, "--time-scale", str(time_scale), port=port,
                                       expect_url=SANDBOX_URL)  # bare: the soak makes its own
    return process


# --- the worker ----------------------------------------------------------------------------

def soak_worker(var_dir: Path, concurrency: int) -> harness.KillableWorker:
    """`celery worker -B` on both queues, killable (harness.KillableWorker): a node name and
    a new beat schedule file each start (a SIGKILL may leave the last one half written), and
    what waits in the broker dropped at the first."""
    return harness.KillableWorker(
        {**os.environ, "HATSYNC_VAR_DIR": str(settings.VAR_DIR)}, var_dir,
        concurrency=concurrency, log_name="soak-worker.log", name="soak{n}@%h",
        schedule="soak-beat-{n}", purge_first=True)


# --- accounts ------------------------------------------------------------------------------

@dataclass
class Studio:
    """One CRM account, its sandbox company, and what the operations pick from."""

    label: str
    country: str
    realm_id: str
    account: Account
    tax_rates: list[TaxRate]
    contacts: list[Contact] = field(default_factory=list)
    products: list[Product] = field(default_factory=list)
    numbers: int = 0
    renames: int = 0
    cent_prices: bool = False

    def next_number(self) -> str:
        """Every seventh number is longer than QuickBooks' 21 characters; shortened (first 5,
        last 13) they stay distinct."""
        self.numbers += 1
        if self.numbers % 7 == 0:
            return f"SOAK-{self.country}-LONG-NUMBER-{self.numbers:07d}"
        return f"{self.country}-{self.numbers:05d}"


def make_studio(index: int, rng: random.Random, stamp: str, *, cent_prices: bool) -> Studio:
    country = COUNTRIES[index % len(COUNTRIES)]
    label = f"Soak {country} {index + 1}"
    company = sandbox_call("POST", "companies", json={
        "name": label, "country": country,
        "preferences": {"custom_txn_numbers": True, "gratuity": True},
    })
    account = Account.objects.create(name=label, country=country)
    User.objects.create_user(username=f"soak-{stamp}-{index}", account=account)
    if country == "US":
        rates = [("Sales Tax", "8"), ("City Tax", "4.5"), ("No Tax", "0")]
    else:  # named as the company's tax codes, so every line has a code (QuickBooks' rule)
        rates = [(code["name"], str(code["rate"])) for code in company["tax_codes"]]
    tax_rates = [TaxRate.objects.create(account=account, name=name, percentage=Decimal(rate))
                 for name, rate in rates]
    studio = Studio(label=label, country=country, realm_id=company["realm_id"],
                    account=account, tax_rates=tax_rates, cent_prices=cent_prices)
    for i in range(30):
        # one in ten shares its name with the contact before it (another person, same name)
        twin = i % 10 == 9
        first, last = ((studio.contacts[-1].first_name, studio.contacts[-1].last_name) if twin
                       else (f"{FIRST_NAMES[i % len(FIRST_NAMES)]}{i:02d}",
                             LAST_NAMES[i % len(LAST_NAMES)]))
        studio.contacts.append(Contact.objects.create(
            account=account, first_name=first, last_name=last,
            email=f"client{i:03d}@{stamp}-{index}.soak.example"))
    for i, name in enumerate(PRODUCT_NAMES):
        studio.products.append(Product.objects.create(
            account=account, display_name=name, rate=Decimal(40 + 15 * i),
            default_tax_rate=tax_rates[i % len(tax_rates)], taxable=i % 4 != 3))
    return studio


def random_lines(studio: Studio, rng: random.Random, count: int | None = None) -> list[LineInput]:
    """Prices with cents (whole dollars with --whole-prices) and whole quantities: a line's
    tax can end in half a cent, so hatsync's tax rounding must be QuickBooks' (once per rate).
    Outside the US every line has one of the company's tax codes."""
    products = list(studio.account.products.order_by("pk"))  # as renamed since
    lines = []
    for _ in range(count or rng.randint(1, 3)):
        product = rng.choice(products)
        if studio.country == "US":
            tax = rng.choice([product.default_tax_rate, None])
        else:
            tax = rng.choice(studio.tax_rates)
        price = product.rate if rng.random() < 0.6 else Decimal(rng.randint(5, 400))
        if studio.cent_prices:
            price = Decimal(rng.randint(500, 40000)) / 100
        lines.append(LineInput(product, Decimal(rng.randint(1, 3)), price, tax))
    return lines


def new_invoice(studio: Studio, rng: random.Random, today: date) -> Invoice:
    issued = today - timedelta(days=rng.randint(0, 90))
    return services.invoice_create(
        account=studio.account, number=studio.next_number(),
        contact=Contact.objects.get(pk=rng.choice(studio.contacts).pk),  # as renamed since
        issue_date=issued, due_date=issued + timedelta(days=30), lines=random_lines(studio, rng),
        memo=rng.choice(["", "Thank you!", "Deposit received in person.\nBalance due."]),
    )


def record_payment(invoice: Invoice, rng: random.Random, today: date, *, tip: bool) -> Payment:
    balance = invoice.balance
    share = Decimal(rng.choice(["1", "1", "0.5", "0.25"]))
    amount = max(CENT, (balance * share).quantize(CENT))
    reference = (f"CARD-{rng.randint(1000, 9999)}" if rng.random() < 0.7
                 else f"BANK-TRANSFER-REFERENCE-{rng.randint(10**7, 10**8 - 1)}")
    return services.payment_record(
        invoice=invoice, date=today, amount=amount,
        tip_amount=Decimal(rng.randint(2, 25)) if tip else Decimal(0), reference=reference)


def connect(studio: Studio) -> QuickBooksConnection:
    """The real OAuth flow: start, press Connect on the sandbox's consent page, complete."""
    redirect_uri = "http://127.0.0.1/callback"
    session: dict = {}
    authorize_url = oauth.connection_start(
        session=session, account=studio.account, redirect_uri=redirect_uri)
    consent = requests.post(authorize_url, data={"action": "connect", "realm_id": studio.realm_id},
                            allow_redirects=False, timeout=30)
    query = requests.utils.urlparse(consent.headers["Location"]).query
    params = dict(pair.split("=", 1) for pair in query.split("&"))
    connection, _ = oauth.connection_complete(
        session=session, account=studio.account, user=studio.account.users.first(),
        params=params, redirect_uri=redirect_uri)
    return connection


# --- the operations ------------------------------------------------------------------------

class Operations:
    """What a person does in the CRM, picked at random; one call is one operation."""

    def __init__(self, studios: list[Studio], rng: random.Random):
        self.studios = studios
        self.rng = rng
        self.today = date.today()
        self.done: Counter[str] = Counter()
        self.refused: Counter[str] = Counter()  # the CRM said no (should stay 0)

    def run_one(self) -> None:
        studio = self.rng.choice(self.studios)
        kind = self.rng.choices(list(OPERATIONS), weights=list(OPERATIONS.values()))[0]
        try:
            done = getattr(self, kind)(studio)
        except ValidationError as error:
            self.refused[f"{kind}: {error.messages[0]}"] += 1
            return
        if not done:  # nothing to do it on yet: a new invoice instead
            kind = "create_send"
            self.create_send(studio)
        self.done[kind] += 1

    def _pick(self, invoices) -> Invoice | None:
        ids = list(invoices.values_list("pk", flat=True))
        return Invoice.objects.get(pk=self.rng.choice(ids)) if ids else None

    def create_send(self, studio: Studio) -> bool:
        services.invoice_send(invoice=new_invoice(studio, self.rng, self.today))
        return True

    def draft_mark_sent(self, studio: Studio) -> bool:
        draft = new_invoice(studio, self.rng, self.today)
        services.invoice_mark_sent(invoice=draft)
        return True

    def edit(self, studio: Studio) -> bool:
        invoice = self._pick(studio.account.invoices.filter(status__in=SENT_STATUSES))
        if invoice is None:
            return False
        lines = random_lines(studio, self.rng)
        total = sum((line.quantity * line.unit_price for line in lines), Decimal(0))
        paid = invoice.amount_paid
        if total < paid:  # a total may not fall below what was paid
            product = self.rng.choice(studio.products)
            lines.append(LineInput(product, Decimal(1),
                                   (paid - total).quantize(Decimal(1), ROUND_CEILING),
                                   lines[0].tax_rate))
        services.invoice_update(
            invoice=invoice, number=invoice.number, contact=invoice.contact,
            issue_date=invoice.issue_date, due_date=invoice.due_date, lines=lines,
            memo=self.rng.choice([invoice.memo, "Edited: new prices."]))
        return True

    def _payable(self, studio: Studio) -> Invoice | None:
        return self._pick(studio.account.invoices.filter(
            status__in=[Invoice.Status.SENT, Invoice.Status.PARTIALLY_PAID]))

    def pay(self, studio: Studio) -> bool:
        invoice = self._payable(studio)
        if invoice is None:
            return False
        record_payment(invoice, self.rng, self.today, tip=False)
        return True

    def pay_tip(self, studio: Studio) -> bool:
        invoice = self._payable(studio)
        if invoice is None:
            return False
        record_payment(invoice, self.rng, self.today, tip=True)
        return True

    def void(self, studio: Studio) -> bool:
        invoice = self._pick(studio.account.invoices.filter(status=Invoice.Status.SENT)
                             .filter(payments__isnull=True))
        if invoice is None:
            return False
        services.invoice_void(invoice=invoice)
        return True

    def rename_contact(self, studio: Studio) -> bool:
        contact = Contact.objects.get(pk=self.rng.choice(studio.contacts).pk)
        studio.renames += 1
        contact.first_name = f"{self.rng.choice(FIRST_NAMES)}-{studio.renames}"
        if self.rng.random() < 0.3:
            contact.last_name = self.rng.choice(LAST_NAMES)
        contact.save()  # as the contact form saves it
        return True

    def rename_product(self, studio: Studio) -> bool:
        product = Product.objects.get(pk=self.rng.choice(studio.products).pk)
        studio.renames += 1
        base = self.rng.choice(PRODUCT_NAMES)
        product.display_name = f"{base} v{studio.renames}"
        product.full_clean()
        product.save()  # as the product form saves it
        return True


# --- settling and checking -----------------------------------------------------------------

def unsettled(studio: Studio) -> dict:
    """What has not reached a final state: {"missing": [...], "waiting": [...]}. A payment
    whose invoice was refused waits for it by design, so it counts as settled."""
    account = studio.account
    records = SyncRecord.objects.filter(account=account, realm_id=studio.realm_id)
    invoice_records = records.filter(kind=SyncRecord.Kind.INVOICE)
    refused = invoice_records.filter(state__in=[State.FAILED, State.BLOCKED])
    sent = account.invoices.exclude(status=Invoice.Status.DRAFT)
    missing = [f"invoice {number}" for number in sent.exclude(
        pk__in=invoice_records.values("invoice_id")).values_list("number", flat=True)]
    missing += [f"payment #{pk}" for pk in account.payments.exclude(
        pk__in=records.filter(kind=SyncRecord.Kind.PAYMENT).values("payment_id")).exclude(
        invoice_id__in=refused.values("invoice_id")).values_list("pk", flat=True)]
    waiting = records.filter(kind__in=[SyncRecord.Kind.INVOICE, SyncRecord.Kind.PAYMENT],
                             state__in=[State.NEEDS_SYNC, State.SYNCING]).exclude(
        payment__invoice_id__in=refused.values("invoice_id"))
    # A void must have reached QuickBooks, not only the record.
    not_voided = invoice_records.filter(invoice__status=Invoice.Status.VOID,
                                        state=State.SYNCED).exclude(
        qbo_status__in=[SyncRecord.QboStatus.VOID, SyncRecord.QboStatus.VOIDED,
                        SyncRecord.QboStatus.DELETED])
    return {"missing": missing,
            "waiting": [f"{r.key} {r.state}: {r.last_error or '-'}" for r in waiting[:20]],
            "waiting_count": waiting.count(),
            "not_voided": [r.key for r in not_voided]}


def wait_until_settled(studios: list[Studio], timeout: float, worker: KillableWorker) -> list:
    """Poll until nothing is left to sync; return what was still unsettled at the timeout."""
    deadline = time.monotonic() + timeout
    while True:
        left = [(s, unsettled(s)) for s in studios]
        left = [(s, u) for s, u in left if u["missing"] or u["waiting_count"] or u["not_voided"]]
        if not left:
            return []
        worker.restart_if_exited()
        if time.monotonic() > deadline:
            return left
        time.sleep(1)


def refused_records(studios: list[Studio]) -> list[str]:
    """Blocked or failed records, with their message: each is a finding."""
    rows = SyncRecord.objects.filter(account__in=[s.account for s in studios],
                                     state__in=[State.FAILED, State.BLOCKED])
    return [f"{r.account.name}: {r.key} {r.state}: {r.last_error}"
            for r in rows.select_related("account")]


def sandbox_duplicates(studio: Studio) -> dict[str, list[str]]:
    """In QuickBooks itself: DocNumbers and payment markers held more than once, customers
    sharing an email, items sharing a name; and objects no record of ours accounts for."""
    invoices = sandbox_entities(studio.realm_id, "Invoice")
    payments = sandbox_entities(studio.realm_id, "Payment")
    customers = sandbox_entities(studio.realm_id, "Customer")
    items = sandbox_entities(studio.realm_id, "Item")

    def twice(values) -> list[str]:
        return sorted(str(v) for v, n in Counter(values).items() if n > 1)

    found = {
        "doc_numbers": twice(i.get("DocNumber") for i in invoices),
        "payment_markers": twice(p.get("PrivateNote") for p in payments),
        "customer_emails": twice(((c.get("PrimaryEmailAddr") or {}).get("Address") or "")
                                 .casefold() for c in customers),
        "item_names": twice((i.get("Name") or "").casefold() for i in items),
    }
    ours = {str(qbo_id) for qbo_id in SyncRecord.objects.filter(
        realm_id=studio.realm_id, kind__in=[SyncRecord.Kind.INVOICE, SyncRecord.Kind.PAYMENT]
    ).exclude(qbo_id="").values_list("qbo_id", flat=True)}
    found["unaccounted"] = sorted(
        [f"Invoice {i['Id']} ({i.get('DocNumber')})" for i in invoices if str(i["Id"]) not in ours]
        + [f"Payment {p['Id']} ({p.get('PrivateNote')})" for p in payments
           if str(p["Id"]) not in ours])
    return found


def record_states(studios: list[Studio]) -> dict[str, dict[str, int]]:
    rows = (SyncRecord.objects.filter(account__in=[s.account for s in studios])
            .values("kind", "state").annotate(n=Count("id")).order_by("kind", "state"))
    states: dict[str, dict[str, int]] = {}
    for row in rows:
        states.setdefault(row["kind"], {})[row["state"]] = row["n"]
    return states


# --- the run -------------------------------------------------------------------------------

def run(args: argparse.Namespace, work_dir: Path) -> dict:
    rng = random.Random(args.seed)
    started = time.monotonic()
    stamp = str(time.time_ns())
    print(f"Soak: seed {args.seed}, {args.accounts} accounts, {args.operations} operations, "
          f"fault rate {args.fault_rate}, lost answers {args.lost_answer_rate}, "
          f"{args.kills} kills", file=sys.stderr)
    studios = [make_studio(n, rng, stamp, cent_prices=not args.whole_prices)
               for n in range(args.accounts)]
    ops = Operations(studios, rng)

    # Before connecting: sent invoices, some paid: Import Invoices' work (the bulk path).
    for studio in studios:
        for _ in range(args.imported):
            invoice = services.invoice_send(invoice=new_invoice(studio, rng, ops.today))
            if rng.random() < 0.4:
                record_payment(invoice, rng, ops.today, tip=rng.random() < 0.3)
    connections = {s.realm_id: connect(s) for s in studios}

    worker = soak_worker(work_dir, args.concurrency)
    worker.start()
    try:
        sandbox_call("POST", "config", json={"fault_rate": args.fault_rate,
                                             "lost_answer_rate": args.lost_answer_rate})
        for studio in studios:
            imports.sync_many(account=studio.account, user=None, invoice_ids=list(
                studio.account.invoices.values_list("pk", flat=True)))

        print(f"Operations at {args.rate:g} a second ...", file=sys.stderr)
        middle = range(args.operations // 10, max(args.operations // 10 + 1,
                                                  args.operations * 9 // 10))
        kill_at = sorted(rng.sample(middle, min(args.kills, len(middle))))
        restart_at: float | None = None
        interval = 1 / args.rate
        ops_started = next_at = time.monotonic()
        for n in range(args.operations):
            if kill_at and n == kill_at[0]:
                kill_at.pop(0)
                if not worker.running:
                    worker.start()
                worker.kill()
                restart_at = time.monotonic() + rng.uniform(0.5, 3.0)  # down for a moment
                print(f"  worker killed after {n} operations", file=sys.stderr)
            if restart_at is not None and time.monotonic() >= restart_at:
                worker.start()
                restart_at = None
                next_at = time.monotonic()  # the pace goes on from here, without a rush
            worker.restart_if_exited()
            ops.run_one()
            next_at += interval
            pause = next_at - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            elif pause < -1:
                next_at = time.monotonic()
        if not worker.running:
            worker.start()
        ops_seconds = time.monotonic() - ops_started

        print("Waiting for everything to settle ...", file=sys.stderr)
        settle_started = time.monotonic()
        unsettled_left = wait_until_settled(studios, args.timeout, worker)
        settle_seconds = time.monotonic() - settle_started
        faults_injected = sandbox_call("GET", "faults")["injected"]
        # Reconcile reads QuickBooks from here: the faults were for the sync, not the check.
        sandbox_call("POST", "config", json={"fault_rate": 0, "lost_answer_rate": 0})
    finally:
        worker.stop()
        if args.worker_log:
            shutil.copyfile(worker.log_path, args.worker_log)

    differences = []
    reports = {}
    for studio in studios:
        report = reconcile_account(account=studio.account)
        reports[studio.label] = {"state": report.state, "invoices": report.invoices_checked,
                                 "payments": report.payments_checked,
                                 "differences": len(report.differences)}
        if report.error:
            differences.append(f"{studio.label}: reconcile could not finish: {report.error}")
        differences += [f"{studio.label}: {d['label']}: {d['problem']}: {d['message']}"
                        for d in report.differences]
    duplicates = {s.label: sandbox_duplicates(s) for s in studios}
    accounts = [s.account for s in studios]
    records = SyncRecord.objects.filter(account__in=accounts)
    # Leave the connections paused: a later run's sweeper sharing this database then never
    # tries this run's companies, which went away with its sandbox.
    QuickBooksConnection.objects.filter(pk__in=[c.pk for c in connections.values()]).update(
        status=QuickBooksConnection.Status.DISCONNECTED)

    problems = {
        "unsettled": [f"{s.label}: {u}" for s, u in unsettled_left],
        "refused": refused_records(studios),
        "differences": differences,
        "duplicates": [f"{label}: {kind}: {values[:10]}" for label, found in duplicates.items()
                       for kind, values in found.items() if values],
        "crm_refused": [f"{what} (x{n})" for what, n in ops.refused.items()],
        "worker_exits": worker.exits,
        # Customers and items sync with their invoices; one left waiting is only noted.
        "other_records": [f"{r.key} {r.state}: {r.last_error or '-'}" for r in records.filter(
            kind__in=[SyncRecord.Kind.CUSTOMER, SyncRecord.Kind.ITEM]).exclude(
            state=State.SYNCED)[:20]],
    }
    errors = worker.errors()
    return {
        "seed": args.seed,
        "accounts": args.accounts,
        "countries": [s.country for s in studios],
        "operations": sum(ops.done.values()),
        "operations_by_kind": dict(sorted(ops.done.items())),
        "imported_invoices": args.imported * args.accounts,
        "invoices": Invoice.objects.filter(account__in=accounts).count(),
        "payments": Payment.objects.filter(account__in=accounts).count(),
        "faults_injected": faults_injected,
        "fault_rate": args.fault_rate,
        "lost_answer_rate": args.lost_answer_rate,
        "worker_kills": worker.kills,
        "worker_exits": len(worker.exits),
        "retries": SyncLog.objects.filter(record__account__in=accounts,
                                          outcome=SyncLog.Outcome.RETRY).count(),
        "records_pushed_more_than_once": records.filter(attempts__gt=1).count(),
        "records_synced": records.filter(state=State.SYNCED).count(),
        "unsettled": sum(len(u["missing"]) + u["waiting_count"] + len(u["not_voided"])
                         for _, u in unsettled_left),
        "blocked_or_failed": len(problems["refused"]),
        "differences": len(differences),
        "duplicates": sum(len(values) for found in duplicates.values()
                          for values in found.values()),
        "reconcile": reports,
        "qbo_requests": sandbox_call("GET", "requests/counts")["total"],
        "worker_errors": len(errors),
        "operations_seconds": round(ops_seconds, 1),
        "settle_seconds": round(settle_seconds, 1),
        "elapsed_seconds": round(time.monotonic() - started, 1),
        "database": db.vendor,
        "broker": settings.CELERY_BROKER_URL.split("://", 1)[0],
        "states": record_states(studios),
        "problems": problems,
        "worker_error_lines": errors[:10],
    }


def print_report(figures: dict) -> None:
    rows = [
        ("seed", figures["seed"]),
        ("database, broker", f"{figures['database']}, {figures['broker']}"),
        ("accounts", f"{figures['accounts']} ({', '.join(figures['countries'])})"),
        ("operations", f"{figures['operations']} "
                       + ", ".join(f"{k} {v}" for k, v in figures["operations_by_kind"].items())),
        ("imported first", f"{figures['imported_invoices']} invoices"),
        ("CRM now holds", f"{figures['invoices']} invoices, {figures['payments']} payments"),
        ("faults injected", f"{figures['faults_injected']} (500 before applying, 504 after)"),
        ("worker kills", f"{figures['worker_kills']} (and {figures['worker_exits']} times it "
                         "stopped by itself and was started again)"),
        ("retries", f"{figures['retries']} (sync-log rows 'Will retry': a push that met a "
                    "fault or lost answer and goes again; a drain's lost batch is not one)"),
        ("pushed again", f"{figures['records_pushed_more_than_once']} records pushed more than "
                         "once (retries, and edits, payments and renames that changed them)"),
        ("records synced", figures["records_synced"]),
        ("QBO requests", figures["qbo_requests"]),
        ("unsettled", figures["unsettled"]),
        ("blocked/failed", figures["blocked_or_failed"]),
        ("differences", figures["differences"]),
        ("duplicates", figures["duplicates"]),
        ("worker errors", figures["worker_errors"]),
        ("seconds", f"{figures['elapsed_seconds']} (operations {figures['operations_seconds']}, "
                    f"settling {figures['settle_seconds']})"),
        ("final states", figures["states"]),
    ]
    for label, value in rows:
        print(f"{label:<17}{value}")
    for kind, lines in figures["problems"].items():
        for line in lines[:20]:
            print(f"  {kind}: {line}")
    for line in figures["worker_error_lines"]:
        print(f"  worker: {line}")


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="hatsync-soak-") as work_dir:
        sandbox = start_sandbox(Path(work_dir) / "qbo", ARGS.time_scale)
        try:
            figures = run(ARGS, Path(work_dir))
        except (SoakError, HarnessError) as error:
            print(f"soak: {error}", file=sys.stderr)
            return 1
        finally:
            stop_process(sandbox)
    print_report(figures)
    summary = {key: figures[key] for key in (
        "operations", "operations_by_kind", "faults_injected", "worker_kills", "worker_exits",
        "retries", "records_pushed_more_than_once", "records_synced", "unsettled",
        "blocked_or_failed", "differences", "duplicates", "worker_errors", "elapsed_seconds",
        "seed", "accounts", "database", "broker")}
    print(json.dumps(summary))
    failed = (figures["differences"] or figures["duplicates"] or figures["unsettled"]
              or figures["blocked_or_failed"])
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
