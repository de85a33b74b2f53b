"""Staff login, its second factor, logout and password reset, under /control/."""

from typing import Any

from django.urls import URLPattern, path
from django.views import View

from ..decorators import public_view
from . import views


def _public(route: str, view: type[View[Any]], name: str) -> URLPattern:
    """A route to one of Django's class-based views, public (nobody is signed in yet)."""
    return path(route, public_view(view.as_view()), name=name)


urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("login/code/", views.login_code_view, name="login-code"),
    _public("logout/", views.LogoutView, "logout"),
    _public("password-reset/", views.PasswordResetView, "password-reset"),
    _public("password-reset/sent/", views.PasswordResetDoneView, "password-reset-done"),
    _public(
        "password-reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView,
        "password-reset-confirm",
    ),
    _public("password-reset/done/", views.PasswordResetCompleteView, "password-reset-complete"),
    path("account/two-factor/", views.two_factor_view, name="two-factor"),
]
