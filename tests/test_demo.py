"""`rideau demo` loads a complete, coherent demonstration and is safe to run again."""

import datetime
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command
from django.utils import timezone

from rideau.accounts.models import Account
from rideau.boxoffice.models import CashSession
from rideau.catalog.models import Product, Rate
from rideau.checkin.models import CheckinList
from rideau.contacts.models import Contact, CustomField
from rideau.core.models import AuditLogEntry, Organizer, Team, User
from rideau.core.roles import Role
from rideau.events.models import Event, EventDate, Session
from rideau.giftcards.models import GiftVoucher
from rideau.inventory.models import Hold, Quota
from rideau.inventory.queries import check_integrity
from rideau.messaging.models import OutboxMessage
from rideau.ops.management.commands.demo import DEMO_ORDERS_PER_EVENT, SCHOOL_BUYER
from rideau.orders.models import Order
from rideau.registration.models import Registration, WaitlistEntry
from rideau.reservations.models import Reservation
from rideau.scenarios.models import Scenario
from rideau.scenarios.queries import step_statistics
from rideau.venues.models import Location, Venue

# loading the whole demo through the real write paths takes seconds: `make test` runs it,
# `make quick` leaves it out
pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def _run_demo() -> str:
    out = StringIO()
    call_command("demo", stdout=out)
    return out.getvalue()


def _counts() -> dict[str, int]:
    return {
        m._meta.label: m._default_manager.count()
        for m in apps.get_models(include_auto_created=True)
    }


def test_demo_loads_the_demo_organiser_with_its_content_and_a_second_run_adds_nothing():
    """One test, so the demo (the slowest fixture of the quick suite) loads twice, not
    three times: its content first, then what running it again does."""
    output = _run_demo()
    _check_content(output)
    _check_passes()
    _check_second_run()


def _check_passes() -> None:
    from rideau.inventory.models import SeatHold
    from rideau.passes.models import Pass, PassProduct, RenewalCampaign, Resale, Season

    demo = Organizer.objects.get(slug="rideau-demo")
    assert Season.objects.filter(organizer=demo).count() == 2
    modes = set(PassProduct.objects.filter(organizer=demo).values_list("mode", flat=True))
    assert modes == {"automatic", "choice"}
    assert Pass.objects.filter(organizer=demo, status="active").count() == 4  # one at the till
    assert SeatHold.objects.filter(
        active=True, hold__tickets__pass_ticket__pass_obj__organizer=demo
    ).exists()  # a Cyrano seat
    assert [c.is_open() for c in RenewalCampaign.objects.filter(organizer=demo)] == [True]
    assert Resale.objects.filter(organizer=demo, state="listed").count() == 1
    assert check_integrity()[1] == []


def _check_content(output: str) -> None:

    demo = Organizer.objects.get(slug="rideau-demo")
    assert demo.name == "Théâtre & Festival du Rideau"
    assert demo.languages == ["fr", "en"]
    assert (demo.currency, demo.timezone) == ("EUR", "Europe/Paris")
    assert Organizer.objects.count() == 2

    events = Event.objects.filter(organizer=demo)
    # with the members' meeting (event-level registration) and the careers day (event passes)
    assert events.count() == 9
    assert list(
        events.filter(visibility=Event.Visibility.DRAFT).values_list("slug", flat=True)
    ) == ["saison-prochaine"]
    assert events.filter(visibility=Event.Visibility.PUBLIC).count() == 8
    cyrano = events.get(slug="cyrano")
    assert cyrano.name == {"fr": "Cyrano de Bergerac", "en": "Cyrano de Bergerac"}
    assert cyrano.dates.count() == 6
    assert EventDate.objects.filter(event__organizer=demo).count() == 6 + 4 + 2 + 1 + 1 + 1
    ticket = Product.objects.get(event=cyrano, kind=Product.Kind.TICKET)
    assert [(r.name["en"], str(r.price)) for r in ticket.rates.all()] == [
        ("Full price", "32.00"),
        ("Reduced", "22.00"),
        ("Child (under 12)", "12.00"),
    ]
    assert Rate.objects.filter(product__organizer=demo, product__kind="ticket").count() == (
        # + the careers day's ticket sold with a pass (ADR 0023) + the exhibitors' badge
        3 + 4 * 3 + 2 + 1 + 1
    )
    assert events.filter(slug__startswith="festival-").count() == 4

    conference = events.get(slug="rencontres-2027")
    assert conference.self_agenda is True
    sessions = Session.objects.filter(event=conference)
    assert sessions.count() == 6
    assert sessions.filter(capacity__isnull=True).count() == 0
    keynote = sessions.get(title__en="Opening keynote")
    assert keynote.capacity == 600  # from the room (SPEC A3)

    venue = Venue.objects.get(organizer=demo)
    assert Location.objects.filter(venue=venue, kind=Location.Kind.BUILDING).count() == 1
    assert Location.objects.filter(venue=venue, kind=Location.Kind.ROOM).count() == 4
    assert Location.objects.filter(venue=venue, kind=Location.Kind.LAYOUT).count() == 3

    contacts = (
        Contact.objects.filter(organizer=demo)
        .exclude(email__endswith="@example.net")
        .exclude(email=SCHOOL_BUYER[0])
        .exclude(email__endswith=".example")  # partners' teams (rideau.partners.demo_data)
    )
    assert contacts.count() == 6
    assert contacts.filter(consent_email=True).count() == 4
    assert contacts.filter(consent_sms=True).count() == 3
    assert contacts.get(email="alice.durand@example.org").custom["member_number"] == "R-1001"

    opening = Scenario.objects.get(organizer=demo, name="Ouverture de la saison 2027")
    first = step_statistics(opening)[0]
    assert (opening.steps.count(), first.sent, first.opened, first.clicked) == (3, 4, 2, 1)
    assert first.opened_machine == 1
    assert (first.delivered, first.bounced) == (3, 1)  # a late bounce came back
    assert contacts.filter(email_undeliverable_at__isnull=False).count() == 1
    assert Scenario.objects.get(organizer=demo, trigger="order.paid").status == "running"
    assert CustomField.objects.filter(organizer=demo).count() == 2

    # what the capacity engine sells against: one quota per date on sale, one per session
    quotas = Quota.objects.filter(organizer=demo)
    assert quotas.filter(date__isnull=False).count() == 6 + 4 + 2 + 1  # the careers day
    assert quotas.filter(session__isnull=False).count() == 6 + 3  # conference, careers day
    assert quotas.get(date=cyrano.dates.first()).size == 450
    assert quotas.filter(date__event__slug="saison-prochaine").count() == 0

    roles = dict(Team.objects.filter(organizer=demo).values_list("name", "role"))
    assert roles == {
        "Owners": Role.OWNER,
        "Billetterie": Role.BOX_OFFICE,
        "Lecture seule": Role.READ_ONLY,
    }

    # sales over the last six weeks, through the real write path, for a lively overview
    # (the passes' orders have no event: their part is checked by _check_passes)
    orders = (
        Order.objects.filter(organizer=demo)
        .exclude(email=SCHOOL_BUYER[0])
        .exclude(event__isnull=True)
        .exclude(till_movements__isnull=False)  # the box office's shift, checked below
        .distinct()
    )
    assert orders.count() > 60
    assert set(orders.values_list("status", flat=True)) == {Order.Status.PAID}
    assert set(orders.values_list("event__slug", flat=True)) == {
        "cyrano",
        "festival-baroque",
        "festival-cloture",
        "festival-jazz",
        "festival-ouverture",
        "rencontres-2027",
    }
    assert orders.count() == 6 * DEMO_ORDERS_PER_EVENT  # every sale inside its window
    assert orders.filter(created__lt=timezone.now() - datetime.timedelta(days=21)).exists()
    assert orders.filter(created__gt=timezone.now() - datetime.timedelta(days=7)).exists()
    assert check_integrity()[1] == []
    assert not OutboxMessage.objects.filter(to__icontains="@example.net").exists()
    assert (
        CheckinList.objects.filter(organizer=demo).count()
        == demo.events.filter(visibility=Event.Visibility.PUBLIC).count() + 6
    )
    # Cyrano: a list of every date, and one list per performance
    per_night = CheckinList.objects.filter(event=cyrano, dates__isnull=False)
    assert sorted(per_night.values_list("dates", flat=True)) == sorted(
        cyrano.dates.values_list("pk", flat=True)
    )
    # the cashier's closed shift: tickets and a gift voucher sold, the voucher partly spent,
    # and a pass
    shift = CashSession.objects.get(organizer=demo, cashier__email="guichet@rideau.localhost")
    assert shift.closed_at is not None and shift.difference == 0
    assert Order.objects.filter(till_movements__session=shift).distinct().count() == 3
    assert Order.objects.filter(
        till_movements__session=shift, positions__product__kind="pass"
    ).exists()
    voucher = GiftVoucher.objects.get(organizer=demo)
    assert 0 < voucher.balance < voucher.value
    # a school's buyer with a personal space: orders on three channels, two to pay
    school = Order.objects.filter(organizer=demo, email=SCHOOL_BUYER[0], reservation=None)
    assert sorted(school.values_list("channel", "status")) == [
        ("box_office", "paid"),
        ("phone", "pending"),
        ("web", "paid"),
        ("web", "pending"),
    ]
    deadlines = sorted(school.filter(status="pending").values_list("expires_at", flat=True))
    assert deadlines[0] + datetime.timedelta(days=6) < deadlines[1]
    # and three reservations (phone, box office, web shop) due at different deadlines
    reservations = Reservation.objects.filter(organizer=demo, order__email=SCHOOL_BUYER[0])
    assert reservations.count() == 3
    assert len(set(reservations.values_list("deadline", flat=True))) == 3
    assert {r.point_of_sale.channel for r in reservations} == {"phone", "box_office", "web"}
    assert all(r.deadline > timezone.now() for r in reservations)
    option = Hold.objects.get(organizer=demo, kind=Hold.Kind.OPTION, state=Hold.State.HELD)
    assert option.expires_at > timezone.now()  # a staff option for the release screen
    account = Account.objects.get(organizer=demo)
    assert account.contact.email == SCHOOL_BUYER[0]
    assert account.has_password
    assert f"/rideau-demo/account/   {SCHOOL_BUYER[0]}" in output
    owner = User.objects.get(email="demo@rideau.localhost")
    assert owner.check_password("rideau-demo")
    assert list(owner.teams.values_list("organizer__slug", "role")) == [("rideau-demo", Role.OWNER)]
    assert User.objects.get(email="autre@rideau.localhost").teams.get().organizer.slug == (
        "autre-scene"
    )

    assert "demo@rideau.localhost" in output
    assert "guichet@rideau.localhost" in output
    assert "lecture@rideau.localhost" in output
    assert "/rideau-demo/cyrano/" in output
    assert "/rideau-demo/saison-prochaine/" not in output
    assert "/control/" in output
    assert "rideau-demo" in output


def _check_second_run() -> None:
    """Running the demo again creates no duplicates and restores what a visitor changed."""
    first = _counts()
    audit_first = AuditLogEntry.objects.count()
    owner = User.objects.get(email="demo@rideau.localhost")
    owner.set_password("something-else-entirely")
    owner.save()
    Event.objects.filter(slug="cyrano").update(visibility=Event.Visibility.DRAFT)

    _run_demo()

    assert _counts() == first
    # nothing new is logged on the second run
    assert AuditLogEntry.objects.count() == audit_first
    assert first["events.Event"] == 10  # with the members' meeting and the careers day
    assert first["core.User"] == 4
    owner.refresh_from_db()
    assert owner.check_password("rideau-demo")
    assert Event.objects.get(slug="cyrano").visibility == Event.Visibility.PUBLIC


@pytest.mark.django_db
def test_the_demo_conference_has_a_full_session_with_a_waitlist():
    call_command("demo", verbosity=0)
    workshop = Session.objects.get(event__slug="rencontres-2027", title__en="Workshop: youth")
    quota = Quota.objects.get(session=workshop)
    assert quota.taken == quota.size == 6
    assert Registration.objects.filter(session=workshop, state="registered").count() == 6
    waiting = WaitlistEntry.objects.filter(session=workshop, state="waiting")
    assert sorted(waiting.values_list("seats", flat=True)) == [1, 1, 3]  # and a group
    assert workshop.track == "Workshops"
    meeting = Event.objects.get(slug="assemblee-2027")  # event-level registration (A1, A9)
    assert Registration.objects.filter(event=meeting, session=None, state="registered").count() == 4
    assert Quota.objects.get(event=meeting, date=None).taken == 4
    assert WaitlistEntry.objects.filter(event=meeting, session=None, state="waiting").count() == 2
    day = Event.objects.get(slug="journee-metiers-2027")  # event passes (A1, A2)
    assert [p.name["fr"] for p in day.passages.order_by("position")] == [
        "Matinée technique",
        "Parcours production",
    ]
    assert Registration.objects.filter(event=day, session=None, passage__isnull=False).count() == 3
    production = day.passages.get(position=1)  # sold with a paid ticket (ADR 0023)
    assert [p.name["en"] for p in production.products.all()] == ["Production track ticket"]
    assert production.products.get().grants_sessions is True
    waiting = day.waitlist.get(state="waiting")  # the full technical pass is waited for (A9)
    assert (waiting.contact.first_name, waiting.passage.position) == ("Jules", 0)
    lights = Session.objects.get(event=day, title__en="Lighting workshop")
    assert Quota.objects.get(session=lights).taken == 3  # full: its pass shows Full
    call_command("demo", verbosity=0)  # idempotent
    assert WaitlistEntry.objects.filter(session=workshop).count() == 3
    assert WaitlistEntry.objects.filter(event=meeting).count() == 2
    assert Registration.objects.filter(event=day).count() == 9


def test_the_demo_sells_with_the_test_card_without_debug(settings):
    """Production settings (DEBUG and RIDEAU_DEMO_PAYMENTS off): the organisers `rideau demo`
    loads offer the test card in the shop, a real organiser does not."""
    from rideau.orders.payments import providers_for
    from tests.factories import OrganizerFactory

    settings.DEBUG = False
    settings.RIDEAU_DEMO_PAYMENTS = False
    output = _run_demo()
    demo = Organizer.objects.get(slug="rideau-demo")
    real = OrganizerFactory(slug="real")

    offered = [p.identifier for p in providers_for("web", amount=1, organizer=demo)]
    assert offered == ["demo_card"]
    assert [p.identifier for p in providers_for("web", amount=1, organizer=real)] == []
    assert [p.identifier for p in providers_for("web", amount=1)] == []
    assert not real.is_demo
    assert "/control/rideau-demo/mailbox/" in output


def test_without_email_url_the_worker_writes_mail_under_var(tmp_path):
    """The demo's sink: no EMAIL_URL, the delivery backend is Django's file backend."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k not in {"EMAIL_URL", "DEBUG"}}
    env.update(RIDEAU_VAR_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="rideau.settings")
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.RIDEAU_DELIVERY_BACKEND); print(s.EMAIL_FILE_PATH)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout.split()
    assert out == ["django.core.mail.backends.filebased.EmailBackend", str(tmp_path / "mail")]
    checked = subprocess.run(
        [sys.executable, "-m", "rideau.cli", "check", "--deploy"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert "rideau.W001" in checked.stderr + checked.stdout


@pytest.mark.django_db
def test_the_demo_conference_has_three_partners_and_a_full_portal():
    from rideau.partners.models import Lead, Meeting, Partner

    call_command("demo", verbosity=0)
    partners = Partner.objects.filter(event__slug="rencontres-2027").select_related("level")

    assert partners.count() == 3
    assert len({p.level_id for p in partners}) == 2
    lumiere = partners.get(slug="lumiere-son")
    assert sorted(lumiere.team.values_list("role", flat=True)) == [
        "admin",
        "attendee",
        "attendee",
        "sales",
    ]
    assert lumiere.tasks.count() == 2 and lumiere.tasks.filter(done_at__isnull=False).count() == 1
    assert lumiere.documents.count() == 2
    assert lumiere.sessions.count() == 1
    assert Meeting.objects.filter(partner=lumiere, state="accepted").count() == 1
    assert Lead.objects.filter(partner=lumiere).count() == 2
    # the registered attendees' free badge tickets (SPEC B4): one per conference day, on the
    # partner channel, never offered by the shop
    attendees = lumiere.team.filter(role="attendee")
    assert all(m.badge_order is not None for m in attendees)
    badge = attendees[0].badge_order
    assert badge.channel == "partner" and badge.total == 0
    assert badge.positions.count() == 2
