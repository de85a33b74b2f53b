"""Back-office venues, locations and seating plans, under /control/<organizer>/venues/."""

from django.urls import path

from . import seating, views

LOCATION = "<int:venue>/locations/<int:location>/"

urlpatterns = [
    path("", views.venue_list, name="venues-admin"),
    path("<int:venue>/", views.venue_detail, name="venues-admin-venue"),
    path("<int:venue>/delete/", views.venue_delete, name="venues-admin-venue-delete"),
    path(f"{LOCATION}delete/", views.location_delete, name="venues-admin-location-delete"),
    path(f"{LOCATION}seating/", seating.seating_plan, name="venues-admin-seating"),
    path(f"{LOCATION}seating.csv", seating.seating_plan_csv, name="venues-admin-seating-csv"),
    path(
        f"{LOCATION}seating/delete/",
        seating.seating_plan_delete,
        name="venues-admin-seating-delete",
    ),
]
