"""The release screen (SPEC C6), included under /control/<organizer>/reservations/."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.release_screen, name="reservations-release"),
    path("policy/", views.policy_view, name="reservations-policy"),
]
