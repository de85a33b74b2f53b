"""The subscriber space (SPEC D6, D7) in the personal space: the login with e-mail + pass
code (then the personal space's e-mailed code), the account's passes with their tickets,
the card, resale and the credit. Views parse input, call `rideau.passes`, and render."""

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from rideau.accounts.errors import AccountError
from rideau.accounts.models import Account
from rideau.core.errors import RideauError, ValidationFailed
from rideau.core.models import Organizer
from rideau.core.text import SafeTextMixin
from rideau.core.timezones import local_datetime
from rideau.documents.seats import seat_labels
from rideau.orders.models import Order
from rideau.orders.personal import buyer_orders
from rideau.passes import cards, resale, services, subscribers
from rideau.passes.models import PassProduct, PassTicket, Resale

from ..decorators import public_view
from ..toolkit import client_ip, file_response
from . import session
from .space import account_view, organizer_or_404, space_context


class SubscriberLoginForm(SafeTextMixin, forms.Form):
    email = forms.EmailField(label=gettext_lazy("E-mail"), max_length=254)
    pass_code = forms.CharField(
        label=gettext_lazy("Pass code"),
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )


class ResaleForm(SafeTextMixin, forms.Form):
    tickets = forms.MultipleChoiceField(
        label=gettext_lazy("Tickets to put up for resale"),
        choices=(),
        widget=forms.CheckboxSelectMultiple,
    )
    method = forms.ChoiceField(label=gettext_lazy("Proceeds"), choices=(), widget=forms.RadioSelect)
    iban = forms.CharField(label=gettext_lazy("IBAN"), max_length=42, required=False)
    account_holder = forms.CharField(
        label=gettext_lazy("Account holder"), max_length=200, required=False
    )

    def __init__(self, *args, tickets, methods, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tickets"].choices = tickets
        self.fields["method"].choices = [
            (m, label) for m, label in PassProduct.Proceeds.choices if m in methods
        ]
        if len(self.fields["method"].choices) == 1:
            self.fields["method"].initial = self.fields["method"].choices[0][0]
        if "transfer" not in methods:
            del self.fields["iban"]
            del self.fields["account_holder"]


@public_view
@never_cache
@require_http_methods(["GET", "POST"])
def subscriber_login(request: HttpRequest, organizer: str) -> HttpResponse:
    """Step 1 of D6: e-mail + pass code; step 2 is the personal space's code page."""
    org = organizer_or_404(organizer)
    form = SubscriberLoginForm(request.POST or None)
    passes_url = reverse("web:account-passes", kwargs={"organizer": org.slug})
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        try:
            matched = subscribers.request_subscriber_code(
                org,
                email=email,
                pass_code=form.cleaned_data["pass_code"],
                client=client_ip(request),
                language=translation.get_language() or "",
            )
        except AccountError as exc:
            form.add_error(None, exc.message)
        else:
            session.set_pending(request, org, email=email.strip().lower(), next_url=passes_url)
            # which pass the pair matched stays on the server (no enumeration)
            request.session["rideau_pass_login"] = {str(org.pk): matched}
            return redirect("web:account-code", organizer=org.slug)
    return render(
        request,
        "web/passes/account/login.html",
        space_context(request, org, None, form=form),
        status=422 if form.errors else 200,
    )


@account_view
def passes_view(request: HttpRequest, organizer: Organizer, account: Account) -> HttpResponse:
    passes = list(subscribers.subscriber_passes(account))
    return render(
        request,
        "web/passes/account/passes.html",
        space_context(request, organizer, account, active="passes", passes=passes),
    )


def _pass_or_404(account: Account, pass_id: int):
    p = subscribers.subscriber_pass(account, pass_id)
    if p is None:
        raise Http404("No such pass")
    return p


def _tickets(p):
    tickets = list(
        p.tickets.select_related("date__event", "position__order", "position__hold")
        .prefetch_related("position__hold__seat_holds__seat", "resales")
        .order_by("date__start", "pk")
    )
    labels = seat_labels([t.position for t in tickets])
    for t in tickets:
        t.seat = labels.get(t.position.pk, "")
        t.listing = next((r for r in t.resales.all() if r.state == Resale.State.LISTED), None)
    return tickets


@account_view
@require_http_methods(["GET", "POST"])
def pass_view(
    request: HttpRequest, organizer: Organizer, account: Account, pass_id: int
) -> HttpResponse:
    p = _pass_or_404(account, pass_id)
    tickets = _tickets(p)
    now = timezone.now()
    resellable = [
        (str(t.pk), f"{t.date.event} — {local_datetime(t.date.start, organizer)}")
        for t in tickets
        if t.state == PassTicket.State.VALID and t.date.start > now and not t.position.cancelled
    ]
    methods = p.pass_product.resale_methods
    form = None
    if methods and resellable and p.status == p.Status.ACTIVE:
        form = ResaleForm(request.POST or None, tickets=resellable, methods=methods)
        if request.method == "POST" and form.is_valid():
            chosen = [t for t in tickets if str(t.pk) in form.cleaned_data["tickets"]]
            try:
                resale.list_tickets(
                    p,
                    tickets=chosen,
                    method=form.cleaned_data["method"],
                    iban=form.cleaned_data.get("iban") or "",
                    account_holder=form.cleaned_data.get("account_holder") or "",
                )
            except ValidationFailed as exc:
                for name, errors in exc.errors.items():
                    for error in errors:
                        form.add_error(name if name in form.fields else None, error)
            except RideauError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("Your tickets are on resale."))
                return redirect("web:account-pass", organizer=organizer.slug, pass_id=p.pk)
    return render(
        request,
        "web/passes/account/pass.html",
        space_context(
            request,
            organizer,
            account,
            active="passes",
            pass_obj=p,
            tickets=tickets,
            form=form,
            left=services.remaining_choices(p),
            payable=[
                o
                for o in buyer_orders(account).filter(status=Order.Status.PENDING)
                if resale.credit_pays(p, o)
            ],
        ),
        status=422 if form is not None and form.errors else 200,
    )


@account_view
@require_POST
def withdraw_view(
    request: HttpRequest, organizer: Organizer, account: Account, pass_id: int, resale_id: int
) -> HttpResponse:
    p = _pass_or_404(account, pass_id)
    listing = Resale.objects.filter(pk=resale_id, ticket__pass_obj=p).first()
    if listing is None:
        raise Http404("No such resale")
    try:
        resale.withdraw(listing)
    except RideauError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The ticket was taken off resale."))
    return redirect("web:account-pass", organizer=organizer.slug, pass_id=p.pk)


@account_view
@require_POST
def pay_with_credit_view(
    request: HttpRequest, organizer: Organizer, account: Account, pass_id: int, code: str
) -> HttpResponse:
    """Pay one of the account's pending orders with the pass's credit (all of it or
    nothing; the credit never goes below zero)."""
    p = _pass_or_404(account, pass_id)
    order = buyer_orders(account).filter(code=code, status=Order.Status.PENDING).first()
    if order is None:
        raise Http404("No such order")
    try:
        resale.pay_with_credit(order, p)
    except RideauError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The order was paid with the credit on your pass."))
    back = request.POST.get("next", "")  # the order's own page, when paid from there
    if url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        return redirect(back)
    return redirect("web:account-pass", organizer=organizer.slug, pass_id=p.pk)


@account_view
def card_view(
    request: HttpRequest, organizer: Organizer, account: Account, pass_id: int
) -> HttpResponse:
    p = _pass_or_404(account, pass_id)
    return file_response(
        cards.render_card(p), "application/pdf", f"pass-{p.code_hint}.pdf", inline=True
    )
