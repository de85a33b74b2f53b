"""The organiser's home, events list, settings and teams, under /control/<organizer>/."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.organizer_home, name="control-organizer"),
    path("events/", views.organizer_events, name="control-events"),
    path("settings/", views.organizer_settings, name="control-settings"),
    path("teams/", views.organizer_teams, name="control-teams"),
    path("teams/tokens/<int:token_id>/revoke/", views.revoke_token, name="control-token-revoke"),
    path("teams/new/", views.team_create, name="control-team-create"),
    path("teams/<int:team_id>/members/", views.team_member_add, name="control-team-member-add"),
    path(
        "teams/<int:team_id>/members/<int:member_id>/remove/",
        views.team_member_remove,
        name="control-team-member-remove",
    ),
    path(
        "teams/<int:team_id>/members/<int:member_id>/invite/",
        views.team_member_invite,
        name="control-team-member-invite",
    ),
]
