"""The shop API keeps an event's catalogue per `Event.catalog_version` (ADR 0020): an order
placed after any change to a rate, a product, a question or a date sees the change at once,
however the change was written (the database's triggers bump the version). On SQLite
nothing is kept and the same tests hold."""

import copy
import datetime
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from rideau.api import catalogue
from rideau.catalog.models import Question, Rate
from rideau.events.models import Event, EventDate
from rideau.orders.models import Order

from .conftest import ApiClient
from .test_orders_api import SHOP, order_body
from .test_orders_api import shop as shop  # the fixture

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_rate_limit(settings):
    settings.RIDEAU_SHOP_ORDER_RATE = (0, 60)
    cache.clear()


def buy(shop, **line):
    return ApiClient().post(SHOP + "/orders", order_body(shop, quantity=1, **line))


def test_a_price_changed_by_a_plain_update_is_charged_by_the_next_order(shop):
    assert buy(shop).json()["total"] == "25.00"  # the catalogue is now kept
    before = Event.objects.get(pk=shop["event"].pk).catalog_version
    Rate.objects.filter(pk=shop["full"].pk).update(price=Decimal("30.00"))  # no signal

    assert buy(shop).json()["total"] == "30.00"
    if connection.vendor == "postgresql":  # the trigger, not a re-read, made it
        assert Event.objects.get(pk=shop["event"].pk).catalog_version == before + 1


def test_a_date_closed_and_a_required_question_added_apply_at_once(shop):
    assert buy(shop).status_code == 201
    EventDate.objects.filter(pk=shop["date"].pk).update(
        sales_end=timezone.now() - datetime.timedelta(minutes=1)
    )
    closed = buy(shop)
    assert closed.status_code == 409 or closed.status_code == 422, closed.json()
    EventDate.objects.filter(pk=shop["date"].pk).update(sales_end=None)
    assert buy(shop).status_code == 201

    Question.objects.create(
        product=shop["full"].product, label={"en": "Diet"}, kind="text", required=True
    )
    assert buy(shop).status_code == 422
    assert Order.objects.count() == 2


def test_an_event_saved_with_the_version_it_read_does_not_bring_an_old_catalogue_back(shop):
    event = Event.objects.get(pk=shop["event"].pk)  # reads the version
    assert buy(shop).json()["total"] == "25.00"
    Rate.objects.filter(pk=shop["full"].pk).update(price=Decimal("30.00"))
    event.name = {"en": "Gala night"}
    event.save()  # writes the version it read before the price changed

    assert buy(shop).json()["total"] == "30.00"
    if connection.vendor == "postgresql":
        assert Event.objects.get(pk=event.pk).catalog_version > event.catalog_version


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the triggers are PostgreSQL's")
def test_control_without_the_trigger_the_kept_catalogue_would_charge_the_old_price(shop):
    """The control run of the first test: with the rates' trigger off (rolled back with the
    test), the version does not move and the kept catalogue still has the old price."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending trigger events
        cursor.execute("ALTER TABLE catalog_rate DISABLE TRIGGER rideau_catalog_changed")
    assert buy(shop).json()["total"] == "25.00"
    Rate.objects.filter(pk=shop["full"].pk).update(price=Decimal("30.00"))

    assert buy(shop).json()["total"] == "25.00"


def test_a_request_gets_a_copy_as_copy_copy_makes_it(shop):
    rate = (
        Rate.objects.select_related("product")
        .prefetch_related("product__questions")
        .get(pk=shop["full"].pk)
    )
    rate._prefetched_objects_cache = {"extra": []}  # type: ignore[attr-defined]
    ours, theirs = catalogue._copy(rate), copy.copy(rate)
    assert type(ours) is Rate and ours is not rate
    theirs.__dict__.pop("_django_version")  # pickling's version mark, nothing a request reads
    assert ours.__dict__.keys() == theirs.__dict__.keys()
    for name, value in theirs.__dict__.items():
        if name != "_state":
            assert getattr(ours, name) == value, name
    assert ours._state is not rate._state and ours._state.__dict__ == theirs._state.__dict__
    assert ours._state.fields_cache is not rate._state.fields_cache
    assert ours._state.fields_cache["product"] is rate.product  # related objects shared
    assert ours._prefetched_objects_cache is not rate._prefetched_objects_cache
    ours.price = Decimal("1.00")
    ours._state.fields_cache.clear()
    assert rate.price != Decimal("1.00") and "product" in rate._state.fields_cache
