"""What a tester found at the box office: free sales in the shift's report, a sale refused
when the cart's hold ran out while paying, seats and pass places named on every slip and
page, no QR code for what admits no one, the cashier's note, French amounts and texts."""

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.utils import timezone

from rideau.boxoffice import reports, services
from rideau.boxoffice.errors import BoxOfficeError
from rideau.boxoffice.models import CashSession, Movement, ShiftSale
from rideau.boxoffice.services import PassLine, Tender
from rideau.documents.tickets import render_tickets_pdf
from rideau.inventory.models import Hold, Quota
from rideau.messaging.models import OutboxMessage
from rideau.orders.models import Order
from rideau.passes import services as passes
from tests.factories import EventDateFactory, EventFactory, QuotaFactory, RateFactory
from tests.giftcards.test_giftcards import decode_pdf_qr_codes, pdf_text
from tests.inventory.conftest import seated_plan
from tests.passes.conftest import make_world

from .conftest import url

pytestmark = pytest.mark.django_db

ANA = passes.HolderInput(last_name="Lopez", first_name="Ana", email="ana@example.net")


def xlsx_rows(content: bytes) -> list[list]:
    book = openpyxl.load_workbook(io.BytesIO(content))
    return [list(row) for sheet in book for row in sheet.iter_rows(values_only=True)]


@pytest.fixture
def invitation(organizer, show):
    _date, rate = show
    return RateFactory(product=rate.product, price=Decimal("0"), name={"en": "Invitation"})


# --- 1. free sales belong to the shift -----------------------------------------------------


def test_a_free_sale_is_in_the_shift_report_with_its_tickets(
    organizer, cashier_actor, show, invitation, shift
):
    date, _rate = show
    services.add_places(
        organizer, token="f", rate=invitation, date=date, quantity=2, actor=cashier_actor
    )

    sale = services.sell(
        shift, token="f", tenders=[Tender(method="cash", amount=Decimal("0"))], actor=cashier_actor
    )

    assert Movement.objects.count() == 0  # no money moved
    assert ShiftSale.objects.get().order == sale.order
    report = reports.report_for(shift)
    assert report.orders == 1
    assert [(line.rate, line.count, line.amount) for line in report.lines] == [
        ("Invitation", 2, Decimal("0"))
    ]
    assert "Invitation" in pdf_text(reports.render_report_pdf(shift))
    assert ["Invitation" in row for row in xlsx_rows(reports.render_report_xlsx(shift))].count(
        True
    ) == 1


def test_a_free_sale_through_the_screen_is_on_the_closed_shifts_page(
    till, organizer, show, invitation
):
    date, _rate = show
    till.post(url(organizer, "pos-shift-open"), {"opening_float": "0"})
    till.post(
        url(organizer, "pos-cart-places"), {"rate": invitation.pk, "date": date.pk, "delta": "1"}
    )
    sold = till.post(url(organizer, "pos-sell"), {}, follow=True)
    assert Order.objects.get().total == Decimal("0")
    assert 'data-testid="change"' not in sold.content.decode()  # no cash given: no change box

    closed = till.post(url(organizer, "pos-shift-close"), {"counted_cash": "0"}, follow=True)

    page = closed.content.decode()
    assert '<dd data-testid="orders">1</dd>' in page
    assert "Invitation" in page


# --- 2. a hold that ran out while paying ---------------------------------------------------


def test_a_cart_whose_places_expired_is_not_sold(organizer, cashier_actor, show, gift_rate, shift):
    date, rate = show
    services.add_places(organizer, token="x", rate=rate, date=date, quantity=2, actor=cashier_actor)
    later = timezone.now() + datetime.timedelta(minutes=services.hold_minutes() + 1)

    with pytest.raises(BoxOfficeError) as refused:
        services.sell(
            shift,
            token="x",
            gifts=[services.GiftLine(rate=gift_rate)],
            tenders=[Tender(method="cash", amount=Decimal("30"))],
            actor=cashier_actor,
            now=later,
        )

    assert refused.value.code == "cart_expired"
    assert "nothing was sold" in refused.value.message
    assert (Order.objects.count(), Movement.objects.count(), ShiftSale.objects.count()) == (
        0,
        0,
        0,
    )


def test_the_screen_says_no_sale_was_made_when_the_hold_ran_out_while_paying(till, organizer, show):
    date, rate = show
    till.post(url(organizer, "pos-shift-open"), {"opening_float": "0"})
    till.post(url(organizer, "pos-cart-places"), {"rate": rate.pk, "date": date.pk, "delta": "1"})
    Hold.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    warned = till.get(url(organizer, "pos-cart")).content.decode()
    assert 'data-testid="cart-expired"' in warned

    refused = till.post(url(organizer, "pos-sell"), {"cash_given": "20"})

    assert refused.status_code == 422
    page = refused.content.decode()
    assert 'data-testid="not-sold"' in page
    assert "No sale was made." in page and "Do not keep the payment." in page
    assert Order.objects.count() == 0
    # the cart starts again: places added now are sold
    till.post(url(organizer, "pos-cart-places"), {"rate": rate.pk, "date": date.pk, "delta": "1"})
    assert till.post(url(organizer, "pos-sell"), {"cash_given": "20"}).status_code == 302
    assert Order.objects.get().total == Decimal("20")
    assert Quota.objects.get().taken == 1


# --- 3. seats, 4. pass places --------------------------------------------------------------


@pytest.fixture
def seated_show(organizer):
    plan = seated_plan(organizer, {"A": 4, "B": 4})
    event = EventFactory(organizer=organizer, name={"en": "Cyrano", "fr": "Cyrano"})
    date = EventDateFactory(event=event, location=plan.location)
    QuotaFactory(date=date, size=8)
    rate = RateFactory(product__event=event, product__organizer=organizer, price=Decimal("20"))
    return date, rate


def test_seats_are_shown_in_the_cart_on_the_order_page_and_on_the_receipt(
    till, organizer, seated_show
):
    date, rate = seated_show
    till.post(url(organizer, "pos-shift-open"), {"opening_float": "0"})
    for _i in range(2):
        till.post(
            url(organizer, "pos-cart-places"), {"rate": rate.pk, "date": date.pk, "delta": "1"}
        )

    cart = till.get(url(organizer, "pos-cart")).content.decode()
    assert "Row A, seat 1 · Row A, seat 2" in cart

    sold = till.post(url(organizer, "pos-sell"), {"card_amount": "40"}, follow=True)
    page = sold.content.decode()
    assert page.count('data-testid="seat"') == 2
    assert "Row A, seat 1" in page and "Row A, seat 2" in page
    assert 'data-testid="change"' not in page  # paid by card: no change box
    order = Order.objects.get()
    receipt = pdf_text(till.get(url(organizer, "pos-order-receipt", order.pk)).content)
    assert "Row A, seat 1" in receipt and "Row A, seat 2" in receipt


def test_pass_places_are_named_by_their_show_and_the_pass_itself_has_no_qr_code(
    organizer, actor, cashier_actor, shift
):
    world = make_world(organizer, actor, events=2, seated=False)
    sale = services.sell(
        shift,
        token="p",
        pass_lines=[PassLine(rate=world.auto_rate, holder=ANA)],
        tenders=[Tender(method="cash", amount=Decimal("90"))],
        actor=cashier_actor,
    )
    order = sale.order
    places = order.positions.filter(date__isnull=False).order_by("date__start")
    the_pass = order.positions.get(date__isnull=True)
    assert the_pass.is_entry is False and all(p.is_entry for p in places)

    report = reports.report_for(shift)
    labels = [(line.label.split(" · ")[0], line.rate, line.count) for line in report.lines]
    assert labels == [
        ("Play 0", "Season pass – Full", 1),
        ("Play 1", "Season pass – Full", 1),
        ("Season pass", "Full", 1),
    ]
    assert report.passes_sold == 1
    receipt = reports.render_receipt_pdf(order)
    assert sorted(decode_pdf_qr_codes(receipt)) == sorted(p.secret for p in places)
    assert "Play 0" in pdf_text(receipt) and "Play 1" in pdf_text(receipt)
    tickets = render_tickets_pdf(order)
    assert sorted(decode_pdf_qr_codes(tickets)) == sorted(p.secret for p in places)
    assert "Play 1" in pdf_text(reports.render_report_pdf(shift))
    assert any(
        "Play 1" in str(cell)
        for row in xlsx_rows(reports.render_report_xlsx(shift))
        for cell in row
    )


# --- 6. the cashier's note, 7. French amounts ------------------------------------------------


def test_the_closing_note_is_on_the_shift_page_the_report_and_its_email(till, organizer, show):
    date, rate = show
    till.post(url(organizer, "pos-shift-open"), {"opening_float": "10"})
    till.post(url(organizer, "pos-cart-places"), {"rate": rate.pk, "date": date.pk, "delta": "1"})
    till.post(url(organizer, "pos-sell"), {"cash_given": "50"})
    note = "Till short by one coin: a 2 € coin fell behind the counter."

    closed = till.post(
        url(organizer, "pos-shift-close"),
        {"counted_cash": "28", "recipients": "boss@example.org", "note": note},
        follow=True,
    )

    assert note.replace("'", "&#x27;") in closed.content.decode()
    session = CashSession.objects.get()
    assert session.note == note
    past = till.get(url(organizer, "pos-report")).content.decode()
    assert "difference -2.00 EUR" in past
    assert "Till short by one coin" in pdf_text(reports.render_report_pdf(session))
    assert [row for row in xlsx_rows(reports.render_report_xlsx(session)) if note in row] != []
    mail = OutboxMessage.objects.get(to=["boss@example.org"])
    assert f"Cashier's note: {note}" in mail.body_text
    assert "difference: -2.00 EUR" in mail.body_text


def test_french_receipt_and_till_messages_write_amounts_the_french_way(
    organizer, cashier_actor, show, shift
):
    from django.utils import translation

    organizer.languages = ["fr", "en"]
    organizer.save()
    date, rate = show
    services.add_places(
        organizer, token="fr", rate=rate, date=date, quantity=1, actor=cashier_actor
    )
    with translation.override("fr"):
        with pytest.raises(BoxOfficeError) as mismatch:
            services.sell(
                shift,
                token="fr",
                tenders=[Tender(method="cash", amount=Decimal("200"))],
                actor=cashier_actor,
            )
        assert mismatch.value.message == (
            "Les paiements font 200,00 EUR ; le total est de 20,00 EUR."
        )
        with pytest.raises(BoxOfficeError) as short:
            services.sell(
                shift,
                token="fr",
                tenders=[Tender(method="cash", amount=Decimal("20"), given=Decimal("10"))],
                actor=cashier_actor,
            )
        assert "(10,00 EUR)" in short.value.message
    sale = services.sell(
        shift,
        token="fr",
        buyer=services.orders.Buyer(email="", locale="fr"),
        tenders=[Tender(method="cash", amount=Decimal("20"), given=Decimal("20"))],
        actor=cashier_actor,
    )

    text = pdf_text(reports.render_receipt_pdf(sale.order))

    assert "Total : 20,00 EUR" in text
    assert "Espèces : 20,00 EUR" in text


# --- 9. a refunded order's tickets ----------------------------------------------------------


def test_a_refunded_orders_page_lists_its_tickets_as_cancelled(till, organizer, seated_show):
    date, rate = seated_show
    till.post(url(organizer, "pos-shift-open"), {"opening_float": "0"})
    till.post(url(organizer, "pos-cart-places"), {"rate": rate.pk, "date": date.pk, "delta": "1"})
    till.post(url(organizer, "pos-sell"), {"cash_given": "20"})
    order = Order.objects.get()

    till.post(url(organizer, "pos-order-refund", order.pk), {"reason": "ill"})

    page = till.get(url(organizer, "pos-order", order.pk)).content.decode()
    assert page.count('data-testid="cancelled-ticket"') == 1
    assert 'data-testid="seat"' not in page  # its seat was given back


def test_the_report_email_is_in_the_organisers_language_like_its_attachments(
    organizer, cashier_actor, shift
):
    """A cashier working in English closes a French organiser's shift: the e-mail's text is
    French, as the PDF and the spreadsheet it carries are (it was the cashier's language)."""
    from django.utils import translation

    organizer.languages = ["fr", "en"]
    organizer.save()
    shift.refresh_from_db()

    with translation.override("en"):
        services.close_session(
            shift, counted_cash="100", recipients=["boss@example.org"], actor=cashier_actor
        )

    mail = OutboxMessage.objects.get(to=["boss@example.org"])
    assert mail.subject.startswith("Rapport de caisse")
    assert "Espèces attendues : 100,00 EUR" in mail.body_text, mail.body_text


def test_the_report_pdf_wraps_a_long_event_name_instead_of_cutting_its_date(
    organizer, cashier_actor, shift
):
    """The PDF cut every cell at 48 characters: a festival's concert lost its date (and ran
    into the rate's column); the cell now wraps in its column."""
    name = "Festival du Rideau — Concert d'ouverture en plein air"
    event = EventFactory(organizer=organizer, name={"en": name, "fr": name})
    date = EventDateFactory(event=event)
    QuotaFactory(date=date, size=10)
    rate = RateFactory(product__event=event, product__organizer=organizer, price=Decimal("20"))
    services.add_places(organizer, token="t", rate=rate, date=date, actor=cashier_actor)
    services.sell(
        shift, token="t", tenders=[Tender(method="cash", amount=Decimal("20"))], actor=cashier_actor
    )
    label = reports.report_for(shift).lines[0].label
    assert len(label) > 60 and label.startswith(name)

    text = " ".join(pdf_text(reports.render_report_pdf(shift)).split())

    assert " ".join(label.split()) in text
