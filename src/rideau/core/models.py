"""Tenancy and people: organisers, staff users, teams with roles, API tokens, audit log."""

import hashlib
import secrets
import zoneinfo

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .roles import Role

CURRENCIES = ["EUR", "CHF", "GBP", "USD", "CAD", "SEK", "NOK", "DKK", "PLN", "CZK"]
CURRENCY_CHOICES = [(c, c) for c in CURRENCIES]
LANGUAGE_CHOICES = [
    ("en", _("English")),
    ("fr", _("French")),
    ("es", _("Spanish")),
    ("de", _("German")),
]
LANGUAGE_CODES = [code for code, _label in LANGUAGE_CHOICES]

slug_validator = RegexValidator(
    r"^[a-z0-9](?:[a-z0-9-]{0,48}[a-z0-9])?$",
    _("Use 1 to 50 lowercase letters, digits and dashes, not starting or ending with a dash."),
)
color_validator = RegexValidator(r"^#[0-9a-fA-F]{6}$", _("Enter a colour such as #1d4ed8."))


# First URL segments the site itself uses: an organiser cannot take them as its slug.
RESERVED_SLUGS = frozenset(
    {"control", "api", "i18n", "media", "static", "checkin", "shop", "admin", "account", "login"}
)


def validate_not_reserved(value: str) -> None:
    if value in RESERVED_SLUGS:
        raise ValidationError(_("This short name is reserved. Please choose another one."))


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("Unknown time zone: %(tz)s"), params={"tz": value})


def validate_languages(value: list) -> None:
    if not isinstance(value, list) or not value:
        raise ValidationError(_("Choose at least one language."))
    unknown = [v for v in value if v not in LANGUAGE_CODES]
    if unknown:
        raise ValidationError(
            _("Unknown language: %(codes)s"), params={"codes": ", ".join(map(str, unknown))}
        )


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra):
        if not email:
            raise ValueError("An e-mail address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)

    def get_by_natural_key(self, username):
        return self.get(email__iexact=username)


class User(AbstractBaseUser, PermissionsMixin):
    """A member of an organiser's staff (or a platform administrator)."""

    email = models.EmailField(_("e-mail"), unique=True)
    full_name = models.CharField(_("full name"), max_length=200, blank=True)
    locale = models.CharField(_("language"), max_length=10, choices=LANGUAGE_CHOICES, default="en")
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False, help_text="Platform administrator")
    date_joined = models.DateTimeField(default=timezone.now)
    totp_secret = models.CharField(max_length=64, blank=True)
    totp_enabled = models.BooleanField(_("two-factor authentication"), default=False)

    objects = UserManager()
    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        constraints = [models.UniqueConstraint(Lower("email"), name="user_email_ci_unique")]

    def __str__(self) -> str:
        return self.full_name or self.email


class Organizer(models.Model):
    """A tenant: a theatre, a festival, a conference organiser, a club."""

    slug = models.SlugField(
        _("short name"),
        max_length=50,
        unique=True,
        validators=[slug_validator, validate_not_reserved],
    )
    name = models.CharField(_("name"), max_length=200)
    currency = models.CharField(
        _("currency"), max_length=3, choices=CURRENCY_CHOICES, default="EUR"
    )
    timezone = models.CharField(
        _("time zone"), max_length=64, default="Europe/Paris", validators=[validate_timezone]
    )
    languages = models.JSONField(_("languages"), default=list, validators=[validate_languages])
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    primary_color = models.CharField(
        _("brand colour"), max_length=7, default="#1d4ed8", validators=[color_validator]
    )
    logo = models.ImageField(_("logo"), upload_to="organizers/logos/", blank=True)
    description = models.JSONField(_("description"), default=dict, blank=True)
    signed_ticket_secrets = models.BooleanField(
        _("signed ticket secrets"),
        default=False,
        help_text=_(
            "New tickets carry a signed code that scanners can check without a network "
            "connection. Tickets already sold keep their code."
        ),
    )
    is_demo = models.BooleanField(
        _("demonstration organiser"),
        default=False,
        editable=False,
        help_text=_(
            "Set by `rideau demo` only: the shop offers the test card provider (no real "
            "payment) for this organiser's events."
        ),
    )
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("organiser")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        if not self.languages:
            self.languages = [settings.LANGUAGE_CODE]
        super().save(*args, **kwargs)

    @property
    def default_language(self) -> str:
        return self.languages[0] if self.languages else settings.LANGUAGE_CODE


class Team(models.Model):
    """A group of staff users sharing one role on one organiser."""

    organizer = models.ForeignKey(Organizer, on_delete=models.CASCADE, related_name="teams")
    name = models.CharField(_("name"), max_length=200)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    members = models.ManyToManyField(User, related_name="teams", blank=True)

    class Meta:
        verbose_name = _("team")
        ordering = ["organizer", "name"]
        constraints = [
            models.UniqueConstraint(fields=["organizer", "name"], name="team_name_unique")
        ]

    def __str__(self) -> str:
        return f"{self.organizer} / {self.name}"


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """A team's API token. Only its SHA-256 is stored; the token is shown once."""

    PREFIX = "rdu_"
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="tokens")
    name = models.CharField(_("name"), max_length=200)
    token_hash = models.CharField(max_length=64, unique=True)
    hint = models.CharField(max_length=12)
    active = models.BooleanField(default=True)
    created = models.DateTimeField(auto_now_add=True)
    last_used = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API token")

    def __str__(self) -> str:
        return f"{self.name} ({self.hint}…)"

    @classmethod
    def generate(cls, *, team: Team, name: str) -> tuple["ApiToken", str]:
        raw = cls.PREFIX + secrets.token_urlsafe(32)
        token = cls.objects.create(team=team, name=name, token_hash=hash_token(raw), hint=raw[:8])
        return token, raw


class TicketSigningKey(models.Model):
    """An organiser's Ed25519 key pair for signed ticket secrets (ADR 0007).

    The public key is raw 32 bytes, base64url; the private key is stored encrypted with a key
    derived from SECRET_KEY (see `rideau.orders.signing`) and is never shown anywhere.
    `kid` numbers the organiser's keys (1, 2, …) and is written into each signed secret.
    """

    organizer = models.ForeignKey(Organizer, on_delete=models.CASCADE, related_name="signing_keys")
    kid = models.PositiveIntegerField()
    public_key = models.CharField(max_length=64)
    private_key_encrypted = models.TextField(editable=False)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("ticket signing key")
        ordering = ["organizer", "kid"]
        constraints = [
            models.UniqueConstraint(fields=["organizer", "kid"], name="signing_key_kid_unique")
        ]

    def __str__(self) -> str:
        return f"{self.organizer_id}/{self.kid}"


class AuditLogEntry(models.Model):
    """One state change: who, what, when, before/after."""

    organizer = models.ForeignKey(
        Organizer, null=True, blank=True, on_delete=models.CASCADE, related_name="audit_log"
    )
    actor = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL)
    actor_token = models.ForeignKey(ApiToken, null=True, blank=True, on_delete=models.SET_NULL)
    action = models.CharField(max_length=100, db_index=True)
    object_type = models.CharField(max_length=100)
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(max_length=200, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    created = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.created:%Y-%m-%d %H:%M} {self.action} {self.object_repr}"


class RateLimitHit(models.Model):
    """Attempts against a rate-limited key (login, one-time codes), shared by all processes."""

    key = models.CharField(max_length=200, db_index=True)
    created = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return self.key
