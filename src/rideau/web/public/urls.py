"""The public pages: the home page, an organiser's page, an event's page, the framable
ticket widget, the multi-event pages (D9) and the uploaded images they show. Included by
`rideau.web.urls` last: the event page is the catch-all `<organizer>/<event>/`."""

from django.conf import settings
from django.urls import path

from . import embed, festival, views

urlpatterns = [
    path("<slug:organizer>/<slug:event>/widget/", embed.embed_tickets, name="embed-tickets"),
    path(
        "<slug:organizer>/programme/<slug:festival_page>/",
        festival.festival_public,
        name="festival",
    ),
    path(
        "<slug:organizer>/programme/<slug:festival_page>/cover/",
        festival.festival_cover,
        name="festival-cover",
    ),
    path("", views.home, name="index"),
    path("<slug:organizer>/", views.organizer_page, name="organizer"),
    path("<slug:organizer>/<slug:event>/", views.event_page, name="event"),
]

# uploaded images served by the app (not with object storage: `.url` points at the bucket)
MEDIA = settings.MEDIA_URL.lstrip("/")
media_patterns = [
    path(f"{MEDIA}{views.LOGO_DIR}<str:name>", views.organizer_logo, name="organizer-logo"),
    path(f"{MEDIA}{views.EVENT_IMAGE_DIR}<str:name>", views.event_image, name="event-image"),
]
