"""State in columns: SyncRecord.paused, origin, deleted_qbo_id and qbo_status "void" (for
`voided`), carried over from the text and fingerprint sentinels; choices for environment and
qbo_status."""

from django.db import migrations, models


def to_columns(apps, schema_editor):
    SyncRecord = apps.get_model("integrations", "SyncRecord")
    SyncRecord.objects.filter(last_error__startswith="Paused:").update(paused=True)
    SyncRecord.objects.filter(fingerprint="from-quickbooks").update(origin="quickbooks")
    for pk, fingerprint in SyncRecord.objects.filter(
        kind="fee", fingerprint__startswith="deleted:"
    ).values_list("pk", "fingerprint").iterator():
        SyncRecord.objects.filter(pk=pk).update(deleted_qbo_id=fingerprint[len("deleted:"):])
    # hatsync's own void (a flag from QuickBooks, if any, stays as it is)
    SyncRecord.objects.filter(voided=True, qbo_status="").update(qbo_status="void")


def to_sentinels(apps, schema_editor):
    SyncRecord = apps.get_model("integrations", "SyncRecord")
    SyncRecord.objects.filter(qbo_status="void").update(qbo_status="", voided=True)


class Migration(migrations.Migration):

    dependencies = [
        ("integrations", "0008_sync_record_refusals"),
    ]

    operations = [
        migrations.AddField(
            model_name="syncrecord",
            name="paused",
            field=models.BooleanField(default=False),
        ),
        migrations.AddField(
            model_name="syncrecord",
            name="origin",
            field=models.CharField(
                choices=[("hatsync", "Made by hatsync"), ("quickbooks", "Recorded in QuickBooks")],
                default="hatsync", max_length=10),
        ),
        migrations.AddField(
            model_name="syncrecord",
            name="deleted_qbo_id",
            field=models.CharField(blank=True, max_length=40),
        ),
        migrations.AlterField(
            model_name="quickbooksconnection",
            name="environment",
            field=models.CharField(
                choices=[("local", "Local sandbox"), ("sandbox", "Intuit sandbox"),
                         ("production", "Production")],
                max_length=20),
        ),
        migrations.AlterField(
            model_name="syncrecord",
            name="qbo_status",
            field=models.CharField(
                blank=True,
                choices=[("", "In QuickBooks"), ("void", "Voided by hatsync"),
                         ("voided", "Voided in QuickBooks"), ("deleted", "Deleted in QuickBooks")],
                default="", max_length=10),
        ),
        migrations.RunPython(to_columns, to_sentinels),
    ]
