from django.conf import settings
from django.conf.urls.static import static
from django.urls import include, path
from django.views.i18n import set_language

from .agenda import urls as agenda_urls
from .decorators import public_view
from .portal import urls as portal_urls
from .views import auth, control, public, tracking

app_name = "web"

control_patterns = [
    path("", control.control_home, name="control-home"),
    path("login/", auth.login_view, name="login"),
    path("login/code/", auth.login_code_view, name="login-code"),
    path("logout/", public_view(auth.LogoutView.as_view()), name="logout"),
    path(
        "password-reset/",
        public_view(auth.PasswordResetView.as_view()),
        name="password-reset",
    ),
    path(
        "password-reset/sent/",
        public_view(auth.PasswordResetDoneView.as_view()),
        name="password-reset-done",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        public_view(auth.PasswordResetConfirmView.as_view()),
        name="password-reset-confirm",
    ),
    path(
        "password-reset/done/",
        public_view(auth.PasswordResetCompleteView.as_view()),
        name="password-reset-complete",
    ),
    path("account/two-factor/", auth.two_factor_view, name="two-factor"),
    path("<slug:organizer>/", control.organizer_home, name="control-organizer"),
    path("<slug:organizer>/events/", control.organizer_events, name="control-events"),
    path("<slug:organizer>/settings/", control.organizer_settings, name="control-settings"),
    path("<slug:organizer>/teams/", control.organizer_teams, name="control-teams"),
    path(
        "<slug:organizer>/teams/tokens/<int:token_id>/revoke/",
        control.revoke_token,
        name="control-token-revoke",
    ),
    path("<slug:organizer>/checkin/", include("rideau.web.checkin.urls")),
    path("", include(agenda_urls.control_patterns)),
    path("", include("rideau.web.backoffice.partners.urls")),  # partner portal (B1–B13)
    path("", include("rideau.web.events_admin.urls")),  # before events/<event>/ (the overview)
    path("<slug:organizer>/vouchers/", include("rideau.web.backoffice.voucher_urls")),
    path("<slug:organizer>/reservations/", include("rideau.web.backoffice.reservations.urls")),
    path("<slug:organizer>/giftcards/", include("rideau.web.backoffice.giftcard_urls")),
    path("<slug:organizer>/boxoffice/", include("rideau.web.pos.urls")),
    path("<slug:organizer>/marketing/", include("rideau.web.backoffice.messaging.urls")),
    path("<slug:organizer>/passes/", include("rideau.web.backoffice.passes.urls")),
    path("<slug:organizer>/", include("rideau.web.backoffice.urls")),
]

urlpatterns = [
    # what include("django.conf.urls.i18n") gives, marked public
    path("i18n/setlang/", public_view(set_language), name="set_language"),
    path("control/", include(control_patterns)),
    path("checkin/", include("rideau.web.checkin.scanner_urls")),  # ticket control
    # opens, clicks and unsubscribes of marketing messages (`m` is a reserved slug)
    path("m/o/<str:token>.gif", tracking.open_pixel, name="tracking-open"),
    path("m/c/<str:token>/<int:link>/", tracking.click, name="tracking-click"),
    path("m/h/<str:token>/", tracking.honeypot, name="tracking-honeypot"),
    path("m/u/<str:token>/", tracking.unsubscribe, name="tracking-unsubscribe"),
    path("m/sms-status/", tracking.sms_status, name="sms-status"),
    path("", include(agenda_urls.public_patterns)),  # session registration (A1–A7)
    # the personal space, before the catch-all event page (`account` is a reserved slug)
    path("<slug:organizer>/account/", include("rideau.web.account.urls")),
    path("", include(portal_urls.portal_patterns)),  # partner portal and pages (B1–B13)
    path("", include("rideau.web.shop.urls")),  # the shop, before the catch-all event page
    path("", include("rideau.web.shop.pass_urls")),  # passes (SPEC D1–D7)
    path("", include("rideau.web.backoffice.embed_urls")),  # the framable ticket widget
    path("", include("rideau.web.events_admin.public_urls")),  # D9 multi-event pages
    path("", public.home, name="index"),
    path("<slug:organizer>/", public.organizer_page, name="organizer"),
    path("<slug:organizer>/<slug:event>/", public.event_page, name="event"),
]

if settings.MEDIA_URL.startswith("/"):
    urlpatterns.insert(0, path(settings.MEDIA_URL.lstrip("/"), include(portal_urls.image_patterns)))
    urlpatterns.insert(
        0,
        path(
            f"{settings.MEDIA_URL.lstrip('/')}{public.LOGO_DIR}<str:name>",
            public.organizer_logo,
            name="organizer-logo",
        ),
    )
    urlpatterns.insert(
        0,
        path(
            f"{settings.MEDIA_URL.lstrip('/')}{public.EVENT_IMAGE_DIR}<str:name>",
            public.event_image,
            name="event-image",
        ),
    )

if settings.DEBUG:
    urlpatterns = static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT) + urlpatterns
