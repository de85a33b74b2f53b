"""Back-office multi-event pages (D9), under /control/<organizer>/programmes/."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.festival_list, name="festival-admin-list"),
    path("<int:festival_page>/", views.festival_edit, name="festival-admin"),
    path(
        "<int:festival_page>/events/<slug:event>/",
        views.festival_event_switch,
        name="festival-admin-event",
    ),
    path("<int:festival_page>/delete/", views.festival_delete, name="festival-admin-delete"),
]
