"""The shop's "reserve now, pay later" (C1) and the personal space's Reservations section
(C3, C5) through the Django test client: reserve, see the deadline on the dashboard, pay
through the normal payment flow, cancel with a reason."""

import pytest
from django.test import Client

from rideau.inventory.models import Hold
from rideau.messaging.models import OutboxMessage
from rideau.orders.models import Order, SalesChannel
from rideau.reservations.models import (
    PointOfSale,
    ProductProfile,
    ProfileProduct,
    Reservation,
    ReservationRule,
)
from tests.accounts.conftest import log_in_account
from tests.web.shop.test_shop import add, checkout_data, taken

pytestmark = pytest.mark.django_db


@pytest.fixture
def reservable(shop):
    PointOfSale.objects.create(
        organizer=shop.organizer, name="Web shop", channel=SalesChannel.WEB, may_reserve=True
    )
    profile = ProductProfile.objects.create(organizer=shop.organizer, name="Groups")
    ProfileProduct.objects.create(profile=profile, product=shop.product, reservable=True)
    ReservationRule.objects.create(product=shop.product, days_after_booking=5)
    return shop


def _reserve(client, shop) -> Reservation:
    add(client, shop, n=2)
    response = client.post(shop.url("checkout"), checkout_data(provider="", reserve="1"))
    assert response.status_code == 302, response.content.decode()[:3000]
    return Reservation.objects.get(order__email="ada@example.net", status="active")


def test_checkout_offers_to_reserve_only_when_the_switches_allow(client, shop):
    add(client, shop, n=1)
    assert "reserve-order" not in client.get(shop.url("checkout")).content.decode()
    PointOfSale.objects.create(
        organizer=shop.organizer, name="Web shop", channel=SalesChannel.WEB, may_reserve=True
    )
    profile = ProductProfile.objects.create(organizer=shop.organizer, name="Groups")
    ProfileProduct.objects.create(profile=profile, product=shop.product, reservable=True)
    assert "reserve-order" not in client.get(shop.url("checkout")).content.decode()  # no rule
    ReservationRule.objects.create(product=shop.product, days_before_date=3)
    page = client.get(shop.url("checkout")).content.decode()
    assert "reserve-order" in page and "Reserve now, pay later" in page
    # a forged "reserve" on a cart that may not be reserved places nothing as a reservation
    ProfileProduct.objects.update(reservable=False)
    client.post(shop.url("checkout"), checkout_data(n=1, provider="", reserve="1"))
    assert not Reservation.objects.exists()


def test_reserve_then_dashboard_then_pay_now(client, reservable):
    shop = reservable
    reservation = _reserve(client, shop)
    order = reservation.order
    assert order.status == Order.Status.PENDING and taken(shop.quotas[0]) == 2
    assert set(Hold.objects.values_list("kind", flat=True)) == {Hold.Kind.RESERVATION}
    page = client.get(f"/{shop.organizer.slug}/order/{order.code}/{order.secret}/")
    assert f"/account/reservations/{order.code}/" in page.content.decode()
    assert page.context["reservation"] == reservation
    mail = OutboxMessage.objects.filter(to=["ada@example.net"]).latest("id")
    assert f"/account/reservations/{order.code}/" in mail.body_text

    buyer = Client()
    from rideau.accounts.services import open_account

    log_in_account(buyer, open_account(order.contact))
    home = buyer.get(f"/{shop.organizer.slug}/account/")
    items = home.context["items"]
    assert [e["item"].deadline for e in items] == [reservation.deadline]
    assert f"/account/reservations/{order.code}/" in home.content.decode()

    page = buyer.get(f"/{shop.organizer.slug}/account/reservations/{order.code}/")
    assert page.status_code == 200
    assert page.context["state"] == "active" and len(page.context["items"]) == 2

    # pay now: the normal payment flow (the demo card page), then a firm purchase
    response = buyer.post(
        f"/{shop.organizer.slug}/account/reservations/{order.code}/pay/", {"provider": "demo_card"}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/shop/pay/demo/{order.secret}/"
    paid = buyer.post(
        response["Location"],
        {"number": "4242 4242 4242 4242", "expiry": "12/30", "cvc": "123", "name": "Ada"},
    )
    assert paid.status_code == 302, paid.content.decode()[:2000]
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    page = buyer.get(f"/{shop.organizer.slug}/account/reservations/{order.code}/")
    assert page.context["state"] == "paid"
    assert not buyer.get(f"/{shop.organizer.slug}/account/").context["items"]


def test_cancel_with_a_reason_releases_the_places(client, reservable):
    shop = reservable
    reservation = _reserve(client, shop)
    buyer = Client()
    from rideau.accounts.services import open_account

    log_in_account(buyer, open_account(reservation.order.contact))
    url = f"/{shop.organizer.slug}/account/reservations/{reservation.order.code}/"
    bad = buyer.post(url + "cancel/", {"reason": "bad\x00text"})
    assert bad.status_code == 422
    reservation.refresh_from_db()
    assert reservation.status == "active"

    response = buyer.post(url + "cancel/", {"reason": "Trip postponed"})
    assert response.status_code == 302
    reservation.refresh_from_db()
    assert (reservation.status, reservation.cancel_reason) == ("cancelled", "Trip postponed")
    assert taken(shop.quotas[0]) == 0
    again = buyer.post(url + "pay/", {"provider": "demo_card"})
    assert again.status_code == 422


def test_a_phone_reservation_is_paid_online_from_the_personal_space(shop):
    """C4: made by phone for the buyer's address, paid with the web's card page."""
    from rideau.orders.services import Buyer, OrderLine
    from rideau.reservations import services

    phone = PointOfSale.objects.create(
        organizer=shop.organizer, name="Phone", channel=SalesChannel.PHONE, may_reserve=True
    )
    profile = ProductProfile.objects.create(organizer=shop.organizer, name="Phone bookings")
    ProfileProduct.objects.create(profile=profile, product=shop.product, reservable=True)
    ReservationRule.objects.create(product=shop.product, days_after_booking=5)
    reservation = services.reserve(
        shop.organizer,
        event=shop.event,
        lines=[OrderLine(rate=shop.full, quantity=1, date=shop.dates[0])],
        buyer=Buyer(email="Ada@Example.net", name="Ada"),
        point_of_sale=phone,
    )
    assert reservation.order.channel == SalesChannel.PHONE
    buyer = Client()
    from rideau.accounts.services import open_account

    log_in_account(buyer, open_account(reservation.order.contact))
    listing = buyer.get(f"/{shop.organizer.slug}/account/reservations/")
    assert reservation.code in listing.content.decode() and "Phone" in listing.content.decode()
    response = buyer.post(
        f"/{shop.organizer.slug}/account/reservations/{reservation.code}/pay/",
        {"provider": "demo_card"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    buyer.post(response["Location"], {"number": "4242 4242 4242 4242"})
    reservation.order.refresh_from_db()
    assert reservation.order.status == Order.Status.PAID
    assert reservation.order.channel == SalesChannel.PHONE  # still the phone's sale


def test_a_second_submit_returns_the_same_reservation(client, reservable):
    from rideau.orders.services import Buyer
    from rideau.reservations import services
    from rideau.reservations.errors import ReservationError
    from rideau.web.shop.views import CARTS_KEY

    shop = reservable
    first = _reserve(client, shop)
    token = client.session[CARTS_KEY][str(shop.event.pk)]
    buyer = Buyer(email="ada@example.net")
    again = services.reserve_cart(
        shop.organizer, shop.event, token=token, buyer=buyer, attendees=[]
    )
    assert again == first and Reservation.objects.count() == 1

    # a cart that was bought is not reserved afterwards
    other = Client()
    add(other, shop, n=1)
    other.post(shop.url("checkout"), checkout_data(n=1, provider="bank_transfer"))
    bought = other.session[CARTS_KEY][str(shop.event.pk)]
    with pytest.raises(ReservationError):
        services.reserve_cart(shop.organizer, shop.event, token=bought, buyer=buyer, attendees=[])
    assert Reservation.objects.count() == 1
