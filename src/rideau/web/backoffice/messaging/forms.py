"""Forms of the marketing pages: scenarios and their steps, segments, message templates."""

from django import forms
from django.utils.translation import gettext_lazy as _

from rideau.core.models import LANGUAGE_CHOICES, Organizer
from rideau.core.text import SafeTextMixin
from rideau.messaging.models import MessageTemplate
from rideau.scenarios import queries
from rideau.scenarios.models import Scenario, Segment, Step
from rideau.scenarios.segments import CONDITIONS

CONDITION_ROWS = 6


class ScenarioForm(SafeTextMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200, help_text=_("Seen by your team only."))
    segment = forms.ModelChoiceField(
        label=_("Contacts of step 1"), queryset=Segment.objects.none(), required=False
    )
    trigger = forms.ChoiceField(label=_("Or start for each contact when"), required=False)
    from_email = forms.EmailField(label=_("Sender address"), required=False)

    def __init__(self, *args, organizer: Organizer, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["segment"].queryset = queries.list_segments(organizer)
        self.fields["trigger"].choices = [("", _("— no event —")), *queries.trigger_choices()]


class StepForm(SafeTextMixin, forms.Form):
    description = forms.CharField(label=_("Description"), max_length=200, required=False)
    template = forms.ModelChoiceField(
        label=_("Message to send"), queryset=MessageTemplate.objects.none()
    )
    target = forms.ChoiceField(label=_("Target"), choices=Step.Target.choices, required=False)
    target_position = forms.IntegerField(
        label=_("of step no."), min_value=1, max_value=20, required=False, initial=1
    )
    launch = forms.ChoiceField(label=_("Launch"), choices=Step.Launch.choices, required=False)
    delay = forms.IntegerField(label=_("Delay"), min_value=0, max_value=600_000, required=False)
    unit = forms.ChoiceField(label=_("Unit"), choices=Step.Unit.choices, required=False)
    launch_at = forms.DateTimeField(
        label=_("Date"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )

    def __init__(self, *args, organizer: Organizer, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = queries.list_templates(organizer)

    def step_fields(self) -> dict:
        data = self.cleaned_data
        return {
            "template_id": data["template"].pk,
            "description": data.get("description") or "",
            "target": data.get("target") or Step.Target.ALL,
            "target_position": data.get("target_position") or 1,
            "launch": data.get("launch") or Step.Launch.IMMEDIATELY,
            "delay": data.get("delay") or 0,
            "unit": data.get("unit") or Step.Unit.DAYS,
            "launch_at": data.get("launch_at"),
        }


class SegmentForm(SafeTextMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    match = forms.ChoiceField(label=_("Contacts matching"), choices=Segment.Match.choices)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", "—"), *((key, c.label) for key, c in CONDITIONS.items())]
        for i in range(CONDITION_ROWS):
            self.fields[f"field_{i}"] = forms.ChoiceField(
                label=_("Condition"), choices=choices, required=False
            )
            self.fields[f"value_{i}"] = forms.CharField(
                label=_("Value"), max_length=200, required=False
            )
            self.fields[f"not_{i}"] = forms.BooleanField(label=_("not"), required=False)

    @staticmethod
    def initial_for(segment: Segment) -> dict:
        initial: dict = {"name": segment.name, "match": segment.match}
        for i, condition in enumerate(segment.conditions[:CONDITION_ROWS]):
            value = condition.get("value")
            initial[f"field_{i}"] = condition["field"]
            initial[f"value_{i}"] = (
                ("yes" if value else "no") if isinstance(value, bool) else (value or "")
            )
            initial[f"not_{i}"] = condition.get("not", False)
        return initial

    def rows(self) -> list[tuple]:
        return [
            (self[f"field_{i}"], self[f"value_{i}"], self[f"not_{i}"])
            for i in range(CONDITION_ROWS)
        ]

    def conditions(self) -> list[dict]:
        """The rows as conditions; values typed as the condition expects."""
        found = []
        for i in range(CONDITION_ROWS):
            field = self.cleaned_data.get(f"field_{i}")
            if not field:
                continue
            raw = (self.cleaned_data.get(f"value_{i}") or "").strip()
            kind = CONDITIONS[field].value
            value: object = raw
            if kind == "bool":
                value = raw.lower() not in ("no", "non", "false", "0")
            elif kind in ("event", "session", "days"):
                value = int(raw) if raw.isdigit() else raw
            elif kind == "none":
                value = None
            found.append({"field": field, "value": value, "not": self.cleaned_data[f"not_{i}"]})
        return found


class TemplateForm(SafeTextMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    channel = forms.ChoiceField(label=_("Channel"), choices=MessageTemplate.Channel.choices)
    # a template's part (the service's argument) -> the prefix of its fields, one a language
    PARTS = {"subject": "subject", "body_text": "text", "body_html": "html"}

    def __init__(self, *args, organizer: Organizer, **kwargs):
        super().__init__(*args, **kwargs)
        self.languages = list(organizer.languages)
        names = dict(LANGUAGE_CHOICES)
        for language in self.languages:
            label = names.get(language, language)
            self.fields[f"subject_{language}"] = forms.CharField(
                label=_("Subject (%(language)s)") % {"language": label},
                max_length=300,
                required=False,
            )
            self.fields[f"text_{language}"] = forms.CharField(
                label=_("Text (%(language)s)") % {"language": label},
                required=False,
                widget=forms.Textarea(attrs={"rows": 6, "data-sms-counter": "1"}),
            )
            self.fields[f"html_{language}"] = forms.CharField(
                label=_("HTML (%(language)s, e-mail only)") % {"language": label},
                required=False,
                widget=forms.Textarea(attrs={"rows": 6}),
            )

    @staticmethod
    def initial_for(template: MessageTemplate) -> dict:
        initial: dict = {"name": template.name, "channel": template.channel}
        for language, text in template.subject.items():
            initial[f"subject_{language}"] = text
        for language, text in template.body_text.items():
            initial[f"text_{language}"] = text
        for language, text in template.body_html.items():
            initial[f"html_{language}"] = text
        return initial

    def texts(self) -> dict:
        data = self.cleaned_data

        def per_language(prefix: str) -> dict[str, str]:
            return {
                language: data[f"{prefix}_{language}"]
                for language in self.languages
                if data.get(f"{prefix}_{language}")
            }

        return {
            "name": data["name"],
            **{part: per_language(prefix) for part, prefix in self.PARTS.items()},
        }

    def service_fields(self) -> dict[str, str]:
        """The field of each of the template service's errors (`errors_onto`'s aliases):
        one language's ("subject.fr") on its field, a part's as a whole on the first
        language's."""
        fields = {}
        for part, prefix in self.PARTS.items():
            fields[part] = f"{prefix}_{self.languages[0]}"
            for language in self.languages:
                fields[f"{part}.{language}"] = f"{prefix}_{language}"
        return fields


class TestSendForm(SafeTextMixin, forms.Form):
    to = forms.EmailField(label=_("Send a test to"))


class ScenarioActionForm(forms.Form):
    action = forms.ChoiceField(
        choices=[(a, a) for a in ("start", "pause", "resume", "stop", "delete")]
    )


__all__ = ["Scenario"]
