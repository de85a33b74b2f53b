"""Staff login with an optional TOTP second step, logout, password reset, 2FA setup."""

import time

import pyotp
import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, get_user_model, login
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from rideau.core import ratelimit
from rideau.core.access import Actor
from rideau.core.models import User
from rideau.core.services import disable_totp, enable_totp

from ..decorators import public_view, staff_view
from ..toolkit import client_ip
from .forms import CodeForm, LoginForm, TotpConfirmForm, verify_totp

PENDING_KEY = "rideau_2fa_pending"
SETUP_KEY = "rideau_2fa_setup_secret"
PENDING_SECONDS = 300

RATE_LIMITED = _("Too many attempts. Please wait a few minutes and try again.")


def _allowed(*, address: str, account: str | None = None) -> bool:
    """Count one attempt for the client address and, if given, the account (`login:…`);
    False when either is over its limit, and then nothing is counted.

    The address limit is the tight one (`RIDEAU_LOGIN_RATE`); the account limit is ten
    times as high (`RIDEAU_LOGIN_ACCOUNT_RATE`): one stranger is stopped by the address
    limit long before the account's, so cannot lock its owner out, while guessing from
    many addresses is still slowed down."""
    limits = [(address, *settings.RIDEAU_LOGIN_RATE)]
    if account is not None:
        limits.append((account, *settings.RIDEAU_LOGIN_ACCOUNT_RATE))
    return ratelimit.allow(limits)


def _next_url(request: HttpRequest, value: str | None) -> str:
    if value and url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return value
    return reverse("web:control-home")


@public_view
@sensitive_post_parameters("password")
@never_cache
def login_view(request: HttpRequest) -> HttpResponse:
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if request.user.is_authenticated and request.method == "GET":
        return redirect(_next_url(request, next_url))
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"].lower()
        if not _allowed(address=f"login:ip:{client_ip(request)}", account=f"login:email:{email}"):
            form.add_error(None, RATE_LIMITED)
        else:
            user = authenticate(request, username=email, password=form.cleaned_data["password"])
            if user is None:
                form.add_error("password", _("Wrong e-mail address or password."))
            elif user.totp_enabled:
                request.session[PENDING_KEY] = {
                    "user": user.pk,
                    "backend": user.backend,
                    "at": time.time(),
                    "next": next_url,
                }
                return redirect("web:login-code")
            else:
                ratelimit.reset(f"login:email:{email}")
                login(request, user)
                return redirect(_next_url(request, next_url))
    return render(request, "web/control/login.html", {"form": form, "next": next_url})


@public_view
@never_cache
def login_code_view(request: HttpRequest) -> HttpResponse:
    """The second step of a login when the user has two-factor authentication enabled."""
    pending = request.session.get(PENDING_KEY)
    if not pending or time.time() - pending["at"] > PENDING_SECONDS:
        request.session.pop(PENDING_KEY, None)
        messages.warning(request, _("Your login has expired. Please log in again."))
        return redirect("web:login")
    user = get_user_model().objects.filter(pk=pending["user"], is_active=True).first()
    if user is None or not user.totp_enabled:
        request.session.pop(PENDING_KEY, None)
        return redirect("web:login")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        code = form.cleaned_data["code"]
        if not _allowed(
            address=f"totp:ip:{client_ip(request)}", account=f"totp:email:{user.email}"
        ):
            form.add_error(None, RATE_LIMITED)
        elif not verify_totp(user.totp_secret, code) or not _first_use(user, code):
            form.add_error("code", _("This code is not valid."))
        else:
            del request.session[PENDING_KEY]
            ratelimit.reset(f"totp:email:{user.email}")
            ratelimit.reset(f"login:email:{user.email}")
            login(request, user, backend=pending["backend"])
            return redirect(_next_url(request, pending.get("next")))
    return render(request, "web/control/login_code.html", {"form": form})


def _first_use(user, code: str) -> bool:
    """A code is accepted once: replaying a code seen within its validity is refused."""
    return ratelimit.hit(f"totp:used:{user.pk}:{code}", limit=1, window=120)


class LogoutView(auth_views.LogoutView):
    """POST only (Django's LogoutView refuses GET)."""

    next_page = reverse_lazy("web:login")  # type: ignore[assignment]  # stubs: str only


# The password reset views are public: urls.py wraps their as_view() with public_view.
class PasswordResetView(auth_views.PasswordResetView):
    template_name = "web/control/password_reset.html"
    email_template_name = "web/control/password_reset_email.txt"
    subject_template_name = "web/control/password_reset_subject.txt"
    success_url = reverse_lazy("web:password-reset-done")

    @property
    def extra_email_context(self) -> dict:  # type: ignore[override]  # read per request
        # links are built on the configured SITE_URL, never on the request's Host header
        return {"site_url": settings.SITE_URL}

    def form_valid(self, form):
        if not _allowed(address=f"reset:ip:{client_ip(self.request)}"):
            form.add_error(None, RATE_LIMITED)
            return self.form_invalid(form)
        return super().form_valid(form)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "web/control/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "web/control/password_reset_confirm.html"
    success_url = reverse_lazy("web:password-reset-complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "web/control/password_reset_complete.html"


def _qr_svg(uri: str) -> str:
    return segno.make(uri, error="m").svg_inline(scale=4, border=2, dark="#000", light="#fff")


@staff_view
@never_cache
def two_factor_view(request: HttpRequest) -> HttpResponse:
    """Enable (show a secret and its QR code, confirm with a code) or disable TOTP."""
    user = request.user
    assert isinstance(user, User)  # staff_view: signed in
    actor = Actor(user=user)
    if user.totp_enabled:
        form = CodeForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            if not _allowed(
                address=f"totp:ip:{client_ip(request)}", account=f"totp:email:{user.email}"
            ):
                form.add_error(None, RATE_LIMITED)
            elif not verify_totp(user.totp_secret, form.cleaned_data["code"]):
                form.add_error("code", _("This code is not valid."))
            else:
                disable_totp(user, actor=actor)
                messages.success(request, _("Two-factor authentication is now off."))
                return redirect("web:two-factor")
        return render(
            request,
            "web/control/two_factor.html",
            {"form": form, "enabled": True, "active": "two-factor"},
        )

    secret = request.session.get(SETUP_KEY)
    if not secret:
        secret = pyotp.random_base32()
        request.session[SETUP_KEY] = secret
    form = TotpConfirmForm(request.POST or None, secret=secret)
    if request.method == "POST" and form.is_valid():
        enable_totp(user, secret=secret, actor=actor)
        del request.session[SETUP_KEY]
        messages.success(request, _("Two-factor authentication is now on."))
        return redirect("web:two-factor")
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name="Rideau")
    return render(
        request,
        "web/control/two_factor.html",
        {
            "form": form,
            "enabled": False,
            "secret": secret,
            "qr_svg": _qr_svg(uri),
            "active": "two-factor",
        },
    )
