"""Staff login, its second factor, logout and password reset, under /control/."""

from django.urls import path

from ..decorators import public_view
from . import views

urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("login/code/", views.login_code_view, name="login-code"),
    path("logout/", public_view(views.LogoutView.as_view()), name="logout"),
    path(
        "password-reset/",
        public_view(views.PasswordResetView.as_view()),
        name="password-reset",
    ),
    path(
        "password-reset/sent/",
        public_view(views.PasswordResetDoneView.as_view()),
        name="password-reset-done",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        public_view(views.PasswordResetConfirmView.as_view()),
        name="password-reset-confirm",
    ),
    path(
        "password-reset/done/",
        public_view(views.PasswordResetCompleteView.as_view()),
        name="password-reset-complete",
    ),
    path("account/two-factor/", views.two_factor_view, name="two-factor"),
]
