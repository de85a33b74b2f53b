"""Renewals across two seasons (SPEC D5): same seat, same QR secret; the seats are held for
the holder during the window and back on sale by themselves after it."""

import datetime
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from rideau.checkin.services import scan
from rideau.inventory import services as inventory
from rideau.inventory.errors import InventoryError
from rideau.inventory.models import Hold, SeatHold
from rideau.inventory.queries import check_integrity
from rideau.orders import services as orders
from rideau.passes import queries, renewals, services
from rideau.passes.errors import PassError
from rideau.passes.models import Pass, Renewal
from tests.factories import CheckinListFactory

pytestmark = pytest.mark.django_db

BUYER = orders.Buyer(email="ana@example.net", name="Ana Lopez")


def sold_pass(world):
    return services.sell_pass(
        world.organizer,
        rate=world.auto_rate,
        holder=services.HolderInput(last_name="Lopez", first_name="Ana"),
        buyer=BUYER,
        paid=True,
        provider="cash",
    )


def seat_of(p):
    return queries.usual_seat(p)


def campaign(world, actor, product, *, closes):
    return renewals.create_campaign(
        world.organizer,
        actor=actor,
        name="Renew 27",
        from_product=world.automatic,
        to_products=[product],
        closes=closes,
    )


def test_a_renewed_pass_keeps_its_seat_and_its_qr_code(world, actor, next_season):
    product, dates = next_season
    old = sold_pass(world)
    seat = seat_of(old)
    campaign(world, actor, product, closes=timezone.now() + datetime.timedelta(days=10))

    renewal = renewals.renewal_for(world.organizer, old.plain_code)
    new = renewals.renew(
        renewal, rate=product.product.rates.get(), buyer=BUYER, paid=True, provider="cash"
    )

    old.refresh_from_db()
    assert old.status == Pass.Status.RENEWED
    assert new.secret == old.secret
    assert new.renewed_from == old
    assert (new.last_name, new.first_name) == ("Lopez", "Ana")
    new_seats = SeatHold.objects.filter(active=True, hold__tickets__pass_ticket__pass_obj=new)
    assert sorted(s.date_id for s in new_seats) == [d.pk for d in dates]
    assert {s.seat_id for s in new_seats} == {seat.pk}
    # the same QR code enters the new season and no longer the old one
    new_list = CheckinListFactory(event=dates[0].event, any_day=True)
    old_list = CheckinListFactory(event=world.events[0], any_day=True)
    assert scan(checkin_list=new_list, secret=new.secret, actor=None).result == "valid"
    assert scan(checkin_list=old_list, secret=old.secret, actor=None).result == "unknown"
    assert check_integrity()[1] == []


def test_the_window_holds_the_seat_from_the_public(world, actor, next_season):
    product, dates = next_season
    old = sold_pass(world)
    seat = seat_of(old)
    closes = timezone.now() + datetime.timedelta(days=10)
    campaign(world, actor, product, closes=closes)

    held = Hold.objects.filter(kind=Hold.Kind.PREHOLD, state=Hold.State.HELD)
    assert held.count() == 2
    assert {h.expires_at for h in held} == {closes}
    with pytest.raises(InventoryError) as exc, transaction.atomic():
        inventory.take(
            organizer=world.organizer,
            items=[inventory.HoldRequest(date=dates[0], seats=(seat,))],
            expires_at=None,
            owner_ref="order:public",
        )
    assert exc.value.code == "seat_taken"


def test_unrenewed_seats_go_back_on_sale_by_themselves_at_the_window_end(world, actor, next_season):
    product, dates = next_season
    old = sold_pass(world)
    seat = seat_of(old)
    closes = timezone.now() + datetime.timedelta(days=10)
    campaign(world, actor, product, closes=closes)
    after = closes + datetime.timedelta(minutes=1)

    with transaction.atomic():  # no job ran: the public buyer's take finds the hold expired
        inventory.take(
            organizer=world.organizer,
            items=[inventory.HoldRequest(date=dates[0], seats=(seat,))],
            expires_at=None,
            owner_ref="order:public",
            now=after,
        )

    assert SeatHold.objects.get(date=dates[0], active=True).hold.owner_ref == "order:public"
    renewal = Renewal.objects.get()
    with pytest.raises(PassError) as exc:
        renewals.renew(renewal, rate=product.product.rates.get(), buyer=BUYER, paid=True, now=after)
    assert exc.value.code == "window_closed"
    assert check_integrity()[1] == []


def test_a_pass_is_renewed_once(world, actor, next_season):
    product, _dates = next_season
    old = sold_pass(world)
    campaign(world, actor, product, closes=timezone.now() + datetime.timedelta(days=10))
    renewal = Renewal.objects.get()
    rate = product.product.rates.get()
    renewals.renew(renewal, rate=rate, buyer=BUYER, paid=True, provider="cash")

    with pytest.raises(PassError) as exc:
        renewals.renew(renewal, rate=rate, buyer=BUYER, paid=True, provider="cash")
    assert exc.value.code in {"already_renewed", "pass_inactive"}
    assert Pass.objects.filter(secret=old.secret, status=Pass.Status.ACTIVE).count() == 1


def test_a_pass_sold_after_the_campaign_was_made_is_offered_the_renewal_too(
    world, actor, next_season
):
    """The campaign listed the passes active when it was made; one sold since (the old
    season still on sale) joins it once its sale is processed, its seat held the same way."""
    from rideau.core.domain_events import process_events

    product, dates = next_season
    closes = timezone.now() + datetime.timedelta(days=10)
    made = campaign(world, actor, product, closes=closes)
    late = sold_pass(world)
    assert renewals.renewal_for(world.organizer, late.plain_code) is None  # not yet processed

    process_events()
    process_events()  # idempotent: the same event handled again adds nothing

    renewal = renewals.renewal_for(world.organizer, late.plain_code)
    assert renewal is not None and renewal.campaign == made
    assert Renewal.objects.filter(old_pass=late).count() == 1
    assert renewal.holds.filter(state=Hold.State.HELD, expires_at=closes).count() == len(dates)
    new = renewals.renew(
        renewal, rate=product.product.rates.get(), buyer=BUYER, paid=True, provider="cash"
    )
    assert new.secret == late.secret
    # a closed campaign takes no one any more
    gone = sold_pass(world)
    made.closes = timezone.now() - datetime.timedelta(minutes=1)
    made.save()
    process_events()
    assert not Renewal.objects.filter(old_pass=gone).exists()


def test_an_unpaid_late_pass_holds_nothing_until_paid_and_a_cancelled_one_lets_go(
    world, actor, next_season
):
    """An abandoned checkout must not hold next season's seats for the whole window; a pass
    cancelled (its order refunded) gives back the seats its renewal held."""
    from rideau.core.domain_events import process_events

    product, dates = next_season
    campaign(world, actor, product, closes=timezone.now() + datetime.timedelta(days=10))
    held = Hold.objects.filter(kind=Hold.Kind.PREHOLD, state=Hold.State.HELD)
    unpaid = services.sell_pass(
        world.organizer,
        rate=world.auto_rate,
        holder=services.HolderInput(last_name="Moreau", first_name="Léa"),
        buyer=orders.Buyer(email="lea@example.net", name="Léa Moreau"),
    )
    process_events()
    assert not Renewal.objects.filter(old_pass=unpaid).exists()
    assert held.count() == 0

    orders.mark_paid(unpaid.order, provider="cash", amount=unpaid.order.total)
    process_events()
    assert Renewal.objects.filter(old_pass=unpaid).count() == 1
    assert held.count() == len(dates)

    orders.cancel_order(unpaid.order, actor=actor, notify=False)
    process_events()
    unpaid.refresh_from_db()
    assert unpaid.status == Pass.Status.CANCELLED
    assert held.count() == 0  # back on sale at once, not at the window's end
    assert check_integrity()[1] == []


def test_a_renewal_paid_takes_over_last_seasons_credit(world, actor, next_season):
    """Resale proceeds on the old pass would be stranded: it opens nothing any more."""

    from rideau.core.domain_events import process_events

    product, _dates = next_season
    old = sold_pass(world)
    Pass.objects.filter(pk=old.pk).update(credit=Decimal("22.00"))
    campaign(world, actor, product, closes=timezone.now() + datetime.timedelta(days=10))
    renewal = renewals.renewal_for(world.organizer, old.plain_code)
    new = renewals.renew(renewal, rate=product.product.rates.get(), buyer=BUYER)  # pending
    process_events()
    new.refresh_from_db()
    assert new.credit == 0  # not before it is paid

    orders.mark_paid(new.order, provider="cash", amount=new.order.total)
    process_events()
    process_events()

    new.refresh_from_db()
    old.refresh_from_db()
    assert (new.credit, old.credit) == (Decimal("22.00"), Decimal("0.00"))
