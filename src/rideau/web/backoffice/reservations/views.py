"""The release screen (SPEC C6): reservations past or near their deadline; extend (a new
deadline, audited) or cancel (places released), one or many at once; the organiser's
release policy. The rules are `rideau.reservations`'; these views parse, call, render."""

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from rideau.catalog.models import Rate
from rideau.core.access import get_scoped_or_404, require, scoped
from rideau.core.errors import RideauError
from rideau.core.i18n import localize, money
from rideau.core.models import LANGUAGE_CHOICES, Organizer
from rideau.core.roles import Perm
from rideau.core.text import SafeTextMixin
from rideau.core.timezones import local_datetime
from rideau.events.models import Event, EventDate
from rideau.inventory.models import Hold
from rideau.orders.services import Buyer, OrderLine
from rideau.reservations import queries, services
from rideau.reservations.models import PointOfSale, ReleasePolicy, Reservation

from ...decorators import Request, organizer_view
from ...forms import DateTimeInput


class BulkForm(SafeTextMixin, forms.Form):
    ACTIONS = [("extend", _("Extend to a new deadline")), ("cancel", _("Cancel and release"))]
    action = forms.ChoiceField(label=_("Action"), choices=ACTIONS, widget=forms.RadioSelect)
    deadline = forms.DateTimeField(label=_("New deadline"), required=False, widget=DateTimeInput)
    reason = forms.CharField(label=_("Reason (optional)"), required=False, max_length=500)
    selected = forms.ModelMultipleChoiceField(
        label=_("Reservations"),
        queryset=Reservation.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    options = forms.ModelMultipleChoiceField(
        label=_("Staff options"),
        queryset=Hold.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def __init__(self, *args, organizer: Organizer, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["selected"].queryset = scoped(Reservation.objects.all(), organizer).filter(
            status=Reservation.Status.ACTIVE
        )
        self.fields["options"].queryset = Hold.objects.filter(
            organizer=organizer, kind=Hold.Kind.OPTION, state=Hold.State.HELD
        )

    def clean(self):
        super().clean()
        data = self.cleaned_data
        if data.get("action") == "extend" and not data.get("deadline"):
            self.add_error("deadline", _("Give the new deadline."))
        if not data.get("selected") and not data.get("options") and not self.errors:
            self.add_error(None, _("Tick at least one reservation or option."))
        return data


class PolicyForm(SafeTextMixin, forms.ModelForm):
    class Meta:
        model = ReleasePolicy
        fields = ["mode", "grace_hours", "remind_hours_before"]
        widgets = {"mode": forms.RadioSelect}


def _organizer_policy(organizer: Organizer) -> ReleasePolicy:
    return ReleasePolicy.objects.filter(organizer=organizer, event__isnull=True).first() or (
        ReleasePolicy(organizer=organizer)
    )


@organizer_view(Perm.VIEW_ORDERS)
def release_screen(request: Request, organizer: Organizer) -> HttpResponse:
    now = timezone.now()
    try:
        hours = max(0, min(int(request.GET.get("within", 72)), 24 * 60))
    except ValueError:
        hours = 72
    form = BulkForm(request.POST or None, organizer=organizer)
    if request.method == "POST":
        require(request.actor, organizer, Perm.CHANGE_ORDERS)
        if form.is_valid():
            done, refused = 0, []
            for reservation in form.cleaned_data["selected"]:
                try:
                    if form.cleaned_data["action"] == "extend":
                        services.extend(
                            reservation,
                            deadline=form.cleaned_data["deadline"],
                            actor=request.actor,
                            now=now,
                        )
                    else:
                        services.cancel(
                            reservation,
                            reason=form.cleaned_data["reason"],
                            actor=request.actor,
                            now=now,
                        )
                    done += 1
                except RideauError as exc:
                    if exc.field == "deadline":
                        form.add_error("deadline", exc.message)
                        break
                    refused.append(f"{reservation.code}: {exc.message}")
            for hold in form.cleaned_data["options"]:
                if form.errors:
                    break
                try:
                    if form.cleaned_data["action"] == "extend":
                        services.extend_option(
                            organizer,
                            hold.pk,
                            deadline=form.cleaned_data["deadline"],
                            actor=request.actor,
                            now=now,
                        )
                    else:
                        services.release_option(organizer, hold.pk, actor=request.actor, now=now)
                    done += 1
                except RideauError as exc:
                    if exc.field == "deadline":
                        form.add_error("deadline", exc.message)
                        break
                    refused.append(f"{hold.owner_ref}: {exc.message}")
            if not form.errors:
                if done:
                    messages.success(
                        request,
                        ngettext("%(n)s reservation changed.", "%(n)s reservations changed.", done)
                        % {"n": done},
                    )
                for line in refused:
                    messages.error(request, line)
                return redirect(request.get_full_path())
    rows = [
        {"reservation": r, "state": queries.state(r, now)}
        for r in queries.release_screen(organizer, within_hours=hours, now=now)
    ]
    options = list(queries.options_due(organizer, within_hours=hours, now=now))
    kinds = dict(Hold.Kind.choices)
    forecast = [
        {
            "at": row.at,
            "quota": row.quota,
            "kind": kinds.get(row.kind, row.kind),
            "places": row.places,
        }
        for row in queries.forecast(organizer, within_hours=hours, now=now)
    ]
    return render(
        request,
        "web/backoffice/reservations/release.html",
        {
            "organizer": organizer,
            "rows": rows,
            "options": options,
            "forecast": forecast,
            "now": now,
            "form": form,
            "within": hours,
            "policy": _organizer_policy(organizer),
            "can_change": request.actor.has(organizer, Perm.CHANGE_ORDERS),
        },
        status=422 if form.errors else 200,
    )


@organizer_view(Perm.CHANGE_ORGANIZER)
def policy_view(request: Request, organizer: Organizer) -> HttpResponse:
    """The organiser's policy, or with `?event=<slug>` that event's own (C6)."""
    event = None
    if request.GET.get("event"):
        found = get_scoped_or_404(Event.objects.all(), organizer, slug=request.GET["event"])
        assert isinstance(found, Event)
        event = found
    policy = ReleasePolicy.objects.filter(organizer=organizer, event=event).first() or (
        ReleasePolicy(organizer=organizer, event=event)
    )
    form = PolicyForm(request.POST or None, instance=policy)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_policy(form.instance, actor=request.actor)
        except RideauError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The release policy is saved."))
            return redirect("web:reservations-release", organizer=organizer.slug)
    return render(
        request,
        "web/backoffice/reservations/policy.html",
        {
            "organizer": organizer,
            "form": form,
            "event": event,
            "events": Event.objects.filter(organizer=organizer).order_by("slug"),
            "event_policies": ReleasePolicy.objects.filter(
                organizer=organizer, event__isnull=False
            ).select_related("event"),
        },
        status=422 if form.errors else 200,
    )


class NewReservationForm(SafeTextMixin, forms.Form):
    """A reservation taken at the box office or by phone (SPEC C4)."""

    point_of_sale: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("Point of sale"), queryset=None
    )
    rate: forms.ModelChoiceField = forms.ModelChoiceField(label=_("Rate"), queryset=None)
    date: forms.ModelChoiceField = forms.ModelChoiceField(label=_("Date"), queryset=None)
    quantity = forms.IntegerField(label=_("Places"), min_value=1, max_value=50, initial=1)
    email = forms.EmailField(label=_("E-mail"), max_length=254)
    name = forms.CharField(label=_("Name"), max_length=200, required=False)
    language = forms.ChoiceField(label=_("Language"), choices=LANGUAGE_CHOICES)

    def __init__(self, *args, organizer: Organizer, **kwargs):
        super().__init__(*args, **kwargs)
        languages = organizer.languages
        self.fields["point_of_sale"].queryset = PointOfSale.objects.filter(
            organizer=organizer, active=True, may_reserve=True
        )
        rates = Rate.objects.filter(
            product__organizer=organizer, product__kind="ticket", active=True
        ).select_related("product__event")
        self.fields["rate"].queryset = rates
        self.fields["rate"].label_from_instance = lambda r: (
            f"{localize(r.product.event.name, fallbacks=languages) if r.product.event else ''}"
            f" — {localize(r.product.name, fallbacks=languages)}"
            f" — {localize(r.name, fallbacks=languages)} ({money(r.price)})"
        )
        self.fields["date"].queryset = (
            EventDate.objects.filter(event__organizer=organizer, is_cancelled=False)
            .select_related("event")
            .order_by("start")
        )
        self.fields["date"].label_from_instance = lambda d: (
            f"{localize(d.event.name, fallbacks=languages)} — {local_datetime(d.start, organizer)}"
        )
        self.fields["language"].choices = [c for c in LANGUAGE_CHOICES if c[0] in languages]
        self.fields["language"].initial = languages[0] if languages else "en"

    def clean(self):
        super().clean()
        data = self.cleaned_data
        rate, date = data.get("rate"), data.get("date")
        if rate and date and rate.product.event_id != date.event_id:
            self.add_error("date", _("Choose a date of the rate's event."))
        return data


@organizer_view(Perm.CHANGE_ORDERS)
def new_reservation(request: Request, organizer: Organizer) -> HttpResponse:
    form = NewReservationForm(request.POST or None, organizer=organizer)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            reservation = services.reserve(
                organizer,
                event=data["rate"].product.event,
                lines=[OrderLine(rate=data["rate"], quantity=data["quantity"], date=data["date"])],
                buyer=Buyer(email=data["email"], name=data["name"], locale=data["language"]),
                point_of_sale=data["point_of_sale"],
                actor=request.actor,
            )
        except RideauError as exc:
            field = {"lines": "rate", "email": "email"}.get(exc.field or "", None)
            form.add_error(field if field in form.fields else None, exc.message)
        else:
            messages.success(
                request,
                _("Reservation %(code)s made; the buyer was sent the deadline and the link.")
                % {"code": reservation.code},
            )
            return redirect("web:reservations-release", organizer=organizer.slug)
    return render(
        request,
        "web/backoffice/reservations/edit.html",
        {"organizer": organizer, "form": form, "title": _("New reservation")},
        status=422 if form.errors else 200,
    )
