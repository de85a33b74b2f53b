from django.conf import settings
from django.conf.urls.static import static
from django.urls import URLPattern, URLResolver, include, path
from django.views.i18n import set_language

from .agenda import urls as agenda_urls
from .backoffice.organizer import views as organizer_views
from .decorators import public_view
from .portal import urls as portal_urls
from .public import urls as public_urls

app_name = "web"

control_patterns: list[URLPattern | URLResolver] = [
    path("", organizer_views.control_home, name="control-home"),
    path("", include("rideau.web.auth.urls")),
    path("<slug:organizer>/", include("rideau.web.backoffice.organizer.urls")),
    path("<slug:organizer>/checkin/", include("rideau.web.checkin.urls")),
    path("", include(agenda_urls.control_patterns)),
    path("", include("rideau.web.backoffice.partners.urls")),  # partner portal (B1–B13)
    # before events/<event>/ (the overview): `events/new/` is not an event
    path("<slug:organizer>/events/", include("rideau.web.backoffice.events.urls")),
    path("<slug:organizer>/venues/", include("rideau.web.backoffice.venues.urls")),
    path("<slug:organizer>/programmes/", include("rideau.web.backoffice.programmes.urls")),
    path("<slug:organizer>/audiences/", include("rideau.web.backoffice.audiences.urls")),
    path(
        "<slug:organizer>/ticket-templates/", include("rideau.web.backoffice.ticket_templates.urls")
    ),
    path("<slug:organizer>/vouchers/", include("rideau.web.backoffice.vouchers.urls")),
    path("<slug:organizer>/reservations/", include("rideau.web.backoffice.reservations.urls")),
    path("<slug:organizer>/giftcards/", include("rideau.web.backoffice.giftcards.urls")),
    path("<slug:organizer>/boxoffice/", include("rideau.web.pos.urls")),
    path("<slug:organizer>/marketing/", include("rideau.web.backoffice.messaging.urls")),
    path("<slug:organizer>/passes/", include("rideau.web.backoffice.passes.urls")),
    path("<slug:organizer>/events/<slug:event>/", include("rideau.web.backoffice.overview.urls")),
    path("<slug:organizer>/jobs/", include("rideau.web.backoffice.jobs.urls")),
    path("<slug:organizer>/", include("rideau.web.backoffice.orders.urls")),
]

urlpatterns = [
    *public_urls.first_patterns,  # the event page, before the ~420 others (an on-sale rush)
    # what include("django.conf.urls.i18n") gives, marked public
    path("i18n/setlang/", public_view(set_language), name="set_language"),
    path("control/", include(control_patterns)),
    path("checkin/", include("rideau.web.checkin.scanner_urls")),  # ticket control
    # opens, clicks and unsubscribes of marketing messages, SMS receipts (`m` is reserved)
    path("m/", include("rideau.web.public.tracking_urls")),
    path("", include(agenda_urls.public_patterns)),  # session registration (A1–A7)
    # the personal space, before the catch-all event page (`account` is a reserved slug)
    path("<slug:organizer>/account/", include("rideau.web.account.urls")),
    path("", include(portal_urls.portal_patterns)),  # partner portal and pages (B1–B13)
    path("", include("rideau.web.shop.urls")),  # the shop, before the catch-all event page
    path("", include("rideau.web.shop.pass_urls")),  # passes (SPEC D1–D7)
    # the organiser and event pages (the catch-all), the widget, the multi-event pages
    path("", include("rideau.web.public.urls")),
]

if settings.MEDIA_URL.startswith("/"):
    urlpatterns.insert(0, path(settings.MEDIA_URL.lstrip("/"), include(portal_urls.image_patterns)))
    urlpatterns = public_urls.media_patterns + urlpatterns

if settings.DEBUG:
    urlpatterns = static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT) + urlpatterns
