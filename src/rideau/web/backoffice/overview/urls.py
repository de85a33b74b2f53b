"""The event overview and its jobs, included under /control/<organizer>/events/<event>/."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.event_overview, name="backoffice-event"),
    path("visibility/", views.event_visibility, name="backoffice-event-visibility"),
    path("export/", views.event_export, name="backoffice-event-export"),
    path("contact/", views.event_contact, name="backoffice-event-contact"),
]
