"""The personal space, mounted under `/<organizer>/account/` by `rideau.web.urls`."""

from django.urls import path

from . import passes, views

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
    # the subscriber space (SPEC D6, D7)
    path("subscriber/login/", passes.subscriber_login, name="account-subscriber-login"),
    path("passes/", passes.passes_view, name="account-passes"),
    path("passes/<int:pass_id>/", passes.pass_view, name="account-pass"),
    path("passes/<int:pass_id>/card.pdf", passes.card_view, name="account-pass-card"),
    path(
        "passes/<int:pass_id>/orders/<str:code>/pay/",
        passes.pay_with_credit_view,
        name="account-pass-pay",
    ),
    path(
        "passes/<int:pass_id>/resale/<int:resale_id>/withdraw/",
        passes.withdraw_view,
        name="account-pass-withdraw",
    ),
]
