"""Reservations in the back office (SPEC C2, C6), under /control/<organizer>/reservations/."""

from django.urls import path

from . import settings_views, views

urlpatterns = [
    path("", views.release_screen, name="reservations-release"),
    path("policy/", views.policy_view, name="reservations-policy"),
    path("new/", views.new_reservation, name="reservations-new"),
    path("settings/", settings_views.settings_view, name="reservations-settings"),
    path("settings/points/<int:point>/", settings_views.point_view, name="reservations-point"),
    path(
        "settings/profiles/<int:profile>/",
        settings_views.profile_view,
        name="reservations-profile",
    ),
    path("settings/rules/<int:product>/", settings_views.rule_view, name="reservations-rule"),
]
