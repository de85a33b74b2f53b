"""Count the listings already on resale in `EventDate.offered_back` (checkouts sell them
first: `orders.hooks`)."""

from django.db import migrations
from django.db.models import Count


def count_listings(apps, schema_editor):
    Resale = apps.get_model("passes", "Resale")
    EventDate = apps.get_model("events", "EventDate")
    per_date = (
        Resale.objects.filter(state="listed")
        .values("ticket__date_id")
        .annotate(n=Count("pk"))
        .values_list("ticket__date_id", "n")
    )
    for date_id, n in per_date:
        EventDate.objects.filter(pk=date_id).update(offered_back=n)


class Migration(migrations.Migration):
    dependencies = [
        ("passes", "0001_initial"),
        ("events", "0006_resale_checkout_offered_back"),
    ]

    operations = [migrations.RunPython(count_listings, migrations.RunPython.noop)]
