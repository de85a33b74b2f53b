"""The web shop sells only the rates sold on the web to everyone (CORE-8, ADR 0006)."""

import pytest

from rideau.catalog.models import AudienceType, Rate
from rideau.inventory.models import Hold

pytestmark = pytest.mark.django_db


def field(shop, rate) -> str:
    return f"q-{shop.dates[0].pk}-{rate.pk}"


def restrict(shop, *, channels=None, audience=False) -> None:
    rate: Rate = shop.reduced
    if channels is not None:
        rate.channels = channels
        rate.save(update_fields=["channels"])
    if audience:
        schools = AudienceType.objects.create(
            organizer=shop.organizer, code="schools", name={"en": "Schools"}
        )
        rate.audience_types.add(schools)
        rate.audience_restricted = True
        rate.save(update_fields=["audience_restricted"])


@pytest.mark.parametrize(
    "restriction",
    [{"channels": ["box_office"]}, {"audience": True}],
    ids=["box-office-only", "schools-only"],
)
def test_the_shop_hides_rates_it_does_not_sell_and_refuses_them(client, shop, restriction):
    restrict(shop, **restriction)

    page = client.get(shop.url() + f"?date={shop.dates[0].pk}")

    assert field(shop, shop.full) in page.content.decode()
    assert field(shop, shop.reduced) not in page.content.decode()
    # a hand-made post for the hidden rate takes nothing
    client.post(shop.url(), {field(shop, shop.reduced): "1"})
    assert not Hold.objects.exists()


def test_a_rate_sold_on_the_web_among_other_channels_is_offered(client, shop):
    restrict(shop, channels=["web", "box_office"])

    response = client.post(shop.url(), {field(shop, shop.reduced): "1"})

    assert response.status_code == 302
    assert Hold.objects.get().rate_id == shop.reduced.pk


def test_the_ticket_widget_shows_only_shop_rates(client, shop):
    shop.event.visibility = "public"
    shop.event.save(update_fields=["visibility"])
    restrict(shop, channels=["phone"])

    response = client.get(f"/{shop.organizer.slug}/{shop.event.slug}/widget/")

    assert response.status_code == 200
    rates = [rate for _product, rate in response.context["rates"]]
    assert shop.full in rates
    assert shop.reduced not in rates
