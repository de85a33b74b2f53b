"""The passes' public pages and the subscriber space, through the web client."""

import datetime
import re
import zoneinfo
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import formats, timezone

from rideau.messaging.models import OutboxMessage
from rideau.orders.models import Order
from rideau.orders.services import mark_paid
from rideau.passes import renewals, services
from rideau.passes.models import Pass, PassTicket, Resale
from tests.factories import ProductFactory, RateFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _bank_transfer(settings):
    settings.RIDEAU_BANK_IBAN = "FR1420041010050500013M02606"


def last_code(email):
    mail = OutboxMessage.objects.filter(to=[email]).order_by("-id").first()
    return re.search(r"\b(\d{6})\b", mail.subject + mail.body_text).group(1)


def pass_code(email):
    """The code in the holder's e-mail (sent once the pass's order is paid: its handler)."""
    from rideau.core.domain_events import process_events

    process_events()
    mail = (
        OutboxMessage.objects.filter(to=[email], reference__endswith=":issued")
        .order_by("-id")
        .first()
    )
    return re.search(r"Pass code: (\w+)", mail.body_text).group(1)


def buy(client, world, product, **extra):
    url = reverse("web:pass-buy", args=[world.organizer.slug, product.pk])
    data = {
        "rate": product.product.rates.get().pk,
        "last_name": "Lopez",
        "first_name": "Ana",
        "email": "ana@example.net",
        "name": "Ana Lopez",
        "provider": "bank_transfer",
        **extra,
    }
    return client.post(url, data)


def log_in_subscriber(client, world, email, code):
    response = client.post(
        reverse("web:account-subscriber-login", args=[world.organizer.slug]),
        {"email": email, "pass_code": code},
    )
    assert response.status_code == 302
    response = client.post(
        reverse("web:account-code", args=[world.organizer.slug]), {"code": last_code(email)}
    )
    assert response.status_code == 302
    return response


def subscriber_with_a_pass(world):
    """Ana, holder of an automatic pass paid in cash, logged into her subscriber space."""
    from rideau.orders.services import Buyer

    client = Client()
    services.sell_pass(
        world.organizer,
        rate=world.auto_rate,
        holder=services.HolderInput(last_name="Lopez", first_name="Ana"),
        buyer=Buyer(email="ana@example.net"),
        paid=True,
        provider="cash",
    )
    log_in_subscriber(client, world, "ana@example.net", pass_code("ana@example.net"))
    return client, Pass.objects.get()


def test_the_pass_pages_list_and_sell_a_pass(world):
    client = Client()
    listing = client.get(reverse("web:pass-list", args=[world.organizer.slug]))
    assert listing.status_code == 200
    assert b"Season pass" in listing.content and b"Pick 2" in listing.content

    response = buy(client, world, world.automatic, mobile="0612345678")

    assert response.status_code == 302
    p = Pass.objects.get()
    assert p.mobile == "+33612345678"
    assert p.tickets.count() == 3
    assert Order.objects.get().status == Order.Status.PENDING


def test_the_shop_offers_only_the_pass_rates_sold_on_the_web(world):
    client = Client()
    box_office = world.automatic.product.rates.get()
    box_office.channels = ["box_office"]
    box_office.save()
    web = RateFactory(product=world.choice.product, name={"en": "Web"}, price=Decimal("35.00"))
    world.choice.product.rates.exclude(pk=web.pk).update(channels=["box_office"])

    listing = client.get(reverse("web:pass-list", args=[world.organizer.slug]))
    page = client.get(reverse("web:pass-buy", args=[world.organizer.slug, world.choice.pk]))
    gone = client.get(reverse("web:pass-buy", args=[world.organizer.slug, world.automatic.pk]))

    assert b"Season pass" not in listing.content and b"Pick 2" in listing.content
    assert gone.status_code == 404  # none of its rates is sold on the web
    rates = page.context["form"].fields["rate"].choices
    assert [str(value) for value, _label in rates] == [str(web.pk)]


def test_bad_holder_input_is_answered_field_by_field(world):
    response = buy(Client(), world, world.automatic, first_name="", mobile="42")

    assert response.status_code == 422
    assert b"Enter a valid mobile phone number." in response.content
    assert Pass.objects.count() == 0


def test_subscriber_access_adds_a_chosen_event(world):
    client = Client()
    buy(client, world, world.choice)
    order = Order.objects.get()
    from rideau.orders.services import mark_paid

    mark_paid(order, provider="bank_transfer", amount=order.total)
    code = pass_code("ana@example.net")
    response = client.post(reverse("web:pass-access", args=[world.organizer.slug]), {"code": code})
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert page.status_code == 200

    response = client.post(response["Location"], {"dates": [world.dates[1].pk]})

    assert response.status_code == 302
    assert PassTicket.objects.get().date == world.dates[1]


def test_a_wrong_pass_code_is_refused_with_a_message(world):
    response = Client().post(
        reverse("web:pass-access", args=[world.organizer.slug]), {"code": "NOPE"}
    )
    assert response.status_code == 422
    assert b"No valid pass has this code." in response.content


def test_the_subscriber_space_lists_the_pass_and_puts_a_ticket_on_resale(world):
    client, p = subscriber_with_a_pass(world)
    assert client.get(reverse("web:account-passes", args=[world.organizer.slug])).status_code == 200
    url = reverse("web:account-pass", args=[world.organizer.slug, p.pk])
    page = client.get(url)
    assert page.status_code == 200
    ticket = p.tickets.order_by("date__start").first()
    # the ticket's time in the organiser's zone (it was UTC: an hour early in Paris)
    shown = formats.date_format(
        ticket.date.start.astimezone(zoneinfo.ZoneInfo(world.organizer.timezone)),
        "DATETIME_FORMAT",
    )
    assert world.organizer.timezone != "UTC" and f"<small>{shown}</small>" in page.content.decode()

    bad = client.post(
        url, {"tickets": [ticket.pk], "method": "transfer", "iban": "XX00", "account_holder": "Ana"}
    )
    assert bad.status_code == 422
    assert b"Enter a valid IBAN." in bad.content
    response = client.post(url, {"tickets": [ticket.pk], "method": "credit"})
    assert response.status_code == 302
    listing = Resale.objects.get()
    card = client.get(reverse("web:account-pass-card", args=[world.organizer.slug, p.pk]))
    assert card["Content-Type"] == "application/pdf"

    withdraw = reverse("web:account-pass-withdraw", args=[world.organizer.slug, p.pk, listing.pk])
    assert client.post(withdraw).status_code == 302
    listing.refresh_from_db()
    assert listing.state == Resale.State.WITHDRAWN


def test_another_buyer_buys_a_resale_ticket_in_the_shop(world):
    from rideau.orders.services import Buyer
    from rideau.passes import resale

    p = services.sell_pass(
        world.organizer,
        rate=world.auto_rate,
        holder=services.HolderInput(last_name="Lopez", first_name="Ana"),
        buyer=Buyer(email="ana@example.net"),
        paid=True,
        provider="cash",
    )
    ticket = p.tickets.order_by("date__start").first()
    [listing] = resale.list_tickets(p, tickets=[ticket], method="credit")
    rate = RateFactory(product=ProductFactory(event=ticket.event), price=Decimal("20.00"))
    client = Client()
    assert (
        b"Tickets on resale"
        in client.get(reverse("web:pass-list", args=[world.organizer.slug])).content
    )

    response = client.post(
        reverse("web:pass-resale-buy", args=[world.organizer.slug, listing.pk]),
        {"rate": rate.pk, "email": "bob@example.net", "name": "Bob", "provider": "bank_transfer"},
    )

    assert response.status_code == 302
    listing.refresh_from_db()
    assert listing.state == Resale.State.LISTED  # claimed until the transfer arrives
    assert (
        b"Tickets on resale"
        not in client.get(reverse("web:pass-list", args=[world.organizer.slug])).content
    )
    # a second buyer who filled the form meanwhile is told, not sent to a "page not found"
    late = client.post(
        reverse("web:pass-resale-buy", args=[world.organizer.slug, listing.pk]),
        {"rate": rate.pk, "email": "eve@example.net", "name": "Eve", "provider": "bank_transfer"},
        follow=True,
    )
    assert late.status_code == 200 and b"no longer on resale" in late.content
    assert not Order.objects.filter(email="eve@example.net").exists()
    order = Order.objects.get(email="bob@example.net")
    mark_paid(order, provider="bank_transfer", amount=order.total)
    listing.refresh_from_db()
    assert listing.state == Resale.State.SOLD


def test_the_renewal_page_renews_with_the_pass_code(world, organizer, actor):
    from rideau.orders.services import Buyer
    from tests.factories import EventDateFactory, EventFactory, QuotaFactory

    p = services.sell_pass(
        world.organizer,
        rate=world.auto_rate,
        holder=services.HolderInput(last_name="Lopez", first_name="Ana"),
        buyer=Buyer(email="ana@example.net"),
        paid=True,
        provider="cash",
    )
    start = world.dates[-1].start + datetime.timedelta(days=100)
    season = services.create_season(
        organizer,
        actor=actor,
        name="Next",
        starts=start.date(),
        ends=(start + datetime.timedelta(days=90)).date(),
    )
    event = EventFactory(organizer=organizer)
    QuotaFactory(
        date=EventDateFactory(event=event, start=start, location=world.plan.location), size=20
    )
    product = services.create_pass_product(
        organizer,
        actor=actor,
        data=services.PassProductInput(
            name="Next pass",
            season=season,
            events=[event],
            rates=[services.RateInput(name="Full", price=Decimal("80"))],
        ),
    )
    renewals.create_campaign(
        organizer,
        actor=actor,
        name="Renew",
        from_product=world.automatic,
        to_products=[product],
        closes=timezone.now() + datetime.timedelta(days=5),
    )
    client = Client()
    url = reverse("web:pass-renew", args=[organizer.slug])
    assert client.get(url).status_code == 200
    code_url = reverse("web:pass-renew-code", args=[organizer.slug])
    assert client.post(code_url, {"code": p.plain_code}).status_code == 302
    assert client.get(url).status_code == 200

    response = client.post(
        url,
        {
            "rate": product.product.rates.get().pk,
            "email": "ana@example.net",
            "provider": "bank_transfer",
        },
    )

    assert response.status_code == 302
    new = Pass.objects.get(status=Pass.Status.ACTIVE)
    assert new.secret == p.secret and new.pass_product == product


def test_the_shop_footer_links_the_renewal_page(world):
    page = Client().get(reverse("web:organizer", args=[world.organizer.slug]))
    assert reverse("web:pass-renew", args=[world.organizer.slug]).encode() in page.content


def test_the_credit_on_the_pass_pays_a_pending_order(world):
    from rideau.orders.services import Buyer, OrderLine, place_order

    p = services.sell_pass(
        world.organizer,
        rate=world.auto_rate,
        holder=services.HolderInput(last_name="Lopez", first_name="Ana"),
        buyer=Buyer(email="ana@example.net"),
        paid=True,
        provider="cash",
    )
    Pass.objects.filter(pk=p.pk).update(credit=Decimal("30.00"))
    rate = RateFactory(product=ProductFactory(event=world.events[0]), price=Decimal("20.00"))
    order = place_order(
        world.organizer,
        lines=[OrderLine(rate=rate, date=world.dates[0])],
        buyer=Buyer(email="ana@example.net"),
        provider="bank_transfer",
    )
    client = Client()
    log_in_subscriber(client, world, "ana@example.net", pass_code("ana@example.net"))
    page = client.get(reverse("web:account-pass", args=[world.organizer.slug, p.pk]))
    assert b"Pay with my credit" in page.content

    response = client.post(
        reverse("web:account-pass-pay", args=[world.organizer.slug, p.pk, order.code])
    )

    assert response.status_code == 302
    order.refresh_from_db()
    p.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert p.credit == Decimal("10.00")


def test_holders_buy_extra_tickets_at_their_rates(world, organizer, actor):
    from rideau.catalog import services as catalog
    from rideau.catalog.models import AudienceType
    from rideau.orders.services import mark_paid

    holders = AudienceType.objects.create(
        organizer=organizer, code="holders", name={"en": "Holders"}
    )
    event = world.events[0]
    product = ProductFactory(event=event)
    public = catalog.create_rate(product, actor=actor, name="Full", price=Decimal("30.00"))
    holder_rate = catalog.create_rate(
        product, actor=actor, name="Pass holder", price=Decimal("18.00"), audience_types=[holders]
    )
    PassProduct = type(world.choice)
    PassProduct.objects.filter(pk=world.choice.pk).update(
        extra_tickets=True, holder_audience=holders
    )
    client = Client()
    buy(client, world, world.choice)
    order = Order.objects.get()
    mark_paid(order, provider="bank_transfer", amount=order.total)
    client.post(
        reverse("web:pass-access", args=[world.organizer.slug]),
        {"code": pass_code("ana@example.net")},
    )
    page = client.get(reverse("web:pass-access-choose", args=[world.organizer.slug]))
    assert b"More tickets at pass-holder rates" in page.content
    assert f"qty_{world.dates[0].pk}-{holder_rate.pk}".encode() in page.content
    assert f"qty_{world.dates[0].pk}-{public.pk}".encode() not in page.content

    response = client.post(
        reverse("web:pass-access-choose", args=[world.organizer.slug]),
        {
            "extra": "1",
            f"qty_{world.dates[0].pk}-{holder_rate.pk}": "2",
            "provider": "bank_transfer",
        },
    )

    assert response.status_code == 302
    extra = Order.objects.exclude(pk=order.pk).get()
    assert extra.audience_type == holders
    assert extra.total == Decimal("36.00")
    assert [p.rate_id for p in extra.positions.all()] == [holder_rate.pk, holder_rate.pk]


def test_a_paid_pass_order_page_speaks_of_no_gift_voucher(world):
    client = Client()
    buy(client, world, world.choice)  # a choice pass: no ticket until events are chosen
    order = Order.objects.get()
    mark_paid(order, provider="bank_transfer", amount=order.total)

    page = client.get(
        reverse("web:shop-order", args=[world.organizer.slug, order.code, order.secret])
    )

    assert page.status_code == 200
    assert b"gift voucher" not in page.content
    assert f"Thank you for your order {order.code}.".encode() in page.content


def test_the_french_pass_page_puts_a_space_before_the_colon(world):
    client, p = subscriber_with_a_pass(world)
    client.post("/i18n/setlang/", {"language": "fr"})

    page = client.get(
        reverse("web:account-pass", args=[world.organizer.slug, p.pk])
    ).content.decode()

    assert "<strong>Crédit sur le pass\u00a0:</strong>" in page
