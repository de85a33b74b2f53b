"""Contacts: one record per person per organiser, shared by every area (SPEC CORE-2)."""

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from rideau.core.models import LANGUAGE_CHOICES, Organizer


def normalize_phone(value: str) -> str:
    """E.164 form of a phone number, or ValidationError with a message for people."""
    if not value:
        return ""
    try:
        number = phonenumbers.parse(value, None if value.startswith("+") else "FR")
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(_("Enter a valid phone number, e.g. +33 6 12 34 56 78.")) from exc
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(_("Enter a valid phone number, e.g. +33 6 12 34 56 78."))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


class CustomField(models.Model):
    """An organiser-defined field on contacts (e.g. "membership number")."""

    class Kind(models.TextChoices):
        TEXT = "text", _("Text")
        NUMBER = "number", _("Number")
        DATE = "date", _("Date")
        BOOLEAN = "boolean", _("Yes/no")
        CHOICE = "choice", _("Choice")

    organizer = models.ForeignKey(
        Organizer, on_delete=models.CASCADE, related_name="contact_fields"
    )
    key = models.CharField(
        _("key"),
        max_length=50,
        validators=[
            RegexValidator(r"^[a-z][a-z0-9_]{0,49}$", _("Use lowercase letters, digits and _."))
        ],
    )
    label = models.JSONField(_("label"), default=dict)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.TEXT)
    choices = models.JSONField(_("choices"), default=list, blank=True)
    required = models.BooleanField(_("required"), default=False)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["organizer", "position", "key"]
        constraints = [
            models.UniqueConstraint(fields=["organizer", "key"], name="contact_field_key_unique")
        ]

    def __str__(self) -> str:
        return self.key


class Contact(models.Model):
    organizer = models.ForeignKey(Organizer, on_delete=models.CASCADE, related_name="contacts")
    email = models.EmailField(_("e-mail"))
    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    language = models.CharField(_("language"), max_length=10, choices=LANGUAGE_CHOICES, blank=True)
    consent_email = models.BooleanField(_("agrees to e-mail marketing"), default=False)
    consent_sms = models.BooleanField(_("agrees to SMS marketing"), default=False)
    consent_updated = models.DateTimeField(null=True, blank=True)
    # a hard bounce came back for this address: no more campaign e-mail to it
    email_undeliverable_at = models.DateTimeField(
        _("e-mail undeliverable since"), null=True, blank=True
    )
    custom = models.JSONField(_("custom fields"), default=dict, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["last_name", "first_name", "email"]
        constraints = [
            models.UniqueConstraint(
                "organizer", Lower("email"), name="contact_email_unique_per_org"
            )
        ]

    def __str__(self) -> str:
        name = f"{self.first_name} {self.last_name}".strip()
        return f"{name} <{self.email}>" if name else self.email

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class ConsentChange(models.Model):
    """One change of a contact's consent to a purpose, with its time and source (GDPR:
    when and how the person agreed or withdrew)."""

    class Purpose(models.TextChoices):
        EMAIL = "email", _("E-mail marketing")
        SMS = "sms", _("SMS marketing")

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField(max_length=10, choices=Purpose.choices)
    granted = models.BooleanField()
    at = models.DateTimeField()
    # "checkout", "import", "unsubscribe link", "staff: ada@example.org", "api"…
    source = models.CharField(max_length=200)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.contact_id} {self.purpose} {self.granted}"
