"""Benchmark: import invoices (with their payments) into fresh local QBO sandbox companies
through the real Celery worker and broker, and print how close it comes to QuickBooks' limits.

Use bin/bench, which points it at a throw-away database and broker folder. A tool of the
project, not of the product: it lives outside the app packages, so no product code imports
the sandbox.

    bin/bench [--invoices 1000] [--contacts 300] [--products 60] [--payments 800]
              [--companies 1] [--latency-ms 150] [--time-scale 2.0] [--naive-sample 40]
              [--concurrency 8] [--person 10] [--timeout SECONDS]

Workload numbers are per company. The last line printed is one JSON object with the figures.
"""

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import requests

import harness
from harness import HarnessError, free_port, log_tail

BATCH_ITEMS = 30  # QuickBooks: at most 30 objects in one batch request
BATCHES_PER_MINUTE = 40  # QuickBooks: 40 batch requests a minute per company
CONCURRENT_REQUESTS = 10  # QuickBooks: 10 requests in flight per company
REQUESTS_PER_MINUTE = 500  # QuickBooks: 500 requests a minute per company, batches included
POLL_SECONDS = 0.5
PERSON_INVOICES = 5  # sent by a person in another account while the import runs
PERSON_TIPPED_EVERY = 4  # in the steady-state scenario, one payment in four has a tip
TERMINAL_STATES = ("synced", "failed", "blocked")
SYNCED_KINDS = ("invoice", "payment", "customer", "item")

# What makes two objects in QuickBooks the same one of ours.
ENTITY_KEYS = {
    "Invoice": lambda e: e.get("DocNumber") or "",
    "Payment": lambda e: e.get("PrivateNote") or "",
    "Customer": lambda e: ((e.get("PrimaryEmailAddr") or {}).get("Address") or "").casefold(),
    "Item": lambda e: (e.get("Name") or "").casefold(),
}


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="bin/bench",
        description="Import invoices and payments into local QBO sandbox companies through the "
        "real Celery worker, and compare the time with QuickBooks' own floor.",
    )
    parser.add_argument("--invoices", type=int, default=1000, help="per company")
    parser.add_argument("--contacts", type=int, default=300, help="per company")
    parser.add_argument("--products", type=int, default=60, help="per company")
    parser.add_argument("--payments", type=int, default=800,
                        help="per company, each on a distinct invoice")
    parser.add_argument("--companies", type=int, default=1,
                        help="companies importing at the same time")
    parser.add_argument("--latency-ms", type=int, default=150,
                        help="added by the sandbox to every QBO request (Intuit is ~150-400)")
    parser.add_argument("--time-scale", type=float, default=2.0,
                        help="the sandbox clock runs this many times faster, so a per-minute "
                        "limit passes in 60/F real seconds")
    parser.add_argument("--naive-sample", type=int, default=40,
                        help="invoices pushed one request per object, for the speed-up")
    parser.add_argument("--concurrency", type=int, default=8,
                        help="threads of each bulk worker")
    parser.add_argument("--bulk-workers", type=int, default=1,
                        help="bulk worker processes (a drain is mostly waiting, but one "
                        "process uses at most one core)")
    parser.add_argument("--person", type=int, default=10,
                        help="after the import: invoices, each then paid, that a person sends "
                        "one at a time for a customer and item QuickBooks already has (the "
                        "steady-state cost of the person's path)")
    parser.add_argument("--timeline", action="store_true",
                        help="print every QBO request of the bench companies (to stderr)")
    parser.add_argument("--month", action="store_true",
                        help="a studio's month instead of an import: one company over a "
                        "simulated 30 days (one-by-one sends, webhooks, the beat schedule); "
                        "prints studio_month_metered")
    parser.add_argument("--timeout", type=float, default=None,
                        help="seconds to wait for each phase (default: import 20 x floor + "
                        "120, naive sample 120 + 2 per object)")
    args = parser.parse_args(argv)
    if args.payments > args.invoices:
        parser.error("--payments cannot exceed --invoices: each payment is on its own invoice")
    if min(args.invoices, args.contacts, args.products, args.companies, args.naive_sample,
           args.concurrency) < 1 or args.time_scale <= 0:
        parser.error("every count must be at least 1 and --time-scale above 0")
    if args.person < 0:
        parser.error("--person cannot be negative")
    return args


def sandbox_environment(base_url: str, time_scale: float) -> dict[str, str]:
    """What both this process and the worker need to reach the sandbox with the same clock."""
    return {
        "QBO_ENVIRONMENT": "local",
        "QBO_LOCAL_SANDBOX_URL": base_url,
        "QBO_LIMITS_TIME_SCALE": str(time_scale),
        "QBO_CLIENT_ID": "hatsync-local",
        "QBO_CLIENT_SECRET": "hatsync-local-secret",
    }


# Django reads the sandbox's address when it sets up, so the port is chosen before that and
# the sandbox is started on it in main().
ARGS = parse_args(sys.argv[1:])
SANDBOX_PORT = free_port()
SANDBOX_URL = f"http://127.0.0.1:{SANDBOX_PORT}"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hatsync.settings")
os.environ.update(sandbox_environment(SANDBOX_URL, ARGS.time_scale))

import django

django.setup()

from django.conf import settings
from django.db import connection as db
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from hatsync.celery import app as celery_app
from integrations.models import QuickBooksConnection, SyncLog, SyncRecord
from integrations.services import exactly_once, imports, oauth, outbox
from invoices import services
from invoices.models import (
    Account,
    Contact,
    Invoice,
    InvoiceLine,
    Payment,
    Product,
    TaxRate,
    User,
)
from invoices.services import LineInput


class BenchError(Exception):
    """The benchmark could not finish; the message says what was seen."""


@dataclass
class Company:
    """One CRM account and the sandbox company it imports into."""

    label: str
    realm_id: str
    account: Account | None = None
    connection: QuickBooksConnection | None = None
    expected_objects: int = 0
    seconds: float | None = None  # from the start of the run until it settled
    pressed: float | None = None  # when its owner pressed Sync (perf_counter)
    own_seconds: float | None = None  # from its Sync until it settled
    sandbox_ids: dict[str, set[str]] = field(default_factory=dict)  # made by the sandbox


# --- the sandbox ---------------------------------------------------------------------------

def sandbox_call(method: str, path: str, **kwargs) -> dict:
    response = requests.request(method, f"{SANDBOX_URL}/_sandbox/{path}", timeout=30, **kwargs)
    response.raise_for_status()
    return response.json()


def sandbox_entities(realm_id: str, entity: str) -> list[dict]:
    answer = sandbox_call("GET", f"companies/{realm_id}/entities/{entity.lower()}")
    return answer[entity]


def create_sandbox_company(label: str) -> Company:
    """An empty US company with custom numbers and tips on, as the import expects."""
    created = sandbox_call("POST", "companies", json={
        "name": label, "country": "US",
        "preferences": {"custom_txn_numbers": True, "gratuity": True},
    })
    company = Company(label=label, realm_id=created["realm_id"])
    for entity in ENTITY_KEYS:
        company.sandbox_ids[entity] = {e["Id"] for e in sandbox_entities(company.realm_id, entity)}
    return company


def start_sandbox(data_dir: str, args: argparse.Namespace) -> subprocess.Popen:
    process, _ = harness.start_sandbox(
        data_dir, "--latency-ms", str(args.latency_ms), "--time-scale", str(args.time_scale),
        port=SANDBOX_PORT, expect_url=SANDBOX_URL)  # bare: it makes its own
    return process


# --- CRM data ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Workload:
    invoices: int
    contacts: int
    products: int
    payments: int


def invoice_number(index: int) -> str:
    """Every fifth number is longer than QuickBooks' 21 characters; shortened they stay
    distinct (the last 13 characters hold the index)."""
    if index % 5 == 4:
        return f"BENCH-WEDDING-PORTRAIT-{index:06d}"
    return f"B-{index:06d}"


def payment_reference(index: int) -> str:
    if index % 3 == 2:
        return f"BENCH-PAYMENT-REFERENCE-{index:08d}"
    return f"P-{index:06d}"


def make_account(label: str, workload: Workload, stamp: str) -> Account:
    """One US account with its products, contacts, sent invoices and payments.

    Written with bulk_create (no signals fire, and the account is not connected yet, so
    nothing syncs by itself), in the shapes the services would write.
    """
    account = Account.objects.create(name=label, country="US")
    User.objects.create_user(username=f"bench-{stamp}", account=account)
    tax = TaxRate.objects.create(account=account, name="Sales Tax", percentage=Decimal("8"))
    products = Product.objects.bulk_create([
        Product(account=account, display_name=f"Bench Service {j:03d}",
                rate=Decimal(50 + 5 * (j % 20)), default_tax_rate=tax)
        for j in range(workload.products)
    ])
    contacts: list[Contact] = []
    for i in range(workload.contacts):
        # About one in ten shares its first and last name with the contact before it.
        twin = i % 10 == 9
        first_name = contacts[-1].first_name if twin else f"Client{i:05d}"
        contacts.append(Contact(account=account, first_name=first_name, last_name="Bench",
                                email=f"client{i:05d}@{stamp}.bench.example"))
    Contact.objects.bulk_create(contacts)

    today = date.today()
    paid = {i * workload.invoices // workload.payments for i in range(workload.payments)}
    sent_at = timezone.now()
    invoices = Invoice.objects.bulk_create([
        Invoice(account=account, number=invoice_number(i),
                contact=contacts[i % len(contacts)],
                issue_date=today - timedelta(days=i % 365),
                due_date=today - timedelta(days=i % 365) + timedelta(days=30),
                currency=account.currency, sent_at=sent_at,
                status=Invoice.Status.PARTIALLY_PAID if i in paid else Invoice.Status.SENT)
        for i in range(workload.invoices)
    ], batch_size=1000)

    lines: list[InvoiceLine] = []
    payments: list[Payment] = []
    next_product = 0
    for i, invoice in enumerate(invoices):
        for position in range(1 + i % 3):
            product = products[next_product % len(products)]
            next_product += 1
            lines.append(InvoiceLine(
                invoice=invoice, position=position, product=product,
                name=product.rendered_name(invoice.contact), quantity=Decimal(1 + position % 2),
                unit_price=product.rate, tax_rate=tax if (i + position) % 3 else None,
            ))
        if i in paid:
            first_line = lines[-1 - i % 3]
            n = len(payments)
            payments.append(Payment(
                account=account, invoice=invoice, date=today,
                amount=(first_line.amount / 2).quantize(Decimal("0.01")),
                tip_amount=Decimal("10.00") if n % 4 == 0 else Decimal(0),
                reference=payment_reference(n),
            ))
    InvoiceLine.objects.bulk_create(lines, batch_size=2000)
    Payment.objects.bulk_create(payments, batch_size=2000)
    return account


def expected_objects(account: Account) -> int:
    """Invoices, payments, and the customers and items they use: what should reach QuickBooks."""
    customers = Invoice.objects.filter(account=account).values("contact_id").distinct().count()
    items = InvoiceLine.objects.filter(invoice__account=account).values("name").distinct().count()
    return account.invoices.count() + account.payments.count() + customers + items


def connect(company: Company) -> QuickBooksConnection:
    """The real OAuth flow: start, press Connect on the sandbox's consent page, complete."""
    account = company.account
    redirect_uri = "http://127.0.0.1/callback"
    session: dict = {}
    user = account.users.first()
    authorize_url = oauth.connection_start(
        session=session, account=account, redirect_uri=redirect_uri)
    consent = requests.post(
        authorize_url, data={"action": "connect", "realm_id": company.realm_id},
        allow_redirects=False, timeout=30,
    )
    query = requests.utils.urlparse(consent.headers["Location"]).query
    params = dict(pair.split("=", 1) for pair in query.split("&"))
    connection, _ = oauth.connection_complete(
        session=session, account=account, user=user, params=params, redirect_uri=redirect_uri)
    return connection


def make_draft_invoices(account: Account, count: int) -> list[Invoice]:
    contact, product = account.contacts.first(), account.products.first()
    return [
        services.invoice_create(
            account=account, number=f"PERSON-{n + 1}", contact=contact, issue_date=date.today(),
            due_date=date.today(), lines=[LineInput(product, Decimal(1), product.rate, None)])
        for n in range(count)
    ]


def probe_person_invoices(company: Company, invoices: list[Invoice], interval: float,
                          stop: threading.Event, seconds: list[float]) -> None:
    """While the import runs: now and then a person sends an invoice in another account
    (the one-record path on the "sync" queue); note how long until QuickBooks has it."""
    try:
        for invoice in invoices:
            if stop.wait(interval):
                return
            sent = time.perf_counter()
            services.invoice_send(invoice=invoice)
            synced = SyncRecord.objects.filter(account=company.account,
                                               key=exactly_once.invoice_key(invoice.pk),
                                               state=SyncRecord.State.SYNCED)
            while time.perf_counter() - sent < 120:
                if synced.exists():
                    seconds.append(time.perf_counter() - sent)
                    break
                time.sleep(0.05)
    finally:
        db.close()


def wait_synced(account: Account, key: str, timeout: float = 120) -> float:
    """Seconds until the record `key` is synced (the worker pushed it)."""
    sent = time.perf_counter()
    synced = SyncRecord.objects.filter(account=account, key=key, state=SyncRecord.State.SYNCED)
    while time.perf_counter() - sent < timeout:
        if synced.exists():
            return time.perf_counter() - sent
        time.sleep(0.05)
    record = SyncRecord.objects.filter(account=account, key=key).first()
    raise BenchError(f"{key} was not synced within {timeout:.0f} s: "
                     f"{record.state if record else 'no record'} "
                     f"{record.last_error if record else ''}")


def metered_now(realm_id: str) -> int:
    return metered_cost(sandbox_call("GET", "requests/counts"), [realm_id])["metered"]


def person_steady_state(company: Company, count: int) -> dict:
    """A person at work after the import: `count` invoices sent one at a time, each then paid
    (one payment in PERSON_TIPPED_EVERY with a tip), for the customer and item QuickBooks
    already has, through the real worker. What they cost in metered calls, per object."""
    account = company.account
    contact, product = account.contacts.first(), account.products.first()

    def invoice(number: str) -> Invoice:
        made = services.invoice_create(
            account=account, number=number, contact=contact, issue_date=date.today(),
            due_date=date.today(), lines=[LineInput(product, Decimal(1), product.rate, None)])
        return services.invoice_send(invoice=made)

    warm = invoice("STEADY-0")  # the customer and item are in QuickBooks from here on
    wait_synced(account, exactly_once.invoice_key(warm.pk))
    before = metered_now(company.realm_id)
    invoice_seconds, payment_seconds = [], []
    for n in range(1, count + 1):
        sent = invoice(f"STEADY-{n}")
        invoice_seconds.append(wait_synced(account, exactly_once.invoice_key(sent.pk)))
        tip = Decimal("10.00") if n % PERSON_TIPPED_EVERY == 0 else Decimal(0)
        paid = services.payment_record(invoice=sent, date=date.today(),
                                       amount=(product.rate / 2).quantize(Decimal("0.01")),
                                       tip_amount=tip)
        payment_seconds.append(wait_synced(account, exactly_once.payment_key(paid.pk)))
    metered = metered_now(company.realm_id) - before
    return {
        "person_objects": 2 * count,
        "person_metered_calls": metered,
        "person_metered_per_object": round(ratio(metered, 2 * count), 4),
        "person_steady_invoice_seconds_max": round(max(invoice_seconds, default=0), 2),
        "person_steady_payment_seconds_max": round(max(payment_seconds, default=0), 2),
    }


# --- the worker ----------------------------------------------------------------------------

def start_worker(name: str, queue: str, concurrency: int, log_path: Path) -> subprocess.Popen:
    """A real `celery worker` for one queue, as the Procfile runs them, on the broker the
    settings name, sharing this database."""
    env = {**os.environ, "HATSYNC_VAR_DIR": str(settings.VAR_DIR)}
    return harness.start_worker(harness.celery_worker_command(
        queues=queue, pool="threads", concurrency=concurrency, loglevel="WARNING",
        name=f"{name}@%h", purge=True, quiet=False), env=env, log_path=log_path)


def wait_for_worker(worker: subprocess.Popen, log_path: Path, name: str,
                    timeout: float = 60) -> None:
    """Until the worker answers a ping through the broker."""
    harness.wait_for_ping(worker, log_path, name, lambda: celery_app.control.ping(timeout=1.0),
                          timeout)


def worker_errors(path: Path) -> list[str]:
    """Lines the worker logged at ERROR or above (it logs from WARNING up)."""
    return [line for line in path.read_text(errors="replace").splitlines()
            if "ERROR" in line or "CRITICAL" in line]


def process_tree(pid: int) -> list[int]:
    """The process and its descendants (a prefork worker has children)."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(stat.parent.name)] = int(fields[1])
    tree = [pid]
    for candidate in tree:
        tree.extend(child for child, parent in parents.items() if parent == candidate)
    return tree


def cpu_seconds(pid: int, *, children: bool = True) -> float:
    """CPU time (user + system) used so far by the process (and its descendants)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for member in process_tree(pid) if children else [pid]:
        try:
            fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def peak_rss_mb(pid: int) -> float:
    """The largest VmHWM (peak resident memory) among the process and its descendants."""
    peak_kb = 0
    for member in process_tree(pid):
        try:
            status = Path(f"/proc/{member}/status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                peak_kb = max(peak_kb, int(line.split()[1]))
    return peak_kb / 1024


def stop_process(process: subprocess.Popen, grace: float = 30) -> None:
    harness.stop_process(process, grace)


# --- waiting for the import ----------------------------------------------------------------

def is_settled(account: Account) -> bool:
    """Every invoice has a record in a final state, and so does every payment, except payments
    whose invoice failed or was blocked (they get no record until their invoice syncs)."""
    records = SyncRecord.objects.filter(account=account)
    invoice_records = records.filter(kind=SyncRecord.Kind.INVOICE)
    payment_records = records.filter(kind=SyncRecord.Kind.PAYMENT)
    if invoice_records.count() < account.invoices.count():
        return False
    if records.filter(kind__in=["invoice", "payment"]).exclude(
            state__in=TERMINAL_STATES).exists():
        return False
    refused = invoice_records.filter(state__in=["failed", "blocked"], invoice__isnull=False)
    unrecorded = (
        Payment.objects.filter(account=account)
        .exclude(pk__in=payment_records.filter(payment__isnull=False).values("payment_id"))
        .exclude(invoice_id__in=refused.values("invoice_id"))
    )
    return not unrecorded.exists()


def record_states(accounts: list[Account]) -> dict[str, dict[str, int]]:
    """{kind: {state: count}} over these accounts' records."""
    rows = (SyncRecord.objects.filter(account__in=accounts).values("kind", "state")
            .annotate(n=Count("id")).order_by("kind", "state"))
    states: dict[str, dict[str, int]] = {}
    for row in rows:
        states.setdefault(row["kind"], {})[row["state"]] = row["n"]
    return states


def wait_until_settled(companies: list[Company], started: float, timeout: float,
                       worker: subprocess.Popen, log_path: Path) -> None:
    """Poll the database; note each company's time as it settles."""
    while True:
        # One query for all (the bench must not load the database it measures): only a
        # company with no record still moving gets the whole check.
        moving = set(SyncRecord.objects.filter(
            account__in=[c.account for c in companies if c.seconds is None],
            kind__in=["invoice", "payment"]).exclude(state__in=TERMINAL_STATES)
            .values_list("account_id", flat=True).distinct())
        for company in companies:
            if (company.seconds is None and company.account.pk not in moving
                    and is_settled(company.account)):
                company.seconds = time.perf_counter() - started
                company.own_seconds = time.perf_counter() - (company.pressed or started)
        waiting = [c for c in companies if c.seconds is None]
        if not waiting:
            return
        if worker.poll() is not None:
            raise BenchError(f"the worker exited during the run:\n{log_tail(log_path)}")
        if time.perf_counter() - started > timeout:
            states = record_states([c.account for c in waiting])
            raise BenchError(
                f"gave up after {timeout:.1f} s: {len(waiting)} of {len(companies)} companies "
                f"({', '.join(c.label for c in waiting)}) still have records to settle. "
                f"Records seen (kind: state count): {states}; payments expected per company: "
                f"{[c.account.payments.count() for c in waiting]}"
            )
        time.sleep(POLL_SECONDS)


# --- figures -------------------------------------------------------------------------------

def floor_seconds(objects: int, time_scale: float, latency_ms: int) -> float:
    """The least time QuickBooks allows one company for this many objects: full batches at
    40 batch requests a (scaled) minute, or 10 requests in flight, whichever is slower."""
    batches = math.ceil(objects / BATCH_ITEMS)
    by_rate = batches / BATCHES_PER_MINUTE * 60 / time_scale
    by_latency = batches * latency_ms / 1000 / CONCURRENT_REQUESTS
    return max(by_rate, by_latency)


def combined_floor_seconds(objects: int, time_scale: float) -> float:
    """The least time with both lanes: 40 batch requests of 30 objects a minute, and the
    other 460 of the minute's 500 requests one object each (10 a second allows more)."""
    per_minute = BATCHES_PER_MINUTE * BATCH_ITEMS + (REQUESTS_PER_MINUTE - BATCHES_PER_MINUTE)
    return objects / per_minute * 60 / time_scale


def synced_objects(account: Account) -> int:
    return SyncRecord.objects.filter(account=account, kind__in=SYNCED_KINDS,
                                     state=SyncRecord.State.SYNCED).count()


def count_duplicates(company: Company) -> int:
    """Objects in the company beyond one per key, leaving out what the sandbox made itself."""
    extra = 0
    for entity, key in ENTITY_KEYS.items():
        made_here = [e for e in sandbox_entities(company.realm_id, entity)
                     if e["Id"] not in company.sandbox_ids[entity]]
        extra += sum(n - 1 for n in Counter(key(e) for e in made_here).values() if n > 1)
    return extra


def throttled_seen_by_user(accounts: list[Account]) -> int:
    """Log lines and record errors that tell a person QuickBooks' limit was hit."""
    said = Q(message__icontains="slow down") | Q(message__icontains="limit")
    logs = SyncLog.objects.filter(record__account__in=accounts).filter(
        said | Q(qbo_error_code="3001")).count()
    records = SyncRecord.objects.filter(account__in=accounts).filter(
        Q(last_error__icontains="slow down") | Q(last_error__icontains="limit")).count()
    return logs + records


def broker_name() -> str:
    return settings.CELERY_BROKER_URL.split("://", 1)[0]


def metered_cost(counts: dict, realms: list[str]) -> dict:
    """What the requests of these companies cost (qbo_sandbox/metering.py): data-out calls
    (metered by Intuit) by kind, a batch's query items counted as reads, and data-in writes."""
    reads = {"read": 0, "query": 0, "cdc": 0, "batch_query": 0}
    calls: dict[str, int] = {}
    writes = 0
    for realm in realms:
        row = counts["metered_by_realm"].get(realm, {})
        for kind in reads:
            reads[kind] += row.get(kind, 0)
        writes += row.get("writes", 0)
        for kind, number in counts["by_realm_kind"].get(realm, {}).items():
            calls[kind] = calls.get(kind, 0) + number
    return {"reads_by_kind": reads, "metered": sum(reads.values()), "writes": writes,
            "calls_by_kind": calls}


def print_report(figures: dict) -> None:
    rows = [
        ("database", figures["database"]),
        ("broker", figures["broker"]),
        ("companies", figures["companies"]),
        ("latency", f"{figures['latency_ms']} ms per request"),
        ("time scale", f"{figures['time_scale']:g} (a QuickBooks minute is "
                       f"{60 / figures['time_scale']:.1f} s)"),
        ("objects synced", f"{figures['objects']} of {figures['expected_objects']} expected"),
        ("QBO requests", f"{figures['requests']} "
                         f"({figures['requests_per_object']:.3f} per object)"),
        ("QBO calls by kind", ", ".join(f"{k} {v}" for k, v in
                                        sorted(figures["calls_by_kind"].items()))),
        ("metered calls", f"{figures['metered_calls']} ({figures['metered_per_object']:.3f} per "
                          "object; " + ", ".join(f"{k} {v}" for k, v in
                                                  figures["reads_by_kind"].items()) + ")"),
        ("writes", f"{figures['writes']} (not metered)"),
        ("one-by-one path", f"{figures['naive_metered_calls']} metered calls for "
                            f"{figures['naive_objects']} objects "
                            f"({figures['naive_metered_per_object']:.3f} per object)"),
        ("person's path", f"{figures['person_metered_calls']} metered calls for "
                          f"{figures['person_objects']} objects "
                          f"({figures['person_metered_per_object']:.3f} per object; steady "
                          "state, sent one at a time: invoice in QuickBooks within "
                          f"{figures['person_steady_invoice_seconds_max']:.1f} s, payment "
                          f"{figures['person_steady_payment_seconds_max']:.1f} s)"),
        ("seconds", f"{figures['seconds']:.1f} (queueing took {figures['queue_seconds']:.1f})"),
        ("floor seconds", f"{figures['floor_seconds']:.1f}"),
        ("floor ratio", f"{figures['floor_ratio']:.2f} (against the batch lane alone)"),
        ("combined floor", f"{figures['combined_floor_seconds']:.1f} s with both lanes "
                           f"(ratio {figures['combined_floor_ratio']:.2f})"),
        ("naive seconds", f"{figures['naive_seconds']:.1f} (measured "
                          f"{figures['naive_elapsed']:.1f} s for {figures['naive_objects']} "
                          "objects)"),
        ("naive speed-up", f"{figures['naive_speedup']:.2f}x"),
        ("CPU during import", ", ".join(f"{k} {v:.0f} s" for k, v in figures["cpu_seconds"].items())
         + f" (machine {100 * figures['cpu_busy_share']:.0f}% busy)"),
        ("worker peak RSS", f"{figures['peak_rss_mb']:.0f} MB (the largest bulk worker)"),
        ("person's invoice", f"in QuickBooks within {figures['person_invoice_seconds_max']:.1f} s"
                             f" (slowest of {figures['person_invoices']}, sent during the import)"),
        ("duplicates", figures["duplicates"]),
        ("throttled (user)", figures["throttled_seen_by_user"]),
        ("throttled (QBO)", figures["throttled_by_quickbooks"]),
        ("worker errors", figures["worker_errors"]),
        ("final states", figures["states"]),
    ]
    for label, value in rows:
        print(f"{label:<18}{value}")
    for row in figures.get("per_company", []):
        print(f"  realm {row['realm']}: {row['objects']} objects in {row['seconds']:.1f} s "
              f"from its Sync (pressed after {row['pressed_after']:.1f} s), "
              f"floor {row['floor_seconds']:.1f} s, ratio {row['floor_ratio']:.2f}")
    if "per_company_ratio" in figures:
        spread = figures["per_company_ratio"]
        print(f"per company       ratio {spread['min']:.2f} to {spread['max']:.2f} of its floor "
              f"(median {spread['median']:.2f}), from its own Sync")


def print_timeline(companies: list, time_scale: float) -> None:
    """Every QBO request of the bench companies: real seconds after the first, and what."""
    for company in companies:
        rows = sandbox_call("GET", f"requests?realm={company.realm_id}")["requests"]
        if not rows:
            continue
        start = rows[0]["time"]
        print(f"timeline of {company.realm_id} (s after the first request, kind, ms):",
              file=sys.stderr)
        for row in rows:
            print(f"  {(row['time'] - start) / time_scale:7.2f}  {row['entity']:8} "
                  f"{row['duration_ms']:6.0f}", file=sys.stderr)


# --- the run -------------------------------------------------------------------------------

def ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else float("inf")


def run(args: argparse.Namespace, work_dir: Path, sandbox_pid: int) -> dict:
    stamp = str(time.time_ns())
    workload = Workload(args.invoices, args.contacts, args.products, args.payments)
    naive_workload = Workload(
        invoices=args.naive_sample,
        contacts=max(1, round(args.contacts * args.naive_sample / args.invoices)),
        products=max(1, round(args.products * args.naive_sample / args.invoices)),
        payments=round(args.naive_sample * 0.8),
    )

    print(f"Creating {args.companies} x {args.invoices} invoices "
          f"(+ {args.naive_sample} for the naive sample) ...", file=sys.stderr)
    creating = time.perf_counter()
    companies = [create_sandbox_company(f"Bench {n + 1}") for n in range(args.companies)]
    naive = create_sandbox_company("Bench naive sample")
    for n, company in enumerate([*companies, naive]):
        company_workload = naive_workload if company is naive else workload
        company.account = make_account(company.label, company_workload, f"{stamp}-{n}")
        company.expected_objects = expected_objects(company.account)
    person = create_sandbox_company("Bench person")
    person.account = make_account(person.label, Workload(0, 1, 1, 0), f"{stamp}-person")
    person_invoices = make_draft_invoices(person.account, PERSON_INVOICES)
    for company in [*companies, naive, person]:
        company.connection = connect(company)
    print(f"Created and connected in {time.perf_counter() - creating:.1f} s", file=sys.stderr)

    names = ["sync", *(f"bulk{n + 1}" for n in range(args.bulk_workers))]
    logs = {name: work_dir / f"worker-{name}.log" for name in names}
    workers = {name: start_worker(name, "sync" if name == "sync" else "bulk",
                                  2 if name == "sync" else args.concurrency, logs[name])
               for name in names}
    bulk = [name for name in names if name != "sync"]
    try:
        for name, worker in workers.items():
            wait_for_worker(worker, logs[name], f"{name}@")
        expected_floor = max(floor_seconds(c.expected_objects, args.time_scale, args.latency_ms)
                             for c in companies)
        timeout = args.timeout or 20 * expected_floor + 120
        sandbox_call("DELETE", "requests")

        invoice_ids = {c.realm_id: list(c.account.invoices.values_list("pk", flat=True))
                       for c in companies}
        print("Importing ...", file=sys.stderr)
        stop_probing = threading.Event()
        person_seconds: list[float] = []
        prober = threading.Thread(target=probe_person_invoices, args=(
            person, person_invoices, max(2.0, expected_floor / (PERSON_INVOICES + 1)),
            stop_probing, person_seconds), daemon=True)
        processes = {"sandbox": sandbox_pid, **{f"{name} worker": workers[name].pid
                                                for name in names}, "bench": os.getpid()}

        def cpu_now() -> dict[str, float]:
            return {name: cpu_seconds(pid, children=name != "bench")
                    for name, pid in processes.items()}

        cpu_before = cpu_now()
        started = time.perf_counter()
        prober.start()
        for company in companies:  # one after the other: each call only marks and queues
            company.pressed = time.perf_counter()
            imports.sync_many(account=company.account, user=None,
                              invoice_ids=invoice_ids[company.realm_id])
        queue_seconds = time.perf_counter() - started
        wait_until_settled(companies, started, timeout, workers[bulk[0]], logs[bulk[0]])
        seconds = max(c.seconds for c in companies)
        cpu_used = {name: round(used - cpu_before[name], 1) for name, used in cpu_now().items()}
        stop_probing.set()
        prober.join(timeout=30)

        print("Naive sample ...", file=sys.stderr)
        naive_started = time.perf_counter()
        with transaction.atomic():
            record_ids = [
                outbox.mark_needs_sync(connection=naive.connection, kind=SyncRecord.Kind.INVOICE,
                                       key=exactly_once.invoice_key(pk), invoice_id=pk).pk
                for pk in naive.account.invoices.values_list("pk", flat=True)
            ]
            outbox.enqueue(record_ids)
        naive_timeout = args.timeout or 120 + 2 * naive.expected_objects
        wait_until_settled([naive], naive_started, naive_timeout, workers["sync"], logs["sync"])
        peak_mb = max(peak_rss_mb(workers[name].pid) for name in bulk)
        person_figures = {"person_objects": 0, "person_metered_calls": 0,
                          "person_metered_per_object": 0.0,
                          "person_steady_invoice_seconds_max": 0.0,
                          "person_steady_payment_seconds_max": 0.0}
        if args.person:
            print(f"Person's path: {args.person} invoices and payments, one at a time ...",
                  file=sys.stderr)
            person_figures = person_steady_state(person, args.person)
    finally:
        for worker in workers.values():
            stop_process(worker)
    errors = [line for name in names for line in worker_errors(logs[name])]
    if errors:
        print(f"The workers logged {len(errors)} errors; the first ones:", file=sys.stderr)
        print("\n".join(errors[:10]), file=sys.stderr)

    accounts = [c.account for c in companies]
    counts = sandbox_call("GET", "requests/counts")
    if args.timeline:
        print_timeline(companies, args.time_scale)
    per_company = []
    for company in companies:
        objects = synced_objects(company.account)
        floor = floor_seconds(objects, args.time_scale, args.latency_ms)
        per_company.append({
            # from its own Sync (the companies' Syncs are pressed one after the other)
            "realm": company.realm_id, "objects": objects,
            "seconds": round(company.own_seconds, 2),
            "pressed_after": round(company.pressed - started, 2),
            "floor_seconds": round(floor, 2),
            "floor_ratio": round(ratio(company.own_seconds, floor), 3),
            "combined_floor_seconds": round(combined_floor_seconds(objects, args.time_scale), 2),
        })
    objects = sum(row["objects"] for row in per_company)
    requests_made = sum(counts["by_realm"].get(c.realm_id, 0) for c in companies)
    cost = metered_cost(counts, [c.realm_id for c in companies])
    naive_cost = metered_cost(counts, [naive.realm_id])
    floor = max(row["floor_seconds"] for row in per_company)
    naive_objects = synced_objects(naive.account)
    naive_seconds = ratio(naive.seconds, naive_objects) * objects
    figures = {
        "objects": objects,
        "expected_objects": sum(c.expected_objects for c in companies),
        "requests": requests_made,
        "requests_per_object": round(ratio(requests_made, objects), 4),
        "calls_by_kind": cost["calls_by_kind"],
        "writes": cost["writes"],
        "reads_by_kind": cost["reads_by_kind"],
        "metered_calls": cost["metered"],
        "metered_per_object": round(ratio(cost["metered"], objects), 4),
        "seconds": round(seconds, 2),
        "queue_seconds": round(queue_seconds, 2),
        "floor_seconds": floor,
        "floor_ratio": round(ratio(seconds, floor), 3),
        "combined_floor_seconds": max(row["combined_floor_seconds"] for row in per_company),
        "combined_floor_ratio": round(ratio(seconds, max(
            row["combined_floor_seconds"] for row in per_company)), 3),
        "naive_objects": naive_objects,
        "naive_elapsed": round(naive.seconds, 2),
        "naive_seconds": round(naive_seconds, 2),
        "naive_speedup": round(ratio(naive_seconds, seconds), 3),
        "naive_metered_calls": naive_cost["metered"],
        "naive_metered_per_object": round(ratio(naive_cost["metered"], naive_objects), 4),
        **person_figures,
        "peak_rss_mb": round(peak_mb, 1),
        "bulk_workers": args.bulk_workers,
        "cpu_seconds": cpu_used,
        "cpu_busy_share": round(sum(cpu_used.values()) / (seconds * (os.cpu_count() or 1)), 2),
        "person_invoices": len(person_seconds),
        "person_invoice_seconds_max": round(max(person_seconds, default=0), 2),
        "person_invoice_seconds": [round(value, 2) for value in person_seconds],
        "duplicates": sum(count_duplicates(c) for c in [*companies, naive]),
        "throttled_seen_by_user": throttled_seen_by_user([*accounts, naive.account]),
        "throttled_by_quickbooks": counts["throttled"],
        "worker_errors": len(errors),
        "companies": len(companies),
        "time_scale": args.time_scale,
        "latency_ms": args.latency_ms,
        "concurrency": args.concurrency,
        "workload": vars(workload),
        "database": db.vendor,
        "broker": broker_name(),
        "states": record_states(accounts),
        "naive_states": record_states([naive.account]),
    }
    if len(companies) > 1:
        figures["per_company"] = per_company
        ratios = [row["floor_ratio"] for row in per_company]
        figures["per_company_ratio"] = {"min": min(ratios), "median": statistics.median(ratios),
                                        "max": max(ratios)}
    return figures


def bench(args: argparse.Namespace) -> dict:
    with tempfile.TemporaryDirectory(prefix="hatsync-bench-") as work_dir:
        sandbox = start_sandbox(str(Path(work_dir) / "qbo"), args)
        try:
            return run(args, Path(work_dir), sandbox.pid)
        finally:
            stop_process(sandbox, grace=10)


def main() -> int:
    try:
        if ARGS.month:
            figures = month_bench(ARGS)
            print(json.dumps(figures))
            return 0 if figures["differences"] == 0 and figures["missing"] == 0 else 1
        figures = bench(ARGS)
    except (BenchError, HarnessError) as error:
        print(f"bench: {error}", file=sys.stderr)
        return 1
    print_report(figures)
    print(json.dumps(figures))
    return 0


# --- a studio's month (--month) -----------------------------------------------------------
# One company over a simulated 30 days. hatsync runs in this process with Celery eager (the
# same task code a worker runs) and its clock (django.utils.timezone.now) moved with the
# sandbox's; the beat's task functions are called at every time the beat schedule names
# (settings.CELERY_BEAT_SCHEDULE), and what they queue runs at that simulated time.
MONTH_DAYS = 30
WEBHOOK_URL_PATH = "/integrations/quickbooks/webhooks/"


class SimulatedClock:
    """hatsync's time in the month: a simulated moment that moves on with real time at the
    sandbox's time scale, as the sandbox's clock does (move_to sets both)."""

    def __init__(self, start: datetime, scale: float) -> None:
        self.scale = scale
        self.set(start)

    def set(self, moment: datetime) -> None:
        self._moment, self._real = moment, time.monotonic()

    def now(self) -> datetime:
        return self._moment + timedelta(seconds=(time.monotonic() - self._real) * self.scale)


def use_clock(clock: SimulatedClock) -> None:
    """Every `timezone.now()` of hatsync, and every model default taken from it, reads the
    simulated clock."""
    from django.apps import apps

    original = timezone.now
    timezone.now = clock.now
    for model in apps.get_models():
        for model_field in model._meta.fields:
            if model_field.default is original:
                model_field.default = clock.now


def move_to(clock: SimulatedClock, moment: datetime) -> datetime:
    """The sandbox's clock and hatsync's to `moment` (never back: if the sandbox is already
    later, hatsync catches up with it). Returns the moment both now read."""
    sandbox_now = sandbox_call("GET", "clock")["now"]
    if moment.timestamp() > sandbox_now:
        sandbox_now = sandbox_call("POST", "clock/advance", json={
            "seconds": moment.timestamp() - sandbox_now})["now"]
    moment = max(moment, datetime.fromtimestamp(sandbox_now, UTC))
    clock.set(moment)
    return moment


class WebhookReceiver:
    """Where the sandbox POSTs its webhooks: the bodies are kept, then handed to hatsync's
    real endpoint (signature check, parse, queue: the eager task) by `deliver`."""

    def __init__(self) -> None:
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        received = self.received = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                received.append((body, self.headers.get("intuit-signature", "")))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def deliver(self) -> int:
        """Flush the sandbox's changes as deliveries and post them to hatsync's endpoint."""
        from django.test import Client

        sandbox_call("POST", "webhooks/flush")
        bodies, self.received[:] = list(self.received), []
        web = Client()
        for body, sig in bodies:
            answer = web.post(WEBHOOK_URL_PATH, data=body, content_type="application/json",
                              HTTP_INTUIT_SIGNATURE=sig)
            if answer.status_code != 200:
                raise BenchError(f"the webhook endpoint answered {answer.status_code}")
        return len(bodies)

    def close(self) -> None:
        self.server.shutdown()


def run_beat(now: datetime, due: dict[str, datetime], clock: SimulatedClock) -> int:
    """The beat's entries due by `now`, at their own times (what they queue runs then).
    Returns how many task calls ran."""
    ran = 0
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        every = timedelta(seconds=float(entry["schedule"]))
        while due[name] <= now:
            clock.set(due[name])  # the tick reads the database only: the sandbox may wait
            queued: list = []

            def collect(task, args=(), kwargs=None, _queued=queued, **options):
                _queued.append((task, args, kwargs))

            with mock.patch("celery.app.task.Task.apply_async", collect):
                celery_app.tasks[entry["task"]].apply()
            if queued:  # it calls QuickBooks: the sandbox's clock to the tick's time first
                move_to(clock, due[name])
                for task, args, kwargs in queued:
                    task.apply(args=args, kwargs=kwargs)
            ran += 1 + len(queued)
            due[name] += every
    return ran


def qbo_payment(connection: QuickBooksConnection, invoice: Invoice, amount: Decimal) -> None:
    """A payment the bookkeeper enters in QuickBooks against an invoice hatsync synced."""
    from integrations.services.tokens import connection_access_token

    scope = {"account": invoice.account, "realm_id": connection.realm_id}
    record = SyncRecord.objects.get(kind=SyncRecord.Kind.INVOICE, invoice=invoice, **scope)
    customer = SyncRecord.objects.get(kind=SyncRecord.Kind.CUSTOMER, contact=invoice.contact,
                                      **scope)
    token = connection_access_token(connection_id=connection.pk)  # (no read: not metered)
    answer = requests.post(
        f"{SANDBOX_URL}/v3/company/{connection.realm_id}/payment", timeout=30,
        headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
        json={"CustomerRef": {"value": customer.qbo_id}, "TotalAmt": str(amount),
              "PaymentRefNum": f"QB-{invoice.number}",
              "Line": [{"Amount": str(amount),
                        "LinkedTxn": [{"TxnId": record.qbo_id, "TxnType": "Invoice"}]}]})
    if answer.status_code != 200:
        raise BenchError(f"the bookkeeper's payment was refused: {answer.text[:300]}")


def studio_books(connection: QuickBooksConnection) -> None:
    """A studio's company has a bank account and Undeposited Funds (refunds are paid from
    them): made here, then read as at connect (setting up: not counted in the month)."""
    from integrations.services.company_settings import connection_check_settings
    from integrations.services.tokens import connection_access_token

    token = connection_access_token(connection_id=connection.pk)
    for name, kind, sub in (("Checking", "Bank", "Checking"),
                            ("Undeposited Funds", "Other Current Asset", "UndepositedFunds")):
        requests.post(f"{SANDBOX_URL}/v3/company/{connection.realm_id}/account", timeout=30,
                      headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
                      json={"Name": name, "AccountType": kind, "AccountSubType": sub},
                      ).raise_for_status()
    from integrations.qbo.errors import QboThrottled

    for _ in range(10):  # just after connecting, the company's requests a second may be used
        try:
            connection_check_settings(
                connection=QuickBooksConnection.objects.get(pk=connection.pk))
            return
        except QboThrottled as error:
            time.sleep(error.retry_after or 1)
    raise BenchError("the company's settings could not be read again")


def month_plan(start: datetime) -> list[tuple[datetime, str, int]]:
    """What the studio does, when: (time, action, invoice index). 40 invoices sent one at a
    time over 24 days; 10 edited; 3 voided; 40 payments (37 first, 3 balances); 5 balances
    paid in QuickBooks (webhooks; one delivery dropped); 2 refunds."""
    plan = []
    for i in range(40):
        sent = start + timedelta(days=i * 0.6, hours=9)
        plan.append((sent, "send", i))
        if i < 10:
            plan.append((sent + timedelta(hours=2), "edit", i))
        if 10 <= i < 13:
            plan.append((sent + timedelta(days=1), "void", i))
            continue
        half = (i % 5 == 0 and i < 35) or i in (1, 2)  # 8 invoices paid in two parts
        plan.append((sent + timedelta(days=2), "pay_half" if half else "pay", i))
    half = [i for _, action, i in plan if action == "pay_half"]  # 8 invoices
    for n, i in enumerate(half):
        sent = start + timedelta(days=i * 0.6, hours=9)
        action = "pay_balance" if n < 3 else ("qbo_pay_dropped" if n == 5 else "qbo_pay")
        plan.append((sent + timedelta(days=4), action, i))
    full = [i for _, action, i in plan if action == "pay"]
    for i in (full[2], full[-4]):
        plan.append((start + timedelta(days=i * 0.6 + 3, hours=9), "refund", i))
    return sorted(plan)


def month_bench(args: argparse.Namespace) -> dict:
    with tempfile.TemporaryDirectory(prefix="hatsync-month-") as work_dir:
        sandbox = start_sandbox(str(Path(work_dir) / "qbo"), args)
        try:
            return month_run(args)
        finally:
            stop_process(sandbox, grace=10)


def month_run(args: argparse.Namespace) -> dict:
    from integrations.services import reconcile

    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    started_real = time.monotonic()
    clock = SimulatedClock(datetime.fromtimestamp(sandbox_call("GET", "clock")["now"], UTC),
                           args.time_scale)
    use_clock(clock)
    company = create_sandbox_company("Studio month")
    stamp = f"{os.getpid()}"
    account = Account.objects.create(name="Studio month", country="US")
    User.objects.create_user(username=f"month-{stamp}", account=account)
    products = [Product.objects.create(account=account, display_name=f"Session {j}",
                                       rate=Decimal(100 + 20 * j)) for j in range(5)]
    contacts = [Contact.objects.create(account=account, first_name=f"Client{j:02d}",
                                       last_name="Month",
                                       email=f"client{j:02d}@{stamp}.month.example")
                for j in range(12)]
    company.account = account
    receiver = WebhookReceiver()
    sandbox_call("POST", "config", json={"webhook_window": 0})  # flush only: deliveries are
    sandbox_call("POST", "webhooks", json={  # sent when the bench says (right after a change)
        "url": receiver.url, "verifier_token": settings.QBO_WEBHOOK_VERIFIER_TOKEN})
    start = move_to(clock, clock.now())
    connection = connect(company)
    studio_books(connection)
    sandbox_call("DELETE", "requests")  # setting up (connecting, accounts) is not the month
    due = {name: start for name in settings.CELERY_BEAT_SCHEDULE}
    invoices: dict[int, Invoice] = {}
    payments: dict[int, Payment] = {}
    deliveries = ticks = 0
    try:
        for moment, action, i in month_plan(start):
            ticks += run_beat(moment, due, clock)
            moment = move_to(clock, moment)
            today = moment.date()
            if action == "send":
                product = products[i % len(products)]
                invoice = services.invoice_create(
                    account=account, number=f"M{1001 + i}", contact=contacts[i % len(contacts)],
                    issue_date=today, due_date=today + timedelta(days=14),
                    lines=[LineInput(product, Decimal(1), product.rate, None)])
                invoices[i] = services.invoice_send(invoice=invoice)
            elif action == "edit":
                invoice = Invoice.objects.get(pk=invoices[i].pk)
                line = invoice.lines.get()
                invoices[i] = services.invoice_update(
                    invoice=invoice, number=invoice.number, contact=invoice.contact,
                    issue_date=invoice.issue_date, due_date=invoice.due_date,
                    lines=[LineInput(line.product, Decimal(2), line.unit_price, None)],
                    memo="Two sessions")
            elif action == "void":
                invoices[i] = services.invoice_void(invoice=Invoice.objects.get(pk=invoices[i].pk))
            elif action in ("pay", "pay_half", "pay_balance"):
                invoice = Invoice.objects.get(pk=invoices[i].pk)
                amount = invoice.balance if action != "pay_half" else (
                    invoice.total / 2).quantize(Decimal("0.01"))
                payments[i] = services.payment_record(
                    invoice=invoice, date=today, amount=amount, reference=f"R{i:03d}")
            elif action in ("qbo_pay", "qbo_pay_dropped"):
                if action == "qbo_pay_dropped":
                    sandbox_call("POST", "webhooks/faults", json={"drop": 1})
                invoice = Invoice.objects.get(pk=invoices[i].pk)
                qbo_payment(connection, invoice, invoice.balance)
            elif action == "refund":
                payment = Payment.objects.get(pk=payments[i].pk)
                services.refund_record(payment=payment, date=today,
                                       amount=(payment.amount / 2).quantize(Decimal("0.01")))
            deliveries += receiver.deliver()
        end = start + timedelta(days=MONTH_DAYS)
        ticks += run_beat(end, due, clock)
        move_to(clock, end)
        deliveries += receiver.deliver()
    finally:
        receiver.close()
    counts = sandbox_call("GET", "requests/counts")
    cost = metered_cost(counts, [company.realm_id])
    faults = sandbox_call("GET", "webhooks/faults")
    report = reconcile.reconcile_account(account=account)
    from_books = Payment.objects.filter(account=account, recorded_in_quickbooks=True).count()
    states = dict(SyncRecord.objects.filter(account=account).values_list("state").annotate(
        n=Count("pk")).values_list("state", "n"))
    figures = {
        "scenario": "month", "days": MONTH_DAYS, "time_scale": args.time_scale,
        "invoices": 40, "payments": 40, "edits": 10, "voids": 3, "refunds": 2,
        "payments_in_quickbooks": 5, "webhooks_dropped": faults["injected"]["dropped"],
        "studio_month_metered": cost["metered"], "reads_by_kind": cost["reads_by_kind"],
        "writes": cost["writes"], "calls_by_kind": cost["calls_by_kind"],
        "cdc_calls": cost["reads_by_kind"]["cdc"],
        "beat_task_calls": ticks, "webhook_deliveries": deliveries,
        "differences": len(report.differences) + (1 if report.error else 0),
        "reconcile_error": report.error, "unchecked": report.unchecked,
        "payments_brought_back": from_books, "missing": abs(5 - from_books),
        "records_by_state": states,
        "webhooks_configured": bool(settings.QBO_WEBHOOK_VERIFIER_TOKEN),
        "real_seconds": round(time.monotonic() - started_real, 1),
    }
    print(f"studio_month_metered {cost['metered']} ({cost['reads_by_kind']}; writes "
          f"{cost['writes']}); reconcile differences {figures['differences']}; payments "
          f"brought back {from_books}/5; webhooks dropped {figures['webhooks_dropped']}",
          file=sys.stderr)
    return figures


if __name__ == "__main__":
    sys.exit(main())
