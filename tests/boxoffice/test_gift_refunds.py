"""The box office refunds an order that sold a gift voucher through the same service as the
back office and the API: the spent value is kept, the rest of the voucher cancelled, and a
payment by a cancelled voucher is not put back on it (ADR 0034)."""

from decimal import Decimal

import pytest
from django.urls import reverse

from rideau.boxoffice import reports, services
from rideau.boxoffice.models import Movement
from rideau.boxoffice.services import GiftLine, Tender
from rideau.giftcards.errors import GiftVoucherError
from rideau.inventory.models import Quota
from rideau.orders.models import Order, Refund
from rideau.orders.payments.errors import PaymentError

pytestmark = pytest.mark.django_db


def sell(shift, cashier_actor, show, *, cart, tenders, gifts=(), places=1):
    date, rate = show
    organizer = shift.organizer
    if places:
        services.add_places(
            organizer, token=cart, rate=rate, date=date, quantity=places, actor=cashier_actor
        )
    return services.sell(shift, token=cart, gifts=gifts, tenders=tenders, actor=cashier_actor)


def test_a_box_office_refund_keeps_what_the_voucher_spent_and_cancels_the_rest(
    organizer, cashier_actor, show, gift_rate, shift
):
    # A: a 30 voucher and a 20 ticket on the terminal's card
    first = sell(
        shift,
        cashier_actor,
        show,
        cart="a",
        gifts=[GiftLine(rate=gift_rate)],
        tenders=[Tender(method="card_present", amount=Decimal("50"))],
    )
    voucher = first.vouchers[0]
    code = voucher.code
    # B: a 20 ticket paid with the voucher
    second = sell(
        shift,
        cashier_actor,
        show,
        cart="b",
        tenders=[Tender(method="gift_voucher", amount=Decimal("20"), code=code)],
    )

    done = services.refund(shift, first.order, actor=cashier_actor, reason="changed plans")

    assert sum(r.amount for r in done) == Decimal("30")  # 50 less the 20 spent on B
    first.order.refresh_from_db()
    assert first.order.status == Order.Status.REFUNDED
    voucher.refresh_from_db()
    assert (voucher.balance, voucher.is_voided) == (0, True)

    services.refund(shift, second.order, actor=cashier_actor)

    second.order.refresh_from_db()
    assert second.order.status == Order.Status.REFUNDED
    refund = Refund.objects.get(order=second.order)
    assert refund.manual and refund.state == Refund.State.DONE
    voucher.refresh_from_db()
    assert voucher.balance == 0
    # the till shows the card refund, and the voucher's part paid back from its cash drawer;
    # nothing went back to the voucher
    assert list(Movement.objects.filter(kind="refund").values_list("provider", "amount")) == [
        ("card_present", Decimal("30.00")),
        ("cash", Decimal("20.00")),
    ]
    assert reports.report_for(shift).expected_cash == shift.opening_float - 20
    assert Quota.objects.get().taken == 0

    date, rate = show
    services.add_places(organizer, token="c", rate=rate, date=date, quantity=1, actor=cashier_actor)
    with pytest.raises(GiftVoucherError) as exc:
        services.sell(
            shift,
            token="c",
            tenders=[Tender(method="gift_voucher", amount=Decimal("20"), code=code)],
            actor=cashier_actor,
        )
    assert exc.value.code == "voided"
    assert Order.objects.count() == 2


def test_a_spent_voucher_sold_alone_is_not_refunded_and_the_cashier_is_told_why(
    organizer, cashier_actor, show, gift_rate, shift, till
):
    sale = sell(
        shift,
        cashier_actor,
        show,
        cart="a",
        places=0,
        gifts=[GiftLine(rate=gift_rate)],
        tenders=[Tender(method="cash", amount=Decimal("30"))],
    )
    code = sale.vouchers[0].code
    services.add_places(
        organizer, token="b", rate=show[1], date=show[0], quantity=1, actor=cashier_actor
    )
    services.sell(
        shift,
        token="b",
        tenders=[
            Tender(method="gift_voucher", amount=Decimal("20"), code=code),
        ],
        actor=cashier_actor,
    )
    services.add_places(
        organizer, token="c", rate=show[1], date=show[0], quantity=1, actor=cashier_actor
    )
    services.sell(
        shift,
        token="c",
        tenders=[
            Tender(method="gift_voucher", amount=Decimal("10"), code=code),
            Tender(method="cash", amount=Decimal("10")),
        ],
        actor=cashier_actor,
    )

    with pytest.raises(PaymentError) as exc:
        services.refund(shift, sale.order, actor=cashier_actor)

    assert (exc.value.code, exc.value.field) == ("voucher_spent", "amount")
    assert Refund.objects.filter(order=sale.order).count() == 0
    assert not Movement.objects.filter(kind="refund").exists()
    # the order's page offers no "Refund 0.00" but says why nothing is left
    page = till.get(reverse("web:pos-order", args=[organizer.slug, sale.order.pk]))
    assert "Refund 0" not in page.content.decode()
    assert "the gift vouchers this order sold were spent" in page.content.decode()
