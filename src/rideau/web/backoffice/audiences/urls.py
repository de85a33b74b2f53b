"""Back-office audience types, under /control/<organizer>/audiences/."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.audience_list, name="audiences-admin"),
    path("<int:audience>/", views.audience_edit, name="audiences-admin-edit"),
    path("<int:audience>/delete/", views.audience_delete, name="audiences-admin-delete"),
]
