"""Taking at the till what an order still owes (SPEC C4, D10): a phone reservation or a web
order waiting for a transfer is paid at the counter — cash, card, gift voucher or several —
and becomes the shift's; a refusal takes nothing."""

import datetime
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from rideau.boxoffice import reports, services
from rideau.boxoffice.errors import BoxOfficeError
from rideau.boxoffice.models import Movement, ShiftSale
from rideau.boxoffice.services import Tender
from rideau.core.domain_events import process_events
from rideau.core.roles import Role
from rideau.giftcards import services as giftcards
from rideau.inventory import services as inventory
from rideau.inventory.models import Hold
from rideau.messaging.models import OutboxMessage
from rideau.orders import services as orders
from rideau.orders.errors import OrderError
from rideau.orders.models import Order, Payment, SalesChannel
from rideau.orders.services import Buyer, OrderLine
from rideau.reservations import services as reservations
from rideau.reservations.models import Reservation
from tests.api.conftest import make_token
from tests.factories import EventDateFactory, OrganizerFactory, QuotaFactory, RateFactory
from tests.reservations.conftest import SCHOOL, make_world

from .conftest import url
from .test_shift_and_slips import xlsx_rows

pytestmark = pytest.mark.django_db


def pending(show, *, quantity=2, email="ana@example.net", now=None):
    date, rate = show
    return orders.place_order(
        rate.product.organizer,
        lines=[OrderLine(rate=rate, date=date, quantity=quantity)],
        buyer=Buyer(email=email, name="Ana"),
        now=now,
    )


def other_show():
    other = OrganizerFactory()
    date = EventDateFactory(event__organizer=other)
    QuotaFactory(date=date, size=10)
    rate = RateFactory(product__event=date.event, product__organizer=other, price=Decimal("20"))
    return date, rate


def test_a_phone_reservation_is_paid_in_cash_at_the_till(organizer, cashier_actor, shift):
    world = make_world(organizer)
    reservation = reservations.reserve(
        organizer,
        event=world.event,
        lines=world.lines(2),  # 2 × 12.00
        buyer=SCHOOL,
        point_of_sale=world.phone,
    )
    order = reservation.order
    OutboxMessage.objects.all().delete()

    sale = services.collect(
        shift,
        order,
        tenders=[Tender(method="cash", amount=Decimal("24"), given=Decimal("30"))],
        actor=cashier_actor,
    )

    assert (sale.order.status, sale.change) == (Order.Status.PAID, Decimal("6"))
    assert {h.state for h in orders.holds_of(order)} == {Hold.State.CONFIRMED}
    assert list(order.payments.values_list("provider", "amount")) == [("cash", Decimal("24"))]
    process_events()  # the reservation follows its order (a domain event)
    reservation.refresh_from_db()
    assert reservation.status == Reservation.Status.PAID
    assert OutboxMessage.objects.filter(to=[SCHOOL.email]).exists()  # the tickets
    # the shift's: its order, its money, the cash in the drawer
    movement = Movement.objects.get()
    assert (movement.kind, movement.provider, movement.amount, movement.given) == (
        "sale",
        "cash",
        Decimal("24"),
        Decimal("30"),
    )
    report = reports.report_for(shift)
    assert (report.orders, report.sales, report.expected_cash) == (
        1,
        {"cash": Decimal("24")},
        Decimal("124"),
    )
    assert [(line.count, line.amount) for line in report.lines] == [(2, Decimal("24"))]


def test_what_an_earlier_voucher_paid_is_not_asked_again_and_several_methods_pay_the_rest(
    organizer, cashier_actor, actor, show, shift
):
    order = pending(show)  # 40.00
    online = giftcards.create_voucher(organizer, value=Decimal("10"), actor=actor)
    giftcards.pay_order(order, code=online.code)  # 10 paid online; 30 due
    counter = giftcards.create_voucher(organizer, value=Decimal("12"), actor=actor)

    with pytest.raises(BoxOfficeError) as exc:  # the whole total is not what is due
        services.collect(
            shift, order, tenders=[Tender(method="cash", amount=Decimal("40"))], actor=cashier_actor
        )
    assert (exc.value.code, exc.value.field) == ("payments_not_due", "amount")
    assert "30.00" in exc.value.message

    services.collect(
        shift,
        order,
        tenders=[
            Tender(method="cash", amount=Decimal("8")),
            Tender(method="card_present", amount=Decimal("10")),
            Tender(method="gift_voucher", amount=Decimal("12"), code=counter.code.lower()),
        ],
        actor=cashier_actor,
    )

    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert sorted(order.payments.values_list("provider", "amount")) == [
        ("card_present", Decimal("10")),
        ("cash", Decimal("8")),
        ("gift_voucher", Decimal("10")),
        ("gift_voucher", Decimal("12")),
    ]
    counter.refresh_from_db()
    assert counter.balance == 0
    assert counter.entries.get(kind="redeemed").channel == SalesChannel.BOX_OFFICE
    assert reports.report_for(shift).sales == {
        "cash": Decimal("8"),
        "card_present": Decimal("10"),
        "gift_voucher": Decimal("12"),
    }
    # and refunding it at the till gives each back its own way
    done = services.refund(shift, order, actor=cashier_actor)
    assert sorted((r.payment.provider, r.amount) for r in done) == [
        ("card_present", Decimal("10")),
        ("cash", Decimal("8")),
        ("gift_voucher", Decimal("10")),
        ("gift_voucher", Decimal("12")),
    ]


def test_refusals_take_nothing(organizer, cashier_actor, actor, show, shift):
    order = pending(show)
    voucher = giftcards.create_voucher(organizer, value=Decimal("5"), actor=actor)
    cases = [  # (order, tenders, code)
        (order, [Tender(method="cash", amount=Decimal("39"))], "payments_not_due"),
        (order, [Tender(method="cheque", amount=Decimal("40"))], "unknown_method"),
        (
            order,
            [Tender(method="cash", amount=Decimal("40"), given=Decimal("20"))],
            "cash_short",
        ),
        (
            order,
            [
                Tender(method="gift_voucher", amount=Decimal("10"), code=voucher.code),
                Tender(method="cash", amount=Decimal("30")),
            ],
            "insufficient_balance",
        ),
    ]
    for target, tenders, code in cases:
        with pytest.raises(Exception) as exc:
            services.collect(shift, target, tenders=tenders, actor=cashier_actor)
        assert exc.value.code == code  # type: ignore[attr-defined]
    paid = pending(show, email="bob@example.net")
    orders.mark_paid(paid, provider="cash", amount=Decimal("40"))
    stranger = pending(other_show(), email="eve@example.net")
    for target in (paid, stranger):  # paid already; another organiser's
        with pytest.raises(BoxOfficeError) as exc:
            services.collect(
                shift,
                target,
                tenders=[Tender(method="cash", amount=Decimal("40"))],
                actor=cashier_actor,
            )
        assert (exc.value.code, exc.value.status) == ("not_payable", 409)
    assert stranger.payments.count() == 0

    order.refresh_from_db()
    voucher.refresh_from_db()
    assert order.status == Order.Status.PENDING and voucher.balance == Decimal("5")
    assert not order.payments.exists()
    assert not Movement.objects.exists() and not ShiftSale.objects.exists()


def test_places_gone_since_take_nothing_not_even_the_voucher(
    organizer, cashier_actor, actor, show, shift
):
    """The order's hold lapsed and the show sold out meanwhile: the voucher redeemed first
    is given back with the rest of the transaction."""
    date, rate = show
    earlier = timezone.now() - datetime.timedelta(hours=2)
    order = pending(show, now=earlier)
    inventory.release_expired_holds(timezone.now())
    orders.place_order(
        organizer,
        lines=[OrderLine(rate=rate, date=date, quantity=10)],
        buyer=Buyer(email="bob@example.net"),
        paid=True,
        provider="cash",
        channel=SalesChannel.BOX_OFFICE,
    )
    voucher = giftcards.create_voucher(organizer, value=Decimal("15"), actor=actor)

    with pytest.raises(OrderError) as exc:
        services.collect(
            shift,
            order,
            tenders=[
                Tender(method="gift_voucher", amount=Decimal("15"), code=voucher.code),
                Tender(method="cash", amount=Decimal("25")),
            ],
            actor=cashier_actor,
        )

    assert exc.value.code == "places_gone"
    voucher.refresh_from_db()
    order.refresh_from_db()
    assert voucher.balance == Decimal("15") and not voucher.entries.filter(kind="redeemed")
    assert order.status == Order.Status.PENDING and not Payment.objects.filter(order=order)
    assert not Movement.objects.exists()


def test_the_order_page_takes_the_payment(till, organizer, show):
    order = pending(show)
    page = till.get(url(organizer, "pos-order", order.pk)).content.decode()
    assert "To pay" in page and "40.00 EUR" in page
    assert "Open a shift to take the payment." in page  # no shift on this device yet
    assert till.post(url(organizer, "pos-shift-open"), {"opening_float": "0"}).status_code == 302
    assert (
        f'action="{url(organizer, "pos-order-pay", order.pk)}"'
        in till.get(url(organizer, "pos-order", order.pk)).content.decode()
    )

    refused = till.post(url(organizer, "pos-order-pay", order.pk), {"card_amount": "50"})
    assert refused.status_code == 422
    assert "The payments add up to" in refused.content.decode()
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING

    done = till.post(
        url(organizer, "pos-order-pay", order.pk),
        {"card_amount": "20", "cash_given": "50"},
        follow=True,
    )
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    content = done.content.decode()
    assert "Change due" in content and "30.00 EUR" in content
    assert "Print tickets (A4)" in content
    again = till.post(url(organizer, "pos-order-pay", order.pk), {"cash_given": "50"}, follow=True)
    assert "not waiting for payment" in again.content.decode()
    assert Movement.objects.count() == 2


def test_a_paid_order_has_no_payment_form(till, organizer, show):
    order = pending(show)
    orders.mark_paid(order, provider="cash", amount=Decimal("40"))
    page = till.get(url(organizer, "pos-order", order.pk)).content.decode()
    assert "To pay" not in page
    assert url(organizer, "pos-order-pay", order.pk) not in page
    # a GET of the form's address goes back to the screen
    assert till.get(url(organizer, "pos-order-pay", order.pk)).status_code == 302


def test_the_api_takes_the_payment_and_refuses_another_organisers_order(organizer, show, shift):
    order = pending(show)
    stranger = pending(other_show(), email="eve@example.net")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {make_token(organizer, Role.BOX_OFFICE)}")
    path = f"/api/v1/organizers/{organizer.slug}/boxoffice/sessions/{shift.pk}/payments"

    def pay(code, payments):
        body = {"order": code, "payments": payments}
        return api.post(path, body, content_type="application/json")

    assert pay(stranger.code, [{"method": "cash", "amount": "40"}]).status_code == 422
    wrong = pay(order.code.lower(), [{"method": "cash", "amount": "30"}])
    assert wrong.status_code == 422
    assert wrong.json()["detail"][0]["type"] == "payments_not_due", wrong.json()
    done = pay(order.code.lower(), [{"method": "cash", "amount": "40", "given": "50"}])

    assert done.status_code == 200, done.content
    assert done.json() == {
        "order": order.code,
        "status": "paid",
        "total": "40.00",
        "paid": "40.00",
        "change": "10.00",
    }
    again = pay(order.code, [{"method": "cash", "amount": "40"}])
    assert again.status_code == 409 and again.json()["code"] == "not_payable"
    assert stranger.payments.count() == 0


def test_a_reservation_past_its_release_time_is_not_paid_at_the_till(
    till, organizer, cashier_actor, shift
):
    """Staff cannot pay it in the back office, nor the buyer online: its places are no longer
    its own, whether or not the release has run (DESIGN rule 2). The page says so."""
    from rideau.reservations.errors import ReservationError

    world = make_world(organizer)
    reservation = reservations.reserve(
        organizer, event=world.event, lines=world.lines(1), buyer=SCHOOL, point_of_sale=world.phone
    )
    Reservation.objects.filter(pk=reservation.pk).update(
        release_at=timezone.now() - datetime.timedelta(minutes=5)
    )

    with pytest.raises(ReservationError) as exc:
        services.collect(
            shift,
            reservation.order,
            tenders=[Tender(method="cash", amount=Decimal("12"))],
            actor=cashier_actor,
        )

    assert exc.value.code == "past_deadline"
    reservation.order.refresh_from_db()
    assert reservation.order.status == Order.Status.PENDING and not Movement.objects.exists()
    page = till.get(url(organizer, "pos-order", reservation.order.pk)).content.decode()
    assert "This reservation&#x27;s deadline has passed." in page
    assert url(organizer, "pos-order-pay", reservation.order.pk) not in page


def test_the_report_of_a_shift_that_collected_an_order_paid_in_part_before_adds_up(
    organizer, cashier_actor, actor, show, shift, till
):
    """The tickets of a collected order are listed at their price, what was paid before the
    till (a voucher online) comes off in a line of its own: the lines add up to what the
    till took, method by method, and to the cash in the drawer."""
    date, rate = show
    order = pending(show)  # 2 × 20.00
    online = giftcards.create_voucher(organizer, value=Decimal("15"), actor=actor)
    giftcards.pay_order(order, code=online.code)  # 15 paid online; 25 due
    services.collect(
        shift,
        order,
        tenders=[
            Tender(method="card_present", amount=Decimal("5")),
            Tender(method="cash", amount=Decimal("20"), given=Decimal("20")),
        ],
        actor=cashier_actor,
    )
    services.add_places(organizer, token="t1", rate=rate, date=date, actor=cashier_actor)
    services.sell(  # and one ticket sold at the till: all of it is the till's
        shift,
        token="t1",
        tenders=[Tender(method="cash", amount=Decimal("20"))],
        actor=cashier_actor,
    )

    report = reports.report_for(shift)

    assert [(line.count, line.amount) for line in report.lines] == [(3, Decimal("60"))]
    assert (report.collected_paid_before, report.paid_before) == (1, Decimal("15"))
    assert report.sales == {"card_present": Decimal("5"), "cash": Decimal("40")}
    assert report.lines_total == report.total_sales == Decimal("45")
    assert report.expected_cash == Decimal("140")
    # the screen, the PDF and the spreadsheet say the same
    till.get(url(organizer, "pos-report"))  # the shift is this till's (its device)
    shift.device = till.cookies["rideau_pos_device"].value
    shift.save()
    page = till.get(url(organizer, "pos-report")).content.decode()
    assert 'data-testid="paid-before"' in page and "−15.00 EUR" in page
    assert 'data-testid="lines-total">45.00 EUR' in page
    rows = xlsx_rows(reports.render_report_xlsx(shift))
    assert ["Paid before the till", "1 order collected here", None, -15] in rows
    assert ["Sales", None, None, 45] in rows


def test_a_ticket_taken_out_of_the_order_before_it_was_collected_is_not_in_the_report(
    organizer, cashier_actor, actor, show, shift
):
    from rideau.orders import changes

    order = pending(show, quantity=3)  # 3 × 20.00
    changes.remove_position(order.positions.order_by("pk").last(), actor=actor)  # 40.00
    online = giftcards.create_voucher(organizer, value=Decimal("15"), actor=actor)
    giftcards.pay_order(order, code=online.code)  # 25 due
    services.collect(
        shift, order, tenders=[Tender(method="cash", amount=Decimal("25"))], actor=cashier_actor
    )

    report = reports.report_for(shift)

    assert [(line.count, line.amount) for line in report.lines] == [(2, Decimal("40"))]
    assert report.lines_total == report.total_sales == Decimal("25")
