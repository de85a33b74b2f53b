"""Back-office venues, locations and seating plans, under /control/<organizer>/venues/."""

from django.urls import path

from ..collection import collection_urls
from . import seating, views

LOCATION = "<int:venue>/locations/<int:location>/"

urlpatterns = [
    *collection_urls(
        "",
        "venues-admin-venue",
        "venue",
        rows=views.venue_list,
        row=views.venue_detail,
        delete=views.venue_delete,
        rows_name="venues-admin",
    ),
    *collection_urls(
        "<int:venue>/locations/", "venues-admin-location", "location", delete=views.location_delete
    ),
    path(f"{LOCATION}seating/", seating.seating_plan, name="venues-admin-seating"),
    path(f"{LOCATION}seating.csv", seating.seating_plan_csv, name="venues-admin-seating-csv"),
    path(
        f"{LOCATION}seating/delete/",
        seating.seating_plan_delete,
        name="venues-admin-seating-delete",
    ),
]
