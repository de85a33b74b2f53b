import io
from decimal import Decimal

import openpyxl
import pytest
from django.db.models import Sum

from rideau.boxoffice import reports, services
from rideau.boxoffice.errors import BoxOfficeError
from rideau.boxoffice.models import CashSession, Movement
from rideau.boxoffice.services import GiftLine, Tender
from rideau.core.domain_events import process_events
from rideau.core.models import DomainEventRecord
from rideau.giftcards import services as giftcards
from rideau.giftcards.errors import GiftVoucherError
from rideau.giftcards.models import GiftVoucher
from rideau.inventory.models import Hold, Quota
from rideau.messaging.models import OutboxMessage
from rideau.orders.models import Order, Payment, SalesChannel
from rideau.orders.services import Buyer
from tests.giftcards.test_giftcards import decode_pdf_qr_codes, pdf_text

pytestmark = pytest.mark.django_db


def hold(organizer, cashier_actor, show, n=2, cart="t1"):
    date, rate = show
    services.add_places(
        organizer, token=cart, rate=rate, date=date, quantity=n, actor=cashier_actor
    )


def test_places_are_held_through_the_engine_while_the_cart_is_open(organizer, cashier_actor, show):
    hold(organizer, cashier_actor, show, n=3)
    quota = Quota.objects.get()
    assert quota.taken == 3
    assert Hold.objects.filter(owner_ref="pos:t1", kind="cart").count() == 3

    date, rate = show
    services.remove_places(organizer, token="t1", rate=rate, date=date)
    quota.refresh_from_db()
    assert quota.taken == 2
    assert [line.quantity for line in services.cart_lines(organizer, "t1")] == [2]


def test_one_open_shift_per_device(organizer, cashier_actor, shift):
    with pytest.raises(BoxOfficeError) as exc:
        services.open_session(organizer, actor=cashier_actor, device="tablet-1", opening_float=0)
    assert exc.value.code == "session_open"
    assert CashSession.objects.count() == 1


def test_a_cash_sale_of_tickets_and_a_gift_voucher_gives_change_and_issues_the_voucher(
    organizer, cashier_actor, show, gift_rate, shift
):
    hold(organizer, cashier_actor, show)

    sale = services.sell(
        shift,
        token="t1",
        gifts=[GiftLine(rate=gift_rate)],
        tenders=[Tender(method="cash", amount=Decimal("70"), given=Decimal("100"))],
        actor=cashier_actor,
    )

    order = sale.order
    assert (order.status, order.channel, order.total) == ("paid", SalesChannel.BOX_OFFICE, 70)
    assert sale.change == Decimal("30")
    assert [v.value for v in sale.vouchers] == [Decimal("30")]
    assert Quota.objects.get().taken == 2
    assert Hold.objects.filter(owner_ref="pos:t1", state="held").count() == 0
    process_events()  # the OrderPaid handler finds the voucher issued already
    assert GiftVoucher.objects.count() == 1
    receipt = reports.render_receipt_pdf(order)
    secrets = sorted(
        order.positions.exclude(product=gift_rate.product).values_list("secret", flat=True)
    )
    assert sorted(decode_pdf_qr_codes(receipt)) == secrets


def test_split_payment_cash_and_voucher(organizer, cashier_actor, actor, show, shift):
    voucher = giftcards.create_voucher(organizer, value=Decimal("25"), actor=actor)
    hold(organizer, cashier_actor, show)  # 40

    sale = services.sell(
        shift,
        token="t1",
        tenders=[
            Tender(method="gift_voucher", amount=Decimal("25"), code=voucher.code),
            Tender(method="cash", amount=Decimal("15"), given=Decimal("20")),
        ],
        buyer=Buyer(email="ann@example.org", name="Ann"),
        actor=cashier_actor,
    )

    assert sale.change == Decimal("5")
    assert sorted(sale.order.payments.values_list("provider", "amount")) == [
        ("cash", Decimal("15.00")),
        ("gift_voucher", Decimal("25.00")),
    ]
    voucher.refresh_from_db()
    assert voucher.balance == 0
    assert voucher.entries.get(kind="redeemed").order == sale.order


def test_a_voucher_short_of_the_amount_fails_the_whole_sale(
    organizer, cashier_actor, actor, show, shift
):
    voucher = giftcards.create_voucher(organizer, value=Decimal("10"), actor=actor)
    hold(organizer, cashier_actor, show)

    with pytest.raises(Exception) as exc:
        services.sell(
            shift,
            token="t1",
            tenders=[
                Tender(method="gift_voucher", amount=Decimal("25"), code=voucher.code),
                Tender(method="cash", amount=Decimal("15")),
            ],
            actor=cashier_actor,
        )

    assert exc.value.code == "insufficient_balance"
    assert Order.objects.count() == 0 and Movement.objects.count() == 0
    voucher.refresh_from_db()
    assert voucher.balance == Decimal("10")
    assert Quota.objects.get().taken == 2  # the cart still holds its places


def test_payments_must_add_up_to_the_total(organizer, cashier_actor, show, shift):
    hold(organizer, cashier_actor, show)
    with pytest.raises(BoxOfficeError) as exc:
        services.sell(
            shift,
            token="t1",
            tenders=[Tender(method="cash", amount=Decimal("30"))],
            actor=cashier_actor,
        )
    assert exc.value.code == "payments_mismatch"


def test_refund_to_voucher_and_cash(organizer, cashier_actor, actor, show, shift):
    voucher = giftcards.create_voucher(organizer, value=Decimal("25"), actor=actor)
    hold(organizer, cashier_actor, show)
    sale = services.sell(
        shift,
        token="t1",
        tenders=[
            Tender(method="gift_voucher", amount=Decimal("25"), code=voucher.code),
            Tender(method="cash", amount=Decimal("15")),
        ],
        actor=cashier_actor,
    )

    services.refund(shift, sale.order, actor=cashier_actor, reason="ill")

    voucher.refresh_from_db()
    assert voucher.balance == Decimal("25")
    sale.order.refresh_from_db()
    assert sale.order.status == Order.Status.REFUNDED
    assert Quota.objects.get().taken == 0
    assert sorted(Movement.objects.filter(kind="refund").values_list("provider", "amount")) == [
        ("cash", Decimal("15.00")),
        ("gift_voucher", Decimal("25.00")),
    ]


def test_the_shift_report_equals_the_orders_of_the_shift(
    organizer, cashier_actor, actor, show, gift_rate, shift
):
    voucher = giftcards.create_voucher(organizer, value=Decimal("50"), actor=actor)
    hold(organizer, cashier_actor, show, n=2, cart="a")
    first = services.sell(
        shift,
        token="a",
        gifts=[GiftLine(rate=gift_rate)],
        tenders=[Tender(method="cash", amount=Decimal("70"), given=Decimal("70"))],
        actor=cashier_actor,
    ).order
    hold(organizer, cashier_actor, show, n=1, cart="b")
    second = services.sell(
        shift,
        token="b",
        tenders=[Tender(method="gift_voucher", amount=Decimal("20"), code=voucher.code)],
        actor=cashier_actor,
    ).order
    hold(organizer, cashier_actor, show, n=3, cart="c")
    third = services.sell(
        shift,
        token="c",
        tenders=[
            Tender(method="card_present", amount=Decimal("50")),
            Tender(method="cash", amount=Decimal("10")),
        ],
        actor=cashier_actor,
    ).order
    services.refund(shift, third, actor=cashier_actor)

    report = reports.report_for(shift)

    shift_orders = [first, second, third]
    paid = Payment.objects.filter(order__in=shift_orders)
    for method in ("cash", "card_present", "gift_voucher"):
        assert report.sales[method] == paid.filter(provider=method).aggregate(s=Sum("amount"))["s"]
    assert report.total_sales == sum(o.total for o in shift_orders) == Decimal("150")
    assert report.refunds == {"card_present": Decimal("50"), "cash": Decimal("10")}
    assert report.expected_cash == Decimal("100") + 70 + 10 - 10
    assert (report.redemptions, report.vouchers_redeemed) == (1, Decimal("20"))
    assert (report.vouchers_sold, report.vouchers_sold_amount) == (1, Decimal("30"))
    assert sum(line.count for line in report.lines) == 7
    assert sum(line.amount for line in report.lines) == Decimal("150")


def test_closing_records_the_difference_and_mails_the_report(organizer, cashier_actor, show, shift):
    hold(organizer, cashier_actor, show)
    services.sell(
        shift,
        token="t1",
        tenders=[Tender(method="cash", amount=Decimal("40"))],
        actor=cashier_actor,
    )

    closed = services.close_session(
        shift,
        counted_cash=Decimal("138.50"),
        recipients=["boss@example.org"],
        actor=cashier_actor,
    )

    assert (closed.expected_cash, closed.difference) == (Decimal("140"), Decimal("-1.50"))
    assert DomainEventRecord.objects.filter(name="boxoffice.cash_session_closed").count() == 1
    mail = OutboxMessage.objects.get(subject__startswith="Cash register report")
    assert mail.to == ["boss@example.org"]
    pdf = reports.render_report_pdf(closed)
    assert "138.50" in pdf_text(pdf) and "-1.50" in pdf_text(pdf)
    book = openpyxl.load_workbook(io.BytesIO(reports.render_report_xlsx(closed)))
    assert len(book.sheetnames) == 4
    with pytest.raises(BoxOfficeError) as again:
        services.close_session(shift, counted_cash=0, actor=cashier_actor)
    assert again.value.code == "session_closed"
    with pytest.raises(BoxOfficeError):
        services.sell(shift, token="x", tenders=[], actor=cashier_actor)


def test_a_gift_voucher_never_pays_for_a_gift_voucher_at_the_till(
    organizer, cashier_actor, actor, show, gift_rate, shift
):
    voucher = giftcards.create_voucher(organizer, value=Decimal("100"), actor=actor)
    hold(organizer, cashier_actor, show)

    with pytest.raises(GiftVoucherError) as refused:
        services.sell(
            shift,
            token="t1",
            gifts=[GiftLine(rate=gift_rate)],
            tenders=[Tender(method="gift_voucher", amount=Decimal("70"), code=voucher.code)],
            actor=cashier_actor,
        )

    assert (refused.value.code, refused.value.field) == ("buys_gift_voucher", "voucher_code")
    voucher.refresh_from_db()
    assert voucher.balance == Decimal("100")
    assert not Order.objects.exists()
    assert Hold.objects.filter(owner_ref="pos:t1", state="held").count() == 2
