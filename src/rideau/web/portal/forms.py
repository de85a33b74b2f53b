"""Forms of the partner portal and of its back-office pages."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from rideau.core.text import SafeTextMixin
from rideau.partners.models import Offer, Partner, PortalSettings, ProfileField, Task, TeamMember


class MemberForm(SafeTextMixin, forms.Form):
    email = forms.EmailField(label=_("E-mail"))
    first_name = forms.CharField(label=_("First name"), max_length=100, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=100, required=False)
    job_title = forms.CharField(label=_("Job title"), max_length=100, required=False)
    role = forms.ChoiceField(label=_("Role"), choices=TeamMember.Role.choices)
    may_manage_meetings = forms.BooleanField(
        label=_("May manage own meetings from the personal space"), required=False
    )


class ProfileForm(SafeTextMixin, forms.Form):
    """Built from the fields the organiser configured."""

    def __init__(self, *args, fields: list[ProfileField], profile: dict, **kwargs):
        super().__init__(*args, **kwargs)
        for f in fields:
            initial = profile.get(f.key, "")
            if f.kind == ProfileField.Kind.RICH:
                field: forms.Field = forms.CharField(
                    label=f.label,
                    required=False,
                    widget=forms.Textarea(attrs={"rows": 5}),
                    help_text=_("Paragraphs, bold, italics, lists and links are kept."),
                )
            elif f.kind == ProfileField.Kind.URL:
                field = forms.URLField(label=f.label, required=False, assume_scheme="https")
            elif f.kind == ProfileField.Kind.IMAGE:
                field = forms.ImageField(label=f.label, required=False)
                initial = None
            elif f.kind == ProfileField.Kind.CHOICE:
                field = forms.ChoiceField(
                    label=f.label, required=False, choices=[("", "—")] + [(c, c) for c in f.choices]
                )
            else:
                field = forms.CharField(label=f.label, required=False, max_length=500)
            field.initial = initial
            self.fields[f.key] = field


class OfferForm(SafeTextMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Offer.Kind.choices)
    title = forms.CharField(label=_("Title"), max_length=150)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    url = forms.URLField(label=_("Link"), required=False, assume_scheme="https")
    public = forms.BooleanField(label=_("Shown on the public site"), required=False, initial=True)


class TaskAnswerForm(SafeTextMixin, forms.Form):
    text = forms.CharField(
        label=pgettext_lazy("noun", "Answer"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    file = forms.FileField(label=_("File"), required=False)
    done = forms.BooleanField(label=_("Done"), required=False)


class SpaceForm(SafeTextMixin, forms.Form):
    name = forms.CharField(label=_("Meeting space"), max_length=100)


class SlotsForm(SafeTextMixin, forms.Form):
    space = forms.TypedChoiceField(label=_("Meeting space"), coerce=int)
    start = forms.DateTimeField(
        label=_("From"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    end = forms.DateTimeField(
        label=_("To"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    minutes = forms.IntegerField(
        label=_("Minutes per slot"), min_value=5, max_value=480, initial=30
    )


class ProposeForm(SafeTextMixin, forms.Form):
    contact = forms.TypedChoiceField(label=_("Attendee"), coerce=int)
    slot = forms.TypedChoiceField(label=_("Time slot"), coerce=int)
    message = forms.CharField(
        label=_("Message"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class MessageForm(SafeTextMixin, forms.Form):
    """A partner writes to a listed attendee (their e-mail stays hidden)."""

    contact = forms.TypedChoiceField(label=_("Attendee"), coerce=int)
    message = forms.CharField(
        label=_("Message"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class ScanForm(SafeTextMixin, forms.Form):
    code = forms.CharField(label=_("Badge code"), max_length=200)
    rating = forms.TypedChoiceField(
        label=_("Rating"),
        coerce=int,
        empty_value=None,
        required=False,
        choices=[("", "—")] + [(i, "★" * i) for i in range(1, 6)],
    )
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class HostedSessionForm(SafeTextMixin, forms.Form):
    pitch = forms.CharField(
        label=_("Information"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    speakers = forms.TypedMultipleChoiceField(
        label=_("Speakers"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )


# --- back office -----------------------------------------------------------------------------


class PartnerForm(SafeTextMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=150)
    slug = forms.SlugField(label=_("Short name (in the address)"), max_length=50)
    kind = forms.ChoiceField(label=_("Kind"), choices=Partner.Kind.choices)
    level = forms.TypedChoiceField(label=_("Level"), coerce=int, required=False, empty_value=None)
    admin_email = forms.EmailField(label=_("Administrator's e-mail"))
    admin_first_name = forms.CharField(label=_("First name"), max_length=100, required=False)
    admin_last_name = forms.CharField(label=_("Last name"), max_length=100, required=False)

    def __init__(self, *args, levels=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["level"].choices = [("", "—")] + [(lv.pk, lv.name) for lv in levels]


class PartnerEditForm(SafeTextMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=150)
    kind = forms.ChoiceField(label=_("Kind"), choices=Partner.Kind.choices)
    level = forms.TypedChoiceField(label=_("Level"), coerce=int, required=False, empty_value=None)
    logo = forms.ImageField(label=_("Logo"), required=False)
    public = forms.BooleanField(label=_("Listed on the event's page"), required=False)

    def __init__(self, *args, levels=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["level"].choices = [("", "—")] + [(lv.pk, lv.name) for lv in levels]


class LevelForm(SafeTextMixin, forms.Form):
    name = forms.CharField(label=_("Level"), max_length=100)
    team_limit = forms.IntegerField(label=_("Team size limit"), min_value=1, required=False)
    position = forms.IntegerField(
        label=pgettext_lazy("sort position", "Order"), min_value=0, initial=0
    )


class PortalSettingsForm(SafeTextMixin, forms.Form):
    primary_color = forms.CharField(
        label=_("Menu colour"), max_length=7, widget=forms.TextInput(attrs={"type": "color"})
    )
    text_color = forms.CharField(
        label=_("Menu text colour"), max_length=7, widget=forms.TextInput(attrs={"type": "color"})
    )
    logo_placement = forms.ChoiceField(
        label=_("Partner logo"), choices=PortalSettings.LogoPlacement.choices
    )
    organizer_contacts = forms.CharField(
        label=_("Organiser's team contacts (shown on every partner's home)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    dashboard = forms.CharField(
        label=_("Dashboard items on every partner's home (text and links)"),
        help_text=_("Paragraphs, bold, italics, lists and links are kept."),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    show_badges = forms.BooleanField(
        label=_("Show badges (partners download them)"), required=False
    )
    show_registered_counts = forms.BooleanField(
        label=_("Show the number of registered attendees of hosted sessions"), required=False
    )
    show_present_counts = forms.BooleanField(
        label=_("Show the number of present attendees of hosted sessions"), required=False
    )
    leads_open = forms.BooleanField(label=_("Open the Leads tab (badge scans)"), required=False)
    badge_rate = forms.TypedChoiceField(
        label=_("Badges admit at check-in as"),
        help_text=_(
            "Registered attendees of the partners' teams get a free ticket of this rate (one "
            "place each): their badge's QR code passes check-in like a ticket."
        ),
        coerce=int,
        empty_value=None,
        required=False,
    )

    def __init__(self, *args, rates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["badge_rate"].choices = [("", _("No badge tickets"))] + [
            (r.pk, f"{r.product} · {r}") for r in rates
        ]


class TabForm(SafeTextMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Page"))
    title = forms.CharField(label=_("Title"), max_length=100)
    content = forms.CharField(
        label=_("Content (custom pages)"), required=False, widget=forms.Textarea(attrs={"rows": 6})
    )
    enabled = forms.BooleanField(label=_("Enabled"), required=False, initial=True)

    def __init__(self, *args, kinds=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = list(kinds)


class ProfileFieldForm(SafeTextMixin, forms.Form):
    key = forms.SlugField(label=_("Key"), max_length=50)
    label = forms.CharField(label=_("Label"), max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), choices=ProfileField.Kind.choices)
    choices = forms.CharField(
        label=_("Choices (one per line)"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    position = forms.IntegerField(
        label=pgettext_lazy("sort position", "Order"), min_value=0, initial=0
    )


def _partners_field() -> forms.TypedMultipleChoiceField:
    return forms.TypedMultipleChoiceField(
        label=_("Partners (none ticked: all of them)"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


class _ForPartners:
    """A form given to some of an event's partners: `partners` (the event's) are its
    choices."""

    fields: dict

    def __init__(self, *args, partners=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partners"].choices = [(p.pk, p.name) for p in partners]


class TaskForm(_ForPartners, SafeTextMixin, forms.Form):
    title = forms.CharField(label=_("Title"), max_length=150)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    due = forms.DateTimeField(
        label=_("Due"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    answer_kind = forms.ChoiceField(label=_("Kind of answer"), choices=Task.Answer.choices)
    remind_days = forms.IntegerField(
        label=_("Reminder, days before the due date"), min_value=0, max_value=60, initial=3
    )
    partners = _partners_field()


class DocumentForm(_ForPartners, SafeTextMixin, forms.Form):
    title = forms.CharField(label=_("Title"), max_length=150)
    file = forms.FileField(label=_("File"))
    partners = _partners_field()
