"""Passes at the box office (SPEC D1, D10; ADR 0021): a pass sold through the till's cart
and payment with its holder and places, in one order with the rest of the cart; the box
office channel honoured; the shift's report counts it; passes found and managed."""

from decimal import Decimal

import pytest

from rideau.boxoffice import reports, services
from rideau.boxoffice.models import Movement
from rideau.boxoffice.queries import pass_offers
from rideau.boxoffice.services import GiftLine, PassLine, Tender
from rideau.core.domain_events import process_events
from rideau.core.errors import ValidationFailed
from rideau.giftcards import services as giftcards
from rideau.inventory.models import Hold, Quota
from rideau.inventory.queries import check_integrity
from rideau.messaging.models import OutboxMessage
from rideau.orders.errors import OrderError
from rideau.orders.models import Order, SalesChannel
from rideau.passes import cards, queries
from rideau.passes import services as passes
from rideau.passes.errors import PassError
from rideau.passes.models import Pass, PassTicket
from tests.giftcards.test_giftcards import pdf_text
from tests.passes.conftest import make_world

pytestmark = pytest.mark.django_db

ANA = passes.HolderInput(last_name="Lopez", first_name="Ana", email="ana@example.net")


@pytest.fixture
def world(organizer, actor):
    return make_world(organizer, actor, seated=False)


def test_an_automatic_pass_and_tickets_sold_together_for_cash(
    organizer, cashier_actor, world, show, shift
):
    date, rate = show
    services.add_places(organizer, token="t", rate=rate, date=date, quantity=1, actor=cashier_actor)

    sale = services.sell(
        shift,
        token="t",
        pass_lines=[PassLine(rate=world.auto_rate, holder=ANA)],
        tenders=[Tender(method="cash", amount=Decimal("110"), given=Decimal("120"))],
        actor=cashier_actor,
    )

    order = sale.order
    assert (order.status, order.channel, order.total) == ("paid", SalesChannel.BOX_OFFICE, 110)
    assert sale.change == Decimal("10")
    [p] = sale.passes
    assert (p.order, p.holder_name, p.email, p.status) == (order, "Ana Lopez", ANA.email, "active")
    assert passes.find_pass(organizer, p.plain_code) == p
    assert [t.date_id for t in p.tickets.all()] == [d.pk for d in world.dates]
    assert all(
        t.position.order_id == order.pk and t.position.hold.state == Hold.State.CONFIRMED
        for t in p.tickets.select_related("position__hold")
    )
    assert order.email == ANA.email  # the holder gets the order's e-mails
    assert OutboxMessage.objects.filter(to=[ANA.email], subject__contains="pass").exists()
    assert Hold.objects.filter(owner_ref="pos:t", state="held").count() == 0
    assert check_integrity()[1] == []


def test_a_choice_pass_takes_the_events_chosen_at_the_counter(
    organizer, cashier_actor, world, shift
):
    picked = world.dates[:2]

    sale = services.sell(
        shift,
        token="t",
        pass_lines=[PassLine(rate=world.choice_rate, holder=ANA, dates=picked)],
        tenders=[Tender(method="card_present", amount=Decimal("40"))],
        actor=cashier_actor,
    )

    [p] = sale.passes
    assert sorted(p.tickets.values_list("date_id", flat=True)) == [d.pk for d in picked]
    assert passes.remaining_choices(p) == 0
    with pytest.raises(PassError) as exc:
        services.add_pass_tickets(p, dates=[world.dates[2]], actor=cashier_actor)
    assert exc.value.code == "no_choices_left"


def test_a_choice_pass_gets_more_tickets_later_at_the_counter(
    organizer, cashier_actor, world, shift
):
    sale = services.sell(
        shift,
        token="t",
        pass_lines=[PassLine(rate=world.choice_rate, holder=ANA, dates=world.dates[:1])],
        tenders=[Tender(method="cash", amount=Decimal("40"))],
        actor=cashier_actor,
    )
    [p] = sale.passes

    order = services.add_pass_tickets(p, dates=[world.dates[2]], actor=cashier_actor)

    assert (order.channel, order.total, order.status) == (SalesChannel.BOX_OFFICE, 0, "paid")
    assert p.tickets.filter(state=PassTicket.State.VALID).count() == 2
    assert passes.remaining_choices(p) == 0


def test_choices_beyond_the_pass_or_outside_it_are_refused_before_anything_is_written(
    organizer, cashier_actor, world, show, shift
):
    date, _rate = show  # an event the pass does not grant
    for dates, code in [(world.dates, "too_many_choices"), ([date], "not_granted")]:
        line = PassLine(rate=world.choice_rate, holder=ANA, dates=dates)
        with pytest.raises(PassError) as exc:
            services.check_pass(organizer, line, actor=cashier_actor)
        assert exc.value.code == code
        with pytest.raises(PassError):
            services.sell(
                shift,
                token="t",
                pass_lines=[line],
                tenders=[Tender(method="cash", amount=Decimal("40"))],
                actor=cashier_actor,
            )
    assert (Order.objects.count(), Pass.objects.count(), Movement.objects.count()) == (0, 0, 0)


def test_the_holder_fields_are_validated_with_field_messages(organizer, cashier_actor, world):
    line = PassLine(
        rate=world.auto_rate,
        holder=passes.HolderInput(first_name="Ana", mobile="12", email="ana@example.net"),
    )

    with pytest.raises(ValidationFailed) as exc:
        services.check_pass(organizer, line, actor=cashier_actor)

    assert set(exc.value.errors) == {"last_name", "mobile"}
    assert Pass.objects.count() == 0


def test_a_rate_not_sold_at_the_box_office_is_refused(organizer, cashier_actor, world, shift):
    rate = world.auto_rate
    rate.channels = [SalesChannel.WEB]
    rate.save()
    line = PassLine(rate=rate, holder=ANA)

    with pytest.raises(OrderError) as exc:
        services.check_pass(organizer, line, actor=cashier_actor)
    assert exc.value.code == "not_on_channel"
    with pytest.raises(OrderError):
        services.sell(
            shift,
            token="t",
            pass_lines=[line],
            tenders=[Tender(method="cash", amount=Decimal("90"))],
            actor=cashier_actor,
        )
    assert Pass.objects.count() == 0 and Quota.objects.filter(taken__gt=0).count() == 0
    assert [pp for pp, _rates in pass_offers(organizer)] == [world.choice]


def test_a_pass_paid_by_gift_voucher_card_and_cash(organizer, cashier_actor, actor, world, shift):
    voucher = giftcards.create_voucher(organizer, value=Decimal("30"), actor=actor)

    sale = services.sell(
        shift,
        token="t",
        pass_lines=[PassLine(rate=world.auto_rate, holder=ANA)],
        tenders=[
            Tender(method="gift_voucher", amount=Decimal("30"), code=voucher.code),
            Tender(method="card_present", amount=Decimal("50")),
            Tender(method="cash", amount=Decimal("10"), given=Decimal("20")),
        ],
        actor=cashier_actor,
    )

    assert sale.change == Decimal("10")
    assert sorted(sale.order.payments.values_list("provider", "amount")) == [
        ("card_present", Decimal("50.00")),
        ("cash", Decimal("10.00")),
        ("gift_voucher", Decimal("30.00")),
    ]
    voucher.refresh_from_db()
    assert voucher.balance == 0
    assert len(sale.passes) == 1


def test_a_sold_out_date_fails_the_whole_sale(organizer, cashier_actor, world, shift):
    Quota.objects.filter(date=world.dates[1]).update(size=0)

    with pytest.raises(Exception) as exc:
        services.sell(
            shift,
            token="t",
            pass_lines=[PassLine(rate=world.auto_rate, holder=ANA)],
            tenders=[Tender(method="cash", amount=Decimal("90"))],
            actor=cashier_actor,
        )

    assert exc.value.code == "sold_out"
    assert (Order.objects.count(), Pass.objects.count(), Movement.objects.count()) == (0, 0, 0)
    assert check_integrity()[1] == []


def test_the_shift_report_counts_the_passes_sold_and_refunded(
    organizer, cashier_actor, world, gift_rate, shift
):
    first = services.sell(
        shift,
        token="a",
        gifts=[GiftLine(rate=gift_rate)],
        pass_lines=[PassLine(rate=world.auto_rate, holder=ANA)],
        tenders=[Tender(method="cash", amount=Decimal("120"))],
        actor=cashier_actor,
    )
    second = services.sell(
        shift,
        token="b",
        pass_lines=[PassLine(rate=world.choice_rate, holder=ANA, dates=world.dates[:2])],
        tenders=[Tender(method="card_present", amount=Decimal("40"))],
        actor=cashier_actor,
    )
    services.refund(shift, second.order, actor=cashier_actor)

    report = reports.report_for(shift)

    assert (report.passes_sold, report.passes_sold_amount) == (2, Decimal("130"))
    assert report.total_sales == first.order.total + second.order.total == Decimal("160")
    assert report.sales == {"cash": Decimal("120"), "card_present": Decimal("40")}
    assert report.refunds == {"card_present": Decimal("40")}
    assert report.expected_cash == shift.opening_float + 120
    assert sum(line.amount for line in report.lines) == Decimal("160")
    process_events()  # the refund's OrderCanceled cancels the pass
    assert Pass.objects.get(order=second.order).status == Pass.Status.CANCELLED
    assert "Passes sold" in pdf_text(reports.render_report_pdf(shift))


def test_passes_are_found_by_code_holder_or_the_card_qr_and_reprinted(
    organizer, cashier_actor, world, shift
):
    sale = services.sell(
        shift,
        token="t",
        pass_lines=[PassLine(rate=world.auto_rate, holder=ANA)],
        tenders=[Tender(method="cash", amount=Decimal("90"))],
        actor=cashier_actor,
    )
    [p] = sale.passes

    for query in (p.plain_code, "lopez", "ana@example", p.secret):
        assert list(queries.search_passes(organizer, query)) == [p], query
    a4, cr80 = cards.render_card(p, "paper"), cards.render_card(p, "pvc")
    assert a4.startswith(b"%PDF") and cr80.startswith(b"%PDF") and a4 != cr80
