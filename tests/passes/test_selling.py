"""Selling passes (SPEC D1): the pass, its code and secret, one place per date, all or nothing."""

import datetime
import io
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from rideau.checkin.services import scan
from rideau.core.errors import ValidationFailed
from rideau.inventory.errors import InventoryError
from rideau.inventory.models import Hold, SeatHold
from rideau.inventory.queries import check_integrity
from rideau.messaging.models import OutboxMessage
from rideau.orders import services as orders
from rideau.orders.models import Order
from rideau.passes import services
from rideau.passes.errors import PassError
from rideau.passes.models import Pass, PassTicket
from tests.factories import CheckinListFactory, QuotaFactory

pytestmark = pytest.mark.django_db

BUYER = orders.Buyer(email="ana@example.net", name="Ana Lopez")


def sell(world, **holder):
    holder = {"last_name": "Lopez", "first_name": "Ana", **holder}
    return services.sell_pass(
        world.organizer,
        rate=world.auto_rate,
        holder=services.HolderInput(**holder),
        buyer=BUYER,
        paid=True,
        provider="cash",
    )


def test_an_automatic_pass_takes_one_seat_per_date_in_one_order(world):
    p = sell(world)

    assert p.status == Pass.Status.ACTIVE
    tickets = list(p.tickets.select_related("position__hold"))
    assert [t.date_id for t in tickets] == [d.pk for d in world.dates]
    assert {t.position.order_id for t in tickets} == {p.order_id}
    assert all(t.position.hold.state == Hold.State.CONFIRMED for t in tickets)
    assert SeatHold.objects.filter(active=True).count() == 3
    assert Order.objects.get().total == 90
    assert check_integrity()[1] == []


def test_the_pass_code_is_hashed_and_mailed_once(world):
    p = sell(world)

    code = p.plain_code
    stored = Pass.objects.get()
    assert code not in (stored.code_hash, stored.secret)
    assert stored.code_hint == code[-3:]
    assert services.find_pass(world.organizer, code.lower()) == stored
    assert services.find_pass(world.organizer, "WRONGCODE1") is None
    mail = OutboxMessage.objects.get(reference=f"pass:{p.pk}:issued")
    assert code in mail.body_text
    # with the way in: the subscriber space's login page
    login = f"/{world.organizer.slug}/account/subscriber/login/"
    assert f"Your subscriber space: {settings.SITE_URL}{login}" in mail.body_text


def test_the_french_pass_mail_puts_a_space_before_the_colon(world):
    p = services.sell_pass(
        world.organizer,
        rate=world.auto_rate,
        holder=services.HolderInput(last_name="Martin", first_name="Zoé"),
        buyer=orders.Buyer(email="zoe@example.net", name="Zoé Martin", locale="fr"),
        paid=True,
        provider="cash",
    )

    mail = OutboxMessage.objects.get(reference=f"pass:{p.pk}:issued")
    assert "Abonné\u00a0: Zoé Martin" in mail.body_text


def test_a_sold_out_date_sells_nothing_at_all(world):
    last = world.dates[-1]
    last.quotas.update(size=0)

    with pytest.raises(InventoryError) as exc:
        sell(world)

    assert exc.value.code == "sold_out"
    assert Order.objects.count() == 0
    assert Pass.objects.count() == 0
    assert Hold.objects.count() == 0
    assert SeatHold.objects.count() == 0


def test_holder_fields_are_validated_field_by_field(world):
    with pytest.raises(ValidationFailed) as exc:
        sell(world, first_name="", mobile="12")

    assert set(exc.value.errors) == {"first_name", "mobile"}
    assert Order.objects.count() == 0


def test_mobile_is_stored_in_international_form_and_photo_resized(world):
    image = io.BytesIO()
    Image.new("RGB", (2000, 1500), "red").save(image, format="PNG")
    photo = SimpleUploadedFile("me.png", image.getvalue(), content_type="image/png")

    p = sell(world, mobile="06 12 34 56 78", photo=photo)

    assert p.mobile == "+33612345678"
    with Image.open(p.photo.path) as stored:
        assert stored.size == (600, 450)
        assert stored.format == "JPEG"


def test_fields_the_pass_does_not_ask_for_are_not_kept(world):
    p = sell(world, company="ACME")

    assert p.company == ""


def test_the_pass_qr_code_enters_every_event_once_per_date(world):
    p = sell(world)
    first, second = world.events[0], world.events[1]
    list_one = CheckinListFactory(event=first, any_day=True)
    list_two = CheckinListFactory(event=second, any_day=True)

    assert scan(checkin_list=list_one, secret=p.secret, actor=None).result == "valid"
    assert scan(checkin_list=list_one, secret=p.secret, actor=None).result == "already_used"
    assert scan(checkin_list=list_two, secret=p.secret, actor=None).result == "valid"


def test_the_pass_qr_code_is_unknown_where_the_pass_grants_nothing(world, organizer):
    from tests.factories import EventFactory

    p = sell(world)
    elsewhere = CheckinListFactory(event=EventFactory(organizer=organizer), any_day=True)

    assert scan(checkin_list=elsewhere, secret=p.secret, actor=None).result == "unknown"


def test_a_cancelled_pass_order_frees_the_seats_and_the_pass_stops_scanning(world):
    from rideau.core.domain_events import process_events

    p = sell(world)
    orders.cancel_order(p.order, reason="changed mind")
    process_events()

    p.refresh_from_db()
    assert p.status == Pass.Status.CANCELLED
    assert SeatHold.objects.filter(active=True).count() == 0
    checkin_list = CheckinListFactory(event=world.events[0], any_day=True)
    assert scan(checkin_list=checkin_list, secret=p.secret, actor=None).result == "unknown"


def test_choice_pass_adds_chosen_events_within_its_choices(world):
    p = services.sell_pass(
        world.organizer,
        rate=world.choice_rate,
        holder=services.HolderInput(last_name="L", first_name="A"),
        buyer=BUYER,
        paid=True,
        provider="cash",
    )
    assert p.tickets.count() == 0
    assert services.remaining_choices(p) == 2

    order = services.add_choices(p, dates=[world.dates[0]])

    assert order.total == 0 and order.status == Order.Status.PAID
    assert services.remaining_choices(p) == 1
    # the holder gets the tickets by e-mail, with the PDF, naming the show
    from rideau.messaging.models import OutboxMessage

    mail = OutboxMessage.objects.get(reference=f"order:{order.pk}")
    assert mail.to == [p.email] and mail.attachments.count() == 2
    assert order.locale == p.order.locale  # in the holder's language, as their pass's order
    assert f"{world.events[0].name['en']}: " in mail.text()
    with pytest.raises(PassError) as exc:
        services.add_choices(p, dates=[world.dates[1], world.dates[2]])
    assert exc.value.code == "too_many_choices"
    with pytest.raises(PassError) as exc:
        services.add_choices(p, dates=[world.dates[0]])
    assert exc.value.code == "already_chosen"
    from tests.factories import EventDateFactory, QuotaFactory

    matinee = EventDateFactory(
        event=world.events[2], start=world.dates[2].start + datetime.timedelta(days=1)
    )
    QuotaFactory(date=matinee, size=10)
    with pytest.raises(PassError) as exc:  # two dates of one show: not "already has a ticket"
        services.add_choices(p, dates=[world.dates[2], matinee])
    assert exc.value.code == "one_date_per_event"
    services.add_choices(p, dates=[world.dates[2]])
    assert services.remaining_choices(p) == 0
    assert PassTicket.objects.filter(pass_obj=p).count() == 2


def test_a_pending_pass_order_holds_its_places_until_its_deadline(world):
    p = services.sell_pass(
        world.organizer,
        rate=world.auto_rate,
        holder=services.HolderInput(last_name="L", first_name="A"),
        buyer=BUYER,
        provider="bank_transfer",
    )
    holds = Hold.objects.filter(owner_ref=f"order:{p.order_id}")
    assert {h.state for h in holds} == {Hold.State.HELD}
    assert holds.count() == 4  # the pass itself and three dates

    orders.mark_paid(p.order, provider="bank_transfer", amount=p.order.total)

    assert {h.state for h in holds.all()} == {Hold.State.CONFIRMED}


def test_an_extra_quota_on_the_pass_product_counts_passes_not_dates(world):
    QuotaFactory(date=None, organizer=world.organizer, product=world.automatic.product, size=1)
    sell(world)

    with pytest.raises(InventoryError) as exc:
        sell(world)
    assert exc.value.code == "sold_out"
    assert Pass.objects.count() == 1
    _ = datetime


def test_an_unpaid_choice_pass_cannot_add_events_yet(world):
    p = services.sell_pass(
        world.organizer,
        rate=world.choice_rate,
        holder=services.HolderInput(last_name="L", first_name="A"),
        buyer=BUYER,
        provider="bank_transfer",
    )

    with pytest.raises(PassError) as exc:
        services.add_choices(p, dates=[world.dates[0]])
    assert exc.value.code == "pass_inactive"


def test_cancelling_a_choice_pass_cancels_the_events_chosen_since(world):
    from rideau.core.domain_events import process_events

    p = services.sell_pass(
        world.organizer,
        rate=world.choice_rate,
        holder=services.HolderInput(last_name="L", first_name="A"),
        buyer=BUYER,
        paid=True,
        provider="cash",
    )
    chosen = services.add_choices(p, dates=[world.dates[0]])

    orders.cancel_order(p.order, reason="refund")
    while process_events().done:  # the worker's job, until nothing is left
        pass

    chosen.refresh_from_db()
    assert chosen.status == Order.Status.CANCELLED
    assert SeatHold.objects.filter(active=True).count() == 0


def test_a_pass_still_to_pay_gets_its_code_once_paid(world):
    """Its code was e-mailed at once, though the pass opened nothing until paid (a buyer
    who never paid had a code in their mailbox); the code made at the sale was shown to no
    one, so the e-mail sent on payment carries a fresh one, and it works."""
    from rideau.core.domain_events import process_events
    from rideau.messaging.models import OutboxMessage
    from rideau.orders import services as orders

    p = services.sell_pass(
        world.organizer,
        rate=world.auto_rate,
        holder=services.HolderInput(last_name="Lopez", first_name="Ana"),
        buyer=orders.Buyer(email="ana@example.net", name="Ana Lopez"),
        provider="bank_transfer",
    )
    mails = OutboxMessage.objects.filter(reference=f"pass:{p.pk}:issued")
    process_events()
    assert not mails.exists()

    orders.mark_paid(p.order, provider="bank_transfer", amount=p.order.total)
    process_events()
    process_events()  # once

    [mail] = mails
    code = next(
        w for w in mail.body_text.split() if w.endswith(p.__class__.objects.get(pk=p.pk).code_hint)
    )
    assert services.find_pass(world.organizer, code) == p
    assert services.find_pass(world.organizer, p.plain_code) is None  # the unseen first one


def test_a_choice_pass_without_events_asks_for_them(world, actor):
    """It said "pick from 1 to 1 events" under the number of choices."""
    from rideau.core.errors import ValidationFailed
    from rideau.passes.models import PassProduct

    data = services.PassProductInput(
        name="Pick some",
        season=world.season,
        events=[],
        mode=PassProduct.Mode.CHOICE,
        choices=1,
        rates=[services.RateInput(name="Full", price=Decimal("40.00"))],
    )
    with pytest.raises(ValidationFailed) as exc:
        services.create_pass_product(world.organizer, actor=actor, data=data)
    assert exc.value.errors["events"] == ["Choose the events the holder picks from."]
    assert "choices" not in exc.value.errors
