from django.urls import path

from . import passages, views

public_patterns = [
    path("<slug:organizer>/<slug:event>/agenda/", views.agenda, name="agenda"),
    path("<slug:organizer>/<slug:event>/agenda/me/<str:token>/", views.mine, name="agenda-mine"),
    path(
        "<slug:organizer>/<slug:event>/agenda/me/<str:token>/agenda.ics",
        views.mine_ical,
        name="agenda-ical",
    ),
]

control_patterns = [
    path(
        "<slug:organizer>/events/<slug:event>/registrations/",
        views.staff_event,
        name="registrations",
    ),
    path(
        "<slug:organizer>/events/<slug:event>/registrations/event/",
        views.staff_event_level,
        name="registrations-event-level",
    ),
    path(
        "<slug:organizer>/events/<slug:event>/registrations/passes/",
        passages.staff_passages,
        name="registrations-passes",
    ),
    path(
        "<slug:organizer>/events/<slug:event>/registrations/passes/<int:passage>/",
        passages.staff_passage,
        name="registrations-pass",
    ),
    path(
        "<slug:organizer>/events/<slug:event>/registrations/<int:session>/",
        views.staff_session,
        name="registrations-session",
    ),
]
