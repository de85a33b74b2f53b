"""Back-office ticket templates, under /control/<organizer>/ticket-templates/."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.ticket_template_list, name="tickets-admin-list"),
    path("<int:template>/", views.ticket_template_edit, name="tickets-admin"),
    path("<int:template>/preview.pdf", views.ticket_template_preview, name="tickets-admin-preview"),
    path("<int:template>/delete/", views.ticket_template_delete, name="tickets-admin-delete"),
]
