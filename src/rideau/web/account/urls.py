"""The personal space, mounted under `/<organizer>/account/` by `rideau.web.urls`."""

from django.urls import path

from ..portal.urls import account_patterns as partner_patterns
from . import reservations, views

urlpatterns = [
    path("", views.home_view, name="account-home"),
    path("login/", views.login_view, name="account-login"),
    path("login/password/", views.password_login_view, name="account-login-password"),
    path("login/code/", views.code_view, name="account-code"),
    path("logout/", views.logout_view, name="account-logout"),
    path("orders/", views.orders_view, name="account-orders"),
    path("orders/<str:code>/", views.order_view, name="account-order"),
    path("orders/<str:code>/tickets.pdf", views.order_pdf_view, name="account-order-pdf"),
    path("profile/", views.profile_view, name="account-profile"),
    path("reservations/", reservations.reservations_view, name="account-reservations"),
    path(
        "reservations/<str:code>/",
        reservations.reservation_view,
        name="account-reservation",
    ),
    path(
        "reservations/<str:code>/pay/",
        reservations.reservation_pay_view,
        name="account-reservation-pay",
    ),
    path(
        "reservations/<str:code>/cancel/",
        reservations.reservation_cancel_view,
        name="account-reservation-cancel",
    ),
    # not "agenda/": /<org>/<event>/agenda/ (the public agenda) would shadow it
    path("sessions/", views.agenda_view, name="account-agenda"),
    *partner_patterns,  # the partners' section (meetings, listing consent)
]
