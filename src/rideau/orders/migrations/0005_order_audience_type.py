import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0004_audience_types"),
        ("orders", "0004_voucher"),
    ]

    operations = [
        migrations.AddField(
            model_name="order",
            name="audience_type",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="orders",
                to="catalog.audiencetype",
                verbose_name="audience type",
            ),
        ),
    ]
