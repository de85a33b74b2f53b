"""Back-office multi-event pages (D9), under /control/<organizer>/programmes/."""

from django.urls import path

from ..collection import collection_urls
from . import views

urlpatterns = [
    *collection_urls(
        "",
        "festival-admin",
        "festival_page",
        rows=views.festival_list,
        row=views.festival_edit,
        delete=views.festival_delete,
        rows_name="festival-admin-list",
    ),
    path(
        "<int:festival_page>/events/<slug:event>/",
        views.festival_event_switch,
        name="festival-admin-event",
    ),
]
