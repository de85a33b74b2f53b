from django import forms
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from rideau.core.i18n import localize
from rideau.core.text import SafeTextMixin
from rideau.core.timezones import local_datetime
from rideau.events.models import Event, Session

from ..forms import BulkMessageForm, I18nForm


class AgendaForm(SafeTextMixin, forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=100, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=100, required=False)
    email = forms.EmailField(label=_("E-mail"))
    sessions = forms.TypedMultipleChoiceField(
        label=_("Sessions"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )
    waitlist = forms.TypedMultipleChoiceField(
        label=_("Waitlists"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, session_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(pk, str(pk)) for pk in session_ids]
        self.fields["sessions"].choices = choices
        self.fields["waitlist"].choices = choices


class EventRegistrationForm(SafeTextMixin, forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=100, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=100, required=False)
    email = forms.EmailField(label=_("E-mail"))


def _seats(label) -> forms.IntegerField:
    return forms.IntegerField(label=label, min_value=1, max_value=50, initial=1, required=False)


class _SeatsMixin:
    cleaned_data: dict

    def clean_seats(self) -> int:
        return self.cleaned_data.get("seats") or 1


class StaffAddForm(_SeatsMixin, SafeTextMixin, forms.Form):
    email = forms.EmailField(label=_("E-mail"))
    first_name = forms.CharField(label=_("First name"), max_length=100, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=100, required=False)
    seats = _seats(_("Places (a group: all at once)"))
    passage = forms.TypedChoiceField(label=_("Event pass"), coerce=int, required=False)
    override_reason = forms.CharField(
        label=_("Reason to go beyond capacity (only if the session is full)"),
        max_length=500,
        required=False,
    )

    def __init__(self, *args, passages=(), **kwargs):
        super().__init__(*args, **kwargs)
        if passages:
            self.fields["passage"].choices = [("", _("No pass: the event only"))] + [
                (p.pk, str(p)) for p in passages
            ]
            self.fields["passage"].empty_value = None
        else:
            del self.fields["passage"]


class WaitlistAddForm(_SeatsMixin, SafeTextMixin, forms.Form):
    email = forms.EmailField(label=_("E-mail"))
    first_name = forms.CharField(label=_("First name"), max_length=100, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=100, required=False)
    seats = _seats(_("Places (a group waits for all its places)"))

    passage = forms.TypedChoiceField(
        label=_("Event pass"), coerce=int, required=False, empty_value=None
    )

    def __init__(self, *args, passages=(), **kwargs):
        super().__init__(*args, **kwargs)
        if passages:  # the event's waitlist at an event with passes: waiting with one
            self.fields["passage"].choices = [(p.pk, str(p)) for p in passages]
        else:
            del self.fields["passage"]


class SettingsForm(SafeTextMixin, forms.Form):
    waitlist = forms.BooleanField(label=_("Waitlist for full sessions"), required=False)
    promotion = forms.ChoiceField(label=_("When a place frees"))
    offer_hours = forms.IntegerField(
        label=_("Hours to accept an offer"), min_value=1, max_value=336
    )
    group_rule = forms.ChoiceField(label=_("Group entries"), required=False)
    event_registration = forms.BooleanField(
        label=_("Attendees register to the event itself (event-level registration)"),
        required=False,
        help_text=_(
            "One capacity (the event's) and one waitlist for the event. Not available while "
            "registrants build their own agenda."
        ),
    )

    def __init__(self, *args, self_agenda: bool = False, has_passes: bool = False, **kwargs):
        from rideau.registration.models import AgendaSettings

        super().__init__(*args, **kwargs)
        self.fields["promotion"].choices = AgendaSettings.Promotion.choices
        self.fields["group_rule"].choices = AgendaSettings.GroupRule.choices
        if self_agenda or has_passes:
            self.fields["event_registration"].disabled = True
        if has_passes:
            self.fields["event_registration"].help_text = _(
                "This event has event passes: its registration stays event-level while "
                "passes exist."
            )

    def clean_group_rule(self) -> str | None:
        return self.cleaned_data.get("group_rule") or None


class PassageForm(I18nForm):
    """An event pass (SPEC A1): a name and the preset sessions it grants."""

    i18n = {
        "name": (_("Name"), True, 200, 0),
        "description": (_("Description"), False, 2000, 2),
    }

    sessions = forms.TypedMultipleChoiceField(
        label=_("Sessions granted"),
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Registering with this pass registers the attendee to all of them."),
    )
    products = forms.TypedMultipleChoiceField(
        label=_("Sold with"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Buying one of these tickets (shop, API or box office) registers the attendee "
            "with this pass; when one of its sessions is full, the ticket is sold out."
        ),
    )
    position = forms.IntegerField(label=_("Position"), min_value=0, max_value=10000, initial=0)

    def __init__(self, *args, organizer, sessions, products=(), passage=None, **kwargs):
        if passage is not None:
            kwargs["values"] = {"name": passage.name, "description": passage.description}
            kwargs["initial"] = {
                "sessions": [s.pk for s in passage.sessions.all()],
                "products": [p.pk for p in passage.products.all()],
                "position": passage.position,
            }
        super().__init__(*args, organizer=organizer, **kwargs)
        self.fields["sessions"].choices = [
            (s.pk, f"{s} · {date_format(timezone.localtime(s.start), 'DATETIME_FORMAT')}")
            for s in sessions
        ]
        self.fields["products"].choices = [(p.pk, str(p)) for p in products]
        if not products:
            del self.fields["products"]
        self.order_fields(
            [f"{name}_{code}" for name in self.i18n for code in self.languages]
            + ["sessions", "products", "position"]
        )

    def changes(self) -> dict:
        return {
            "name": self.i18n_value("name"),
            "description": self.i18n_value("description"),
            "sessions": self.cleaned_data["sessions"],
            "position": self.cleaned_data["position"],
            "products": self.cleaned_data.get("products", []),
        }


class PassageChoiceForm(EventRegistrationForm):
    """Event-level registration at an event with passes: the attendee chooses one."""

    passage = forms.TypedChoiceField(
        label=_("Pass"), coerce=int, required=False, empty_value=None, widget=forms.RadioSelect
    )

    def __init__(self, *args, passages=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["passage"].choices = [(p.pk, str(p)) for p in passages]


class ContactRegistrantsForm(BulkMessageForm):
    session = forms.ModelChoiceField(
        label=_("Only the registrants of this session"),
        required=False,
        queryset=Session.objects.none(),
        empty_label=_("Everyone registered to the event"),
    )
    waiting = forms.BooleanField(label=_("Also the people on the waitlists"), required=False)

    def __init__(self, *args, event: Event, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["session"]
        field.queryset = event.sessions.order_by("start", "pk")
        organizer = event.organizer
        field.label_from_instance = lambda s: (
            f"{localize(s.title, fallbacks=organizer.languages)} · "
            f"{local_datetime(s.start, organizer)}"
        )
