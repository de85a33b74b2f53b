"""Writes on contacts and on the organiser's contact custom fields (SPEC CORE-2).

One function per operation; the back office, the API, imports and tasks all call these.
Each checks the permission, validates (field-level messages), saves and writes an audit entry.
"""

import datetime
import math
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, TypedDict, Unpack

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rideau.core import audit, rows
from rideau.core.access import Actor, require
from rideau.core.errors import ValidationFailed
from rideau.core.i18n import clean_i18n
from rideau.core.instances import new
from rideau.core.models import Organizer
from rideau.core.roles import Perm
from rideau.core.services import (
    apply_changes,
    delete_with_audit,
    full_clean,
    restored_on_error,
    save_with_audit,
    taken,
)

from .models import ConsentChange, Contact, CustomField, normalize_phone

MAX_TEXT_VALUE = 1000
MAX_CHOICES = 100
MAX_CHOICE_LENGTH = 200
# Numbers in custom fields: integers or decimals of sane size (JSON has no NaN or infinity).
MAX_NUMBER = 10**15


# --- custom field definitions ----------------------------------------------------------


class CustomFieldChanges(TypedDict, total=False):
    label: dict[str, str] | str
    kind: str
    choices: list[str]
    required: bool
    position: int


CUSTOM_FIELD_CHANGES = tuple(CustomFieldChanges.__annotations__)


def _clean_custom_field(field: CustomField, errors: dict[str, list[str]]) -> None:
    try:
        field.label = clean_i18n(
            field.label, field.organizer.languages, required=True, max_length=200
        )
    except ValueError as exc:
        errors["label"] = [str(exc)]
    if field.kind == CustomField.Kind.CHOICE:
        choices = field.choices
        if not isinstance(choices, list) or not choices:
            errors["choices"] = [_("Give at least one choice.")]
        elif not all(isinstance(c, str) and c.strip() for c in choices):
            errors["choices"] = [_("Each choice must be a non-empty text.")]
        elif len(choices) > MAX_CHOICES:
            errors["choices"] = [_("At most %(n)d choices.") % {"n": MAX_CHOICES}]
        elif any(len(c.strip()) > MAX_CHOICE_LENGTH for c in choices):
            errors["choices"] = [
                _("Each choice may have at most %(n)d characters.") % {"n": MAX_CHOICE_LENGTH}
            ]
        else:
            cleaned = [c.strip() for c in choices]
            if len(set(cleaned)) != len(cleaned):
                errors["choices"] = [_("Each choice may appear only once.")]
            field.choices = cleaned
    elif field.choices:
        errors["choices"] = [_("Only fields of kind “choice” have choices.")]


def _key_taken(organizer: Organizer, key: str, exclude_pk: int | None = None) -> bool:
    qs = CustomField.objects.filter(organizer=organizer, key=key)
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    return qs.exists()


def _key_taken_errors() -> dict[str, list[str]]:
    return {"key": [_("A field with this key already exists.")]}


def create_custom_field(
    organizer: Organizer,
    *,
    actor: Actor,
    key: str,
    label: dict[str, str] | str,
    kind: str = CustomField.Kind.TEXT,
    choices: list[str] | None = None,
    required: bool = False,
    position: int = 0,
) -> CustomField:
    """A new custom field on the organiser's contacts."""
    require(actor, organizer, Perm.CHANGE_CONTACTS)
    field = CustomField(
        organizer=organizer,
        key=key,
        label=label,
        kind=kind,
        choices=choices or [],
        required=required,
        position=position,
    )
    errors: dict[str, list[str]] = {}
    _clean_custom_field(field, errors)
    if isinstance(key, str) and _key_taken(organizer, key):
        errors.update(_key_taken_errors())
    return save_with_audit(
        field,
        errors=errors,
        validate_exclude=["organizer"],
        actor=actor,
        action="contact_field.created",
        perm=Perm.CHANGE_CONTACTS,
        unique_errors=_key_taken_errors(),
    )


def update_custom_field(
    field: CustomField, *, actor: Actor, **changes: Unpack[CustomFieldChanges]
) -> CustomField:
    """Change a custom field. Its key never changes (contacts store their values by key).

    A field whose kind or choices change must stay compatible with the values contacts hold.
    """
    organizer = field.organizer
    require(actor, organizer, Perm.CHANGE_CONTACTS)
    with restored_on_error(field):
        before = audit.snapshot(field)
        old_kind, old_choices = field.kind, list(field.choices or [])
        apply_changes(field, changes, CUSTOM_FIELD_CHANGES)
        if "kind" in changes and field.kind != CustomField.Kind.CHOICE and "choices" not in changes:
            field.choices = []
        errors: dict[str, list[str]] = {}
        _clean_custom_field(field, errors)
        in_use = Contact.objects.filter(organizer=organizer, custom__has_key=field.key)
        if field.kind != old_kind and in_use.exists():
            errors["kind"] = [
                _("Contacts already have values for this field; its kind cannot change.")
            ]
        elif field.kind == CustomField.Kind.CHOICE and "choices" not in errors:
            removed = set(old_choices) - set(field.choices)
            used = {c.custom.get(field.key) for c in in_use.only("custom")}
            still_used = sorted(str(v) for v in removed & used)
            if still_used:
                errors["choices"] = [
                    _("These choices are still used by contacts: %(choices)s")
                    % {"choices": ", ".join(still_used)}
                ]
        save_with_audit(
            field,
            errors=errors,
            validate_exclude=["organizer"],
            actor=actor,
            action="contact_field.updated",
            perm=Perm.CHANGE_CONTACTS,
            before=before,
        )
    return field


@transaction.atomic
def delete_custom_field(field: CustomField, *, actor: Actor) -> None:
    """Delete a custom field and the values contacts hold for it."""
    organizer = field.organizer
    require(actor, organizer, Perm.CHANGE_CONTACTS)
    for contact in Contact.objects.filter(organizer=organizer, custom__has_key=field.key):
        contact.custom.pop(field.key, None)
        contact.save(update_fields=["custom", "updated"])
    delete_with_audit(field, actor=actor, action="contact_field.deleted", perm=Perm.CHANGE_CONTACTS)


# --- custom values -----------------------------------------------------------------------


def _clean_value(field: CustomField, value: Any) -> Any:
    """The value to store for `field`, or ValueError(message)."""
    kind = field.kind
    if kind == CustomField.Kind.TEXT:
        if not isinstance(value, str):
            raise ValueError(_("Enter a text."))
        value = value.strip()
        if len(value) > MAX_TEXT_VALUE:
            raise ValueError(_("At most %(n)d characters.") % {"n": MAX_TEXT_VALUE})
        return value
    if kind == CustomField.Kind.NUMBER:
        if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
            raise ValueError(_("Enter a number."))
        if isinstance(value, float | Decimal) and not math.isfinite(value):
            raise ValueError(_("Enter a number."))
        number: int | float | Decimal = value
        if not -MAX_NUMBER < number < MAX_NUMBER:
            raise ValueError(_("Enter a smaller number."))
        return float(value) if isinstance(value, Decimal) else value
    if kind == CustomField.Kind.DATE:
        if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
            return value.isoformat()
        if isinstance(value, str):
            try:
                return datetime.date.fromisoformat(value.strip()).isoformat()
            except ValueError:
                pass
        raise ValueError(_("Enter a date as YYYY-MM-DD."))
    if kind == CustomField.Kind.BOOLEAN:
        if not isinstance(value, bool):
            raise ValueError(_("Enter true or false."))
        return value
    if kind == CustomField.Kind.CHOICE:
        if not isinstance(value, str) or value.strip() not in field.choices:
            raise ValueError(
                _("Choose one of: %(choices)s") % {"choices": ", ".join(field.choices)}
            )
        return value.strip()
    raise ValueError(_("This field cannot be filled."))


def clean_custom_values(
    organizer: Organizer, values: Any, *, errors: dict[str, list[str]]
) -> dict[str, Any]:
    """Validate contact custom values against the organiser's definitions.

    Unknown keys are refused, types checked, choice values checked, required fields enforced;
    an empty value (None or "") removes the key. Errors go to `errors` as "custom.<key>".
    """
    if not isinstance(values, Mapping):
        errors["custom"] = [_("Give the custom fields as an object {key: value}.")]
        return {}
    fields = {f.key: f for f in CustomField.objects.filter(organizer=organizer)}
    cleaned: dict[str, Any] = {}
    for key, value in values.items():
        field = fields.get(key)
        if field is None:
            errors[f"custom.{key}"] = [_("Unknown field.")]
            continue
        if value is None or value == "":
            continue
        try:
            cleaned[key] = _clean_value(field, value)
        except ValueError as exc:
            errors[f"custom.{key}"] = [str(exc)]
    for key, field in fields.items():
        if field.required and key not in cleaned and f"custom.{key}" not in errors:
            errors[f"custom.{key}"] = [_("This field is required.")]
    return cleaned


# --- contacts ----------------------------------------------------------------------------


class ContactOptions(TypedDict, total=False):
    """What a creation takes besides the e-mail."""

    first_name: str
    last_name: str
    phone: str
    language: str
    consent_email: bool
    consent_sms: bool
    custom: dict[str, Any]


class ContactChanges(ContactOptions, total=False):
    email: str


CONTACT_CHANGES = tuple(ContactChanges.__annotations__)


def _email_taken_errors() -> dict[str, list[str]]:
    return {"email": [_("A contact with this e-mail address already exists.")]}


def _clean_contact(contact: Contact, errors: dict[str, list[str]]) -> None:
    if isinstance(contact.email, str):
        contact.email = contact.email.strip()
        if contact.email and taken(
            contact, organizer=contact.organizer, email__iexact=contact.email
        ):
            errors.update(_email_taken_errors())
    if contact.phone is None:
        contact.phone = ""
    if isinstance(contact.phone, str):
        try:
            contact.phone = normalize_phone(contact.phone.strip())
        except ValidationError as exc:
            errors["phone"] = [str(m) for m in exc.messages]


def ensure_contact(
    organizer: Organizer,
    *,
    email: str,
    first_name: str = "",
    last_name: str = "",
    language: str = "",
    batch: rows.Batch | None = None,
) -> Contact:
    """The contact of this e-mail address, created from the given names if the organiser has
    none yet (one per person per organiser, CORE-2), for writes done on a person's behalf
    (orders, registrations). An insert the unique index turns into a no-op for a known
    address (`ON CONFLICT DO NOTHING`: no savepoint, and a concurrent insert of the same
    person is no error), then the read — on PostgreSQL the insert returns the new row, so
    a new person costs one statement (`core.rows`, ADR 0020). With a deferred `batch` (the
    capacity engine's `batch()`), the upsert rides in the engine's statement and the
    returned contact holds the given names. The caller checked the address and the texts
    (the input-text rule)."""
    contact = _new_contact(organizer, email, first_name, last_name, language)
    if batch is not None and batch.defer:
        batch.add(contact, mode="upsert", find=("organizer_id", "lower:email"), orm=_upsert)
        return contact
    if connection.vendor == "postgresql":
        if rows.insert_unless_taken(contact):
            return contact
    else:
        Contact.objects.bulk_create([contact], ignore_conflicts=True)
    return Contact.objects.get(organizer=organizer, email__iexact=email)


def _new_contact(
    organizer: Organizer, email: str, first_name: str, last_name: str, language: str
) -> Contact:
    return new(
        Contact,
        organizer=organizer,
        email=email,
        first_name=first_name.strip()[:100],
        last_name=last_name.strip()[:100],
        language=language if language in organizer.languages else "",
    )


def add_contact(
    organizer: Organizer,
    *,
    email: str,
    first_name: str = "",
    last_name: str = "",
    language: str = "",
) -> Contact | None:
    """`ensure_contact` for a caller that already looked the address up and found no
    contact: the new contact in one INSERT, or None when a contact holds the address after
    all (a concurrent request wrote it since the caller looked; the caller reads it again,
    with what depends on it). No savepoint on PostgreSQL (`ON CONFLICT DO NOTHING`). The
    caller checked the address and the texts (the input-text rule)."""
    contact = _new_contact(organizer, email, first_name, last_name, language)
    if connection.vendor == "postgresql":
        return contact if rows.insert_unless_taken(contact) else None
    try:
        with transaction.atomic():
            contact.save(force_insert=True)
    except IntegrityError:
        return None
    return contact


def _upsert(contacts: list[Contact]) -> None:
    """`ensure_contact`'s writes for an unsaved contact, setting its id (`Batch.replay`)."""
    (contact,) = contacts
    if connection.vendor == "postgresql":
        if rows.insert_unless_taken(contact):
            return
    else:
        Contact.objects.bulk_create([contact], ignore_conflicts=True)
    contact.pk = Contact.objects.values_list("pk", flat=True).get(
        organizer_id=contact.organizer_id, email__iexact=contact.email
    )
    contact._state.adding = False


def _insert_new(contacts: list[Contact]) -> None:
    Contact.objects.bulk_create(contacts, ignore_conflicts=True)


def ensure_contacts(
    organizer: Organizer, people: list[tuple[str, str]], *, batch: rows.Batch | None = None
) -> None:
    """Contacts for these (e-mail, name) people, created if the organiser has none yet: one
    INSERT whoever they are (`ON CONFLICT DO NOTHING`), e.g. a ticket's attendees (CORE-2);
    with `batch`, in the capacity engine's statement. The caller checked the addresses and
    texts."""
    found = {}
    for email, name in people:
        if email and email.lower() not in found:
            first, _sep, last = name.strip().partition(" ")
            found[email.lower()] = Contact(
                organizer=organizer,
                email=email,
                first_name=first[:100],
                last_name=last.strip()[:100],
            )
    if not found:
        return
    if batch is not None:
        batch.add(*found.values(), mode="ignore", orm=_insert_new)
    else:
        _insert_new(list(found.values()))


def create_contact(
    organizer: Organizer, *, actor: Actor, email: str, **fields: Unpack[ContactOptions]
) -> Contact:
    """A new contact; the e-mail is unique per organiser (case-insensitive)."""
    require(actor, organizer, Perm.CHANGE_CONTACTS)
    contact = Contact(organizer=organizer, email=email)
    apply_changes(contact, fields, CONTACT_CHANGES)
    errors: dict[str, list[str]] = {}
    _clean_contact(contact, errors)
    contact.custom = clean_custom_values(organizer, fields.get("custom") or {}, errors=errors)
    if contact.consent_email or contact.consent_sms:
        contact.consent_updated = timezone.now()
    return _save_contact(
        contact, errors, actor=actor, action="contact.created", consents=(False, False)
    )


def _save_contact(
    contact: Contact,
    errors: dict[str, list[str]],
    *,
    actor: Actor,
    action: str,
    consents: tuple[bool, bool],
    before: dict | None = None,
) -> Contact:
    """Save and log a contact with the domain's `errors`, and record its consents that
    changed from `consents` (e-mail, SMS), in one transaction."""
    with transaction.atomic():
        save_with_audit(
            contact,
            errors=errors,
            validate_exclude=["organizer"],
            actor=actor,
            action=action,
            perm=Perm.CHANGE_CONTACTS,
            before=before,
            unique_errors=_email_taken_errors(),
        )
        _record_consents(contact, consents, source=_source(actor))
    return contact


def update_contact(contact: Contact, *, actor: Actor, **changes: Unpack[ContactChanges]) -> Contact:
    """Change a contact. `custom` is merged into the stored values (None removes a key)."""
    organizer = contact.organizer
    require(actor, organizer, Perm.CHANGE_CONTACTS)
    with restored_on_error(contact):
        before = audit.snapshot(contact)
        consents = (contact.consent_email, contact.consent_sms)
        address = contact.email
        custom = changes.pop("custom", None)
        apply_changes(contact, changes, CONTACT_CHANGES)
        if (contact.email or "").lower() != (address or "").lower():
            contact.email_undeliverable_at = None  # a new address gets its chance
        errors: dict[str, list[str]] = {}
        _clean_contact(contact, errors)
        if custom is not None:
            merged: Any = custom
            if isinstance(custom, Mapping):
                merged = {**(contact.custom or {}), **custom}
            contact.custom = clean_custom_values(organizer, merged, errors=errors)
        if (contact.consent_email, contact.consent_sms) != consents:
            contact.consent_updated = timezone.now()
        _save_contact(
            contact,
            errors,
            actor=actor,
            action="contact.updated",
            consents=consents,
            before=before,
        )
    return contact


def _source(actor: Actor) -> str:
    email = str(getattr(getattr(actor, "user", None), "email", None) or "")
    return f"staff: {email}"[:200] if email else "api"


def _record_consents(contact: Contact, before: tuple[bool, bool], *, source: str) -> None:
    """A consent change row for each purpose whose consent changed."""
    now = contact.consent_updated or timezone.now()
    changes = [
        ConsentChange(contact=contact, purpose=purpose, granted=now_value, at=now, source=source)
        for purpose, was, now_value in (
            (ConsentChange.Purpose.EMAIL, before[0], contact.consent_email),
            (ConsentChange.Purpose.SMS, before[1], contact.consent_sms),
        )
        if was != now_value
    ]
    ConsentChange.objects.bulk_create(changes)


def set_consent(contact: Contact, *, purpose: str, granted: bool, source: str) -> bool:
    """The person gives or withdraws a consent themselves (checkout, unsubscribe link): no
    staff permission, recorded with its time and source. False when nothing changed."""
    field = "consent_sms" if purpose == ConsentChange.Purpose.SMS else "consent_email"
    now = timezone.now()
    with transaction.atomic():
        changed = (
            Contact.objects.filter(pk=contact.pk)
            .exclude(**{field: granted})
            .update(**{field: granted}, consent_updated=now)
        )
        if changed:
            ConsentChange.objects.create(
                contact=contact, purpose=purpose, granted=granted, at=now, source=source[:200]
            )
            setattr(contact, field, granted)
    return bool(changed)


@transaction.atomic
def merge_contacts(keep: Contact, duplicate: Contact, *, actor: Actor) -> Contact:
    """Fold `duplicate` into `keep` (same organiser): everything that points to the
    duplicate (orders, registrations, messages…, found through the model relations, so
    this app imports none of them) points to `keep`; empty fields of `keep` are filled
    from the duplicate; the duplicate is deleted. All or nothing: when both are in the
    same place where one person may be only once (e.g. registered twice to a session),
    nothing changes and the error says where."""
    organizer = keep.organizer
    require(actor, organizer, Perm.CHANGE_CONTACTS)
    if duplicate.organizer_id != organizer.pk or duplicate.pk == keep.pk:
        raise ValidationFailed({"duplicate": [_("Choose another contact of this organiser.")]})
    from django.db import IntegrityError

    before = audit.snapshot(keep)
    for relation in Contact._meta.related_objects:
        if not relation.one_to_many and not relation.one_to_one:
            continue
        model = relation.related_model
        field = relation.field.name
        try:
            with transaction.atomic():
                model._base_manager.filter(**{field: duplicate}).update(**{field: keep})
        except IntegrityError:
            raise ValidationFailed(
                {
                    "duplicate": [
                        _("Both contacts have %(what)s that cannot be merged; resolve it first.")
                        % {"what": model._meta.verbose_name_plural}
                    ]
                }
            ) from None
    for name in ("first_name", "last_name", "phone", "language"):
        if not getattr(keep, name) and getattr(duplicate, name):
            setattr(keep, name, getattr(duplicate, name))
    keep.custom = {**(duplicate.custom or {}), **(keep.custom or {})}
    keep.save()
    audit.record(
        "contact.merged",
        keep,
        actor=actor,
        organizer=organizer,
        before=before,
        after={**audit.snapshot(keep), "merged": duplicate.email},
    )
    duplicate.delete()
    return keep


def delete_contact(contact: Contact, *, actor: Actor) -> None:
    delete_with_audit(contact, actor=actor, action="contact.deleted", perm=Perm.CHANGE_CONTACTS)


def update_own_details(
    contact: Contact, *, first_name: str, last_name: str, language: str
) -> Contact:
    """The person changes their own name and language (from their personal space).

    No staff permission is checked: the caller has authenticated the person this contact
    is. Only these fields can change this way; the e-mail and consents stay with staff.
    """
    organizer = contact.organizer
    errors: dict[str, list[str]] = {}
    if language and language not in organizer.languages:
        errors["language"] = [_("Choose one of the organiser's languages.")]
    with restored_on_error(contact):
        before = audit.snapshot(contact)
        contact.first_name = (first_name or "").strip()
        contact.last_name = (last_name or "").strip()
        contact.language = language or ""
        full_clean(contact, exclude=["organizer"], errors=errors)
        with transaction.atomic():
            contact.save(update_fields=["first_name", "last_name", "language", "updated"])
            audit.record(
                "contact.updated_by_self",
                contact,
                organizer=organizer,
                before=before,
                after=audit.snapshot(contact),
            )
    return contact
