"""Back-office ticket templates, under /control/<organizer>/ticket-templates/."""

from django.urls import path

from ..collection import collection_urls
from . import views

urlpatterns = [
    *collection_urls(
        "",
        "tickets-admin",
        "template",
        rows=views.ticket_template_list,
        row=views.ticket_template_edit,
        delete=views.ticket_template_delete,
        rows_name="tickets-admin-list",
    ),
    path("<int:template>/preview.pdf", views.ticket_template_preview, name="tickets-admin-preview"),
]
