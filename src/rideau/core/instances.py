"""New model instances for the write paths, built as `Model(**values)` builds them, at a
fraction of its cost.

`Model.__init__` walks every field of the model for each instance: a keyword lookup, the
field's default through two calls, and an attribute set through the field's descriptor —
about seventy Python calls for an order, and a shop order builds eleven instances. `new`
does the same from a template made once per model: the fields' constant defaults copied,
the per-instance ones (a callable default, a database default) computed, the values given
written as `__init__` would write them (a related object through its descriptor's rules:
the id, the cache, the instance's database).

It gives up — and calls `Model(**values)` — whenever `__init__` would do something else:
a model with `pre_init`/`post_init` receivers, a field behind a descriptor of its own (a
file field), a one-to-one or composite relation, a keyword that is not a field (a
property), a related object of another model or database, or more than one database
configured. `tests/core/test_instances.py` compares
the two for every model the write paths build.
"""

import functools
from dataclasses import dataclass
from inspect import getattr_static
from typing import Any, TypeVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS
from django.db.models import Field, ForeignKey, Model
from django.db.models.base import ModelState
from django.db.models.fields.related_descriptors import (
    ForeignKeyDeferredAttribute,
    ForwardManyToOneDescriptor,
)
from django.db.models.query_utils import DeferredAttribute
from django.db.models.signals import post_init, pre_init

__all__ = ["new"]

M = TypeVar("M", bound=Model)

# what a field's value is, when not given: a constant, or computed for each instance
_CONSTANT, _COMPUTED = 0, 1


@dataclass(frozen=True)
class _Template:
    # (attname, how its default comes, the constant or the field), in `__init__`'s order
    fields: tuple[tuple[str, int, Any], ...]
    # keyword → the foreign key it names, by name (an object) and by attname (an id)
    by_name: dict[str, ForeignKey]
    attnames: frozenset[str]


@functools.cache
def _template(model: type[Model]) -> _Template | None:
    """How `model`'s `__init__` fills a new instance, or None when `new` must not copy it."""
    if pre_init.has_listeners(model) or post_init.has_listeners(model):
        return None
    fields: list[tuple[str, int, Any]] = []
    by_name: dict[str, ForeignKey] = {}
    for f in model._meta.fields:
        if f.column is None or f.generated:
            continue
        descriptor = getattr_static(model, f.attname, None)
        if type(descriptor) not in (DeferredAttribute, ForeignKeyDeferredAttribute):
            return None  # a descriptor of its own sets it: `__init__` must
        if f.is_relation:
            if (
                not isinstance(f, ForeignKey)
                or f.one_to_one
                or len(f.related_fields) != 1
                or type(getattr_static(model, f.name, None)) is not ForwardManyToOneDescriptor
            ):
                return None  # one-to-one, composite: `__init__` must
            by_name[f.name] = f
        fields.append(_default_of(f))
    return _Template(
        fields=tuple(fields),
        by_name=by_name,
        attnames=frozenset(attname for attname, _how, _d in fields),
    )


def _default_of(f: Field) -> tuple[str, int, Any]:
    if (f.has_default() and callable(f.default)) or f.has_db_default():
        return f.attname, _COMPUTED, f
    # a constant default is the same object for every instance in `__init__` too
    return f.attname, _CONSTANT, f.get_default()


def new(model: type[M], **values: Any) -> M:
    """`model(**values)`, built from the model's template when that gives the same
    instance (see the module's description); for the write paths' hot rows."""
    template = _template(model) if len(settings.DATABASES) == 1 else None
    if template is None:
        return model(**values)
    related: list[tuple[ForeignKey, Model | None]] = []
    for key, value in values.items():
        if key in template.attnames:
            continue
        f = template.by_name.get(key)
        if f is None or f.attname in values or not _relatable(f, value):
            return model(**values)  # a property, a wrong object: `__init__` decides
        related.append((f, value))
    obj = model.__new__(model)
    state = obj._state = ModelState()
    data = obj.__dict__
    for attname, how, default in template.fields:
        if attname in values:
            data[attname] = values[attname]
        elif how == _CONSTANT:
            data[attname] = default
        else:
            data[attname] = default.get_default()
    for f, value in related:  # as the forward descriptor's `__set__` does
        if value is None:
            data[f.attname] = None
        else:
            if state.db is None:
                state.db = value._state.db or DEFAULT_DB_ALIAS
            if value._state.db is None:
                value._state.db = state.db
            data[f.attname] = getattr(value, f.related_fields[0][1].attname)
        state.fields_cache[f.name] = value
    return obj


def _relatable(f: ForeignKey, value: object) -> bool:
    if value is None:
        return True
    remote: type[Model] = f.remote_field.model
    concrete = remote._meta.concrete_model
    return (
        concrete is not None
        and isinstance(value, concrete)
        and value._state.db
        in (
            None,
            DEFAULT_DB_ALIAS,
        )
    )
