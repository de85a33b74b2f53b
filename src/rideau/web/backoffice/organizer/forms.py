"""Forms of the organiser's settings, its teams, their members and API tokens."""

import zoneinfo

from django import forms
from django.utils.translation import gettext_lazy as _

from rideau.core.models import LANGUAGE_CHOICES, Organizer, Team
from rideau.core.roles import Role
from rideau.core.text import SafeTextMixin

LOGO_MAX_BYTES = 2 * 1024 * 1024
LOGO_FORMATS = {"PNG", "JPEG", "GIF", "WEBP"}


def _timezone_choices() -> list[tuple[str, str]]:
    return [(tz, tz) for tz in sorted(zoneinfo.available_timezones())]


class OrganizerSettingsForm(SafeTextMixin, forms.ModelForm):
    timezone = forms.ChoiceField(label=_("Time zone"), choices=_timezone_choices)
    languages = forms.MultipleChoiceField(
        label=_("Languages"),
        choices=LANGUAGE_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The languages of your public pages. The first one is the default."),
    )
    primary_color = forms.CharField(
        label=_("Brand colour"),
        widget=forms.TextInput(attrs={"type": "color"}),
        help_text=_("Used for buttons and links on your public pages."),
    )
    logo = forms.ImageField(
        label=_("Logo"),
        required=False,
        help_text=_("PNG, JPEG, GIF or WebP, at most 2 MB."),
    )

    class Meta:
        model = Organizer
        fields = [
            "name",
            "currency",
            "timezone",
            "languages",
            "contact_email",
            "primary_color",
            "logo",
            "signed_ticket_secrets",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        description = self.instance.description or {}
        for code, label in LANGUAGE_CHOICES:
            self.fields[f"description_{code}"] = forms.CharField(
                label=_("Description (%(language)s)") % {"language": label},
                required=False,
                max_length=5000,
                initial=description.get(code, ""),
                widget=forms.Textarea(attrs={"rows": 3}),
            )
        if self.instance.pk:
            # keep the organiser's order (the first language is the default one)
            self.initial["languages"] = list(self.instance.languages)

    def description_fields(self):
        return [self[f"description_{code}"] for code, _label in LANGUAGE_CHOICES]

    def clean_languages(self) -> list[str]:
        chosen = self.cleaned_data["languages"]
        current = [code for code in self.instance.languages if code in chosen]
        return current + [
            code for code, _label in LANGUAGE_CHOICES if code in chosen and code not in current
        ]

    def clean_logo(self):
        logo = self.cleaned_data.get("logo")
        if logo and logo is not self.initial.get("logo"):
            if logo.size > LOGO_MAX_BYTES:
                raise forms.ValidationError(_("The logo must be at most 2 MB."))
            image = getattr(logo, "image", None)
            if image is not None and image.format not in LOGO_FORMATS:
                raise forms.ValidationError(_("Upload a PNG, JPEG, GIF or WebP image."))
        return logo

    def apply(self) -> Organizer:
        """The instance with every cleaned value on it (not saved: the service saves).

        Model fields were copied by `is_valid()`; the per-language descriptions are added here.
        """
        organizer = self.instance
        organizer.description = {
            code: text.strip()
            for code, _label in LANGUAGE_CHOICES
            if (text := self.cleaned_data.get(f"description_{code}") or "").strip()
        }
        return organizer


class TeamChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Team) -> str:
        return f"{obj.name} ({obj.get_role_display()})"


class ApiTokenForm(SafeTextMixin, forms.Form):
    team = TeamChoiceField(label=_("Team"), queryset=Team.objects.none())
    name = forms.CharField(
        label=_("Token name"),
        max_length=200,
        help_text=_("What the token is for, e.g. “box office tablet” or “website sync”."),
    )
    expires = forms.DateTimeField(
        label=_("Expires"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("Optional: the token stops working at this time (the organiser's time zone)."),
    )

    def __init__(self, *args, organizer: Organizer, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = Team.objects.filter(organizer=organizer).order_by("name")


class TeamForm(SafeTextMixin, forms.Form):
    """A new team: its name and the role its members share."""

    name = forms.CharField(
        label=_("Team name"),
        max_length=200,
        help_text=_("E.g. “Box office” or “Accounting”."),
    )
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.READ_ONLY)

    def __init__(self, *args, **kwargs):
        # its own input ids: the token form on the same page has a `name` too
        kwargs.setdefault("auto_id", "id_new_team_%s")
        super().__init__(*args, **kwargs)


class TeamMemberForm(SafeTextMixin, forms.Form):
    """A person added to one team by e-mail address (one form per team on the page: its
    inputs' ids carry the team's, so each label names its own input)."""

    email = forms.EmailField(
        label=_("E-mail address"),
        max_length=254,
        help_text=_(
            "Someone without a Rideau login gets an invitation to choose a password; "
            "someone with one is told they now have access."
        ),
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )

    def __init__(self, *args, team: Team, **kwargs):
        kwargs.setdefault("auto_id", f"id_team{team.pk}_%s")
        super().__init__(*args, **kwargs)
        self.team = team
