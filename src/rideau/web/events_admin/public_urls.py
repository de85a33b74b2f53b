"""Public multi-event pages (D9), registered before the catch-all event page."""

from django.urls import path

from . import festival_views

urlpatterns = [
    path(
        "<slug:organizer>/programme/<slug:festival_page>/",
        festival_views.festival_public,
        name="festival",
    ),
    path(
        "<slug:organizer>/programme/<slug:festival_page>/cover/",
        festival_views.festival_cover,
        name="festival-cover",
    ),
]
