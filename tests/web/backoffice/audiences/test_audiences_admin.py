"""Back-office audience types and the rate form's channels and audiences (SPEC CORE-8)."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from rideau.catalog import services as catalog
from rideau.catalog.models import AudienceType, Rate
from rideau.core.access import Actor
from rideau.core.models import AuditLogEntry
from rideau.core.roles import Role
from rideau.inventory import services as inventory
from rideau.orders import services as orders
from rideau.orders.services import Buyer, OrderLine
from tests.factories import EventDateFactory, EventFactory, ProductFactory, member

pytestmark = pytest.mark.django_db


def url(organizer, suffix: str = "") -> str:
    return f"/control/{organizer.slug}/audiences/{suffix}"


def data(**overrides) -> dict:
    return {
        "code": "schools",
        "name_en": "Schools",
        "name_fr": "Écoles",
        "description_en": "",
        "description_fr": "",
        "position": "0",
        "active": "on",
        **overrides,
    }


def test_the_organizer_adds_an_audience_type(organizer, owner_client):
    response = owner_client.post(url(organizer), data())

    assert response.status_code == 302
    audience = AudienceType.objects.get(organizer=organizer)
    assert (audience.code, audience.name, audience.active) == (
        "schools",
        {"en": "Schools", "fr": "Écoles"},
        True,
    )
    assert AuditLogEntry.objects.filter(action="audience_type.created").count() == 1
    page = owner_client.get(url(organizer)).content.decode()
    assert "Schools" in page
    assert f'href="{url(organizer)}"' in page  # the navigation links here


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"code": "not a code"}, "code"),
        ({"code": ""}, "code"),
        ({"name_en": "", "name_fr": ""}, "name_en"),
        ({"position": "-1"}, "position"),
        ({"name_en": "x" * 201}, "name_en"),
    ],
)
def test_bad_input_is_a_field_error_and_changes_nothing(organizer, owner_client, overrides, field):
    response = owner_client.post(url(organizer), data(**overrides))

    assert response.status_code == 422
    assert field in response.context["form"].errors
    assert not AudienceType.objects.exists()


def test_a_duplicate_code_is_a_field_error(organizer, owner_client, actor):
    catalog.create_audience_type(organizer, actor=actor, code="schools", name="Schools")

    response = owner_client.post(url(organizer), data(name_en="Other"))

    assert response.status_code == 422
    assert "code" in response.context["form"].errors
    assert AudienceType.objects.count() == 1


def test_edit_and_deactivate(organizer, owner_client, actor):
    audience = catalog.create_audience_type(organizer, actor=actor, code="groups", name="Groups")

    form = owner_client.get(url(organizer, f"{audience.pk}/"))
    assert form.status_code == 200
    response = owner_client.post(
        url(organizer, f"{audience.pk}/"), data(code="groups", name_en="Groups of 10+", active="")
    )

    assert response.status_code == 302
    audience.refresh_from_db()
    assert (audience.name["en"], audience.active) == ("Groups of 10+", False)
    refused = owner_client.post(url(organizer, f"{audience.pk}/"), data(code="bad code"))
    assert refused.status_code == 422
    audience.refresh_from_db()
    assert audience.code == "groups"


def test_delete_unused_and_refuse_used(organizer, owner_client, actor):
    used = catalog.create_audience_type(organizer, actor=actor, code="schools", name="Schools")
    unused = catalog.create_audience_type(organizer, actor=actor, code="groups", name="Groups")
    product = ProductFactory(organizer=organizer, event=EventFactory(organizer=organizer))
    catalog.create_rate(
        product, actor=actor, name="School", price=Decimal(5), audience_types=[used]
    )

    refused = owner_client.post(url(organizer, f"{used.pk}/delete/"), follow=True)
    assert "deactivate it instead" in refused.content.decode()
    assert AudienceType.objects.filter(pk=used.pk).exists()

    response = owner_client.post(url(organizer, f"{unused.pk}/delete/"))
    assert response.status_code == 302
    assert not AudienceType.objects.filter(pk=unused.pk).exists()
    assert owner_client.get(url(organizer, f"{unused.pk}/delete/")).status_code == 405


def test_staff_without_the_events_permission_are_refused(organizer):
    client = Client()
    client.force_login(member(organizer, Role.BOX_OFFICE, email="cash@example.org"))

    assert client.get(url(organizer)).status_code == 403
    assert client.post(url(organizer), data()).status_code == 403
    assert not AudienceType.objects.exists()


def test_another_organizers_audience_type_is_not_found(organizer, other_organizer, owner_client):
    theirs = catalog.create_audience_type(
        other_organizer, actor=Actor(user=member(other_organizer)), code="vip", name="VIP"
    )

    assert owner_client.get(url(organizer, f"{theirs.pk}/")).status_code == 404
    assert owner_client.post(url(organizer, f"{theirs.pk}/delete/")).status_code == 404
    assert owner_client.get(url(other_organizer)).status_code == 404
    assert AudienceType.objects.filter(pk=theirs.pk).exists()


def test_the_list_is_paginated_in_a_constant_number_of_queries(organizer, owner_client, actor):
    def count(rows: int) -> int:
        AudienceType.objects.all().delete()
        for i in range(rows):
            catalog.create_audience_type(organizer, actor=actor, code=f"a{i}", name=f"A{i}")
        with CaptureQueriesContext(connection) as queries:
            response = owner_client.get(url(organizer))
        assert response.status_code == 200
        assert len(response.context["audiences"]) == rows
        return len(queries)

    assert count(1) == count(3)


def test_the_list_has_pages(organizer, owner_client, actor, monkeypatch):
    monkeypatch.setattr("rideau.web.backoffice.collection.ROWS_PER_PAGE", 2)
    for i in range(3):
        catalog.create_audience_type(organizer, actor=actor, code=f"a{i}", name=f"A{i}")

    second = owner_client.get(url(organizer) + "?page=2")

    assert [a.code for a in second.context["audiences"]] == ["a2"]


# --- the rate form -------------------------------------------------------------------------


@pytest.fixture
def event(organizer):
    return EventFactory(organizer=organizer, slug="gala")


def rate_data(product, **overrides) -> dict:
    return {
        "form": "rate",
        "rate-product": str(product.pk),
        "rate-name_en": "School rate",
        "rate-name_fr": "",
        "rate-price": "8.00",
        "rate-active": "on",
        **overrides,
    }


def test_the_rate_form_sets_channels_and_audiences(organizer, owner_client, actor, event):
    product = ProductFactory(organizer=organizer, event=event)
    schools = catalog.create_audience_type(organizer, actor=actor, code="schools", name="Schools")
    rates_url = f"/control/{organizer.slug}/events/{event.slug}/edit/rates/"

    response = owner_client.post(
        rates_url,
        {
            **rate_data(product),
            "rate-channels": ["box_office", "phone"],
            "rate-audience_types": [str(schools.pk)],
        },
    )

    assert response.status_code == 302
    rate = Rate.objects.get(product=product)
    assert rate.channels == ["box_office", "phone"]
    assert list(rate.audience_types.all()) == [schools]
    assert rate.audience_restricted
    page = owner_client.get(rates_url).content.decode()
    assert "Box office, Phone" in page
    edit = owner_client.get(f"{rates_url}{rate.pk}/")
    assert edit.context["form"].initial["channels"] == ["box_office", "phone"]
    assert edit.context["form"].initial["audience_types"] == [schools]

    owner_client.post(
        f"{rates_url}{rate.pk}/",
        {"name_en": "School rate", "name_fr": "", "price": "8.00", "active": "on"},
    )
    rate.refresh_from_db()
    assert rate.channels == []  # nothing ticked: every channel
    assert not rate.audience_types.exists()
    assert not rate.audience_restricted


def test_the_rate_form_refuses_unknown_choices(
    organizer, other_organizer, owner_client, actor, event
):
    product = ProductFactory(organizer=organizer, event=event)
    theirs = catalog.create_audience_type(
        other_organizer, actor=Actor(user=member(other_organizer)), code="vip", name="VIP"
    )
    rates_url = f"/control/{organizer.slug}/events/{event.slug}/edit/rates/"

    response = owner_client.post(
        rates_url,
        {**rate_data(product), "rate-channels": ["fax"], "rate-audience_types": [str(theirs.pk)]},
    )

    assert response.status_code == 200  # the events pages re-render the form
    errors = response.context["rate_form"].errors
    assert {"channels", "audience_types"} <= set(errors)
    assert not Rate.objects.exists()


def test_the_rates_page_lists_audiences_in_a_constant_number_of_queries(
    organizer, owner_client, actor, event
):
    product = ProductFactory(organizer=organizer, event=event)
    schools = catalog.create_audience_type(organizer, actor=actor, code="schools", name="Schools")
    rates_url = f"/control/{organizer.slug}/events/{event.slug}/edit/rates/"

    def count(rows: int) -> int:
        Rate.objects.all().delete()
        for i in range(rows):
            catalog.create_rate(
                product, actor=actor, name=f"R{i}", price=Decimal(1), audience_types=[schools]
            )
        with CaptureQueriesContext(connection) as queries:
            assert owner_client.get(rates_url).status_code == 200
        return len(queries)

    assert count(1) == count(3)


# --- the sales report ----------------------------------------------------------------------


def test_the_overview_breaks_sales_down_by_channel_and_audience(organizer, owner_client, actor):
    event = EventFactory(organizer=organizer, slug="gala")
    date = EventDateFactory(event=event, start=timezone.now() + datetime.timedelta(days=5))
    inventory.create_quota(actor=actor, organizer=organizer, name="Hall", size=50, date=date)
    product = ProductFactory(organizer=organizer, event=event)
    groups = catalog.create_audience_type(organizer, actor=actor, code="groups", name="Groups")
    rate = catalog.create_rate(product, actor=actor, name="Full", price=Decimal("10"))
    for channel, audience, quantity in (
        ("web", None, 2),
        ("box_office", None, 1),
        ("phone", groups, 3),
    ):
        orders.place_order(
            organizer,
            event=event,
            lines=[OrderLine(rate=Rate.objects.get(pk=rate.pk), quantity=quantity, date=date)],
            buyer=Buyer(email="ana@example.net"),
            channel=channel,
            audience_type=audience,
            paid=True,
        )

    response = owner_client.get(f"/control/{organizer.slug}/events/{event.slug}/")

    breakdown = response.context["breakdown"]
    assert [(line.key, line.count, line.revenue) for line in breakdown.channels] == [
        ("web", 2, Decimal("20")),
        ("box_office", 1, Decimal("10")),
        ("phone", 3, Decimal("30")),
    ]
    assert [(line.label, line.count) for line in breakdown.audiences] == [
        ("Groups", 3),
        ("General public", 3),
    ]
    page = response.content.decode()
    assert 'id="sales-by-channel"' in page
    assert 'id="sales-by-audience"' in page
