"""Event passes in `rideau demo` (found by the demo command as `<app>.demo.load`): the
public day *Journée des métiers de la scène* takes registrations to the event with two
event passes (SPEC A1): "Matinée technique" (the opening and the lighting workshop, 3
places, full) and "Parcours production" (the opening and the production talk), and a
check-in list whose scanner can stand at a session's door. The production track is also
sold as a paid ticket ("Billet parcours production", ADR 0023: buying it registers with the
pass), and Jules waits in the event's waitlist with the full technical pass. Written
through the services; loaded once (a second run finds the event and stops)."""

import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rideau.catalog.services import create_product, create_rate
from rideau.checkin.services import create_checkin_list
from rideau.core.access import Actor
from rideau.core.models import Organizer, User
from rideau.events.models import Event, Session
from rideau.events.services import create_event_date
from rideau.inventory.services import create_quota
from rideau.messaging.demo_mail import drop_mail_since, outbox_mark

from . import passages, services

EVENT = "journee-metiers-2027"


def _at(days: int, hour: int) -> datetime.datetime:
    day = timezone.localdate() + datetime.timedelta(days=days)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def load(org: Organizer, *, owner: User, **_context) -> None:
    if Event.objects.filter(organizer=org, slug=EVENT).exists():
        return
    actor = Actor(user=owner)
    first_outbox = outbox_mark()
    with transaction.atomic(), timezone.override(org.timezone):
        event = Event.objects.create(
            organizer=org,
            slug=EVENT,
            name={"fr": "Journée des métiers de la scène", "en": "Stage careers day"},
            description={
                "fr": "Choisissez votre parcours : chaque pass donne accès à ses sessions.",
                "en": "Choose your track: each pass gives access to its sessions.",
            },
            kind=Event.Kind.ONSITE,
            visibility=Event.Visibility.PUBLIC,
            capacity=60,  # the public page then links the registration
        )
        create_quota(actor=actor, organizer=org, name=EVENT, size=60, event=event)
        # its day: the public page lists it (without a date it said "No upcoming dates")
        day = create_event_date(event, actor=actor, start=_at(75, 9), end=_at(75, 12))
        # the date's quota, named as the demo names them: its tickets are sold against it
        create_quota(actor=actor, organizer=org, name=f"{EVENT} #1", size=60, date=day)
        sessions = {}
        for key, title, hours, size in (
            ("opening", {"fr": "Ouverture", "en": "Opening"}, (9, 10), 60),
            ("lights", {"fr": "Atelier lumière", "en": "Lighting workshop"}, (10, 12), 3),
            ("production", {"fr": "Produire un spectacle", "en": "Producing a show"}, (10, 12), 40),
        ):
            session = Session.objects.create(
                event=event,
                date=day,
                title=title,
                start=_at(75, hours[0]),
                end=_at(75, hours[1]),
                capacity=size,
            )
            create_quota(
                actor=actor,
                organizer=org,
                name=f"{EVENT} · {title['en']}",  # as the demo names session quotas
                size=size,
                session=session,
            )
            sessions[key] = session
        technical = passages.create_passage(
            event,
            actor=actor,
            name={"fr": "Matinée technique", "en": "Technical morning"},
            sessions=[sessions["opening"], sessions["lights"]],
        )
        # a paid pass: this ticket registers its buyer with the production track
        ticket = create_product(
            org,
            actor=actor,
            name={"fr": "Billet parcours production", "en": "Production track ticket"},
            event=event,
            kind="ticket",
            max_per_order=4,
        )
        create_rate(
            ticket, actor=actor, name={"fr": "Plein tarif", "en": "Full price"}, price=Decimal("15")
        )
        passages.create_passage(
            event,
            actor=actor,
            name={"fr": "Parcours production", "en": "Production track"},
            sessions=[sessions["opening"], sessions["production"]],
            position=1,
            products=[ticket],
        )
        # the door scanner: at the entrance, or at a session's door (SPEC A6)
        create_checkin_list(actor=actor, organizer=org, event=event, name=_("Main entrance"))
        for first, last in (("Inès", "Garnier"), ("Hugo", "Roux"), ("Léa", "Faure")):
            services.register_event(
                event,
                email=f"{last.lower()}.{first[0].lower()}@example.net",
                first_name=first,
                last_name=last,
                passage=technical,
            )
        # the technical morning is full (its workshop): Jules waits for it (A9)
        services.join_waitlist(
            event,
            email="martin.j@example.net",
            first_name="Jules",
            last_name="Martin",
            passage=technical,
        )
    drop_mail_since(first_outbox, org)  # demo people: no confirmation e-mails
