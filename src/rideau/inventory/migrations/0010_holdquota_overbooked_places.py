"""A hold's link to a quota counts how many of its places went beyond the quota's size
(a staff override), not only whether some did: a group of 3 taken when 2 places were free
is 1 place beyond, not 3. Existing links beyond a quota had all their places beyond."""

from importlib import import_module

from django.db import migrations, models
from django.db.models import OuterRef, Subquery

FALSE_LINK = "SELECT hold_ids[li + 1], lq, false FROM"
ZERO_LINK = "SELECT hold_ids[li + 1], lq, 0 FROM"


def _take_function() -> str:
    """`rideau_take` as 0006 wrote it, its new links counting 0 places beyond."""
    sql = import_module("rideau.inventory.migrations.0006_writepath_2_first_rows").TAKE
    assert FALSE_LINK in sql
    return sql.replace(FALSE_LINK, ZERO_LINK)


def forwards(apps, schema_editor):
    HoldQuota = apps.get_model("inventory", "HoldQuota")
    Hold = apps.get_model("inventory", "Hold")
    # the boolean became 1 or 0: all of a hold's places went beyond when it was set
    quantity = Hold.objects.filter(pk=OuterRef("hold_id")).values("quantity")[:1]
    HoldQuota.objects.filter(overbooked__gt=0).update(overbooked=Subquery(quantity))
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:  # no parameters: "%" is literal
            cursor.execute(_take_function())


def backwards(apps, schema_editor):
    HoldQuota = apps.get_model("inventory", "HoldQuota")
    HoldQuota.objects.filter(overbooked__gt=1).update(overbooked=1)
    if schema_editor.connection.vendor == "postgresql":
        previous = import_module("rideau.inventory.migrations.0006_writepath_2_first_rows")
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(previous.TAKE)


class Migration(migrations.Migration):
    dependencies = [("inventory", "0009_hold_kind_kept")]

    operations = [
        migrations.AlterField(
            model_name="holdquota",
            name="overbooked",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
