"""Benchmark: sync N invoices (with payments) into a fresh local QBO sandbox and print figures.

Runs the real sync service (no worker, no broker) against the real sandbox server in a
background thread, so it measures our code plus HTTP, not the queue. Use bin/bench, which
points it at a throw-away database. A tool of the project, not of the product: it lives
outside the app packages, so no product code imports the sandbox.
"""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hatsync.settings")

import django

django.setup()

import resource
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal

import requests
from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connection as db
from django.test.utils import override_settings

from integrations.models import QuickBooksConnection, SyncRecord
from integrations.qbo import client as qbo_client
from integrations.services import connection as connection_service
from integrations.services import imports, sync
from invoices import services
from invoices.models import Account, Contact, Product, TaxRate, User
from invoices.services import LineInput
from qbo_sandbox.testing import serve

US_REALM = "9341453108260001"


def _sync_like_the_worker(record_id: int) -> float:
    """Push one record; on a retryable answer wait as the task would, then push again."""
    waited = 0.0
    for _ in range(20):
        outcome = sync.sync_record(record_id=record_id)
        if not (outcome.retryable or outcome.budget_wait):
            return waited
        pause = outcome.retry_after or 1.0
        time.sleep(pause)
        waited += pause
    return waited


class Command(BaseCommand):
    help = "Sync N invoices and payments into a local QBO sandbox and print throughput."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--invoices", type=int, default=200)
        parser.add_argument("--latency-ms", type=int, default=0,
                            help="added per QBO request by the sandbox (Intuit is ~150-400)")

    def handle(self, *args, invoices: int, latency_ms: int, **options) -> None:
        with tempfile.TemporaryDirectory() as data_dir, serve(
            data_dir, latency_ms=latency_ms
        ) as base_url, override_settings(
            QBO_ENVIRONMENT="local", QBO_LOCAL_SANDBOX_URL=base_url,
            QBO_CLIENT_ID="hatsync-local", QBO_CLIENT_SECRET="hatsync-local-secret",
        ):
            qbo_client._discovered_auth_client.cache_clear()
            account = self._make_data(invoices)
            connection = self._connect(account, base_url)
            requests.delete(f"{base_url}/_sandbox/requests", timeout=10)
            invoice_ids = list(account.invoices.values_list("pk", flat=True))
            job = imports.sync_many(account=account, user=None, invoice_ids=invoice_ids)
            started = time.perf_counter()
            ids = imports.prepare_import(job_id=job.pk)  # what the prepare_import task does
            waited = 0.0
            for record_id in ids:
                waited += _sync_like_the_worker(record_id)
            invoice_seconds = time.perf_counter() - started
            payments = list(SyncRecord.objects.filter(
                realm_id=connection.realm_id, kind="payment", state="needs_sync"
            ).values_list("pk", flat=True))
            started = time.perf_counter()
            for record_id in payments:
                waited += _sync_like_the_worker(record_id)
            payment_seconds = time.perf_counter() - started
            counts = requests.get(f"{base_url}/_sandbox/requests/counts", timeout=10).json()
        states = dict(
            SyncRecord.objects.filter(account=account).values_list("kind", "state").distinct()
        )
        synced = SyncRecord.objects.filter(account=account, state="synced")
        n_inv = synced.filter(kind="invoice").count()
        n_pay = synced.filter(kind="payment").count()
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        self.stdout.write(
            f"database            {db.vendor}\n"
            f"sandbox latency     {latency_ms} ms per request\n"
            f"invoices synced     {n_inv}/{invoices} in {invoice_seconds:.1f} s "
            f"({n_inv / invoice_seconds:.1f}/s, "
            f"{1000 * invoice_seconds / max(n_inv, 1):.0f} ms each)\n"
            f"payments synced     {n_pay}/{len(payments)} in {payment_seconds:.1f} s "
            f"({n_pay / max(payment_seconds, 1e-9):.1f}/s)\n"
            f"QBO requests        {counts['total']} "
            f"({counts['total'] / max(n_inv + n_pay, 1):.2f} per object), "
            f"throttled {counts.get('throttled', 0)}\n"
            f"waited for limits   {waited + qbo_client.budget_slept_seconds():.1f} s "
            f"(our budget: "
            f"{settings.QBO_REQUESTS_PER_MINUTE} requests/min per company)\n"
            f"peak memory (RSS)   {peak_mb:.0f} MB\n"
            f"final states        {states}"
        )

    def _make_data(self, n: int) -> Account:
        account = Account.objects.create(name=f"Bench {time.time_ns()}", country="US")
        tax = TaxRate.objects.create(account=account, name="Sales Tax", percentage=Decimal("8"))
        products = [
            Product.objects.create(account=account, display_name=name, rate=Decimal("100"),
                                   default_tax_rate=tax)
            for name in ("Portrait", "Session for [% contact.first_name %]", "Album")
        ]
        contacts = [
            Contact.objects.create(account=account, first_name=f"Client{i % 40}",
                                   last_name="Bench", email=f"c{i}@bench.example")
            for i in range(50)
        ]
        today = date.today()
        for i in range(n):
            invoice = services.invoice_create(
                account=account, number=f"BENCH-{i:05d}", contact=contacts[i % 50],
                issue_date=today - timedelta(days=i), due_date=today,
                lines=[LineInput(products[i % 3], Decimal(1), Decimal("100"), tax),
                       LineInput(products[(i + 1) % 3], Decimal(2), Decimal("40"), None)],
            )
            services.invoice_send(invoice=invoice)
            if i % 2 == 0:
                services.payment_record(invoice=invoice, date=today, amount=Decimal("50"),
                                        tip_amount=Decimal("5") if i % 4 == 0 else Decimal(0),
                                        reference=f"BENCH-PAYMENT-REFERENCE-{i:08d}")
        return account

    def _connect(self, account: Account, base_url: str) -> QuickBooksConnection:
        redirect_uri = "http://127.0.0.1/callback"
        session: dict = {}
        user = User.objects.create_user(username=f"bench{time.time_ns()}", account=account)
        authorize_url = connection_service.connection_start(
            session=session, account=account, redirect_uri=redirect_uri)
        consent = requests.post(authorize_url, data={"action": "connect", "realm_id": US_REALM},
                                allow_redirects=False, timeout=10)
        query = requests.utils.urlparse(consent.headers["Location"]).query
        params = dict(pair.split("=", 1) for pair in query.split("&"))
        connection, _ = connection_service.connection_complete(
            session=session, account=account, user=user, params=params,
            redirect_uri=redirect_uri)
        return connection


if __name__ == "__main__":
    Command().run_from_argv(["bin/bench", "bench", *sys.argv[1:]])
