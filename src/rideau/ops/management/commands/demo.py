"""`rideau demo`: load a demonstration organiser (and a second one) with French and English
content, staff logins, a venue, a multi-date show, a festival and a conference.

Idempotent: every object is found by a natural key (slug, e-mail, name, position) and
updated in place, so running the command twice leaves the same rows. Dates are placed in
the coming weeks, counted from the day the command runs.
"""

import datetime
import importlib.util
import io
import random
import unicodedata
import zoneinfo
from decimal import Decimal

from django.apps import apps
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rideau.accounts.models import Account
from rideau.accounts.services import open_account, set_password
from rideau.catalog.models import Product, Rate, TicketTemplate
from rideau.checkin.models import CheckinList
from rideau.checkin.services import create_checkin_list
from rideau.contacts.models import Contact, CustomField
from rideau.core.access import Actor
from rideau.core.models import Organizer, Team, User
from rideau.core.roles import Role
from rideau.core.services import create_organizer, full_clean
from rideau.events.models import Event, EventDate, Session
from rideau.inventory.errors import InventoryError
from rideau.inventory.models import Quota
from rideau.inventory.queries import seating_plan_for
from rideau.inventory.services import HoldRequest, create_quota, take
from rideau.messaging.demo_mail import drop_mail_since, outbox_mark
from rideau.messaging.models import OutboxMessage
from rideau.orders.errors import OrderError
from rideau.orders.models import Order
from rideau.orders.services import Buyer, OrderLine, place_order
from rideau.registration import services as registration_services
from rideau.registration.models import AgendaSettings, Registration
from rideau.venues.models import Location, SeatingPlan, Venue
from rideau.venues.services import SectionSpec, save_seating_plan, seats_from_sections

DEMO_ORDERS_PER_EVENT = 30
DEMO_FIRST_NAMES = ["Camille", "Louis", "Inès", "Hugo", "Léa", "Noah", "Chloé", "Jules", "Emma"]
DEMO_LAST_NAMES = ["Martin", "Bernard", "Dubois", "Petit", "Robert", "Richard", "Moreau"]
DEMO_PROVIDERS = ["demo_card", "cash", "bank_transfer"]
DEMO_SLUG = "rideau-demo"
OTHER_SLUG = "autre-scene"
PASSWORD = "rideau-demo"  # noqa: S105 - the published demo password, printed at the end

# (e-mail, full name, language, team name, role)
STAFF = [
    ("demo@rideau.localhost", "Camille Martin", "fr", "Owners", Role.OWNER),
    ("guichet@rideau.localhost", "Lucas Bernard", "fr", "Billetterie", Role.BOX_OFFICE),
    ("lecture@rideau.localhost", "Inès Petit", "en", "Lecture seule", Role.READ_ONLY),
]
OTHER_OWNER = ("autre@rideau.localhost", "Sam Taylor", "en")
# a B2B buyer with a personal space: a teacher booking for her school's classes
SCHOOL_BUYER = ("claire.rousseau@college-moulin.example", "Claire Rousseau", "fr")

FULL, REDUCED, CHILD = (
    {"fr": "Plein tarif", "en": "Full price"},
    {"fr": "Tarif réduit", "en": "Reduced"},
    {"fr": "Enfant (-12 ans)", "en": "Child (under 12)"},
)


POSTER_PALETTES = [
    ((122, 24, 40), (233, 120, 60)),  # curtain red to amber
    ((20, 50, 110), (90, 170, 210)),  # night blue to sky
    ((40, 90, 60), (200, 190, 90)),  # green to gold
    ((70, 30, 100), (220, 110, 160)),  # purple to pink
    ((30, 30, 40), (150, 150, 170)),  # charcoal to silver
]


def _poster(seed: str) -> ContentFile:
    """A 1200 × 630 JPEG drawn with Pillow for a demo event: a gradient, stage-curtain
    folds and spotlights, so the demo shows images without downloading any."""
    from PIL import Image, ImageDraw

    rng = random.Random(seed)
    top, bottom = POSTER_PALETTES[sum(seed.encode()) % len(POSTER_PALETTES)]
    width, height = 1200, 630
    image = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(image)
    for y in range(height):
        mix = y / (height - 1)
        draw.line(
            [(0, y), (width, y)],
            fill=tuple(round(a + (b - a) * mix) for a, b in zip(top, bottom, strict=True)),
        )
    for x in range(0, width, 60):  # curtain folds
        shade = rng.randint(-25, 25)
        colour = tuple(max(0, min(255, c + shade)) for c in top)
        draw.rectangle([x, 0, x + 30, rng.randint(60, 140)], fill=colour)
    for _spot in range(7):  # spotlights
        r = rng.randint(40, 140)
        cx, cy = rng.randint(0, width), rng.randint(160, height)
        draw.ellipse([cx - r, cy - r, cx + r, cy + r], outline=(255, 255, 255), width=3)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=82, optimize=True)
    return ContentFile(out.getvalue(), name="poster.jpg")


def _ascii(text: str) -> str:
    """ "Inès" → "ines": e-mail local parts stay plain ASCII."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def _clean_save(obj):
    full_clean(obj)
    obj.save()
    return obj


def _upsert(model, lookup: dict, values: dict):
    """Find by natural key `lookup`, set `values`, validate and save."""
    obj = model.objects.filter(**lookup).first() or model(**lookup)
    for name, value in values.items():
        setattr(obj, name, value)
    return _clean_save(obj)


class Command(BaseCommand):
    help = "Load the demonstration organisers, staff logins and events (safe to run again)."

    def handle(self, *args, **options):
        with transaction.atomic():
            tz = zoneinfo.ZoneInfo("Europe/Paris")
            today = timezone.now().astimezone(tz).date()
            self.at = lambda days, hour, minute=0: datetime.datetime.combine(
                today + datetime.timedelta(days=days), datetime.time(hour, minute), tzinfo=tz
            )
            users = self.load_staff()
            demo = self.load_demo_organizer(users)
            self.load_area_demos(demo, users)
            other = self.load_other_organizer()
        self.print_summary(demo, other)

    # --- people ---------------------------------------------------------------------

    def _user(self, email: str, full_name: str, locale: str) -> User:
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            user = User.objects.create_user(email, PASSWORD, full_name=full_name, locale=locale)
        else:
            user.full_name, user.locale, user.is_active = full_name, locale, True
            if not user.check_password(PASSWORD):
                user.set_password(PASSWORD)
            user.save()
        return user

    def load_staff(self) -> dict[str, User]:
        return {email: self._user(email, name, lang) for email, name, lang, _t, _r in STAFF}

    def _organizer(self, *, slug, name, owner, languages, description, email) -> Organizer:
        organizer = Organizer.objects.filter(slug=slug).first()
        if organizer is None:
            organizer = create_organizer(
                name=name,
                slug=slug,
                owner=owner,
                currency="EUR",
                timezone="Europe/Paris",
                languages=languages,
            )
        organizer.name, organizer.languages = name, languages
        organizer.currency, organizer.timezone = "EUR", "Europe/Paris"
        organizer.description, organizer.contact_email = description, email
        organizer.is_demo = True  # the test card provider, for this organiser only
        return _clean_save(organizer)

    def _team(self, organizer: Organizer, name: str, role: str, members: list[User]) -> Team:
        team = _upsert(Team, {"organizer": organizer, "name": name}, {"role": role})
        team.members.add(*members)
        return team

    # --- the demo organiser -----------------------------------------------------------

    def load_demo_organizer(self, users: dict[str, User]) -> Organizer:
        owner = users[STAFF[0][0]]
        org = self._organizer(
            slug=DEMO_SLUG,
            name="Théâtre & Festival du Rideau",
            owner=owner,
            languages=["fr", "en"],
            email="bonjour@rideau.localhost",
            description={
                "fr": "Un théâtre municipal, son festival d'été et ses rencontres "
                "professionnelles.",
                "en": "A city theatre, its summer festival and its professional meetings.",
            },
        )
        for email, _name, _lang, team_name, role in STAFF:
            self._team(org, team_name, role, [users[email]])

        template = _upsert(
            TicketTemplate,
            {"organizer": org, "name": "Billet A4"},
            {"elements": ["event_name", "date", "venue", "attendee_name", "rate", "price", "qr"]},
        )
        venue, rooms, layouts = self.load_venue(org)
        self.load_seating(layouts["seated"], owner)
        self.load_show(org, venue, layouts["seated"], template)
        self.load_festival(org, venue, rooms, template)
        self.load_conference(org, venue, rooms, template)
        self.load_draft(org, venue)
        self.load_contacts(org)
        self.load_quotas(org, owner)
        self.load_agendas(org)
        self.load_members_meeting(org, venue, owner)
        self.load_sales(org)
        self.load_school_buyer(org)
        self.load_checkin(org, owner)
        return org

    # --- sales and ticket control -------------------------------------------------------

    def load_sales(self, org: Organizer) -> None:
        """Paid orders spread over the last six weeks, so the overview has something to show.

        Orders go through the real write path (`place_order`, hence the capacity engine);
        their confirmation e-mails are dropped (the buyers are fictitious). Each order has an
        idempotency key, so a second run adds nothing.
        """
        rng = random.Random(20261123)  # same demo every time
        now = timezone.now()
        # not the tickets sold with an event pass (the careers day's): they register their
        # buyers to sessions, whose demo registrations are the registration app's own
        events = [
            e
            for e in org.events.filter(visibility=Event.Visibility.PUBLIC).order_by("slug")
            if e.products.filter(kind=Product.Kind.TICKET, grants_sessions=False).exists()
            and e.dates.exists()
        ]
        first_outbox = outbox_mark()
        for event in events:
            rates = list(Rate.objects.filter(product__event=event, product__active=True))
            dates = list(event.dates.order_by("start"))
            earliest = now - datetime.timedelta(days=42)  # sales over six weeks at most,
            if event.sales_start and event.sales_start > earliest:  # and never before opening
                earliest = event.sales_start
            for i in range(DEMO_ORDERS_PER_EVENT):
                # draw every random choice first, so a second run sees the same sequence
                first, last = rng.choice(DEMO_FIRST_NAMES), rng.choice(DEMO_LAST_NAMES)
                when = earliest + (now - earliest) * rng.uniform(0.01, 0.99)
                lines = [
                    OrderLine(rate=rng.choice(rates), date=rng.choice(dates), quantity=1)
                    for _n in range(rng.choice([1, 1, 2, 2, 3, 4]))
                ]
                locale, provider = rng.choice(["fr", "fr", "en"]), rng.choice(DEMO_PROVIDERS)
                key = f"demo-{event.slug}-{i}"
                if Order.objects.filter(organizer=org, idempotency_key=key).exists():
                    continue
                try:
                    with transaction.atomic():
                        place_order(
                            org,
                            event=event,
                            lines=lines,
                            holds=self._seat_holds(org, lines, key, when),
                            buyer=Buyer(
                                email=_ascii(f"{first}.{last}.{i}@example.net".lower()),
                                name=f"{first} {last}",
                                locale=locale,
                            ),
                            paid=True,
                            provider=provider,
                            idempotency_key=key,
                            now=when,
                        )
                except (OrderError, InventoryError):
                    continue  # a date sold out or a rate not on sale: fine for a demo
        drop_mail_since(first_outbox, org, to_contains="@example.net")

    def load_school_buyer(self, org: Organizer) -> None:
        """A school's buyer with several orders on several channels, two of them waiting for
        payment with different deadlines, and a personal space (password: the demo one)."""
        email, name, locale = SCHOOL_BUYER
        now = timezone.now()
        cyrano = org.events.get(slug="cyrano")
        dates = list(cyrano.dates.order_by("start"))
        rates = {r.name["en"]: r for r in Rate.objects.filter(product__event=cyrano)}
        # (key, date index, rate, quantity, channel, provider, paid, payment days, placed)
        orders = [
            ("school-1", 0, "Reduced", 10, "box_office", "cash", True, 0, 30),
            ("school-2", 1, "Full price", 2, "web", "demo_card", True, 0, 21),
            ("school-3", 2, "Reduced", 9, "phone", "bank_transfer", False, 12, 2),
            ("school-4", 3, "Child (under 12)", 8, "web", "bank_transfer", False, 5, 1),
        ]
        for key, date, rate, quantity, channel, provider, paid, days, ago in orders:
            key = f"demo-{key}"
            if Order.objects.filter(organizer=org, idempotency_key=key).exists():
                continue
            when = now - datetime.timedelta(days=ago)
            if cyrano.sales_start and when <= cyrano.sales_start:  # never before opening
                when = cyrano.sales_start + datetime.timedelta(hours=1 + ago)
            place_order(
                org,
                event=cyrano,
                lines=[OrderLine(rate=rates[rate], date=dates[date], quantity=quantity)],
                buyer=Buyer(email=email, name=name, locale=locale),
                channel=channel,
                provider=provider,
                paid=paid,
                payment_deadline=now + datetime.timedelta(days=days) - when,
                idempotency_key=key,
                now=when,
            )
        OutboxMessage.objects.filter(organizer=org, to__icontains=email).delete()
        contact = Contact.objects.get(organizer=org, email__iexact=email)
        account = Account.objects.filter(contact=contact).first() or open_account(contact)
        if not account.has_password:
            set_password(account, new_password=PASSWORD, require_current=False)

    def load_area_demos(self, org: Organizer, users: dict) -> None:
        """Areas add their own demo data through a `demo` module with a `load(organizer,
        buyer=…, users=…, owner=…)` function, found by name (in INSTALLED_APPS order): a
        new area brings its demo data without touching this command."""
        for config in apps.get_app_configs():
            name = f"{config.name}.demo"
            if importlib.util.find_spec(name) is not None:
                importlib.import_module(name).load(
                    org, buyer=SCHOOL_BUYER, users=users, owner=users[STAFF[0][0]]
                )

    def _seat_holds(self, org: Organizer, lines: list[OrderLine], key: str, when):
        """On a seated date an order's tickets get the best seats left, like in the shop:
        one hold per line, taken first and handed to `place_order`. None when no line is
        on a seated date (place_order then takes the places itself)."""
        seated = {
            line.date.pk
            for line in lines
            if line.date is not None and seating_plan_for(line.date) is not None
        }
        if not seated:
            return None
        items = [
            HoldRequest(
                quantity=line.quantity,
                date=line.date,
                rate=line.rate,
                product=line.rate.product,
                best_available=line.date is not None and line.date.pk in seated,
            )
            for line in lines
        ]
        return take(
            organizer=org,
            items=items,
            expires_at=when + datetime.timedelta(minutes=30),
            owner_ref=f"demo:{key}",
            now=when,
        )

    def load_seating(self, layout: Location, owner: User) -> None:
        """The seated layout of the big room gets its numbered seats (once): 14 rows of 25 in
        the stalls, 5 rows of 20 in the balcony — the 450 places of its dates."""
        if SeatingPlan.objects.filter(location=layout).exists():
            return
        seats = seats_from_sections(
            [
                SectionSpec(name="Orchestre", rows="A-N", seats_per_row=25),
                SectionSpec(name="Balcon", rows="A-E", seats_per_row=20),
            ]
        )
        save_seating_plan(layout, actor=Actor(user=owner), name="Grande salle assise", seats=seats)

    def load_checkin(self, org: Organizer, owner: User) -> None:
        """One check-in list per public event, so the scanner can be tried."""
        actor = Actor(user=owner)
        for event in org.events.filter(visibility=Event.Visibility.PUBLIC).order_by("slug"):
            if not CheckinList.objects.filter(organizer=org, event=event).exists():
                create_checkin_list(
                    actor=actor, organizer=org, event=event, name=_("Main entrance")
                )
            dates = list(event.dates.order_by("start"))
            if event.slug != "cyrano":
                continue
            # one door list per performance: a ticket of another night is refused there
            entrance = _("Main entrance")
            for date in dates:
                label = date.name.get("fr") or date.start.strftime("%Y-%m-%d")
                name = f"{entrance} — {label}"
                if not CheckinList.objects.filter(organizer=org, event=event, name=name).exists():
                    create_checkin_list(
                        actor=actor, organizer=org, event=event, name=name, dates=[date]
                    )

    def load_venue(self, org: Organizer):
        venue = _upsert(
            Venue,
            {"organizer": org, "name": "Théâtre du Rideau"},
            {
                "address": "12 place de la Comédie",
                "postcode": "69001",
                "city": "Lyon",
                "country": "FR",
                "capacity": 900,
            },
        )

        def loc(kind, name, parent, capacity):
            return _upsert(
                Location,
                {"venue": venue, "kind": kind, "name": name, "parent": parent},
                {"capacity": capacity},
            )

        building = loc(Location.Kind.BUILDING, "Bâtiment principal", None, 900)
        rooms = {
            "grande": loc(Location.Kind.ROOM, "Grande salle", building, 600),
            "studio": loc(Location.Kind.ROOM, "Studio", building, 120),
            "foyer": loc(Location.Kind.ROOM, "Foyer", building, 80),
            "salon": loc(Location.Kind.ROOM, "Salon Molière", building, None),
        }
        layouts = {
            "seated": loc(Location.Kind.LAYOUT, "Configuration assise", rooms["grande"], 450),
            "standing": loc(Location.Kind.LAYOUT, "Configuration debout", rooms["grande"], 600),
            "round": loc(Location.Kind.LAYOUT, "Table ronde", rooms["salon"], 40),
        }
        return venue, rooms, layouts

    def _event(self, org, slug, values) -> Event:
        event = _upsert(Event, {"organizer": org, "slug": slug}, values)
        if not event.image or not event.image.storage.exists(event.image.name):
            event.image.save("poster.jpg", _poster(slug), save=False)
            event.save(update_fields=["image"])
        return event

    def _dates(self, event: Event, specs: list[dict]) -> list[EventDate]:
        """The event's dates in order: existing ones are updated, missing ones created."""
        existing = list(event.dates.order_by("start", "id"))
        result = []
        for index, spec in enumerate(specs):
            date = existing[index] if index < len(existing) else EventDate(event=event)
            for name, value in spec.items():
                setattr(date, name, value)
            result.append(_clean_save(date))
        return result

    def _ticket(self, org, event, template, name, rates) -> Product:
        product = _upsert(
            Product,
            {"organizer": org, "event": event, "kind": Product.Kind.TICKET, "position": 0},
            {"name": name, "ticket_template": template, "max_per_order": 10, "active": True},
        )
        for position, (rate_name, price) in enumerate(rates):
            _upsert(
                Rate,
                {"product": product, "position": position},
                {"name": rate_name, "price": Decimal(price), "active": True},
            )
        return product

    def load_show(self, org, venue, layout, template) -> Event:
        event = self._event(
            org,
            "cyrano",
            {
                "name": {"fr": "Cyrano de Bergerac", "en": "Cyrano de Bergerac"},
                "description": {
                    "fr": "La comédie héroïque d'Edmond Rostand, en six représentations.",
                    "en": "Edmond Rostand's heroic comedy, in six performances.",
                },
                "kind": Event.Kind.ONSITE,
                "visibility": Event.Visibility.PUBLIC,
                "venue": venue,
                "capacity": None,
                "sales_start": self.at(-7, 10),
            },
        )
        specs = []
        for number, days in enumerate([14, 15, 16, 21, 22, 23], start=1):
            matinee = days in (16, 23)  # Sunday-like matinées
            specs.append(
                {
                    "name": {"fr": f"Représentation {number}", "en": f"Performance {number}"},
                    "start": self.at(days, 15 if matinee else 20, 0 if matinee else 30),
                    "end": self.at(days, 18 if matinee else 23),
                    "location": layout,
                    "capacity": 450,
                    "sales_end": self.at(days, 15 if matinee else 20),
                }
            )
        self._dates(event, specs)
        self._ticket(
            org,
            event,
            template,
            {"fr": "Billet", "en": "Ticket"},
            [(FULL, "32.00"), (REDUCED, "22.00"), (CHILD, "12.00")],
        )
        return event

    def load_festival(self, org, venue, rooms, template) -> list[Event]:
        concerts = [
            ("festival-ouverture", "Concert d'ouverture", "Opening concert", 30, "35.00"),
            ("festival-jazz", "Nuit du jazz", "Jazz night", 31, "28.00"),
            ("festival-baroque", "Matinée baroque", "Baroque morning", 32, "24.00"),
            ("festival-cloture", "Bal de clôture", "Closing ball", 33, "18.00"),
        ]
        events = []
        for slug, fr, en, days, price in concerts:
            event = self._event(
                org,
                slug,
                {
                    "name": {"fr": f"Festival du Rideau — {fr}", "en": f"Rideau Festival — {en}"},
                    "description": {
                        "fr": "Un concert du Festival du Rideau.",
                        "en": "A concert of the Rideau Festival.",
                    },
                    "kind": Event.Kind.ONSITE,
                    "visibility": Event.Visibility.PUBLIC,
                    "venue": venue,
                    "capacity": 600,
                },
            )
            self._dates(
                event,
                [
                    {
                        "start": self.at(days, 20),
                        "end": self.at(days, 23),
                        "location": rooms["grande"],
                        "capacity": 600,
                    }
                ],
            )
            self._ticket(
                org,
                event,
                template,
                {"fr": "Entrée", "en": "Admission"},
                [(FULL, price), (REDUCED, str(Decimal(price) - Decimal("8"))), (CHILD, "5.00")],
            )
            events.append(event)
        return events

    def load_conference(self, org, venue, rooms, template) -> Event:
        event = self._event(
            org,
            "rencontres-2027",
            {
                "name": {
                    "fr": "Rencontres professionnelles du spectacle",
                    "en": "Performing Arts Professional Days",
                },
                "description": {
                    "fr": "Deux jours de tables rondes et d'ateliers : composez votre programme.",
                    "en": "Two days of panels and workshops: build your own agenda.",
                },
                "kind": Event.Kind.ONSITE,
                "visibility": Event.Visibility.PUBLIC,
                "venue": venue,
                "capacity": 250,
                "self_agenda": True,
            },
        )
        day1, day2 = self._dates(
            event,
            [
                {"start": self.at(40, 9), "end": self.at(40, 18), "capacity": 250},
                {"start": self.at(41, 9), "end": self.at(41, 17), "capacity": 250},
            ],
        )
        # (day, start hour, minutes, French title, English title, room, capacity or None
        # to take the room's capacity — SPEC A3, track for the agenda's filter)
        sessions = [
            (day1, 9, 60, "Ouverture", "Opening keynote", rooms["grande"], None, "Plenary"),
            (
                day1,
                11,
                90,
                "Billetterie et données",
                "Ticketing and data",
                rooms["studio"],
                100,
                "Business",
            ),
            (
                day1,
                14,
                120,
                "Atelier : jeune public",
                "Workshop: youth",
                rooms["foyer"],
                6,
                "Workshops",
            ),
            (
                day2,
                9,
                90,
                "Table ronde : mécénat",
                "Panel: sponsorship",
                rooms["salon"],
                40,
                "Business",
            ),
            (
                day2,
                11,
                60,
                "Tournées en Europe",
                "Touring in Europe",
                rooms["studio"],
                None,
                "Business",
            ),
            (
                day2,
                14,
                120,
                "Atelier : accessibilité",
                "Access workshop",
                rooms["foyer"],
                25,
                "Workshops",
            ),
        ]
        for date, hour, minutes, fr, en, room, capacity, track in sessions:
            start = date.start.astimezone(zoneinfo.ZoneInfo("Europe/Paris")).replace(hour=hour)
            session = Session.objects.filter(event=event, title__fr=fr).first()
            session = session or Session(event=event)
            session.title, session.date = {"fr": fr, "en": en}, date
            session.start, session.end = start, start + datetime.timedelta(minutes=minutes)
            session.location, session.capacity, session.track = room, capacity, track
            session.apply_location_default()
            _clean_save(session)
        self._ticket(
            org,
            event,
            template,
            {"fr": "Inscription", "en": "Registration"},
            [
                ({"fr": "Professionnel", "en": "Professional"}, "90.00"),
                ({"fr": "Étudiant", "en": "Student"}, "20.00"),
            ],
        )
        return event

    def load_draft(self, org, venue) -> Event:
        event = self._event(
            org,
            "saison-prochaine",
            {
                "name": {"fr": "Saison prochaine (brouillon)", "en": "Next season (draft)"},
                "description": {"fr": "En préparation.", "en": "Being prepared."},
                "visibility": Event.Visibility.DRAFT,
                "venue": venue,
            },
        )
        self._dates(event, [{"start": self.at(120, 20), "end": self.at(120, 22)}])
        return event

    def load_contacts(self, org) -> None:
        _upsert(
            CustomField,
            {"organizer": org, "key": "member_number"},
            {
                "label": {"fr": "Numéro d'adhérent", "en": "Membership number"},
                "kind": CustomField.Kind.TEXT,
                "position": 0,
            },
        )
        _upsert(
            CustomField,
            {"organizer": org, "key": "favourite_genre"},
            {
                "label": {"fr": "Genre préféré", "en": "Favourite genre"},
                "kind": CustomField.Kind.CHOICE,
                "choices": ["theatre", "music", "dance"],
                "position": 1,
            },
        )
        people = [
            ("alice.durand@example.org", "Alice", "Durand", "+33612345678", "fr", True, True),
            ("bruno.leroy@example.org", "Bruno", "Leroy", "", "fr", True, False),
            ("chloe.moreau@example.org", "Chloé", "Moreau", "+33698765432", "fr", False, False),
            ("david.smith@example.com", "David", "Smith", "", "en", True, False),
            ("emma.jones@example.com", "Emma", "Jones", "+447700900123", "en", False, True),
            ("farid.benali@example.org", "Farid", "Benali", "", "fr", True, True),
        ]
        now = timezone.now()
        for number, (email, first, last, phone, lang, mail_ok, sms_ok) in enumerate(people, 1):
            contact = Contact.objects.filter(organizer=org, email__iexact=email).first()
            contact = contact or Contact(organizer=org, email=email)
            contact.first_name, contact.last_name, contact.phone = first, last, phone
            contact.language, contact.consent_email, contact.consent_sms = lang, mail_ok, sms_ok
            if contact.consent_updated is None:
                contact.consent_updated = now
            genre = ["theatre", "music", "dance"][number % 3]
            contact.custom = {"member_number": f"R-{1000 + number}", "favourite_genre": genre}
            _clean_save(contact)

    def load_agendas(self, org: Organizer) -> None:
        """The conference's self-built agendas (SPEC A1–A7): the youth workshop is full
        (6 places) with two people on its waitlist; a few attendees in other sessions."""
        event = org.events.get(slug="rencontres-2027")
        if Registration.objects.filter(session__event=event).exists():
            return
        first_outbox = outbox_mark()
        sessions = {s.title["en"]: s for s in event.sessions.all()}
        workshop = sessions["Workshop: youth"]
        people = [
            ("Camille", "Roux"),
            ("Hugo", "Faure"),
            ("Inès", "Blanc"),
            ("Léa", "Garnier"),
            ("Nina", "Chevalier"),
            ("Paul", "Lambert"),
        ]
        for first, last in people:
            email = f"{_ascii(first).lower()}.{_ascii(last).lower()}@example.net"
            registration_services.register(
                event,
                email=email,
                first_name=first,
                last_name=last,
                sessions=[sessions["Opening keynote"].pk, workshop.pk],
            )
        for first, last in [("Yanis", "Perrin"), ("Zoé", "Marchand")]:
            registration_services.register(
                event,
                email=f"{_ascii(first).lower()}.{_ascii(last).lower()}@example.net",
                first_name=first,
                last_name=last,
                sessions=[sessions["Ticketing and data"].pk],
                waitlist=[workshop.pk],
            )
        # a school class waits as one group entry: offered only when its 3 places are free
        registration_services.join_waitlist(
            workshop, email="classe.cm2@example.net", last_name="École Jules Verne", seats=3
        )
        # the attendees are fictitious: no confirmation e-mails
        drop_mail_since(first_outbox, org, to_contains="@example.net")

    def load_members_meeting(self, org: Organizer, venue, owner: User) -> None:
        """Event-level registration (SPEC A1, A9): the members' meeting registers people to
        the event itself, 4 places (the event's capacity, one quota of the event), all
        taken, and two people on the event's waitlist."""
        event = self._event(
            org,
            "assemblee-2027",
            {
                "name": {"fr": "Assemblée des adhérents", "en": "Members' meeting"},
                "description": {
                    "fr": "Inscription gratuite, places limitées.",
                    "en": "Free registration, limited places.",
                },
                "kind": Event.Kind.ONSITE,
                "visibility": Event.Visibility.PUBLIC,
                "venue": venue,
                "capacity": 4,
            },
        )
        self._dates(event, [{"start": self.at(60, 18), "end": self.at(60, 20)}])
        if Registration.objects.filter(event=event).exists():
            return
        actor = Actor(user=owner)
        if not Quota.objects.filter(event=event, date=None, session=None).exists():
            create_quota(actor=actor, organizer=org, name="assemblee-2027", size=4, event=event)
        registration_services.update_settings(
            event,
            actor=actor,
            waitlist=True,
            promotion=AgendaSettings.Promotion.OFFER,
            offer_hours=48,
            event_registration=True,
        )
        first_outbox = outbox_mark()
        for first, last in [("Alice", "Durand"), ("Bruno", "Leroy"), ("Chloé", "Moreau")]:
            registration_services.register_event(
                event,
                email=f"{_ascii(first).lower()}.{_ascii(last).lower()}@example.org",
                first_name=first,
                last_name=last,
            )
        registration_services.register_event(
            event, email="david.smith@example.com", first_name="David", last_name="Smith"
        )
        for email in ("emma.jones@example.com", "farid.benali@example.org"):
            registration_services.join_waitlist(event, email=email)
        drop_mail_since(first_outbox, org)  # demo people: no confirmation e-mails

    def load_quotas(self, org: Organizer, owner: User) -> None:
        """One quota per date of every event on sale, one per session with a capacity:
        what the capacity engine sells against (no quota, not for sale)."""
        actor = Actor(user=owner)
        existing = set(Quota.objects.filter(organizer=org).values_list("name", flat=True))
        events = org.events.exclude(visibility=Event.Visibility.DRAFT).order_by("slug")
        for event in events:
            # an event selling nothing (the members' meeting registers people to the event
            # itself, on its event-wide quota) needs no quota per date
            dates = event.dates.order_by("start", "id") if event.products.exists() else []
            for index, date in enumerate(dates, start=1):
                size = date.capacity or event.capacity
                name = f"{event.slug} #{index}"
                if size and name not in existing:
                    create_quota(actor=actor, organizer=org, name=name, size=size, date=date)
            for session in event.sessions.order_by("start", "id"):
                name = f"{event.slug} · {session.title.get('en', session.pk)}"[:200]
                if session.capacity and name not in existing:
                    create_quota(
                        actor=actor,
                        organizer=org,
                        name=name,
                        size=session.capacity,
                        session=session,
                    )

    # --- the second organiser ---------------------------------------------------------

    def load_other_organizer(self) -> Organizer:
        email, name, lang = OTHER_OWNER
        owner = self._user(email, name, lang)
        org = self._organizer(
            slug=OTHER_SLUG,
            name="L'Autre Scène",
            owner=owner,
            languages=["en", "fr"],
            email="hello@autre-scene.localhost",
            description={"en": "A second organiser, to show tenant isolation."},
        )
        venue = _upsert(
            Venue,
            {"organizer": org, "name": "Warehouse 9"},
            {"city": "Grenoble", "country": "FR", "capacity": 200},
        )
        event = self._event(
            org,
            "open-mic",
            {
                "name": {"en": "Open mic night", "fr": "Scène ouverte"},
                "visibility": Event.Visibility.PUBLIC,
                "venue": venue,
                "capacity": 200,
            },
        )
        self._dates(event, [{"start": self.at(10, 21), "end": self.at(10, 23, 30)}])
        self._ticket(
            org, event, None, {"en": "Entry", "fr": "Entrée"}, [(FULL, "8.00"), (REDUCED, "5.00")]
        )
        self.load_quotas(org, owner)
        _upsert(
            Contact,
            {"organizer": org, "email": "regular@example.net"},
            {"first_name": "Robin", "last_name": "Regular", "consent_email": True},
        )
        return org

    # --- output -----------------------------------------------------------------------

    def print_summary(self, demo: Organizer, other: Organizer) -> None:
        site = settings.SITE_URL
        out = self.stdout
        out.write(self.style.SUCCESS("Demo data loaded."))
        out.write("")
        out.write(f"Back office:   {site}/control/")
        out.write(f"Mailbox:       {site}/control/{demo.slug}/mailbox/   (every e-mail sent)")
        out.write(f"API docs:      {site}/api/v1/docs")
        out.write(f"Box office:    {site}/control/{demo.slug}/boxoffice/   (a tablet's screen)")
        out.write(f"Gift vouchers: {site}/{demo.slug}/gift-vouchers/")
        for org in (demo, other):
            out.write(f"Public shop:   {site}/{org.slug}/   ({org.name})")
            for event in org.events.exclude(visibility=Event.Visibility.DRAFT).order_by("slug"):
                out.write(f"               {site}/{org.slug}/{event.slug}/")
        out.write("")
        out.write(f"Logins (password for all: {PASSWORD}):")
        for email, _name, _lang, team, role in STAFF:
            out.write(f"  {email:<28} {Role(role).label} — {demo.name} ({team})")
        out.write(f"  {OTHER_OWNER[0]:<28} {Role.OWNER.label} — {other.name}")
        out.write("")
        out.write(f"Personal space (a school's buyer, password {PASSWORD}, or a code by e-mail):")
        out.write(f"  {site}/{demo.slug}/account/   {SCHOOL_BUYER[0]}")
        out.write("Pay with the test card (any number, no money moves); the e-mails land in the")
        out.write("mailbox above (EMAIL_URL unset: written under var/mail/, never sent).")
