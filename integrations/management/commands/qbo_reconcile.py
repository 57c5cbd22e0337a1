"""python manage.py qbo_reconcile [--account ID]: does QuickBooks match hatsync?

Exit status 0 when every invoice and payment hatsync ever synced matches, 1 when something
differs, 2 when QuickBooks could not be read (the whole check, or some of its records).
"""

from django.core.management.base import BaseCommand, CommandError

from integrations.models import QuickBooksConnection, ReconcileReport
from integrations.services.reconcile import reconcile_account


class Command(BaseCommand):
    help = "Compare what hatsync synced with what QuickBooks holds, object by object."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--account", type=int, help="only this account (its id)")

    def handle(self, *args, account: int | None = None, **options) -> None:
        connections = QuickBooksConnection.objects.filter(
            status=QuickBooksConnection.Status.CONNECTED).select_related("account")
        if account is not None:
            connections = connections.filter(account_id=account)
            if not connections.exists():
                raise CommandError(f"Account {account} has no QuickBooks connection.")
        differences = failed = 0
        for connection in connections.order_by("account_id"):
            report = reconcile_account(account=connection.account)
            self.stdout.write(
                f"{connection.account} ({connection.realm_id}): {report.invoices_checked} "
                f"invoices, {report.payments_checked} payments checked in {report.requests} "
                f"requests: "
                + (f"could not finish: {report.error}" if report.error
                   else f"{len(report.differences)} difference(s)"))
            if report.unchecked:
                self.stdout.write(f"  not checked: {report.unchecked_reason}")
            for difference in report.differences:
                self.stdout.write(f"  {difference['label']}: {difference['problem']}: "
                                  f"{difference['message']}")
            differences += len(report.differences)
            failed += report.state == ReconcileReport.State.FAILED or bool(report.unchecked)
        self.stdout.write(f"differences={differences} failed={failed}")
        if failed:
            raise SystemExit(2)
        if differences:
            raise SystemExit(1)
