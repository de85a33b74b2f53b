"""`core.instances.new` builds the instance `Model(**values)` builds: same attributes, same
related-object cache, same state — for every model it has a template for, and for the rows
the write paths build; it hands back to `Model(**values)` wherever that would differ."""

import datetime
from decimal import Decimal

import pytest
from django.apps import apps
from django.db.models.fields import NOT_PROVIDED
from django.db.models.signals import post_init
from django.utils import timezone

from rideau.contacts.models import Contact
from rideau.core.instances import _template, new
from rideau.core.models import AuditLogEntry, DomainEventRecord
from rideau.inventory.models import Hold
from rideau.messaging.models import OutboxMessage
from rideau.orders.models import Order, Position
from tests.factories import EventDateFactory, EventFactory, ProductFactory, RateFactory

NOW = timezone.now()


def _computed(model) -> set[str]:
    """Fields whose default is computed per instance (a clock, a random code)."""
    return {
        f.attname
        for f in model._meta.fields
        if (f.default is not NOT_PROVIDED and callable(f.default)) or f.has_db_default()
    }


def _same(model, **values):
    ours, django = new(model, **values), model(**values)
    assert type(ours) is model
    plain = {k: v for k, v in vars(django).items() if k != "_state"}
    mine = {k: v for k, v in vars(ours).items() if k != "_state"}
    assert list(mine) == list(plain), model  # the same attributes, in the same order
    for name, value in plain.items():
        if name in _computed(model) and name not in values:
            assert type(mine[name]) is type(value), (model, name)
        else:
            assert mine[name] == value, (model, name)
    assert (ours._state.adding, ours._state.db) == (django._state.adding, django._state.db)
    assert ours._state.fields_cache == django._state.fields_cache
    return ours


def test_every_templated_model_with_its_defaults():
    models = [m for m in apps.get_models() if _template(m) is not None]
    assert {Order, Position, Contact, Hold, AuditLogEntry, DomainEventRecord, OutboxMessage} <= set(
        models
    )
    for model in models:
        _same(model)


@pytest.mark.django_db
def test_the_write_paths_rows(organizer):
    event = EventFactory(organizer=organizer)
    date = EventDateFactory(event=event)
    rate = RateFactory(product=ProductFactory(event=event, organizer=organizer))
    contact = _same(Contact, organizer=organizer, email="ana@example.net", first_name="Ana")
    order = _same(
        Order,
        organizer=organizer,
        event=event,
        contact=contact,
        email="ana@example.net",
        total=Decimal("25.00"),
        expires_at=NOW + datetime.timedelta(minutes=30),
    )
    assert order._state.db == "default" and order._state.fields_cache["organizer"] is organizer
    _same(Position, order=order, rate=rate, date=date, price=Decimal("25.00"), secret="s")
    _same(
        Hold,
        organizer=organizer,
        owner_ref="order:1",
        kind=Hold.Kind.ORDER,
        state=Hold.State.HELD,
        quantity=1,
        date=date,
        product=None,
        rate=None,
        session=None,
        expires_at=NOW,
        created=NOW,
    )
    _same(AuditLogEntry, organizer_id=organizer.pk, action="order.placed", object_id="1")
    _same(DomainEventRecord, organizer_id=organizer.pk, name="order.placed", payload={"a": 1})
    _same(OutboxMessage, organizer=organizer, to=["ana@example.net"], subject="Hi", body_text="x")
    unsaved = Contact(organizer=organizer, email="bob@example.net")  # its db set by the link
    _same(Order, organizer=organizer, contact=unsaved, email="bob@example.net")
    _same(Order, organizer=organizer, contact=None, event=None)


@pytest.mark.django_db
def test_it_hands_back_to_the_model_where_init_decides(organizer):
    with pytest.raises(TypeError, match="unexpected keyword"):
        new(Order, organizer=organizer, no_such_field=1)
    with pytest.raises(ValueError, match="must be a"):
        new(Order, organizer=EventFactory(organizer=organizer))  # not an organiser
    both = new(Order, organizer=organizer, organizer_id=organizer.pk)
    assert both.organizer_id == organizer.pk

    def receiver(**kwargs):
        kwargs["instance"].seen = True

    post_init.connect(receiver, sender=OutboxMessage)
    _template.cache_clear()
    try:
        assert new(OutboxMessage, subject="x").seen  # type: ignore[attr-defined]
    finally:
        post_init.disconnect(receiver, sender=OutboxMessage)
        _template.cache_clear()
