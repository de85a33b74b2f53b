"""factory_boy factories for every model the tests build."""

import datetime
from decimal import Decimal

import factory
from django.utils import timezone

from rideau.catalog.models import Product, Rate, TicketTemplate
from rideau.contacts.models import Contact, CustomField
from rideau.core.models import Organizer, Team, User
from rideau.core.roles import Role
from rideau.events.models import Event, EventDate, Session
from rideau.venues.models import Location, Venue

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"staff{n}@example.org")
    full_name = factory.Faker("name")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class OrganizerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organizer

    slug = factory.Sequence(lambda n: f"org{n}")
    name = factory.Sequence(lambda n: f"Organiser {n}")
    languages = factory.LazyFunction(lambda: ["en", "fr"])
    contact_email = "hello@example.org"


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team
        skip_postgeneration_save = True

    organizer = factory.SubFactory(OrganizerFactory)
    name = factory.Sequence(lambda n: f"Team {n}")
    role = Role.OWNER

    @factory.post_generation
    def members(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.members.add(*extracted)


def member(organizer: Organizer, role: str = Role.OWNER, **user_kwargs) -> User:
    """A user in a team of `organizer` with `role`."""
    user = UserFactory(**user_kwargs)
    TeamFactory(organizer=organizer, role=role, members=[user])
    return user


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    organizer = factory.SubFactory(OrganizerFactory)
    email = factory.Sequence(lambda n: f"contact{n}@example.net")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")


class CustomFieldFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CustomField

    organizer = factory.SubFactory(OrganizerFactory)
    key = factory.Sequence(lambda n: f"field_{n}")
    label = factory.LazyFunction(lambda: {"en": "Field", "fr": "Champ"})


class VenueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Venue

    organizer = factory.SubFactory(OrganizerFactory)
    name = factory.Sequence(lambda n: f"Venue {n}")
    city = "Lyon"
    country = "FR"


class LocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Location

    venue = factory.SubFactory(VenueFactory)
    kind = Location.Kind.ROOM
    name = factory.Sequence(lambda n: f"Room {n}")


class EventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Event

    organizer = factory.SubFactory(OrganizerFactory)
    slug = factory.Sequence(lambda n: f"event-{n}")
    name = factory.Sequence(lambda n: {"en": f"Event {n}", "fr": f"Événement {n}"})
    visibility = Event.Visibility.PUBLIC


class EventDateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EventDate

    event = factory.SubFactory(EventFactory)
    start = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=30))
    end = factory.LazyAttribute(lambda o: o.start + datetime.timedelta(hours=2))


class SessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Session

    event = factory.SubFactory(EventFactory)
    title = factory.Sequence(lambda n: {"en": f"Session {n}"})
    start = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=30))
    end = factory.LazyAttribute(lambda o: o.start + datetime.timedelta(hours=1))
    capacity = 50


class TicketTemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TicketTemplate

    organizer = factory.SubFactory(OrganizerFactory)
    name = "Default"
    elements = factory.LazyFunction(lambda: ["event_name", "date", "attendee_name", "qr"])


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    event = factory.SubFactory(EventFactory)
    organizer = factory.LazyAttribute(
        lambda o: o.event.organizer if o.event else OrganizerFactory()
    )
    name = factory.LazyFunction(lambda: {"en": "Admission", "fr": "Entrée"})


class RateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Rate

    product = factory.SubFactory(ProductFactory)
    name = factory.LazyFunction(lambda: {"en": "Full price", "fr": "Plein tarif"})
    price = Decimal("25.00")


# --- seating and inventory (added with rideau.inventory) ---


def _layout() -> Location:
    room = LocationFactory()
    return LocationFactory(venue=room.venue, parent=room, kind=Location.Kind.LAYOUT)


class SeatingPlanFactory(factory.django.DjangoModelFactory):
    """A plan on a room layout (pass `location=` a layout of the organiser's venue)."""

    class Meta:
        model = "venues.SeatingPlan"

    location = factory.LazyFunction(_layout)
    name = factory.Sequence(lambda n: f"Plan {n}")


class SeatFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "venues.Seat"

    plan = factory.SubFactory(SeatingPlanFactory)
    section = ""
    row = "A"
    number = factory.Sequence(lambda n: n + 1)


class QuotaFactory(factory.django.DjangoModelFactory):
    """A quota on one event date (pass `date=`, or other scopes and `organizer=`)."""

    class Meta:
        model = "inventory.Quota"

    date = factory.SubFactory(EventDateFactory)
    organizer = factory.LazyAttribute(lambda o: o.date.event.organizer)
    name = factory.Sequence(lambda n: f"Quota {n}")
    size = 10


# --- orders (added with the orders API) ---


class OrderFactory(factory.django.DjangoModelFactory):
    """A pending order without tickets (pass `organizer=` and `event=` of one organiser);
    orders with tickets and places are made with `rideau.orders.services.place_order`."""

    class Meta:
        model = "orders.Order"

    event = factory.SubFactory(EventFactory)
    organizer = factory.LazyAttribute(lambda o: o.event.organizer)
    email = factory.Sequence(lambda n: f"buyer{n}@example.net")
    buyer_name = factory.Faker("name")
    total = Decimal("0.00")
    currency = "EUR"


# --- ticket control (added with the check-in app) ---


class CheckinListFactory(factory.django.DjangoModelFactory):
    """A check-in list admitting every product and date of its event (pass `event=`)."""

    class Meta:
        model = "checkin.CheckinList"

    event = factory.SubFactory(EventFactory)
    organizer = factory.LazyAttribute(lambda o: o.event.organizer)
    name = factory.Sequence(lambda n: f"Main entrance {n}")


# --- back-office jobs (added with the back-office orders and event overview) ---


class PositionFactory(factory.django.DjangoModelFactory):
    """A ticket row without a place (pass `order=`); real tickets come from place_order."""

    class Meta:
        model = "orders.Position"

    order = factory.SubFactory(OrderFactory)
    product = factory.SubFactory(
        ProductFactory,
        event=factory.SelfAttribute("..order.event"),
        organizer=factory.SelfAttribute("..order.organizer"),
    )
    rate = factory.SubFactory(RateFactory, product=factory.SelfAttribute("..product"))
    price = Decimal("25.00")


class JobFactory(factory.django.DjangoModelFactory):
    """A queued buyers export of an event (pass `event=`)."""

    class Meta:
        model = "core.Job"

    event = factory.SubFactory(EventFactory)
    organizer = factory.LazyAttribute(lambda o: o.event.organizer)
    kind = "export_csv"
    params = factory.LazyFunction(lambda: {"format": "csv"})


# --- multi-event pages (added with the back-office event management, D9) ---


class FestivalPageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "events.FestivalPage"

    organizer = factory.SubFactory(OrganizerFactory)
    slug = factory.Sequence(lambda n: f"programme-{n}")
    title = factory.LazyFunction(lambda: {"en": "Festival", "fr": "Festival"})
    published = True


# --- custom questions and discount codes (added with their back-office pages) ---


class QuestionFactory(factory.django.DjangoModelFactory):
    """A text question of a product (pass `product=`)."""

    class Meta:
        model = "catalog.Question"

    product = factory.SubFactory(ProductFactory)
    label = factory.LazyFunction(lambda: {"en": "Dietary needs", "fr": "Régime alimentaire"})
    kind = "text"


class VoucherFactory(factory.django.DjangoModelFactory):
    """A 10 % discount code valid for every event of its organiser."""

    class Meta:
        model = "orders.Voucher"

    organizer = factory.SubFactory(OrganizerFactory)
    code = factory.Sequence(lambda n: f"CODE{n}")
    kind = "percent"
    value = Decimal("10.00")


class RegistrationFactory(factory.django.DjangoModelFactory):
    """A session registration without a place (as for a webinar); tests needing the engine
    register through `rideau.registration.services`."""

    class Meta:
        model = "registration.Registration"

    session = factory.SubFactory(SessionFactory)
    event = factory.SelfAttribute("session.event")
    organizer = factory.SelfAttribute("session.event.organizer")
    contact = factory.SubFactory(ContactFactory, organizer=factory.SelfAttribute("..organizer"))


class WaitlistEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "registration.WaitlistEntry"

    session = factory.SubFactory(SessionFactory)
    event = factory.SelfAttribute("session.event")
    organizer = factory.SelfAttribute("session.event.organizer")
    contact = factory.SubFactory(ContactFactory, organizer=factory.SelfAttribute("..organizer"))


# --- the personal space (added with the accounts app) ---


class AccountFactory(factory.django.DjangoModelFactory):
    """A personal account of a contact (pass `contact=`, or `organizer=` for a new contact)."""

    class Meta:
        model = "accounts.Account"

    contact = factory.SubFactory(ContactFactory)
    organizer = factory.LazyAttribute(lambda o: o.contact.organizer)


# --- gift vouchers and the box office (added with giftcards and boxoffice) ---


class GiftVoucherFactory(factory.django.DjangoModelFactory):
    """A gift voucher of 50 (its code derived and hashed as the service does)."""

    class Meta:
        model = "giftcards.GiftVoucher"

    organizer = factory.SubFactory(OrganizerFactory)
    value = Decimal("50.00")
    balance = factory.SelfAttribute("value")
    currency = "EUR"
    expires_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=365))

    @factory.post_generation
    def code(obj, create, extracted, **kwargs):
        from rideau.giftcards import codes

        obj.code_hash = codes.code_hash(obj.code)
        obj.code_hint = codes.hint(obj.code)
        if create:
            obj.save(update_fields=["code_hash", "code_hint"])


class CashSessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "boxoffice.CashSession"

    organizer = factory.SubFactory(OrganizerFactory)
    cashier_name = "Cashier"
    device = factory.Sequence(lambda n: f"device-{n}")
    opening_float = Decimal("100.00")


# --- marketing: templates, segments, scenarios (added with the scenarios app) ---


class MessageTemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "messaging.MessageTemplate"

    organizer = factory.SubFactory(OrganizerFactory)
    name = factory.Sequence(lambda n: f"Message {n}")
    subject = factory.LazyFunction(lambda: {"en": "Hello {{ first_name }}"})
    body_text = factory.LazyFunction(lambda: {"en": "Hello {{ first_name }}"})


class SegmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "scenarios.Segment"

    organizer = factory.SubFactory(OrganizerFactory)
    name = factory.Sequence(lambda n: f"Segment {n}")
    conditions = factory.LazyFunction(lambda: [{"field": "consent_email", "value": True}])


class ScenarioFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "scenarios.Scenario"

    organizer = factory.SubFactory(OrganizerFactory)
    name = factory.Sequence(lambda n: f"Scenario {n}")
    segment = factory.SubFactory(SegmentFactory, organizer=factory.SelfAttribute("..organizer"))


class StepFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "scenarios.Step"

    scenario = factory.SubFactory(ScenarioFactory)
    position = factory.Sequence(lambda n: n + 1)
    template = factory.SubFactory(
        MessageTemplateFactory, organizer=factory.SelfAttribute("..scenario.organizer")
    )


# --- the partner portal (added with the partners app) ---


class PartnerLevelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "partners.PartnerLevel"

    event = factory.SubFactory(EventFactory)
    name = factory.Sequence(lambda n: f"Level {n}")


class PartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "partners.Partner"

    event = factory.SubFactory(EventFactory)
    organizer = factory.SelfAttribute("event.organizer")
    name = factory.Sequence(lambda n: f"Partner {n}")
    slug = factory.Sequence(lambda n: f"partner-{n}")


class PortalTabFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "partners.PortalTab"

    event = factory.SubFactory(EventFactory)
    kind = "custom"
    title = "Practical information"
    content = "<p>Set-up starts at 7:00.</p>"


class ProfileFieldFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "partners.ProfileField"

    event = factory.SubFactory(EventFactory)
    key = factory.Sequence(lambda n: f"field{n}")
    label = "About us"
    kind = "text"


class TeamMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "partners.TeamMember"

    partner = factory.SubFactory(PartnerFactory)
    contact = factory.SubFactory(
        ContactFactory, organizer=factory.SelfAttribute("..partner.organizer")
    )
    role = "admin"
    badge_code = factory.Sequence(lambda n: f"BADGE{n:08d}")


class OfferFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "partners.Offer"

    partner = factory.SubFactory(PartnerFactory)
    title = "Sales engineer"


class TaskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "partners.Task"

    event = factory.SubFactory(EventFactory)
    title = "Send your logo"
    due = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=10))
    answer_kind = "text"


class TaskAssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "partners.TaskAssignment"

    task = factory.SubFactory(TaskFactory)
    partner = factory.SubFactory(PartnerFactory, event=factory.SelfAttribute("..task.event"))


class DocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "partners.Document"

    event = factory.SubFactory(EventFactory)
    title = "Exhibitor handbook"
    file = factory.django.FileField(filename="handbook.pdf", data=b"%PDF-1.4 handbook")


class DocumentAssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "partners.DocumentAssignment"

    document = factory.SubFactory(DocumentFactory)
    partner = factory.SubFactory(PartnerFactory, event=factory.SelfAttribute("..document.event"))


class HostedSessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "partners.HostedSession"

    partner = factory.SubFactory(PartnerFactory)
    session = factory.SubFactory(SessionFactory, event=factory.SelfAttribute("..partner.event"))


class LeadFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "partners.Lead"

    partner = factory.SubFactory(PartnerFactory)
    contact = factory.SubFactory(
        ContactFactory, organizer=factory.SelfAttribute("..partner.organizer")
    )


class MeetingSpaceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "partners.MeetingSpace"

    partner = factory.SubFactory(PartnerFactory)
    name = "Stand A12"


class MeetingSlotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "partners.MeetingSlot"

    space = factory.SubFactory(MeetingSpaceFactory)
    start = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=20))
    end = factory.LazyAttribute(lambda o: o.start + datetime.timedelta(minutes=30))


class MeetingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "partners.Meeting"

    partner = factory.SubFactory(PartnerFactory)
    slot = factory.SubFactory(
        MeetingSlotFactory, space__partner=factory.SelfAttribute("...partner")
    )
    contact = factory.SubFactory(
        ContactFactory, organizer=factory.SelfAttribute("..partner.organizer")
    )


class EventPassageFactory(factory.django.DjangoModelFactory):
    """An event pass ("passage", SPEC A1) of an event: a preset set of its sessions."""

    class Meta:
        model = "registration.EventPassage"

    event = factory.SubFactory(EventFactory)
    organizer = factory.SelfAttribute("event.organizer")
    name = factory.Sequence(lambda n: {"en": f"Pass {n}"})
