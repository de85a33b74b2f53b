"""Back-office check-in URLs, included under /control/<organizer>/checkin/."""

from django.urls import path

from . import views

CHECKIN_LIST = "<int:checkinlist_id>/"

urlpatterns = [
    path("", views.checkin_lists, name="checkin-lists"),
    path("new/", views.checkin_list_create, name="checkin-list-create"),
    path(CHECKIN_LIST, views.checkin_list_edit, name="checkin-list-edit"),
    path(
        f"{CHECKIN_LIST}regenerate/", views.checkin_list_regenerate, name="checkin-list-regenerate"
    ),
]
