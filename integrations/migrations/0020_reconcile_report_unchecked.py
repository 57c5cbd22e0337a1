from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("integrations", "0019_taxmap_connection_tax_code_map"),
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
