# One QuickBooks company is held by at most one hatsync account at a time; sync records are
# unique per account (an account connecting to a company another once held gets its own).

from django.db import migrations, models

ALREADY_HELD = (
    "Disconnected: this QuickBooks company is already connected to another hatsync account. "
    "Disconnect it there first, or choose another company."
)


def disconnect_second_holders(apps, schema_editor):
    """Before the constraint: where two accounts hold one company (allowed until now), the
    first to connect keeps it and the others are disconnected (their tokens forgotten, their
    records kept and paused, as for any disconnect)."""
    Connection = apps.get_model("integrations", "QuickBooksConnection")
    SyncRecord = apps.get_model("integrations", "SyncRecord")
    holders = Connection.objects.exclude(status="disconnected").order_by("connected_at", "pk")
    seen = set()
    for connection in holders:
        company = (connection.realm_id, connection.environment)
        if company not in seen:
            seen.add(company)
            continue
        connection.access_token = connection.refresh_token = ""
        connection.access_token_expires_at = connection.refresh_token_hard_expires_at = None
        connection.status, connection.status_reason = "disconnected", ALREADY_HELD
        connection.save()
        SyncRecord.objects.filter(
            account_id=connection.account_id, realm_id=connection.realm_id,
            state="needs_sync", kind__in=["invoice", "payment"],
        ).update(paused=True, last_error="Paused: " + ALREADY_HELD)


class Migration(migrations.Migration):

    dependencies = [
        ('integrations', '0020_reconcile_report_unchecked'),
    ]

    operations = [
        migrations.RunPython(disconnect_second_holders, migrations.RunPython.noop),
        migrations.RemoveConstraint(
            model_name='syncrecord',
            name='sync_record_once_per_realm',
        ),
        migrations.AddConstraint(
            model_name='quickbooksconnection',
            constraint=models.UniqueConstraint(condition=models.Q(('status', 'disconnected'), _negated=True), fields=('realm_id', 'environment'), name='connection_one_account_per_company'),
        ),
        migrations.AddConstraint(
            model_name='syncrecord',
            constraint=models.UniqueConstraint(fields=('account', 'realm_id', 'key'), name='sync_record_once_per_account_and_realm'),
        ),
    ]
