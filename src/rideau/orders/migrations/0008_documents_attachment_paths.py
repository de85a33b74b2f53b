"""Ticket PDFs and iCalendar files moved to `rideau.documents`; an order e-mail's deferred
attachments are now loaded by `rideau.orders.attachments`. Attachments queued before the
move name the old functions: point them at the new ones (no row is rendered here)."""

from django.db import migrations

MOVED = {
    "rideau.orders.tickets.tickets_attachment": "rideau.orders.attachments.tickets_attachment",
    "rideau.orders.ical.ical_attachment": "rideau.orders.attachments.ical_attachment",
}


def forwards(apps, schema_editor):
    attachment = apps.get_model("messaging", "OutboxAttachment")
    for old, new in MOVED.items():
        attachment.objects.filter(renderer=old).update(renderer=new)


def backwards(apps, schema_editor):
    attachment = apps.get_model("messaging", "OutboxAttachment")
    for old, new in MOVED.items():
        attachment.objects.filter(renderer=new).update(renderer=old)


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0007_position_signed_secret"),
        ("messaging", "0003_outboxattachment_params_outboxattachment_renderer_and_more"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
