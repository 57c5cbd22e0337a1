"""Undo sync's progress in a table (UndoJob), like BulkSyncJob, instead of only the cache."""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("integrations", "0010_undone_invoice"),
        ("invoices", "0003_line_discount"),
    ]

    operations = [
        migrations.CreateModel(
            name="UndoJob",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False,
                                           verbose_name="ID")),
                ("job", models.CharField(help_text="what the page follows (hex)", max_length=32,
                                         unique=True)),
                ("started_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("total", models.PositiveIntegerField(default=0)),
                ("done", models.PositiveIntegerField(default=0)),
                ("removed", models.PositiveIntegerField(default=0)),
                ("payments_removed", models.PositiveIntegerField(default=0)),
                ("extras_removed", models.PositiveIntegerField(default=0)),
                ("skipped", models.JSONField(blank=True, default=list)),
                ("failed", models.JSONField(blank=True, default=list)),
                ("finished", models.BooleanField(default=False)),
                ("summary", models.TextField(blank=True)),
                ("account", models.ForeignKey(
                    on_delete=django.db.models.deletion.CASCADE, related_name="undo_jobs",
                    to="invoices.account")),
            ],
        ),
    ]
