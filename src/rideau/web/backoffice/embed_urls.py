"""The public ticket widget, included by `rideau.web.urls` before its catch-all event page."""

from django.urls import path

from . import embed

urlpatterns = [
    path("<slug:organizer>/<slug:event>/widget/", embed.embed_tickets, name="embed-tickets"),
]
