"""The personal space of buyers (and later attendees, subscribers, partners' people).

Mounted under `/<organizer>/account/`. Login by a 6-digit code e-mailed to the address, or
by a password the person set; the session is the personal space's own (`session.py`).
Views parse input, call `rideau.accounts.services`, and render; the sections and their
"awaiting your action" items come from the registry in `rideau.accounts.sections`.
"""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from rideau.accounts import sections, services
from rideau.accounts.errors import AccountError
from rideau.accounts.models import Account
from rideau.catalog.models import Product
from rideau.core.errors import ValidationFailed
from rideau.core.models import Organizer
from rideau.documents.tickets import render_tickets_pdf
from rideau.giftcards import services as giftcards
from rideau.orders import personal as orders
from rideau.orders.models import Order
from rideau.orders.services import amount_due
from rideau.registration import personal as agenda

from ..decorators import public_view
from ..toolkit import client_ip, file_response
from . import session
from .forms import EmailForm, LoginCodeForm, PasswordForm, PasswordLoginForm, ProfileForm
from .space import account_view, activate_language, organizer_or_404, space_context


def _next_url(organizer: Organizer, value: str | None) -> str:
    """Only a page of this organiser's personal space (no open redirect)."""
    home = reverse("web:account-home", kwargs={"organizer": organizer.slug})
    if value and value.startswith(home) and "//" not in value and "\\" not in value:
        return value
    return home


def _error_to_form(form, exc: AccountError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


# --- logging in and out ------------------------------------------------------------------


@public_view
@never_cache
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest, organizer: str) -> HttpResponse:
    """Step 1: the e-mail address (a code is sent), or the e-mail and a password."""
    org = organizer_or_404(organizer)
    next_url = _next_url(org, request.POST.get("next") or request.GET.get("next"))
    if request.method == "GET" and session.current_account(request, org) is not None:
        return redirect(next_url)
    form = EmailForm(request.POST if request.method == "POST" else None)
    password_form = PasswordLoginForm()
    if request.method == "POST" and form.is_valid():
        email = services.normalize_email(form.cleaned_data["email"])
        try:
            services.request_login_code(
                org,
                email=email,
                client=client_ip(request),
                language=translation.get_language() or "",
            )
        except AccountError as exc:
            _error_to_form(form, exc)
        else:
            session.set_pending(request, org, email=email, next_url=next_url)
            return redirect("web:account-code", organizer=org.slug)
    return render(
        request,
        "web/account/login.html",
        space_context(request, org, None, form=form, password_form=password_form, next=next_url),
        status=422 if form.errors else 200,
    )


@public_view
@never_cache
@sensitive_post_parameters("password")
@require_POST
def password_login_view(request: HttpRequest, organizer: str) -> HttpResponse:
    org = organizer_or_404(organizer)
    next_url = _next_url(org, request.POST.get("next"))
    password_form = PasswordLoginForm(request.POST)
    if password_form.is_valid():
        try:
            account = services.log_in_with_password(
                org,
                email=password_form.cleaned_data["email"],
                password=password_form.cleaned_data["password"],
                client=client_ip(request),
            )
        except AccountError as exc:
            _error_to_form(password_form, exc)
        else:
            session.log_in(request, account, method=session.PASSWORD)
            return redirect(next_url)
    return render(
        request,
        "web/account/login.html",
        space_context(
            request,
            org,
            None,
            form=EmailForm(),
            password_form=password_form,
            password_open=True,
            next=next_url,
        ),
        status=422,
    )


@public_view
@never_cache
@sensitive_post_parameters("code")
@require_http_methods(["GET", "POST"])
def code_view(request: HttpRequest, organizer: str) -> HttpResponse:
    """Step 2: the 6-digit code from the e-mail. The page reads the same whether or not
    the organiser knows the address."""
    org = organizer_or_404(organizer)
    pending = session.get_pending(request, org)
    if not pending:
        return redirect("web:account-login", organizer=org.slug)
    form = LoginCodeForm(request.POST if request.method == "POST" else None)
    spent = False
    if request.method == "POST" and form.is_valid():
        try:
            account = services.verify_login_code(
                org,
                email=pending["email"],
                code=form.cleaned_data["code"],
                client=client_ip(request),
            )
        except AccountError as exc:
            spent = exc.code == "code_spent"
            form.add_error("code", exc.message)
        else:
            session.log_in(request, account, method=session.CODE)
            # in the language the next page speaks (the person's own, ADR 0011)
            activate_language(request, account)
            messages.success(request, _("You are logged in."))
            return redirect(_next_url(org, pending.get("next")))
    return render(
        request,
        "web/account/code.html",
        space_context(
            request,
            org,
            None,
            form=form,
            email=pending["email"],
            next=pending.get("next", ""),
            minutes=services.CODE_MINUTES,
            spent=spent,
        ),
        status=422 if form.errors else 200,
    )


@public_view
@require_POST
def logout_view(request: HttpRequest, organizer: str) -> HttpResponse:
    org = organizer_or_404(organizer)
    session.log_out(request, org)
    messages.success(request, _("You are logged out."))
    return redirect("web:account-login", organizer=org.slug)


# --- the space ---------------------------------------------------------------------------


@account_view
def home_view(request: HttpRequest, organizer: Organizer, account: Account) -> HttpResponse:
    """The dashboard: what awaits the person in every section, soonest deadline first."""
    items = []
    titles = {s.key: s.title for s in sections.sections()}
    for item in sections.awaiting_action(account):
        try:
            url = reverse(item.url_name, kwargs={"organizer": organizer.slug, **item.url_kwargs})
        except NoReverseMatch:
            continue
        items.append({"item": item, "url": url, "section": titles.get(item.section, "")})
    return render(
        request,
        "web/account/home.html",
        space_context(request, organizer, account, items=items, active="home"),
    )


@account_view
def orders_view(request: HttpRequest, organizer: Organizer, account: Account) -> HttpResponse:
    return render(
        request,
        "web/account/orders.html",
        space_context(
            request, organizer, account, orders=list(orders.buyer_orders(account)), active="orders"
        ),
    )


@account_view
def agenda_view(request: HttpRequest, organizer: Organizer, account: Account) -> HttpResponse:
    """My agenda: sessions and events the person is registered to, and their waitlists
    (position, open offers); acting on them happens on the signed agenda page."""
    return render(
        request,
        "web/account/agenda.html",
        space_context(
            request, organizer, account, agendas=agenda.account_agenda(account), active="agenda"
        ),
    )


def _order_or_404(account: Account, code: str) -> Order:
    order = orders.buyer_order(account, code)
    if order is None:
        raise Http404("No such order")
    return order


@account_view
def order_view(
    request: HttpRequest, organizer: Organizer, account: Account, code: str
) -> HttpResponse:
    order = _order_or_404(account, code)
    pay_url = ""
    if order.status == Order.Status.PENDING:
        # the shop's own order page shows how to pay (card, transfer details)
        pay_url = reverse(
            "web:shop-order",
            kwargs={"organizer": organizer.slug, "code": order.code, "order_secret": order.secret},
        )
    tickets = orders.buyer_tickets(order)
    entries = any(t.is_entry for t in tickets)  # an order of gift vouchers has no tickets PDF
    # an order of gift vouchers speaks of them, not of tickets; a mixed one of both
    voucher_lines = sum(1 for t in tickets if t.product.kind == Product.Kind.GIFT_VOUCHER)
    return render(
        request,
        "web/account/order.html",
        space_context(
            request,
            organizer,
            account,
            order=order,
            tickets=tickets,
            entries=entries,
            voucher_lines=voucher_lines,
            only_gift_vouchers=voucher_lines > 0 and voucher_lines == len(tickets),
            gift_vouchers=giftcards.of_order(order)
            if order.status == Order.Status.PAID and voucher_lines
            else [],
            due=amount_due(order) if order.status == Order.Status.PENDING else None,
            pay_url=pay_url,
            active="orders",
        ),
    )


@account_view
def order_pdf_view(
    request: HttpRequest, organizer: Organizer, account: Account, code: str
) -> HttpResponse:
    order = _order_or_404(account, code)
    if order.status != Order.Status.PAID or not any(
        t.is_entry for t in orders.buyer_tickets(order)
    ):
        raise Http404("Tickets are issued once the order is paid (gift vouchers have cards)")
    return file_response(render_tickets_pdf(order), "application/pdf", f"tickets-{order.code}.pdf")


@account_view
@sensitive_post_parameters("current_password", "new_password", "new_password_again")
@require_http_methods(["GET", "POST"])
def profile_view(request: HttpRequest, organizer: Organizer, account: Account) -> HttpResponse:
    contact = account.contact
    ask_current = account.has_password and session.login_method(request, organizer) != session.CODE
    profile_form = ProfileForm(
        initial={
            "first_name": contact.first_name,
            "last_name": contact.last_name,
            "language": contact.language,
        },
        organizer=organizer,
    )
    password_form = PasswordForm(ask_current=ask_current)
    status = 200
    if request.method == "POST" and request.POST.get("form") == "password":
        password_form = PasswordForm(request.POST, ask_current=ask_current)
        if password_form.is_valid():
            try:
                services.set_password(
                    account,
                    new_password=password_form.cleaned_data["new_password"],
                    current_password=password_form.cleaned_data.get("current_password"),
                    require_current=ask_current,
                )
            except ValidationFailed as exc:
                for name, errors in exc.errors.items():
                    for error in errors:
                        password_form.add_error(
                            name if name in password_form.fields else None, error
                        )
            else:
                session.refresh(request, account)
                messages.success(request, _("Your password is saved."))
                return redirect("web:account-profile", organizer=organizer.slug)
        status = 422
    elif request.method == "POST":
        profile_form = ProfileForm(request.POST, organizer=organizer)
        if profile_form.is_valid():
            try:
                services.update_profile(account, **profile_form.cleaned_data)
            except ValidationFailed as exc:
                for name, errors in exc.errors.items():
                    for error in errors:
                        profile_form.add_error(name if name in profile_form.fields else None, error)
            else:
                messages.success(request, _("Your details are saved."))
                return redirect("web:account-profile", organizer=organizer.slug)
        status = 422
    return render(
        request,
        "web/account/profile.html",
        space_context(
            request,
            organizer,
            account,
            profile_form=profile_form,
            password_form=password_form,
            active="profile",
        ),
        status=status,
    )
