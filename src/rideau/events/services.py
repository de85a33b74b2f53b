"""Writes on events, their dates (performances) and sessions. SPEC CORE-4, A2-A3."""

import datetime
from collections.abc import Callable
from typing import Any, TypedDict, Unpack

from django.utils import formats
from django.utils.translation import gettext as _

from rideau.core import audit
from rideau.core.access import Actor, require
from rideau.core.i18n import clean_i18n_attr
from rideau.core.models import Organizer
from rideau.core.roles import Perm
from rideau.core.services import (
    AuditedWrites,
    apply_changes,
    old_file_dropped,
    restored_on_error,
    save_with_audit,
    taken,
)
from rideau.core.timezones import organizer_zone
from rideau.venues.models import Location, Venue

from .models import Event, EventDate, Session

NAME_LENGTH = 200
DESCRIPTION_LENGTH = 20000
MAX_SPEAKERS = 50
SPEAKER_LENGTH = 200


# --- events --------------------------------------------------------------------------------


class EventOptions(TypedDict, total=False):
    """What a creation takes besides its required arguments."""

    description: dict[str, str] | str
    kind: str
    visibility: str
    venue: Venue | None
    capacity: int | None
    self_agenda: bool
    sales_start: datetime.datetime | None
    sales_end: datetime.datetime | None


class EventChanges(EventOptions, total=False):
    slug: str
    name: dict[str, str] | str


EVENT_CHANGES = tuple(EventChanges.__annotations__)


def _slug_taken_errors() -> dict[str, list[str]]:
    return {"slug": [_("An event with this short name already exists.")]}


def _clean_named(
    obj: Any,
    title: str,
    errors: dict[str, list[str]],
    slug_taken: Callable[[], dict[str, list[str]]],
) -> None:
    """What an event and a multi-event page check alike: the translatable `title` and
    description, and the short name of their address free within the organiser."""
    languages = obj.organizer.languages
    clean_i18n_attr(obj, title, languages, errors, required=True, max_length=NAME_LENGTH)
    clean_i18n_attr(
        obj, "description", languages, errors, required=False, max_length=DESCRIPTION_LENGTH
    )
    if isinstance(obj.slug, str) and taken(obj, organizer=obj.organizer, slug=obj.slug):
        errors.update(slug_taken())


def _clean_event(event: Event, errors: dict[str, list[str]]) -> None:
    _clean_named(event, "name", errors, _slug_taken_errors)
    if event.venue is not None and event.venue.organizer_id != event.organizer_id:
        errors["venue"] = [_("This venue belongs to another organiser.")]
    if event.self_agenda and event.pk is not None:
        # SPEC A2: self-built agendas cannot coexist with event passes (reverse relations,
        # not the catalogue's or registration's models: both sit above events)
        if event.passages.exists() or event.products.filter(kind="pass").exists():
            errors["self_agenda"] = [
                _(
                    "This event has event passes: registrants cannot build their own agenda "
                    "while passes exist. Delete the passes first."
                )
            ]
        elif event.sessions.filter(capacity__isnull=True).exists():
            errors["self_agenda"] = [
                _(
                    "Give every session a maximum capacity before letting registrants "
                    "build their own agenda."
                )
            ]


EVENTS = AuditedWrites("event", EVENT_CHANGES, clean=_clean_event, unique_errors=_slug_taken_errors)


def create_event(
    organizer: Organizer,
    *,
    actor: Actor,
    slug: str,
    name: dict[str, str] | str,
    **fields: Unpack[EventOptions],
) -> Event:
    """A new event (a draft unless a visibility is given)."""
    return EVENTS.create(Event(organizer=organizer, slug=slug, name=name), fields, actor=actor)


def update_event(
    event: Event,
    *,
    actor: Actor,
    image=None,
    remove_image: bool = False,
    **changes: Unpack[EventChanges],
) -> Event:
    """Change the event; `image` (an upload) replaces its image, `remove_image` drops it.
    A refused image leaves the other changes unsaved too."""
    from django.db import transaction

    with transaction.atomic():
        EVENTS.update(event, changes, actor=actor)
        set_event_image(event, actor=actor, image=image, remove=remove_image)
    return event


def delete_event(event: Event, *, actor: Actor) -> None:
    """Delete an event with its dates, sessions and products."""
    EVENTS.delete(event, actor=actor)


def self_agenda_off(event: Event, *, actor: Actor | None, why: dict) -> None:
    """SPEC A2: an event with passes registers at event level, so its self-built agenda goes
    off, in the caller's transaction, audited (`event.self_agenda_off`, with `why`)."""
    if Event.objects.filter(pk=event.pk, self_agenda=True).update(self_agenda=False):
        change = {"before": {"self_agenda": True}, "after": {"self_agenda": False, **why}}
        audit.record(
            "event.self_agenda_off", event, actor=actor, organizer=event.organizer, **change
        )
        event.self_agenda = False


# --- dates ---------------------------------------------------------------------------------


class EventDateOptions(TypedDict, total=False):
    """What a creation takes besides its required arguments."""

    name: dict[str, str] | str
    end: datetime.datetime | None
    location: Location | None
    capacity: int | None
    is_cancelled: bool
    sales_start: datetime.datetime | None
    sales_end: datetime.datetime | None


class EventDateChanges(EventDateOptions, total=False):
    start: datetime.datetime


EVENT_DATE_CHANGES = tuple(EventDateChanges.__annotations__)


def _clean_location_owner(obj: Any, organizer: Organizer, errors: dict[str, list[str]]) -> None:
    location = obj.location
    if location is not None and location.venue.organizer_id != organizer.pk:
        errors["location"] = [_("This location belongs to another organiser.")]


def _clean_date(date: EventDate, errors: dict[str, list[str]]) -> None:
    organizer = date.event.organizer
    clean_i18n_attr(
        date, "name", organizer.languages, errors, required=False, max_length=NAME_LENGTH
    )
    _clean_location_owner(date, organizer, errors)


EVENT_DATES = AuditedWrites(
    "event_date", EVENT_DATE_CHANGES, set_by_service=("event",), clean=_clean_date
)


def create_event_date(
    event: Event,
    *,
    actor: Actor,
    start: datetime.datetime,
    **fields: Unpack[EventDateOptions],
) -> EventDate:
    """A new date (performance) of an event."""
    return EVENT_DATES.create(EventDate(event=event, start=start), fields, actor=actor)


def update_event_date(
    date: EventDate, *, actor: Actor, **changes: Unpack[EventDateChanges]
) -> EventDate:
    return EVENT_DATES.update(date, changes, actor=actor)


def delete_event_date(date: EventDate, *, actor: Actor) -> None:
    """Delete a date with the sessions attached to it."""
    EVENT_DATES.delete(date, actor=actor)


# --- sessions ------------------------------------------------------------------------------


class SessionOptions(TypedDict, total=False):
    """What a creation takes besides its required arguments."""

    date: EventDate | None
    description: dict[str, str] | str
    location: Location | None
    capacity: int | None
    speakers: list[str]
    track: str


class SessionChanges(SessionOptions, total=False):
    title: dict[str, str] | str
    start: datetime.datetime
    end: datetime.datetime


SESSION_CHANGES = tuple(SessionChanges.__annotations__)


def _clean_session(session: Session, errors: dict[str, list[str]]) -> None:
    organizer = session.event.organizer
    languages = organizer.languages
    clean_i18n_attr(session, "title", languages, errors, required=True, max_length=NAME_LENGTH)
    clean_i18n_attr(
        session,
        "description",
        languages,
        errors,
        required=False,
        max_length=DESCRIPTION_LENGTH,
    )
    _clean_location_owner(session, organizer, errors)
    if session.date is not None and session.date.event_id != session.event_id:
        errors["date"] = [_("This date belongs to another event.")]
    elif session.date is not None and session.start is not None:
        # a session of a date takes place within that date's days (its start's day to its
        # end's, in the organiser's zone: a 20:00–02:00 night, a date of several days)
        zone = organizer_zone(organizer)
        day = session.date.start.astimezone(zone).date()
        last = (session.date.end or session.date.start).astimezone(zone).date()
        if not day <= session.start.astimezone(zone).date() <= max(day, last):
            errors["date"] = [
                _("The session is not on this date's day (%(day)s): change its time or date.")
                % {"day": formats.date_format(day, "DATE_FORMAT")}
            ]
    speakers = session.speakers
    if speakers is None:
        session.speakers = []
    elif (
        not isinstance(speakers, list)
        or len(speakers) > MAX_SPEAKERS
        or not all(isinstance(s, str) and 0 < len(s.strip()) <= SPEAKER_LENGTH for s in speakers)
    ):
        errors["speakers"] = [
            _("Give at most %(n)d speaker names of up to %(len)d characters each.")
            % {"n": MAX_SPEAKERS, "len": SPEAKER_LENGTH}
        ]
    else:
        session.speakers = [s.strip() for s in speakers]


def _clean_new_session(session: Session, errors: dict[str, list[str]]) -> None:
    _clean_session(session, errors)
    if "location" not in errors:
        session.apply_location_default()


# changes go through update_session, which also moves a defaulted capacity
SESSIONS = AuditedWrites(
    "session", SESSION_CHANGES, set_by_service=("event",), clean=_clean_new_session
)


def create_session(
    event: Event,
    *,
    actor: Actor,
    title: dict[str, str] | str,
    start: datetime.datetime,
    end: datetime.datetime,
    **fields: Unpack[SessionOptions],
) -> Session:
    """A new session of an event.

    SPEC A3: a session placed in a location without a capacity gets the most specific
    location's capacity; a capacity is required when registrants build their own agenda.
    """
    session = Session(event=event, title=title, start=start, end=end)
    return SESSIONS.create(session, fields, actor=actor)


def update_session(session: Session, *, actor: Actor, **changes: Unpack[SessionChanges]) -> Session:
    """Change a session. Moving it to another location while its capacity is still the old
    location's default (and no capacity is given) takes the new location's capacity."""
    organizer = session.event.organizer
    require(actor, organizer, Perm.CHANGE_EVENTS)
    with restored_on_error(session):
        before = audit.snapshot(session)
        old_location = session.location
        defaulted = (
            old_location is not None
            and session.capacity is not None
            and session.capacity == old_location.effective_capacity()
        )
        apply_changes(session, changes, SESSION_CHANGES)
        errors: dict[str, list[str]] = {}
        _clean_session(session, errors)
        moved = "location" in changes and session.location_id != getattr(old_location, "pk", None)
        if (
            moved
            and defaulted
            and "capacity" not in changes
            and "location" not in errors
            and session.location is not None
        ):
            capacity = session.location.effective_capacity()
            if capacity is not None:
                session.capacity = capacity
        if "location" not in errors:
            session.apply_location_default()
        save_with_audit(
            session,
            errors=errors,
            actor=actor,
            action="session.updated",
            perm=Perm.CHANGE_EVENTS,
            before=before,
            validate_exclude=["event"],
        )
    return session


def delete_session(session: Session, *, actor: Actor) -> None:
    SESSIONS.delete(session, actor=actor)


# --- festival pages (D9) -------------------------------------------------------------------

COVER_MAX_BYTES = 5 * 1024 * 1024
COVER_MAX_WIDTH = 1600
COVER_MAX_PIXELS = 40_000_000  # refuse decompression bombs before decoding
COVER_FORMATS = {"PNG", "JPEG", "GIF", "WEBP"}


def prepare_cover(upload, *, field: str = "cover") -> Any:
    """A validated cover image as a JPEG `ContentFile` at most COVER_MAX_WIDTH wide.

    `upload` is a file-like object (an uploaded file). Raises ValidationFailed on `field`
    for anything that is not a PNG, JPEG, GIF or WebP image of at most 5 MB.
    """
    import io

    from django.core.files.base import ContentFile
    from PIL import Image, UnidentifiedImageError

    from rideau.core.errors import ValidationFailed

    def refuse(message: str):
        return ValidationFailed({field: [message]})

    size = getattr(upload, "size", None)
    if size is not None and size > COVER_MAX_BYTES:
        raise refuse(_("The cover image must be at most 5 MB."))
    try:
        upload.seek(0)
        image: Image.Image = Image.open(upload)
        if image.format not in COVER_FORMATS:
            raise refuse(_("Upload a PNG, JPEG, GIF or WebP image."))
        if image.width * image.height > COVER_MAX_PIXELS:
            raise refuse(_("This image is too large."))
        image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise refuse(_("Upload a PNG, JPEG, GIF or WebP image.")) from None
    image = image.convert("RGB")
    if image.width > COVER_MAX_WIDTH:
        height = max(1, round(image.height * COVER_MAX_WIDTH / image.width))
        image = image.resize((COVER_MAX_WIDTH, height), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85, optimize=True)
    return ContentFile(out.getvalue(), name="cover.jpg")


class FestivalPageOptions(TypedDict, total=False):
    """What a creation takes besides its required arguments."""

    description: dict[str, str] | str
    published: bool


class FestivalPageChanges(FestivalPageOptions, total=False):
    slug: str
    title: dict[str, str] | str


FESTIVAL_PAGE_CHANGES = tuple(FestivalPageChanges.__annotations__)


def _festival_slug_taken() -> dict[str, list[str]]:
    return {"slug": [_("A page with this short name already exists.")]}


def _clean_festival_page(page, errors: dict[str, list[str]]) -> None:
    _clean_named(page, "title", errors, _festival_slug_taken)


# changes go through update_festival_page, which also replaces the cover
FESTIVAL_PAGES = AuditedWrites(
    "festival_page",
    FESTIVAL_PAGE_CHANGES,
    set_by_service=("organizer", "events"),
    clean=_clean_festival_page,
    unique_errors=_festival_slug_taken,
)


def create_festival_page(
    organizer: Organizer,
    *,
    actor: Actor,
    slug: str,
    title: dict[str, str] | str,
    cover=None,
    **fields: Unpack[FestivalPageOptions],
):
    """A new multi-event page (unpublished unless `published`); `cover` is an uploaded
    image, validated and resized."""
    from .models import FestivalPage

    require(actor, organizer, Perm.CHANGE_EVENTS)
    page = FestivalPage(organizer=organizer, slug=slug, title=title)
    if cover is not None:
        page.cover = prepare_cover(cover)
    return FESTIVAL_PAGES.create(page, fields, actor=actor)


def update_festival_page(page, *, actor: Actor, cover=None, remove_cover: bool = False, **changes):
    """Change a page; a new `cover` replaces the old one (whose file is then deleted)."""
    organizer = page.organizer
    require(actor, organizer, Perm.CHANGE_EVENTS)
    new_cover = prepare_cover(cover) if cover is not None else None
    with old_file_dropped(page, "cover"), restored_on_error(page):
        before = audit.snapshot(page)
        apply_changes(page, changes, FESTIVAL_PAGE_CHANGES)
        errors: dict[str, list[str]] = {}
        _clean_festival_page(page, errors)
        if new_cover is not None:
            page.cover = new_cover
        elif remove_cover:
            page.cover = ""
        save_with_audit(
            page,
            errors=errors,
            actor=actor,
            action="festival_page.updated",
            perm=Perm.CHANGE_EVENTS,
            before=before,
            validate_exclude=["organizer", "events"],
            unique_errors=_festival_slug_taken(),
        )
    return page


def set_event_image(event: Event, *, actor: Actor, image=None, remove: bool = False) -> Event:
    """Give the event a new image (an upload, checked and re-encoded as a JPEG at most
    COVER_MAX_WIDTH wide) or remove it; the old file is deleted. Audited."""
    require(actor, event.organizer, Perm.CHANGE_EVENTS)
    if image is None and not remove:
        return event
    with old_file_dropped(event, "image") as old:
        new = prepare_cover(image, field="image") if image is not None else None
        event.image = new if new is not None else ""
        event.save(update_fields=["image"])
        audit.record(
            "event.image_changed",
            event,
            actor=actor,
            organizer=event.organizer,
            before={"image": old},
            after={"image": event.image.name if event.image else ""},
        )
    return event


def set_festival_event(page, event: Event, *, actor: Actor, shown: bool) -> None:
    """Show or hide one of the organiser's events on a multi-event page."""
    from django.db import transaction

    from rideau.core.errors import ValidationFailed

    organizer = page.organizer
    require(actor, organizer, Perm.CHANGE_EVENTS)
    if event.organizer_id != organizer.pk:
        raise ValidationFailed({"event": [_("This event belongs to another organiser.")]})
    with transaction.atomic():
        present = page.events.filter(pk=event.pk).exists()
        if present == shown:
            return
        if shown:
            page.events.add(event)
        else:
            page.events.remove(event)
        audit.record(
            "festival_page.event_shown" if shown else "festival_page.event_hidden",
            page,
            actor=actor,
            organizer=organizer,
            before={"event": None if shown else event.slug},
            after={"event": event.slug if shown else None},
        )


def delete_festival_page(page, *, actor: Actor) -> None:
    with old_file_dropped(page, "cover", deleted=True):
        FESTIVAL_PAGES.delete(page, actor=actor)
