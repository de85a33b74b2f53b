# Signed ticket secrets (ADR 0007) are about 130 characters: Position.secret grows to 200.

import rideau.orders.models
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('orders', '0006_order_changes'),
    ]

    operations = [
        migrations.AlterField(
            model_name='position',
            name='secret',
            field=models.CharField(default=rideau.orders.models.new_secret, editable=False, max_length=200, unique=True),
        ),
    ]
