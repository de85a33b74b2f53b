"""Events, their dates (performances) and sessions (agenda items). SPEC CORE-4, A."""

import secrets

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rideau.core.i18n import localize
from rideau.core.models import Organizer, slug_validator
from rideau.core.timezones import organizer_zone
from rideau.venues.models import Location, Venue

# Second URL segments of an organiser's own pages (`/<organizer>/<name>/`): an event cannot
# take them as its short name, or its page would be hidden behind them.
# `tests/web/test_reserved_event_slugs.py` checks this list against the URL patterns.
RESERVED_EVENT_SLUGS = frozenset(
    {"account", "gift-vouchers", "order", "pass-renew", "passes", "programme", "subscriber"}
)


def validate_event_slug_not_reserved(value: str) -> None:
    if value in RESERVED_EVENT_SLUGS:
        raise ValidationError(
            _("This short name is used by the organiser's own pages. Please choose another one.")
        )


def _private_token() -> str:
    return secrets.token_urlsafe(16)


EVENT_IMAGE_DIR = "events/images/"


def _event_image_path(event: "Event", filename: str) -> str:
    """A random name: the image of a draft event cannot be guessed from its slug."""
    return f"{EVENT_IMAGE_DIR}{event.organizer_id}-{secrets.token_hex(8)}.jpg"


class SalesWindowMixin(models.Model):
    sales_start = models.DateTimeField(_("sales open"), null=True, blank=True)
    sales_end = models.DateTimeField(_("sales close"), null=True, blank=True)

    class Meta:
        abstract = True

    def clean_sales_window(self) -> None:
        if self.sales_start and self.sales_end and self.sales_end <= self.sales_start:
            raise ValidationError({"sales_end": _("Sales must close after they open.")})

    def sales_open_at(self, when=None) -> bool:
        when = when or timezone.now()
        return (self.sales_start is None or self.sales_start <= when) and (
            self.sales_end is None or when < self.sales_end
        )


class Event(SalesWindowMixin):
    class Kind(models.TextChoices):
        ONSITE = "onsite", _("On-site")
        WEBINAR = "webinar", _("Webinar")
        HYBRID = "hybrid", _("Hybrid")

    class Visibility(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PRIVATE = "private", _("Private link")
        PUBLIC = "public", _("Public")

    organizer = models.ForeignKey(Organizer, on_delete=models.CASCADE, related_name="events")
    slug = models.SlugField(
        _("short name"),
        max_length=50,
        validators=[slug_validator, validate_event_slug_not_reserved],
    )
    name = models.JSONField(_("name"), default=dict)
    description = models.JSONField(_("description"), default=dict, blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.ONSITE)
    visibility = models.CharField(
        _("visibility"), max_length=10, choices=Visibility.choices, default=Visibility.DRAFT
    )
    private_token = models.CharField(max_length=32, default=_private_token, editable=False)
    # Bumped by the database (PostgreSQL triggers, events migration 0007) on every write to
    # the event's products, rates (and their audience types), questions and dates: the shop
    # API keeps its catalogue of the event per version (`rideau.api.catalogue`, ADR 0020).
    catalog_version = models.PositiveBigIntegerField(default=0, editable=False)
    venue = models.ForeignKey(Venue, null=True, blank=True, on_delete=models.SET_NULL)
    capacity = models.PositiveIntegerField(_("capacity"), null=True, blank=True)
    self_agenda = models.BooleanField(
        _("allow registrants to build their own agenda"), default=False
    )
    image = models.ImageField(_("image"), upload_to=_event_image_path, blank=True, max_length=200)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["organizer", "slug"]
        constraints = [
            models.UniqueConstraint(fields=["organizer", "slug"], name="event_slug_unique")
        ]

    def __str__(self) -> str:
        return localize(self.name, fallbacks=self.organizer.languages) or self.slug

    @property
    def display_name(self) -> str:
        return str(self)

    def clean(self) -> None:
        self.clean_sales_window()
        venue = self.venue
        if venue is not None and self.organizer_id and venue.organizer_id != self.organizer_id:
            raise ValidationError({"venue": _("This venue belongs to another organiser.")})


class EventDate(SalesWindowMixin):
    """One date or performance of an event."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="dates")
    name = models.JSONField(_("name"), default=dict, blank=True)
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"), null=True, blank=True)
    location = models.ForeignKey(Location, null=True, blank=True, on_delete=models.SET_NULL)
    capacity = models.PositiveIntegerField(_("capacity"), null=True, blank=True)
    is_cancelled = models.BooleanField(_("cancelled"), default=False)
    # places their holders put back on sale (a pass ticket on resale, SPEC D7), kept by the
    # area that lists them: a checkout asks `orders.hooks` for them only when this is not 0
    offered_back = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["event", "start"]
        indexes = [models.Index(fields=["event", "start"])]

    def __str__(self) -> str:
        """Its name and start in the organiser's zone, where it takes place, whatever zone is
        active (quotas are named after it, and messages quote it, from the API too)."""
        label = localize(self.name)
        local = timezone.localtime(self.start, organizer_zone(self.event.organizer))
        return f"{label} {local.strftime('%Y-%m-%d %H:%M')}".strip()

    def clean(self) -> None:
        self.clean_sales_window()
        if self.end and self.start and self.end <= self.start:
            raise ValidationError({"end": _("The end must be after the start.")})
        if (
            self.location is not None
            and self.event_id
            and self.location.venue.organizer_id != self.event.organizer_id
        ):
            raise ValidationError({"location": _("This location belongs to another organiser.")})


class Session(models.Model):
    """An agenda item of an event: time, location, capacity, speakers."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="sessions")
    date = models.ForeignKey(
        EventDate, null=True, blank=True, on_delete=models.CASCADE, related_name="sessions"
    )
    title = models.JSONField(_("title"), default=dict)
    description = models.JSONField(_("description"), default=dict, blank=True)
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    location = models.ForeignKey(Location, null=True, blank=True, on_delete=models.SET_NULL)
    capacity = models.PositiveIntegerField(_("maximum capacity"), null=True, blank=True)
    speakers = models.JSONField(_("speakers"), default=list, blank=True)
    track = models.CharField(
        _("track"),
        max_length=100,
        blank=True,
        help_text=_("A theme or stream the public agenda can filter by."),
    )

    class Meta:
        ordering = ["event", "start"]

    def __str__(self) -> str:
        return localize(self.title) or f"Session {self.pk}"

    def clean(self) -> None:
        errors = {}
        if self.end and self.start and self.end <= self.start:
            errors["end"] = _("The end must be after the start.")
        if (
            self.location is not None
            and self.event_id
            and self.location.venue.organizer_id != self.event.organizer_id
        ):
            errors["location"] = _("This location belongs to another organiser.")
        if self.date is not None and self.event_id and self.date.event_id != self.event_id:
            errors["date"] = _("This date belongs to another event.")
        if self.event_id and self.event.self_agenda and self.capacity is None:
            errors["capacity"] = _(
                "Sessions need a maximum capacity when registrants build their own agenda."
            )
        if errors:
            raise ValidationError(errors)

    def apply_location_default(self) -> None:
        """A3: filling the location defaults the capacity to the most specific location's."""
        if self.location is not None and self.capacity is None:
            self.capacity = self.location.effective_capacity()


def _festival_cover_path(page: "FestivalPage", filename: str) -> str:
    return f"festivals/covers/{page.organizer_id}-{secrets.token_hex(8)}.jpg"


class FestivalPage(models.Model):
    """D9: one public page grouping some of the organiser's events (a festival, a season,
    a film programme), with a title and description per shop language and a cover image."""

    organizer = models.ForeignKey(
        Organizer, on_delete=models.CASCADE, related_name="festival_pages"
    )
    slug = models.SlugField(_("short name"), max_length=50, validators=[slug_validator])
    title = models.JSONField(_("title"), default=dict)
    description = models.JSONField(_("description"), default=dict, blank=True)
    cover = models.ImageField(
        _("cover image"), upload_to=_festival_cover_path, blank=True, max_length=200
    )
    events = models.ManyToManyField(
        Event, blank=True, related_name="festival_pages", verbose_name=_("events")
    )
    published = models.BooleanField(_("published"), default=False)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["organizer", "slug"]
        constraints = [
            models.UniqueConstraint(fields=["organizer", "slug"], name="festival_page_slug_unique")
        ]

    def __str__(self) -> str:
        return localize(self.title, fallbacks=self.organizer.languages) or self.slug
