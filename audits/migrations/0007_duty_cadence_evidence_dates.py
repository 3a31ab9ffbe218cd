from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("audits", "0006_evidence_text_history_evidence_outcome"),
    ]

    operations = [
        migrations.AddField(
            model_name="duty",
            name="cadence",
            field=models.JSONField(
                default=dict,
                help_text="When it falls due: every_months, and for a fixed yearly deadline due_by and snapshot (MM-DD)",
            ),
        ),
        migrations.AddField(
            model_name="evidence",
            name="published_on",
            field=models.DateField(blank=True, help_text="When the document says it was published", null=True),
        ),
        migrations.AddField(
            model_name="evidence",
            name="covers_from",
            field=models.DateField(blank=True, help_text="The start of the period it says it covers", null=True),
        ),
        migrations.AddField(
            model_name="evidence",
            name="covers_until",
            field=models.DateField(blank=True, help_text="The end of the period it says it covers", null=True),
        ),
    ]
