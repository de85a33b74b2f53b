"""Back-office check-in URLs, included under /control/<organizer>/checkin/."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.checkin_lists, name="checkin-lists"),
    path("new/", views.checkin_list_create, name="checkin-list-create"),
    path("<int:checkinlist_id>/", views.checkin_list_edit, name="checkin-list-edit"),
    path(
        "<int:checkinlist_id>/regenerate/",
        views.checkin_list_regenerate,
        name="checkin-list-regenerate",
    ),
]
