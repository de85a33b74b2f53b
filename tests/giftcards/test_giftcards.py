import datetime
from decimal import Decimal

import pypdfium2
import pytest
import zxingcpp
from django.utils import timezone

from rideau.core.domain_events import process_events
from rideau.giftcards import codes, queries, services
from rideau.giftcards.errors import GiftVoucherError
from rideau.giftcards.models import Entry, GiftSettings, GiftVoucher
from rideau.giftcards.pdf import render_cards_pdf
from rideau.messaging.models import OutboxMessage
from rideau.orders import services as orders
from rideau.orders.models import Order, Payment, SalesChannel
from rideau.orders.payments.services import confirm_demo_payment, refund_order
from rideau.orders.services import Buyer, OrderLine
from tests.factories import EventDateFactory, EventFactory, QuotaFactory, RateFactory

pytestmark = pytest.mark.django_db


def decode_pdf_qr_codes(pdf_bytes: bytes) -> list[str]:
    found = []
    for page in pypdfium2.PdfDocument(pdf_bytes):
        image = page.render(scale=2).to_pil()
        found.extend(r.text for r in zxingcpp.read_barcodes(image) if r.format.name == "QRCode")
    return found


def pdf_text(pdf_bytes: bytes) -> str:
    return "\n".join(p.get_textpage().get_text_range() for p in pypdfium2.PdfDocument(pdf_bytes))


def buy(organizer, rate, *, amount=None, paid=True, channel=SalesChannel.WEB, locale="en"):
    return orders.place_order(
        organizer,
        lines=[OrderLine(rate=rate, amount=amount)],
        buyer=Buyer(email="gift@example.org", name="Gina Gift", locale=locale),
        channel=channel,
        paid=paid,
        provider="cash" if paid else "demo_card",
    )


@pytest.fixture
def ticket_order(organizer):
    """A pending web order of one ticket at 80."""
    event = EventFactory(organizer=organizer)
    date = EventDateFactory(event=event)
    QuotaFactory(date=date, size=10)
    rate = RateFactory(product__event=event, product__organizer=organizer, price=Decimal("80"))
    return orders.place_order(
        organizer,
        event=event,
        lines=[OrderLine(rate=rate, date=date)],
        buyer=Buyer(email="buyer@example.org", name="Bob"),
        provider="demo_card",
    )


def a_voucher(organizer, actor, value="50"):
    return services.create_voucher(organizer, value=Decimal(value), actor=actor)


def test_a_paid_gift_voucher_order_issues_one_voucher_per_line_once(organizer, gift_rate):
    order = buy(organizer, gift_rate, paid=False)
    assert GiftVoucher.objects.count() == 0
    orders.mark_paid(order, provider="demo_card", amount=Decimal("50.00"))

    process_events()
    process_events()  # a second run issues nothing more
    services.issue_for_order(order)  # nor does the box office's direct call

    voucher = GiftVoucher.objects.get()
    assert (voucher.value, voucher.balance, voucher.order) == (Decimal("50"), Decimal("50"), order)
    assert list(voucher.entries.values_list("kind", "amount")) == [("issued", Decimal("50"))]
    mail = OutboxMessage.objects.get(subject__startswith="Your gift voucher")
    assert mail.to == ["gift@example.org"]


def test_the_code_is_derived_and_only_its_hash_stored(organizer, actor):
    voucher = a_voucher(organizer, actor)
    code = voucher.code

    assert len(codes.normalize(code)) == 16
    stored = GiftVoucher.objects.filter(pk=voucher.pk).values()[0]
    assert codes.normalize(code) not in str(stored) and code not in str(stored)
    assert stored["code_hash"] == codes.code_hash(code)
    assert services.find(organizer, code.lower().replace("-", " ")) == voucher


def test_validity_is_one_year_by_default_and_per_organiser(organizer, actor):
    now = timezone.now()
    assert services.create_voucher(organizer, value=10, actor=actor, now=now).expires_at == (
        now + datetime.timedelta(days=365)
    )
    GiftSettings.objects.create(organizer=organizer, validity_days=30)
    assert services.create_voucher(organizer, value=10, actor=actor, now=now).expires_at == (
        now + datetime.timedelta(days=30)
    )


def test_a_free_amount_is_checked_against_min_and_max(organizer, free_rate, gift_rate):
    order = buy(organizer, free_rate, amount=Decimal("120"))
    assert order.total == Decimal("120")

    with pytest.raises(GiftVoucherError) as low:
        buy(organizer, free_rate, amount=Decimal("5"))
    assert low.value.code == "amount_out_of_range"
    with pytest.raises(GiftVoucherError) as fixed:
        buy(organizer, gift_rate, amount=Decimal("20"))
    assert fixed.value.code == "not_free_amount"
    assert Order.objects.count() == 1


def test_the_gift_card_pdf_shows_code_qr_amount_and_expiry_in_the_buyers_language(
    organizer, gift_rate
):
    organizer.timezone = "America/Los_Angeles"
    organizer.save()
    order = buy(organizer, gift_rate, locale="fr")
    process_events()
    voucher = GiftVoucher.objects.get()
    voucher.expires_at = datetime.datetime(2027, 3, 1, 5, 0, tzinfo=datetime.UTC)  # LA: Feb 28
    voucher.save()

    pdf = render_cards_pdf([voucher])

    assert decode_pdf_qr_codes(pdf) == [voucher.code]
    text = pdf_text(pdf)
    assert "Bon cadeau" in text and "50,00 EUR" in text  # the French decimal comma
    assert "28 février 2027" in text and voucher.code in text
    assert order.locale == "fr"


def test_a_voucher_pays_part_of_a_pending_order_and_the_rest_is_paid_by_card(
    organizer, actor, ticket_order, settings
):
    settings.RIDEAU_DEMO_PAYMENTS = True
    voucher = a_voucher(organizer, actor, "50")

    order, entry = services.pay_order(ticket_order, code=voucher.code)

    assert order.status == Order.Status.PENDING
    assert orders.amount_due(order) == Decimal("30")
    voucher.refresh_from_db()
    assert (voucher.balance, entry.balance_after) == (Decimal("0"), Decimal("0"))
    confirm_demo_payment(order)
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert sorted(order.payments.values_list("provider", "amount")) == [
        ("demo_card", Decimal("30.00")),
        ("gift_voucher", Decimal("50.00")),
    ]


def test_a_voucher_covering_the_order_pays_it_and_keeps_the_rest(organizer, actor, ticket_order):
    voucher = a_voucher(organizer, actor, "100")

    order, entry = services.pay_order(ticket_order, code=voucher.code)

    assert order.status == Order.Status.PAID
    assert entry.balance_after == Decimal("20")
    voucher.refresh_from_db()
    assert voucher.balance == Decimal("20")


def test_refunding_an_order_paid_by_voucher_returns_the_balance(organizer, actor, ticket_order):
    voucher = a_voucher(organizer, actor, "100")
    order, _entry = services.pay_order(ticket_order, code=voucher.code)

    refund_order(order, actor=actor, reason="show cancelled")

    voucher.refresh_from_db()
    assert voucher.balance == Decimal("100")
    assert list(voucher.entries.values_list("kind", "amount")) == [
        ("issued", Decimal("100")),
        ("redeemed", Decimal("-80")),
        ("refunded", Decimal("80")),
    ]
    order.refresh_from_db()
    assert order.status == Order.Status.REFUNDED


def test_an_expired_order_gives_its_voucher_part_back(organizer, actor, ticket_order):
    voucher = a_voucher(organizer, actor, "50")
    services.pay_order(ticket_order, code=voucher.code)

    orders.expire_orders(now=timezone.now() + datetime.timedelta(hours=1))
    process_events()
    process_events()  # once only

    voucher.refresh_from_db()
    assert voucher.balance == Decimal("50")
    assert list(voucher.entries.values_list("kind", flat=True)) == [
        "issued",
        "redeemed",
        "refunded",
    ]
    # a late payment of the order cannot count the voucher's part any more
    assert orders.amount_due(ticket_order) == ticket_order.total


def test_an_expired_or_spent_voucher_is_refused_and_nothing_changes(organizer, actor, ticket_order):
    voucher = a_voucher(organizer, actor, "10")
    services.redeem(voucher, amount=Decimal("10"))
    with pytest.raises(GiftVoucherError) as spent:
        services.pay_order(ticket_order, code=voucher.code)
    assert spent.value.code == "empty"

    old = a_voucher(organizer, actor, "10")
    GiftVoucher.objects.filter(pk=old.pk).update(expires_at=timezone.now())
    with pytest.raises(GiftVoucherError) as expired:
        services.pay_order(ticket_order, code=old.code)
    assert expired.value.code == "expired"
    assert Payment.objects.filter(order=ticket_order).count() == 0
    assert Entry.objects.filter(kind="redeemed").count() == 1


def test_another_organisers_code_is_unknown(organizer, other_organizer, actor):
    voucher = a_voucher(organizer, actor)
    with pytest.raises(GiftVoucherError) as exc:
        services.find(other_organizer, voucher.code)
    assert exc.value.code == "unknown_code"


def test_cancelling_a_voucher_order_voids_what_is_left(organizer, gift_rate):
    order = buy(organizer, gift_rate)
    process_events()
    voucher = GiftVoucher.objects.get()
    services.redeem(voucher, amount=Decimal("20"))

    orders.cancel_order(order)
    process_events()

    voucher.refresh_from_db()
    assert voucher.balance == Decimal("0")


def test_the_export_neutralises_formulas_and_never_holds_codes(organizer, actor):
    voucher = services.create_voucher(
        organizer, value=10, actor=actor, name="=HYPERLINK(1)", email="x@example.org"
    )

    text = queries.export_csv(organizer)

    assert "'=HYPERLINK(1)" in text
    assert voucher.code not in text and codes.normalize(voucher.code) not in text
    assert list(queries.vouchers(organizer, voucher.code_hint)) == [voucher]
    assert list(queries.vouchers(organizer, voucher.code)) == [voucher]


def test_the_gift_card_arrives_by_e_mail_with_its_pdf(organizer, gift_rate, smtp_server):
    from rideau.messaging.delivery import deliver_due_messages

    buy(organizer, gift_rate)
    process_events()
    voucher = GiftVoucher.objects.get()

    deliver_due_messages()

    received = smtp_server.wait_until(
        lambda msgs: any(m.message["Subject"].startswith("Your gift voucher") for m in msgs),
        what="the gift card e-mail",
    )
    [mail] = [m for m in received if m.message["Subject"].startswith("Your gift voucher")]
    [pdf] = [
        p for p in mail.message.iter_attachments() if p.get_content_type() == "application/pdf"
    ]
    assert decode_pdf_qr_codes(pdf.get_content()) == [voucher.code]


def test_a_voucher_never_pays_for_another_voucher(organizer, actor, gift_rate):
    """A balance about to expire must not roll over into a new voucher with a new expiry."""
    pending = buy(organizer, gift_rate, paid=False)
    voucher = a_voucher(organizer, actor, "50")

    with pytest.raises(GiftVoucherError) as refused:
        services.pay_order(pending, code=voucher.code)

    assert (refused.value.code, refused.value.field) == ("buys_gift_voucher", "code")
    voucher.refresh_from_db()
    assert voucher.balance == Decimal("50")
    assert not Payment.objects.filter(order=pending).exists()
    assert Order.objects.get(pk=pending.pk).status == Order.Status.PENDING
