"""The partner portal's part of `rideau demo` (found by the demo command as
`<app>.demo_data.load`): the conference `rencontres-2027` gets three partners at two levels;
"Lumière & Son" has a full team (its two registered attendees hold a free badge ticket),
tasks, documents, a hosted session, meetings and leads.
Written through the services; loaded once (a second run finds the partners and stops)."""

import datetime
import io
from decimal import Decimal

from django.core.files.base import ContentFile
from django.db import transaction
from reportlab.pdfgen import canvas

from rideau.catalog.services import create_product, create_rate
from rideau.contacts.models import Contact
from rideau.core.access import Actor
from rideau.core.models import Organizer, User
from rideau.messaging.demo_mail import drop_mail_since, outbox_mark

from . import meetings, portal, services
from .models import DocumentAssignment, Lead, Partner, TaskAssignment

EVENT = "rencontres-2027"


def _pdf(title: str) -> ContentFile:
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer)
    pdf.drawString(72, 760, title)
    pdf.save()
    return ContentFile(buffer.getvalue(), name="guide.pdf")


def load(org: Organizer, *, owner: User, **_context) -> None:
    event = org.events.filter(slug=EVENT).first()
    if event is None or Partner.objects.filter(event=event).exists():
        return
    actor = Actor(user=owner)
    first_outbox = outbox_mark()
    with transaction.atomic():
        services.ensure_tabs(event)
        # exhibitors' registered attendees get a free badge ticket of this rate (SPEC B4),
        # sold on the partner channel only, so the shop never offers it
        badge = create_product(
            org,
            actor=actor,
            name={"fr": "Badge exposant", "en": "Exhibitor badge"},
            event=event,
            kind="ticket",
        )
        badge_rate = create_rate(
            badge,
            actor=actor,
            name={"fr": "Badge", "en": "Badge"},
            price=Decimal("0"),
            channels=["partner"],
        )
        services.update_settings(
            event,
            actor=actor,
            open_portal=True,
            show_badges=True,
            badge_rate=badge_rate,
            show_registered_counts=True,
            show_present_counts=True,
            leads_open=True,
            organizer_contacts="Zoé Martin, relations partenaires — partenaires@rideau.localhost",
        )
        gold = services.save_level(event, actor=actor, name="Partenaires or", team_limit=6)
        silver = services.save_level(
            event, actor=actor, name="Partenaires argent", team_limit=3, position=1
        )
        services.save_profile_field(
            event, actor=actor, key="about", label="Présentation", kind="rich"
        )
        services.save_profile_field(
            event, actor=actor, key="website", label="Site web", kind="url", position=1
        )
        services.save_profile_field(
            event,
            actor=actor,
            key="sector",
            label="Secteur",
            kind="choice",
            choices=["Technique", "Billetterie", "Édition"],
            position=2,
        )
        lumiere = services.create_partner(
            event,
            actor=actor,
            name="Lumière & Son",
            slug="lumiere-son",
            kind="sponsor",
            level=gold,
            admin_email="claire.dumas@lumiere-son.example",
            admin_first_name="Claire",
            admin_last_name="Dumas",
        )
        services.create_partner(
            event,
            actor=actor,
            name="Billetterie Ouverte",
            slug="billetterie-ouverte",
            kind="exhibitor",
            level=gold,
            admin_email="marc.petit@billetterie-ouverte.example",
            admin_first_name="Marc",
        )
        services.create_partner(
            event,
            actor=actor,
            name="Tréteaux Éditions",
            slug="treteaux",
            kind="exhibitor",
            level=silver,
            admin_email="julie.bernard@treteaux.example",
            admin_first_name="Julie",
        )
        admin = lumiere.team.get()
        services.add_member(
            lumiere,
            actor=actor,
            email="tom.leroy@lumiere-son.example",
            first_name="Tom",
            last_name="Leroy",
            role="sales",
            job_title="Responsable commercial",
        )
        for first, last in [("Sarah", "Moreau"), ("Karim", "Benali")]:
            services.add_member(
                lumiere,
                actor=actor,
                email=f"{first.lower()}.{last.lower()}@lumiere-son.example",
                first_name=first,
                last_name=last,
                role="attendee",
            )
        portal.update_profile(
            lumiere,
            member=admin,
            values={
                "about": "<p>Éclairage et sonorisation <strong>pour les salles de spectacle"
                "</strong> depuis 1987.</p>",
                "website": "https://lumiere-son.example",
                "sector": "Technique",
            },
        )
        portal.save_offer(
            lumiere,
            member=admin,
            kind="job",
            title="Régisseur·se lumière (CDI)",
            description="Basé à Lyon, tournées en Europe.",
        )
        portal.save_offer(
            lumiere,
            member=admin,
            kind="promotion",
            title="-15 % sur la location de consoles pendant les Rencontres",
        )
        first_date = event.dates.order_by("start").first()
        if first_date is None:
            return
        start = first_date.start
        insurance = services.create_task(
            event,
            actor=actor,
            title="Attestation d'assurance",
            description="Déposez l'attestation de responsabilité civile de votre stand.",
            due=start - datetime.timedelta(days=14),
            answer_kind="text",
        )
        services.create_task(
            event,
            actor=actor,
            title="Confirmer l'électricité du stand",
            due=start - datetime.timedelta(days=7),
            answer_kind="checkbox",
            partners=[lumiere],
        )
        portal.answer_task(
            TaskAssignment.objects.get(task=insurance, partner=lumiere),
            member=admin,
            text="Police n° 2027-118, MAAF Pro.",
        )
        guide = services.add_document(
            event, actor=actor, title="Guide de l'exposant", file=_pdf("Guide de l'exposant")
        )
        services.add_document(
            event,
            actor=actor,
            title="Plan du salon",
            file=_pdf("Plan du salon"),
            partners=[lumiere],
        )
        portal.mark_viewed(
            DocumentAssignment.objects.get(document=guide, partner=lumiere), member=admin
        )
        session = event.sessions.filter(title__en="Ticketing and data").first()
        if session is not None:
            hosted = services.host_session(lumiere, actor=actor, session=session)
            portal.update_hosted_session(
                hosted,
                member=admin,
                pitch="Retours d'expérience de trois scènes nationales.",
                speakers=list(lumiere.team.filter(role__in=["admin", "sales"])),
            )
        attendees = list(
            Contact.objects.filter(organizer=org, email__endswith="@example.net").order_by("pk")[:4]
        )
        for i, contact in enumerate(attendees):
            meetings.set_listing(
                event,
                contact,
                listed=i < 3,
                shares_details=i < 2,
                headline="Équiper une salle de 400 places" if i == 0 else "",
            )
        space = meetings.add_space(lumiere, member=admin, name="Stand 12")
        slots = meetings.add_slots(
            space,
            member=admin,
            start=start + datetime.timedelta(hours=1),
            end=start + datetime.timedelta(hours=4),
            minutes=30,
        )
        listed = attendees[:3]
        if len(listed) >= 2:
            accepted = meetings.propose(
                lumiere,
                member=admin,
                contact=listed[0],
                slot=slots[0],
                message="Un café au stand ?",
            )
            meetings.answer(accepted, contact=listed[0], accept=True)
            meetings.propose(lumiere, member=admin, contact=listed[1], slot=slots[1])
            for contact, rating in ((listed[0], 5), (listed[1], 3)):
                Lead.objects.create(
                    partner=lumiere,
                    contact=contact,
                    scanned_by=admin,
                    rating=rating,
                    note="Rencontré à l'ouverture",
                )
        drop_mail_since(first_outbox, org)  # fictitious people: no e-mails from the demo
