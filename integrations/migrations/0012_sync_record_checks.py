"""The database guards SyncRecord: known states and kinds, links that match the kind, and
only payments brought back from QuickBooks. Links of another kind (none are written) are
cleared first so existing rows pass."""

from django.db import migrations, models

OWN_LINKS = {
    "customer": {"contact"},
    "item": set(),
    "invoice": {"invoice"},
    "payment": {"payment", "invoice"},
    "refund": {"refund"},
    "fee": {"payment"},
}


def clear_other_links(apps, schema_editor):
    SyncRecord = apps.get_model("integrations", "SyncRecord")
    for kind, own in OWN_LINKS.items():
        others = {f"{link}_id": None for link in ("contact", "invoice", "payment", "refund")
                  if link not in own}
        stray = models.Q()
        for field in others:
            stray |= models.Q(**{f"{field}__isnull": False})
        SyncRecord.objects.filter(stray, kind=kind).update(**others)
    SyncRecord.objects.filter(origin="quickbooks").exclude(kind="payment").update(
        origin="hatsync")


class Migration(migrations.Migration):

    dependencies = [
        ("integrations", "0011_undo_job"),
    ]

    operations = [
        migrations.RunPython(clear_other_links, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="syncrecord",
            constraint=models.CheckConstraint(
                condition=models.Q(("state__in", ["needs_sync", "syncing", "synced", "failed",
                                                  "blocked"])),
                name="sync_record_state_known"),
        ),
        migrations.AddConstraint(
            model_name="syncrecord",
            constraint=models.CheckConstraint(
                condition=models.Q(("kind__in", ["customer", "item", "invoice", "payment",
                                                 "refund", "fee"])),
                name="sync_record_kind_known"),
        ),
        migrations.AddConstraint(
            model_name="syncrecord",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("kind", "customer"), ("invoice__isnull", True),
                             ("payment__isnull", True), ("refund__isnull", True)),
                    models.Q(("kind", "item"), ("contact__isnull", True),
                             ("invoice__isnull", True), ("payment__isnull", True),
                             ("refund__isnull", True)),
                    models.Q(("kind", "invoice"), ("contact__isnull", True),
                             ("payment__isnull", True), ("refund__isnull", True)),
                    models.Q(("kind", "payment"), ("contact__isnull", True),
                             ("refund__isnull", True)),
                    models.Q(("kind", "refund"), ("contact__isnull", True),
                             ("invoice__isnull", True), ("payment__isnull", True)),
                    models.Q(("kind", "fee"), ("contact__isnull", True),
                             ("invoice__isnull", True), ("refund__isnull", True)),
                    _connector="OR"),
                name="sync_record_links_kind"),
        ),
        migrations.AddConstraint(
            model_name="syncrecord",
            constraint=models.CheckConstraint(
                condition=models.Q(models.Q(("origin", "quickbooks"), _negated=True),
                                   ("kind", "payment"), _connector="OR"),
                name="sync_record_only_payments_from_quickbooks"),
        ),
    ]
