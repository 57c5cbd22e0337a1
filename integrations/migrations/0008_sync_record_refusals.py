"""SyncRecord.refusals (the requestid salt, carried over from the failed log rows) and
SyncRecord.request_sent_at."""

from django.db import migrations, models
from django.db.models import Count, Q


def count_refusals(apps, schema_editor):
    SyncRecord = apps.get_model("integrations", "SyncRecord")
    failed = (
        SyncRecord.objects.annotate(n=Count("log", filter=Q(log__outcome="failed")))
        .filter(n__gt=0)
        .values_list("pk", "n")
    )
    for pk, n in failed.iterator():
        SyncRecord.objects.filter(pk=pk).update(refusals=n)


class Migration(migrations.Migration):

    dependencies = [
        ("integrations", "0007_undone_invoices"),
    ]

    operations = [
        migrations.AddField(
            model_name="syncrecord",
            name="refusals",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="syncrecord",
            name="request_sent_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(count_refusals, migrations.RunPython.noop),
    ]
