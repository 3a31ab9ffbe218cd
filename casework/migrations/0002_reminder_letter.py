import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def each_reminder_recalls_its_cases_letter(apps, schema_editor):
    """Every reminder so far was sent for the letter its case holds (cases never changed letter before)."""
    Case = apps.get_model("casework", "Case")
    Reminder = apps.get_model("casework", "Reminder")
    Reminder.objects.update(letter=Subquery(Case.objects.filter(pk=OuterRef("case")).values("letter")[:1]))


class Migration(migrations.Migration):
    dependencies = [
        ("casework", "0001_initial"),
        ("reports", "0004_letter_rechecked_on"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="reminder", name="one_reminder_per_case_day"),
        migrations.AddField(
            model_name="reminder",
            name="letter",
            field=models.ForeignKey(
                help_text="Whose deadline",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="reports.letter",
            ),
        ),
        migrations.RunPython(each_reminder_recalls_its_cases_letter, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="reminder",
            name="letter",
            field=models.ForeignKey(
                help_text="Whose deadline",
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="reports.letter",
            ),
        ),
        migrations.AddConstraint(
            model_name="reminder",
            constraint=models.UniqueConstraint(
                fields=("case", "letter", "days_before"), name="one_reminder_per_letter_day"
            ),
        ),
    ]
