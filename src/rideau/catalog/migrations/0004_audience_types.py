import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0003_question"),
        ("core", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="rate",
            name="channels",
            field=models.JSONField(blank=True, default=list, verbose_name="sales channels"),
        ),
        migrations.AddField(
            model_name="rate",
            name="audience_restricted",
            field=models.BooleanField(default=False, editable=False),
        ),
        migrations.CreateModel(
            name="AudienceType",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "code",
                    models.SlugField(
                        help_text="Short name used by the API, e.g. “schools”.",
                        verbose_name="code",
                    ),
                ),
                ("name", models.JSONField(default=dict, verbose_name="name")),
                (
                    "description",
                    models.JSONField(blank=True, default=dict, verbose_name="description"),
                ),
                ("position", models.PositiveIntegerField(default=0, verbose_name="position")),
                ("active", models.BooleanField(default=True, verbose_name="active")),
                (
                    "organizer",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="audience_types",
                        to="core.organizer",
                    ),
                ),
            ],
            options={
                "verbose_name": "audience type",
                "ordering": ["organizer", "position", "id"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("organizer", "code"), name="audience_type_code_unique"
                    )
                ],
            },
        ),
        migrations.AddField(
            model_name="rate",
            name="audience_types",
            field=models.ManyToManyField(
                blank=True,
                related_name="rates",
                to="catalog.audiencetype",
                verbose_name="audience types",
            ),
        ),
    ]
