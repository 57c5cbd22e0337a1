"""Invoices taken out with Undo sync: a row each (UndoneInvoice) instead of a JSON list on the
connection that two services read, changed and wrote back."""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


def list_to_rows(apps, schema_editor):
    QuickBooksConnection = apps.get_model("integrations", "QuickBooksConnection")
    UndoneInvoice = apps.get_model("integrations", "UndoneInvoice")
    Invoice = apps.get_model("invoices", "Invoice")
    for connection in QuickBooksConnection.objects.exclude(undone_invoice_ids=[]).iterator():
        ids = [pk for pk in connection.undone_invoice_ids if isinstance(pk, int)]
        existing = Invoice.objects.filter(pk__in=ids).values_list("pk", flat=True)
        UndoneInvoice.objects.bulk_create(
            [UndoneInvoice(connection=connection, invoice_id=pk) for pk in existing],
            ignore_conflicts=True)


def rows_to_list(apps, schema_editor):
    QuickBooksConnection = apps.get_model("integrations", "QuickBooksConnection")
    for connection in QuickBooksConnection.objects.iterator():
        connection.undone_invoice_ids = list(connection.undone_invoices.order_by("pk")
                                             .values_list("invoice_id", flat=True))
        connection.save(update_fields=["undone_invoice_ids"])


class Migration(migrations.Migration):

    dependencies = [
        ("integrations", "0009_sync_record_state_columns"),
        ("invoices", "0003_line_discount"),
    ]

    operations = [
        migrations.CreateModel(
            name="UndoneInvoice",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False,
                                           verbose_name="ID")),
                ("undone_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("connection", models.ForeignKey(
                    on_delete=django.db.models.deletion.CASCADE, related_name="undone_invoices",
                    to="integrations.quickbooksconnection")),
                ("invoice", models.ForeignKey(
                    on_delete=django.db.models.deletion.CASCADE, related_name="+",
                    to="invoices.invoice")),
            ],
            options={
                "constraints": [models.UniqueConstraint(
                    fields=("connection", "invoice"), name="undone_invoice_once_per_connection")],
            },
        ),
        migrations.RunPython(list_to_rows, rows_to_list),
    ]
