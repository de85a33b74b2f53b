"""Back-office forms for events, dates, products, rates, quotas and sessions.

They parse input only; the domain services validate again and write (STYLE §1). A
translatable field gets one input per organiser language, named `<field>_<language>`.
"""

from django import forms
from django.db.models import Count
from django.forms.models import model_to_dict
from django.utils.translation import gettext_lazy as _

from rideau.catalog.models import AudienceType, Product, TicketTemplate
from rideau.core.models import Organizer
from rideau.core.text import SafeTextMixin
from rideau.core.timezones import local_datetime
from rideau.events.models import Event, EventDate, Session
from rideau.orders.models import SalesChannel
from rideau.venues.models import Location, Venue

from ...forms import (
    DateTimeInput,
    I18nForm,
    LocationChoiceField,
    money_field,
    short_name_field,
)


def _datetime(label, *, required: bool = False) -> forms.DateTimeField:
    return forms.DateTimeField(label=label, required=required, widget=DateTimeInput())


def _capacity(label, help_text) -> forms.IntegerField:
    return forms.IntegerField(label=label, min_value=0, required=False, help_text=help_text)


def _named(form: I18nForm, *fields: str) -> dict:
    """What a form's `changes()` gives its service: the translated name and the cleaned
    values of `fields`."""
    return {"name": form.i18n_value("name"), **{f: form.cleaned_data[f] for f in fields}}


def _locations(organizer: Organizer):
    """The organiser's locations, by venue, for a location field."""
    return (
        Location.objects.filter(venue__organizer=organizer)
        .select_related("venue")
        .order_by("venue__name", "name")
    )


class EventForm(I18nForm):
    i18n = {
        "name": (_("Name"), True, 200, 0),
        "description": (_("Description"), False, 20000, 4),
    }

    slug = short_name_field(
        _("Short name"), _("Used in the event's address: letters, digits and hyphens.")
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=Event.Kind.choices)
    visibility = forms.ChoiceField(
        label=_("Visibility"),
        choices=Event.Visibility.choices,
        help_text=_("Draft: only you see it. Private link: only people with the link. Public."),
    )
    venue = forms.ModelChoiceField(label=_("Venue"), queryset=Venue.objects.none(), required=False)
    capacity = forms.IntegerField(label=_("Capacity"), min_value=0, required=False)
    self_agenda = forms.BooleanField(
        label=_("Allow registrants to build their own agenda"), required=False
    )
    sales_start = _datetime(_("Sales open"))
    sales_end = _datetime(_("Sales close"))
    image = forms.ImageField(
        label=_("Image"),
        required=False,
        help_text=_(
            "Shown on the event's page and card. PNG, JPEG, GIF or WebP, at most 5 MB; "
            "a wide picture (about 1200 × 630 pixels) looks best."
        ),
    )
    remove_image = forms.BooleanField(label=_("Remove the image"), required=False)

    FIELDS = ("slug", "kind", "visibility", "venue", "capacity", "self_agenda")

    def __init__(self, *args, organizer: Organizer, event: Event | None = None, **kwargs):
        values = {}
        initial = kwargs.pop("initial", {}) or {}
        if event is not None:
            values = {"name": event.name, "description": event.description}
            initial = {
                **{f: getattr(event, f) for f in self.FIELDS},
                "venue": event.venue_id,
                "sales_start": event.sales_start,
                "sales_end": event.sales_end,
                **initial,
            }
        super().__init__(*args, organizer=organizer, values=values, initial=initial, **kwargs)
        self.fields["venue"].queryset = Venue.objects.filter(organizer=organizer).order_by("name")
        if event is None or not event.image:
            del self.fields["remove_image"]
        self.has_passes = event is not None and (
            event.passages.exists() or event.products.filter(kind="pass").exists()
        )
        if self.has_passes:
            # SPEC A2: the setting is not offered while passes exist
            field = self.fields["self_agenda"]
            field.disabled = True
            field.help_text = _(
                "Not available: this event has event passes, and registrants cannot build "
                "their own agenda while passes exist."
            )

    def image_changes(self) -> dict:
        """`update_event`'s image arguments: a new upload, or removing the image."""
        return {
            "image": self.cleaned_data.get("image") or None,
            "remove_image": self.cleaned_data.get("remove_image", False),
        }

    def changes(self) -> dict:
        return {
            **_named(self, *self.FIELDS, "sales_start", "sales_end"),
            "description": self.i18n_value("description"),
        }


class EventDateForm(I18nForm):
    i18n = {"name": (_("Label"), False, 200, 0)}

    start = _datetime(_("Start"), required=True)
    end = _datetime(_("End"))
    location = LocationChoiceField(
        label=_("Location"),
        queryset=Location.objects.none(),
        required=False,
        help_text=_("At a layout with a seating plan, the date sells numbered seats."),
    )
    capacity = _capacity(
        _("Places on sale"), _("Creates the date's quota; a date without a quota cannot sell.")
    )
    sales_start = _datetime(_("Sales open"))
    sales_end = _datetime(_("Sales close"))
    is_cancelled = forms.BooleanField(label=_("Cancelled"), required=False)

    def __init__(self, *args, organizer: Organizer, date: EventDate | None = None, **kwargs):
        if date is not None:
            kwargs["values"] = {"name": date.name}
            kwargs["initial"] = model_to_dict(
                date,
                [
                    "start",
                    "end",
                    "location",
                    "capacity",
                    "sales_start",
                    "sales_end",
                    "is_cancelled",
                ],
            )
        super().__init__(*args, organizer=organizer, **kwargs)
        if date is None:
            del self.fields["is_cancelled"]
        self.fields["location"].queryset = _locations(organizer).annotate(
            seat_count=Count("seating_plan__seats")
        )

    def changes(self) -> dict:
        fields = ["start", "capacity", "end", "location", "sales_start", "sales_end"]
        if "is_cancelled" in self.cleaned_data:
            fields.append("is_cancelled")
        return _named(self, *fields)


class ProductForm(I18nForm):
    i18n = {"name": (_("Name"), True, 200, 0)}

    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[
            (Product.Kind.TICKET, Product.Kind.TICKET.label),
            (Product.Kind.PASS, _("Event pass")),
        ],
        initial=Product.Kind.TICKET,
        required=False,
        help_text=_(
            "An event pass switches off “allow registrants to build their own agenda”: "
            "the two cannot coexist."
        ),
    )
    max_per_order = forms.IntegerField(
        label=_("Maximum per order"), min_value=1, max_value=100, initial=10
    )
    sales_start = _datetime(_("Sales open"))
    sales_end = _datetime(_("Sales close"))
    active = forms.BooleanField(label=_("On sale"), required=False, initial=True)
    ticket_template = forms.ModelChoiceField(
        label=_("Ticket template"),
        queryset=TicketTemplate.objects.none(),
        required=False,
        empty_label=_("Default layout"),
    )

    def __init__(self, *args, organizer: Organizer, product=None, **kwargs):
        if product is not None:
            kwargs["values"] = {"name": product.name}
            kwargs["initial"] = model_to_dict(
                product,
                ["kind", "ticket_template", "max_per_order", "sales_start", "sales_end", "active"],
            )
        super().__init__(*args, organizer=organizer, **kwargs)
        self.fields["ticket_template"].queryset = TicketTemplate.objects.filter(
            organizer=organizer
        ).order_by("name")

    def changes(self) -> dict:
        fields = ["active", "ticket_template", "max_per_order", "sales_start", "sales_end"]
        if self.cleaned_data.get("kind"):
            fields.append("kind")
        return _named(self, *fields)


class RateForm(I18nForm):
    i18n = {"name": (_("Rate name"), True, 200, 0)}

    product = forms.ModelChoiceField(label=_("Product"), queryset=EventDate.objects.none())
    price = money_field(_("Price"))
    sales_start = _datetime(_("Sales open"))
    sales_end = _datetime(_("Sales close"))

    active = forms.BooleanField(label=_("On sale"), required=False, initial=True)
    channels = forms.MultipleChoiceField(
        label=_("Sales channels"),
        choices=SalesChannel.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: sold on every channel."),
    )
    audience_types = forms.ModelMultipleChoiceField(
        label=_("Reserved to"),
        queryset=AudienceType.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "None ticked: open to everyone. A reserved rate is not offered in the web shop; "
            "staff, partners and the API sell it on orders for one of these audiences."
        ),
    )

    def __init__(self, *args, organizer: Organizer, products=None, rate=None, **kwargs):
        if rate is not None:
            kwargs["values"] = {"name": rate.name}
            kwargs["initial"] = model_to_dict(
                rate, ["price", "sales_start", "sales_end", "active", "channels", "audience_types"]
            )
        super().__init__(*args, organizer=organizer, **kwargs)
        if products is None:
            del self.fields["product"]  # editing a rate: it stays with its product
        else:
            self.fields["product"].queryset = products
        self.fields["audience_types"].queryset = AudienceType.objects.filter(
            organizer=organizer
        ).order_by("position", "pk")

    def changes(self) -> dict:
        data = self.cleaned_data
        return {
            **_named(self, "active", "price", "sales_start", "sales_end"),
            "channels": list(data["channels"]),
            "audience_types": list(data["audience_types"]),
        }


class EventDateChoiceField(forms.ModelChoiceField):
    """A date of the event by its start, on the organiser's clock in the reader's language
    (its own text is a technical one: "2027-01-16 09:00")."""

    def label_from_instance(self, obj: EventDate) -> str:
        return local_datetime(obj.start, obj.event.organizer)


class QuotaForm(SafeTextMixin, forms.Form):
    """A new quota on the whole event or on one of its dates."""

    name = forms.CharField(label=_("Name"), max_length=200)
    size = forms.IntegerField(label=_("Size"), min_value=0)
    date = EventDateChoiceField(
        label=_("Date"),
        queryset=EventDate.objects.none(),
        required=False,
        empty_label=_("All dates of the event"),
    )
    covers_sessions = forms.BooleanField(
        label=_("Also counts session registrations"),
        required=False,
        help_text=_(
            "By default a quota counts tickets only, and each session's registrations count "
            "against the session's own quota. Tick this for a limit on everyone on site."
        ),
    )

    def __init__(self, *args, dates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["date"].queryset = dates


class ResizeQuotaForm(SafeTextMixin, forms.Form):
    """A quota's row on the Quotas tab: its size and, when sent, its name."""

    size = forms.IntegerField(label=_("Size"), min_value=0)
    name = forms.CharField(label=_("Name"), max_length=200, required=False)


class SessionForm(I18nForm):
    i18n = {"title": (_("Title"), True, 200, 0)}

    start = _datetime(_("Start"), required=True)
    end = _datetime(_("End"), required=True)
    date = EventDateChoiceField(label=_("Date"), queryset=EventDate.objects.none(), required=False)
    location = LocationChoiceField(
        label=_("Location"), queryset=Location.objects.none(), required=False
    )
    capacity = _capacity(_("Maximum capacity"), _("Leave empty to use the location's capacity."))
    track = forms.CharField(
        label=_("Track"),
        max_length=100,
        required=False,
        help_text=_("A theme or stream the public agenda can filter by."),
    )

    def __init__(self, *args, organizer: Organizer, dates, **kwargs):
        super().__init__(*args, organizer=organizer, **kwargs)
        self.fields["date"].queryset = dates
        self.fields["location"].queryset = _locations(organizer)

    def changes(self) -> dict:
        data = self.cleaned_data
        return {
            "date": data["date"],
            "location": data["location"],
            "capacity": data["capacity"],
            "track": (data.get("track") or "").strip(),
        }


class SessionEditForm(SessionForm):
    """A session's own page: every field of the add form, filled in; saving changes its
    time, place and capacity (its quota follows) and keeps its registrations."""

    def __init__(self, *args, organizer: Organizer, session: Session, **kwargs):
        kwargs["values"] = {"title": session.title}
        kwargs["initial"] = model_to_dict(
            session, ["start", "end", "date", "location", "capacity", "track"]
        )
        super().__init__(
            *args, organizer=organizer, dates=session.event.dates.order_by("start", "pk"), **kwargs
        )

    def changes(self) -> dict:
        data = self.cleaned_data
        return {
            "title": self.i18n_value("title"),
            "start": data["start"],
            "end": data["end"],
            **super().changes(),
        }


class DuplicateForm(SafeTextMixin, forms.Form):
    slug = short_name_field(
        _("Short name of the copy"),
        _("The copy is a draft with the same dates, products, rates and quotas."),
    )
