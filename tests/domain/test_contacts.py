import datetime

import pytest

from rideau.contacts import services
from rideau.contacts.models import Contact, CustomField
from rideau.core.access import Actor
from rideau.core.errors import PermissionDenied, ValidationFailed
from rideau.core.models import AuditLogEntry
from rideau.core.roles import Role
from tests.factories import ContactFactory, CustomFieldFactory, member

pytestmark = pytest.mark.django_db


def test_create_contact_normalises_phone_and_audits(organizer, actor):
    contact = services.create_contact(
        organizer,
        actor=actor,
        email=" ada@example.net ",
        first_name="Ada",
        phone="06 12 34 56 78",
        consent_email=True,
    )
    assert contact.email == "ada@example.net"
    assert contact.phone == "+33612345678"
    assert contact.consent_updated is not None
    entry = AuditLogEntry.objects.get(action="contact.created")
    assert entry.organizer == organizer
    assert entry.actor == actor.user
    assert entry.before is None
    assert entry.after["email"] == "ada@example.net"
    assert entry.object_id == str(contact.pk)


def test_contact_email_is_unique_per_organizer_case_insensitively(
    organizer, other_organizer, actor
):
    ContactFactory(organizer=organizer, email="ada@example.net")
    ContactFactory(organizer=other_organizer, email="bob@example.net")
    with pytest.raises(ValidationFailed) as exc:
        services.create_contact(organizer, actor=actor, email="ADA@example.net")
    assert exc.value.errors == {"email": ["A contact with this e-mail address already exists."]}
    # the same address at another organiser is a different person record
    services.create_contact(organizer, actor=actor, email="Bob@example.net")
    assert Contact.objects.filter(organizer=organizer).count() == 2


def test_update_contact_keeps_instance_unchanged_when_refused(organizer, actor):
    ContactFactory(organizer=organizer, email="taken@example.net")
    contact = ContactFactory(organizer=organizer, email="ada@example.net", phone="")
    with pytest.raises(ValidationFailed) as exc:
        services.update_contact(contact, actor=actor, email="TAKEN@example.net", phone="12")
    assert exc.value.errors == {
        "email": ["A contact with this e-mail address already exists."],
        "phone": ["Enter a valid phone number, e.g. +33 6 12 34 56 78."],
    }
    assert contact.email == "ada@example.net"
    assert Contact.objects.get(pk=contact.pk).email == "ada@example.net"
    assert AuditLogEntry.objects.filter(action="contact.updated").count() == 0


def test_update_contact_audits_before_and_after(organizer, actor):
    contact = ContactFactory(organizer=organizer, first_name="Ada", last_name="King")
    services.update_contact(contact, actor=actor, last_name="Lovelace")
    entry = AuditLogEntry.objects.get(action="contact.updated")
    assert entry.before == {"last_name": "King", "updated": entry.before["updated"]}
    assert entry.after["last_name"] == "Lovelace"
    assert set(entry.after) == {"last_name", "updated"}


def test_custom_values_are_validated_against_definitions(organizer, actor):
    CustomFieldFactory(organizer=organizer, key="size", kind="choice", choices=["S", "M"])
    CustomFieldFactory(organizer=organizer, key="member_no", kind="number", required=True)
    CustomFieldFactory(organizer=organizer, key="birthday", kind="date")
    CustomFieldFactory(organizer=organizer, key="vip", kind="boolean")
    with pytest.raises(ValidationFailed) as exc:
        services.create_contact(
            organizer,
            actor=actor,
            email="x@example.net",
            custom={"size": "XL", "birthday": "31/12/1990", "vip": "yes", "shoe": 42},
        )
    assert exc.value.errors == {
        "custom.size": ["Choose one of: S, M"],
        "custom.birthday": ["Enter a date as YYYY-MM-DD."],
        "custom.vip": ["Enter true or false."],
        "custom.shoe": ["Unknown field."],
        "custom.member_no": ["This field is required."],
    }
    assert Contact.objects.count() == 0
    contact = services.create_contact(
        organizer,
        actor=actor,
        email="x@example.net",
        custom={"size": "M", "member_no": 12, "birthday": "1990-12-31", "vip": True},
    )
    assert contact.custom == {"size": "M", "member_no": 12, "birthday": "1990-12-31", "vip": True}


def test_update_merges_custom_values_and_none_removes(organizer, actor):
    CustomFieldFactory(organizer=organizer, key="size", kind="choice", choices=["S", "M"])
    CustomFieldFactory(organizer=organizer, key="note")
    contact = ContactFactory(organizer=organizer, custom={"size": "S", "note": "hi"})
    services.update_contact(contact, actor=actor, custom={"size": "M", "note": None})
    contact.refresh_from_db()
    assert contact.custom == {"size": "M"}


def test_consent_change_is_timestamped(organizer, actor):
    contact = ContactFactory(organizer=organizer)
    assert contact.consent_updated is None
    services.update_contact(contact, actor=actor, consent_sms=True)
    assert contact.consent_updated is not None
    first = contact.consent_updated
    services.update_contact(contact, actor=actor, first_name="Same consents")
    assert contact.consent_updated == first


@pytest.mark.parametrize("role", [Role.READ_ONLY, Role.CHECKIN, Role.EVENT_MANAGER])
def test_contact_writes_need_change_contacts(organizer, role):
    actor = Actor(user=member(organizer, role))
    contact = ContactFactory(organizer=organizer, first_name="Ada")
    with pytest.raises(PermissionDenied):
        services.create_contact(organizer, actor=actor, email="new@example.net")
    with pytest.raises(PermissionDenied):
        services.update_contact(contact, actor=actor, first_name="Eve")
    with pytest.raises(PermissionDenied):
        services.delete_contact(contact, actor=actor)
    contact.refresh_from_db()
    assert contact.first_name == "Ada"
    assert Contact.objects.count() == 1
    assert AuditLogEntry.objects.count() == 0


def test_marketing_role_may_change_contacts(organizer):
    actor = Actor(user=member(organizer, Role.MARKETING))
    contact = services.create_contact(organizer, actor=actor, email="m@example.net")
    services.delete_contact(contact, actor=actor)
    assert Contact.objects.count() == 0
    assert list(AuditLogEntry.objects.values_list("action", flat=True).order_by("id")) == [
        "contact.created",
        "contact.deleted",
    ]


def test_nul_bytes_are_a_field_error(organizer, actor):
    with pytest.raises(ValidationFailed) as exc:
        services.create_contact(organizer, actor=actor, email="a@example.net", last_name="a\x00b")
    assert exc.value.errors == {"last_name": ["Null characters are not allowed."]}


def test_control_characters_and_lone_surrogates_are_field_errors(organizer, actor):
    """The domain applies the input-text rule too (`full_clean`), line breaks allowed."""
    with pytest.raises(ValidationFailed) as exc:
        services.create_contact(
            organizer, actor=actor, email="a@example.net", first_name="A\x0bda", last_name="\ud800"
        )
    assert exc.value.errors == {
        "first_name": ["Control characters (such as U+000B) are not allowed."],
        "last_name": ["This text holds an invalid character (a broken Unicode sequence)."],
    }


def test_custom_field_definition_rules(organizer, actor):
    with pytest.raises(ValidationFailed) as exc:
        services.create_custom_field(
            organizer, actor=actor, key="Bad Key", label={"de": "x"}, kind="choice"
        )
    assert exc.value.errors == {
        "label": ["de is not one of this organiser's languages (en, fr)."],
        "choices": ["Give at least one choice."],
        "key": ["Use lowercase letters, digits and _."],
    }
    field = services.create_custom_field(
        organizer, actor=actor, key="size", label="Size", kind="choice", choices=[" S", "M "]
    )
    assert field.label == {"en": "Size"}
    assert field.choices == ["S", "M"]
    with pytest.raises(ValidationFailed) as exc:
        services.create_custom_field(organizer, actor=actor, key="size", label="Again")
    assert exc.value.errors == {"key": ["A field with this key already exists."]}


def test_custom_field_changes_must_fit_stored_values(organizer, actor):
    field = CustomFieldFactory(organizer=organizer, key="size", kind="choice", choices=["S", "M"])
    ContactFactory(organizer=organizer, custom={"size": "S"})
    with pytest.raises(ValidationFailed) as exc:
        services.update_custom_field(field, actor=actor, choices=["M", "L"])
    assert exc.value.errors == {"choices": ["These choices are still used by contacts: S"]}
    with pytest.raises(ValidationFailed) as exc:
        services.update_custom_field(field, actor=actor, kind="text")
    assert exc.value.errors == {
        "kind": ["Contacts already have values for this field; its kind cannot change."]
    }
    field.refresh_from_db()
    assert (field.kind, field.choices) == ("choice", ["S", "M"])
    services.update_custom_field(field, actor=actor, choices=["S", "M", "L"], required=True)
    field.refresh_from_db()
    assert field.choices == ["S", "M", "L"]
    assert field.required is True


def test_deleting_a_custom_field_removes_its_values(organizer, actor):
    field = CustomFieldFactory(organizer=organizer, key="note")
    CustomFieldFactory(organizer=organizer, key="size", kind="choice", choices=["S"])
    contact = ContactFactory(organizer=organizer, custom={"note": "x", "size": "S"})
    services.delete_custom_field(field, actor=actor)
    contact.refresh_from_db()
    assert contact.custom == {"size": "S"}
    assert CustomField.objects.filter(organizer=organizer).count() == 1
    entry = AuditLogEntry.objects.get(action="contact_field.deleted")
    assert entry.before["key"] == "note"
    assert entry.after is None


def test_number_and_date_values(organizer, actor):
    CustomFieldFactory(organizer=organizer, key="n", kind="number")
    CustomFieldFactory(organizer=organizer, key="d", kind="date")
    with pytest.raises(ValidationFailed) as exc:
        services.create_contact(
            organizer, actor=actor, email="n@example.net", custom={"n": 10**16, "d": True}
        )
    assert exc.value.errors == {
        "custom.n": ["Enter a smaller number."],
        "custom.d": ["Enter a date as YYYY-MM-DD."],
    }
    contact = services.create_contact(
        organizer,
        actor=actor,
        email="n@example.net",
        custom={"n": 2.5, "d": datetime.date(2020, 1, 2)},
    )
    assert contact.custom == {"n": 2.5, "d": "2020-01-02"}
