"""The organiser's home, events list, settings and teams, under /control/<organizer>/."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.organizer_home, name="control-organizer"),
    path("events/", views.organizer_events, name="control-events"),
    path("settings/", views.organizer_settings, name="control-settings"),
    path("teams/", views.organizer_teams, name="control-teams"),
    path("teams/tokens/<int:token_id>/revoke/", views.revoke_token, name="control-token-revoke"),
]
