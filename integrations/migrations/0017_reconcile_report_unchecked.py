from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("integrations", "0016_connection_writes_refused_at"),
    ]

    operations = [
        migrations.AddField(
            model_name="reconcilereport",
            name="unchecked",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="reconcilereport",
            name="unchecked_reason",
            field=models.TextField(blank=True),
        ),
    ]
