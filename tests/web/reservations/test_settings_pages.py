"""The organiser's reservation settings (C2): points of sale, product profiles and the
products' deadline rules, from the back office; their effect on what the shop offers."""

import pytest
from django.utils import timezone

from rideau.core.models import AuditLogEntry
from rideau.core.roles import Role
from rideau.reservations import rules
from rideau.reservations.models import PointOfSale, ProductProfile, ReservationRule
from tests.factories import member

pytestmark = pytest.mark.django_db


def test_the_three_switches_set_from_the_back_office(client, shop):
    organizer = shop.organizer
    client.force_login(member(organizer))
    url = f"/control/{organizer.slug}/reservations/settings/"
    assert client.get(url).status_code == 200
    lines = [(shop.product, shop.dates[0])]
    assert rules.shop_offer(organizer, lines, timezone.now()) is None

    response = client.post(
        url,
        {
            "form": "point",
            "point-name": "Web shop",
            "point-channel": "web",
            "point-may_reserve": "on",
            "point-active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    duplicate = client.post(
        url, {"form": "point", "point-name": "Web shop", "point-channel": "phone"}
    )
    assert duplicate.status_code == 422
    response = client.post(
        url,
        {
            "form": "profile",
            "profile-name": "Groups",
            "profile-active": "on",
            "profile-products": [shop.product.pk],
            "profile-reservable": [shop.product.pk],
        },
    )
    assert response.status_code == 302
    response = client.post(
        f"/control/{organizer.slug}/reservations/settings/rules/{shop.product.pk}/",
        {f"rule{shop.product.pk}-days_after_booking": "4"},
    )
    assert response.status_code == 302
    assert ReservationRule.objects.get(product=shop.product).days_after_booking == 4
    assert rules.shop_offer(organizer, lines, timezone.now()) is not None
    assert AuditLogEntry.objects.filter(action__startswith="reservations.").count() == 3

    # a reservable product not in the profile is refused, and nothing changes
    profile = ProductProfile.objects.get()
    bad = client.post(
        f"/control/{organizer.slug}/reservations/settings/profiles/{profile.pk}/",
        {"name": "Groups", "active": "on", "reservable": [shop.product.pk]},
    )
    assert bad.status_code == 422
    assert profile.items.get().reservable is True
    point = PointOfSale.objects.get()
    response = client.post(
        f"/control/{organizer.slug}/reservations/settings/points/{point.pk}/",
        {"name": "Web shop", "channel": "web", "active": "on"},
    )
    assert response.status_code == 302
    assert rules.shop_offer(organizer, lines, timezone.now()) is None


def test_a_read_only_member_sees_but_cannot_change(client, shop):
    client.force_login(member(shop.organizer, Role.READ_ONLY))
    url = f"/control/{shop.organizer.slug}/reservations/settings/"
    assert client.get(url).status_code == 200
    response = client.post(url, {"form": "point", "point-name": "X", "point-channel": "web"})
    assert response.status_code == 403
    assert not PointOfSale.objects.exists()
