"""Tenancy and people: organisers, staff users, teams with roles, API tokens, audit log."""

import datetime
import hashlib
import secrets
import zoneinfo
from typing import ClassVar

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
    {
        "control",
        "api",
        "i18n",
        "media",
        "static",
        "checkin",
        "shop",
        "admin",
        "account",
        "login",
        "m",
    }
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


class UserManager(BaseUserManager["User"]):
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
    REQUIRED_FIELDS: ClassVar[list[str]] = []

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


class ApiTokenQuerySet(models.QuerySet):
    def usable(self, now=None) -> "ApiTokenQuerySet":
        """Tokens that authenticate: not revoked, not expired."""
        now = now or timezone.now()
        return self.filter(active=True).filter(
            models.Q(expires__isnull=True) | models.Q(expires__gt=now)
        )


class ApiToken(models.Model):
    """A team's API token. Only its SHA-256 is stored; the token is shown once.

    A token stops working at once when it is revoked (`active` false, `revoked` set) or when
    its optional `expires` time has passed."""

    PREFIX = "rdu_"
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="tokens")
    name = models.CharField(_("name"), max_length=200)
    token_hash = models.CharField(max_length=64, unique=True)
    hint = models.CharField(max_length=12)
    active = models.BooleanField(default=True)
    created = models.DateTimeField(auto_now_add=True)
    expires = models.DateTimeField(_("expires"), null=True, blank=True)
    revoked = models.DateTimeField(_("revoked"), null=True, blank=True)
    last_used = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API token")

    def __str__(self) -> str:
        return f"{self.name} ({self.hint}…)"

    def usable_at(self, now=None) -> bool:
        now = now or timezone.now()
        return self.active and (self.expires is None or self.expires > now)

    @property
    def expired(self) -> bool:
        return self.expires is not None and self.expires <= timezone.now()

    @classmethod
    def generate(cls, *, team: Team, name: str, expires=None) -> tuple["ApiToken", str]:
        raw = cls.PREFIX + secrets.token_urlsafe(32)
        token = cls.objects.create(
            team=team, name=name, token_hash=hash_token(raw), hint=raw[:8], expires=expires
        )
        return token, raw


class TicketSigningKey(models.Model):
    """An organiser's Ed25519 key pair for signed ticket secrets (ADR 0007).

    The public key is raw 32 bytes, base64url; the private key is stored encrypted with a key
    derived from SECRET_KEY (see `rideau.documents.signing`) and is never shown anywhere.
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


class DomainEventRecord(models.Model):
    """A domain event (`rideau.core.domain_events`), written in the transaction that caused
    it: an event of a rolled-back change never exists. `dispatched` once the processor has
    written one delivery per handler registered for its kind."""

    organizer = models.ForeignKey(
        Organizer, null=True, blank=True, on_delete=models.CASCADE, related_name="domain_events"
    )
    name = models.CharField(max_length=100)
    payload = models.JSONField(default=dict)
    created = models.DateTimeField(default=timezone.now)
    dispatched = models.BooleanField(default=False)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(
                fields=["id"],
                condition=models.Q(dispatched=False),
                name="domain_event_undispatched",
            ),
            models.Index(fields=["name", "created"]),
        ]

    def __str__(self) -> str:
        return f"{self.name} #{self.pk}"


class DomainEventDelivery(models.Model):
    """One handler's run of one event: at most one successful run each (unique pair, marked
    done in the handler's own transaction), retried with backoff until it succeeds or
    `MAX_ATTEMPTS` are spent."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    event = models.ForeignKey(
        DomainEventRecord, on_delete=models.CASCADE, related_name="deliveries"
    )
    handler = models.CharField(max_length=200)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_error = models.TextField(blank=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["event", "handler"], name="domain_event_delivery_once")
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.handler} ← {self.event_id}"


class Job(models.Model):
    """Long back-office work run by the worker with its progress (`rideau.core.jobs`).

    `kind` is one of the kinds the areas register (`core.jobs.register`: buyers' exports,
    e-mails to buyers, changes of many orders…); `progress` counts the items done out of
    `total`; a finished export keeps its file in the media storage under an unguessable name
    and is downloaded through an organiser-scoped view. The table keeps its first name
    (`orders_job`): the model moved from `orders` without moving its rows.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    organizer = models.ForeignKey(Organizer, on_delete=models.CASCADE, related_name="jobs")
    # the event the job is about, if any (by name: the events app sits above core)
    event = models.ForeignKey(
        "events.Event", null=True, blank=True, on_delete=models.CASCADE, related_name="jobs"
    )
    kind = models.CharField(_("kind"), max_length=20)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    params = models.JSONField(default=dict, blank=True)
    progress = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(null=True, blank=True)
    file = models.FileField(upload_to="exports/", max_length=300, blank=True)
    error = models.CharField(max_length=500, blank=True)
    # what a finished job did, e.g. {"done": 12, "skipped": {"reason": 2}} for a bulk change
    result = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        "core.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField(default=timezone.now)
    finished = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("background job")
        ordering = ["-created", "-id"]
        db_table = "orders_job"

    def __str__(self) -> str:
        return f"{self.kind_label} #{self.pk}"

    @property
    def kind_label(self) -> str:
        """The registered kind's name (its key when no area registers it any more)."""
        from .jobs import kind_of

        kind = kind_of(self.kind)
        return str(kind.label) if kind is not None else self.kind

    # a job still queued after this long means no worker is taking jobs
    STALLED_AFTER = datetime.timedelta(minutes=2)

    @property
    def stalled(self) -> bool:
        """Queued for longer than a running worker would leave it: the page says so."""
        return self.status == self.Status.QUEUED and self.created < (
            timezone.now() - self.STALLED_AFTER
        )

    @property
    def skipped_count(self) -> int:
        """A bulk change's orders skipped (see `result`)."""
        skipped = (self.result or {}).get("skipped") or {}
        return sum(skipped.values())

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        if not self.total:
            return 0
        return min(100, self.progress * 100 // self.total)
