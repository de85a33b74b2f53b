"""Periodic job: e-mail reminders of partner tasks before their due date (B6). Idempotent:
each assignment is reminded once (`reminded_at`, set by a conditional UPDATE)."""

import datetime

from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from rideau.core.periodic import periodic
from rideau.core.timezones import local_datetime
from rideau.messaging.services import queue_email

from .models import TaskAssignment, TeamMember
from .services import portal_url


@periodic(every=600, name="partners.send_task_reminders")
def send_task_reminders(*, now: datetime.datetime | None = None) -> int:
    """Remind every partner whose task is due within its reminder window and not done."""
    now = now or timezone.now()
    due = (
        TaskAssignment.objects.filter(
            done_at__isnull=True, reminded_at__isnull=True, task__due__gt=now
        )
        .select_related("task", "partner__event__organizer")
        .order_by("pk")
    )
    sent = 0
    for assignment in due[:500]:
        task = assignment.task
        if task.due - datetime.timedelta(days=task.remind_days) > now:
            continue
        with transaction.atomic():
            if (
                TaskAssignment.objects.filter(pk=assignment.pk, reminded_at__isnull=True).update(
                    reminded_at=now
                )
                != 1
            ):
                continue
            partner = assignment.partner
            admins = TeamMember.objects.filter(
                partner=partner, role=TeamMember.Role.ADMIN
            ).select_related("contact")
            organizer = partner.organizer
            with translation.override(organizer.languages[0]):
                queue_email(
                    to=[m.contact.email for m in admins],
                    subject=_("Reminder: “%(task)s” is due soon") % {"task": task.title},
                    text=render_to_string(
                        "partners/task_reminder.txt",
                        {
                            "partner": partner,
                            "task": task,
                            "due": local_datetime(task.due, organizer),
                            "url": portal_url(partner),
                        },
                    ),
                    organizer=organizer,
                    reference=f"partner-task-reminder:{assignment.pk}",
                )
            sent += 1
    return sent
