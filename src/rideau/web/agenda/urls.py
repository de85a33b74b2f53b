from django.urls import include, path

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

# under <organizer>/events/<event>/registrations/
registrations = [
    path("", views.staff_event, name="registrations"),
    path("contact/", views.staff_contact, name="registrations-contact"),
    path("registrations.csv", views.staff_export, {"fmt": "csv"}, name="registrations-export-csv"),
    path(
        "registrations.xlsx",
        views.staff_export,
        {"fmt": "xlsx"},
        name="registrations-export-xlsx",
    ),
    path("event/", views.staff_event_level, name="registrations-event-level"),
    path("passes/", passages.staff_passages, name="registrations-passes"),
    path("passes/<int:passage>/", passages.staff_passage, name="registrations-pass"),
    path("<int:session>/", views.staff_session, name="registrations-session"),
]

control_patterns = [
    path("<slug:organizer>/events/<slug:event>/registrations/", include(registrations)),
]
