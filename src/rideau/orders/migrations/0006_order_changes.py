# Staff changes to orders (rideau.orders.changes) and bulk changes as jobs.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('orders', '0005_order_audience_type'),
    ]

    operations = [
        migrations.AddField(
            model_name='job',
            name='result',
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.AlterField(
            model_name='job',
            name='kind',
            field=models.CharField(choices=[('export_csv', 'Buyers export (CSV)'), ('export_xlsx', 'Buyers export (Excel)'), ('email_buyers', 'E-mail to the buyers'), ('bulk_orders', 'Change of several orders')], max_length=20, verbose_name='kind'),
        ),
        migrations.AddField(
            model_name='position',
            name='removed_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='removed'),
        ),
    ]
