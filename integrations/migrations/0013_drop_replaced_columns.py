"""The columns and sentinels that state in columns replaced go: SyncRecord.voided (now
qbo_status "void"), QuickBooksConnection.undone_invoice_ids (now UndoneInvoice rows), and the
fingerprints "from-quickbooks" (now origin) and "deleted:<id>" (now deleted_qbo_id)."""

from django.db import migrations


def clear_sentinels(apps, schema_editor):
    SyncRecord = apps.get_model("integrations", "SyncRecord")
    SyncRecord.objects.filter(voided=True, qbo_status="").update(qbo_status="void")
    SyncRecord.objects.filter(fingerprint="from-quickbooks").update(fingerprint="")
    SyncRecord.objects.filter(kind="fee", fingerprint__startswith="deleted:").update(
        fingerprint="")


def restore_sentinels(apps, schema_editor):
    SyncRecord = apps.get_model("integrations", "SyncRecord")
    SyncRecord.objects.filter(qbo_status="void").update(voided=True)
    SyncRecord.objects.filter(origin="quickbooks", fingerprint="").update(
        fingerprint="from-quickbooks")
    for pk, deleted in SyncRecord.objects.filter(kind="fee", qbo_id="").exclude(
            deleted_qbo_id="").values_list("pk", "deleted_qbo_id").iterator():
        SyncRecord.objects.filter(pk=pk).update(fingerprint=f"deleted:{deleted}")


class Migration(migrations.Migration):

    dependencies = [
        ("integrations", "0012_sync_record_checks"),
    ]

    operations = [
        migrations.RunPython(clear_sentinels, restore_sentinels),
        migrations.RemoveField(
            model_name="quickbooksconnection",
            name="undone_invoice_ids",
        ),
        migrations.RemoveField(
            model_name="syncrecord",
            name="voided",
        ),
    ]
