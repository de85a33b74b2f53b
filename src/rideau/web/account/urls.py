"""The personal space, mounted under `/<organizer>/account/` by `rideau.web.urls`."""

from django.urls import include, path

from ..portal.urls import account_patterns as partner_patterns
from . import passes, reservations, views

# under orders/<code>/ and reservations/<code>/
order = [
    path("", views.order_view, name="account-order"),
    path("tickets.pdf", views.order_pdf_view, name="account-order-pdf"),
]
reservation = [
    path("", reservations.reservation_view, name="account-reservation"),
    path("pay/", reservations.reservation_pay_view, name="account-reservation-pay"),
    path("cancel/", reservations.reservation_cancel_view, name="account-reservation-cancel"),
]
# under passes/<pass_id>/
subscription = [
    path("", passes.pass_view, name="account-pass"),
    path("card.pdf", passes.card_view, name="account-pass-card"),
    path("orders/<str:code>/pay/", passes.pay_with_credit_view, name="account-pass-pay"),
    path("resale/<int:resale_id>/withdraw/", passes.withdraw_view, name="account-pass-withdraw"),
]

urlpatterns = [
    path("", views.home_view, name="account-home"),
    path("login/", views.login_view, name="account-login"),
    path("login/password/", views.password_login_view, name="account-login-password"),
    path("login/code/", views.code_view, name="account-code"),
    path("logout/", views.logout_view, name="account-logout"),
    path("orders/", views.orders_view, name="account-orders"),
    path("orders/<str:code>/", include(order)),
    path("profile/", views.profile_view, name="account-profile"),
    path("reservations/", reservations.reservations_view, name="account-reservations"),
    path("reservations/<str:code>/", include(reservation)),
    # not "agenda/": /<org>/<event>/agenda/ (the public agenda) would shadow it
    path("sessions/", views.agenda_view, name="account-agenda"),
    *partner_patterns,  # the partners' section (meetings, listing consent)
    # the subscriber space (SPEC D6, D7)
    path("subscriber/login/", passes.subscriber_login, name="account-subscriber-login"),
    path("passes/", passes.passes_view, name="account-passes"),
    path("passes/<int:pass_id>/", include(subscription)),
]
