"""The audit log: every state change records who, what, when, and before/after."""

import datetime
import decimal
import uuid
from typing import Any, TypedDict, Unpack

from django.db import models

from .instances import new
from .models import AuditLogEntry

SECRET_FIELDS = {"password", "totp_secret", "token_hash", "secret", "private_key_encrypted"}


def _json_value(value):
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, models.fields.files.FieldFile):
        return value.name or None
    if isinstance(value, dict):
        return {k: _json_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_json_value(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    # field types that hold objects (e.g. django-countries' Country) keep their text form
    return str(value)


def snapshot(obj: models.Model) -> dict:
    """A JSON-ready dict of the object's concrete fields (secrets left out)."""
    data = {}
    for f in obj._meta.concrete_fields:
        if f.name in SECRET_FIELDS:
            continue
        data[f.attname] = _json_value(getattr(obj, f.attname))
    return data


def diff(before: dict | None, after: dict | None) -> tuple[dict | None, dict | None]:
    """Keep only the keys that changed (both sides), for readable history."""
    if before is None or after is None:
        return before, after
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


class EntryDetails(TypedDict, total=False):
    """Who did it (a core.access.Actor, or None for the system), in which organiser, and
    the object's state before and after."""

    actor: Any
    organizer: Any
    before: dict | None
    after: dict | None


def record(action: str, obj: models.Model, **details: Unpack[EntryDetails]) -> AuditLogEntry:
    """Write one audit entry (see `entry`)."""
    entry_ = entry(action, obj, **details)
    entry_.save(force_insert=True)
    return entry_


def record_state(
    action: str, obj: models.Model, *, actor=None, organizer=None, before: dict | None = None
) -> AuditLogEntry:
    """Write one audit entry whose `after` is `obj` as it is now (with its `before`, for a
    change)."""
    return record(action, obj, actor=actor, organizer=organizer, before=before, after=snapshot(obj))


def entry(
    action: str,
    obj: models.Model,
    *,
    actor=None,
    organizer=None,
    before: dict | None = None,
    after: dict | None = None,
) -> AuditLogEntry:
    """The audit entry `record` would write, unsaved: for callers that write it together
    with others in one statement (the capacity engine's `also_audit`)."""
    before, after = diff(before, after)
    kwargs = actor.audit_kwargs() if actor is not None else {}
    return new(
        AuditLogEntry,
        organizer=organizer,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        before=before,
        after=after,
        **kwargs,
    )
