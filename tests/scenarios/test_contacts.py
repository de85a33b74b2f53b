"""Contacts (CORE-2, E1): pages, consent history, merge, CSV import without partial writes."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from rideau.contacts import imports, services
from rideau.contacts.models import ConsentChange, Contact
from rideau.messaging.models import OutboxMessage

pytestmark = pytest.mark.django_db

CSV = (
    "E-mail,Prénom,Nom,Téléphone,consent_email\n"
    "ana@example.net,Ana,Lopez,06 12 34 56 78,yes\n"
    "ADA@example.org,Ada,Lovelace,,no\n"
)


def test_import_creates_and_updates_with_consent_source(organizer, actor, people):
    mapping = imports.guess_mapping(imports.read_header(CSV.encode()))
    assert mapping == {
        "E-mail": "email",
        "Prénom": "first_name",
        "Nom": "last_name",
        "Téléphone": "phone",
        "consent_email": "consent_email",
    }
    report = imports.import_contacts(organizer, actor=actor, data=CSV.encode(), mapping=mapping)
    assert (report.written, report.created, report.updated, report.errors) == (True, 1, 1, [])
    ana = Contact.objects.get(email="ana@example.net")
    assert (ana.phone, ana.consent_email) == ("+33612345678", True)
    assert ana.consents.get().source == "import"
    people["ada"].refresh_from_db()
    assert people["ada"].consent_email is False  # withdrawn by the file, recorded
    assert people["ada"].consents.get().granted is False


def test_one_bad_line_imports_nothing(organizer, actor):
    data = CSV + "not-an-address,Bob,,,maybe\nana@example.net,Twice,,,\n"
    mapping = imports.guess_mapping(imports.read_header(data.encode()))
    report = imports.import_contacts(organizer, actor=actor, data=data.encode(), mapping=mapping)
    assert report.written is False
    assert [e.split(":")[0] for e in report.errors] == ["line 4", "line 5"]
    assert "invalid e-mail address" in report.errors[0]
    assert "consent_email: write yes or no" in report.errors[0]
    assert Contact.objects.count() == 0


def test_import_page_maps_columns(owner_client, organizer):
    url = f"/control/{organizer.slug}/marketing/contacts/import/"
    owner_client.post(url, {"upload": "1", "file": SimpleUploadedFile("c.csv", CSV.encode())})
    page = owner_client.get(url).content.decode()
    assert '<option value="first_name" selected>' in page
    answer = owner_client.post(
        url, {"import": "1", "map_0": "email", "map_1": "first_name", "map_4": "consent_email"}
    )
    assert answer.status_code == 302
    assert Contact.objects.filter(organizer=organizer).count() == 2


def test_import_page_shows_its_file_input_on_both_steps(owner_client, organizer):
    url = f"/control/{organizer.slug}/marketing/contacts/import/"
    first = owner_client.get(url).content.decode()
    owner_client.post(url, {"upload": "1", "file": SimpleUploadedFile("c.csv", CSV.encode())})
    mapping = owner_client.get(url).content.decode()

    for page in (first, mapping):
        assert 'type="file" name="file"' in page
        assert '<label for="">' not in page


def test_merge_moves_messages_and_fills_blanks(organizer, actor, people):
    keep, duplicate = (
        people["ada"],
        Contact.objects.create(
            organizer=organizer, email="ada.l@example.org", last_name="Lovelace"
        ),
    )
    OutboxMessage.objects.create(
        organizer=organizer, contact=duplicate, to=[duplicate.email], subject="x"
    )
    services.merge_contacts(keep, duplicate, actor=actor)
    keep.refresh_from_db()
    assert keep.last_name == "Lovelace"
    assert OutboxMessage.objects.get().contact == keep
    assert not Contact.objects.filter(pk=duplicate.pk).exists()


def test_staff_consent_change_is_recorded_and_shown(owner_client, organizer, actor, people):
    services.update_contact(people["bob"], actor=actor, consent_sms=False)
    change = ConsentChange.objects.get(contact=people["bob"])
    assert (change.purpose, change.granted, change.source) == (
        "sms",
        False,
        "staff: owner@example.org",
    )
    page = owner_client.get(
        f"/control/{organizer.slug}/marketing/contacts/{people['bob'].pk}/"
    ).content.decode()
    assert "staff: owner@example.org" in page
    listing = owner_client.get(
        f"/control/{organizer.slug}/marketing/contacts/?q=bob&consent=email"
    ).content.decode()
    assert "bob@example.org" in listing and "ada@example.org" not in listing


def test_merge_refuses_two_registrations_to_one_session_and_changes_nothing(organizer, actor):
    from rideau.core.errors import ValidationFailed
    from rideau.registration.models import Registration
    from tests.factories import RegistrationFactory, SessionFactory

    session = SessionFactory(event__organizer=organizer)
    keep = RegistrationFactory(session=session, organizer=organizer).contact
    duplicate = RegistrationFactory(session=session, organizer=organizer).contact
    OutboxMessage.objects.create(
        organizer=organizer, contact=duplicate, to=["d@x.org"], subject="x"
    )

    with pytest.raises(ValidationFailed) as refused:
        services.merge_contacts(keep, duplicate, actor=actor)

    assert "duplicate" in refused.value.errors
    assert Contact.objects.filter(pk=duplicate.pk).exists()
    assert Registration.objects.filter(contact=duplicate).count() == 1
    assert OutboxMessage.objects.get().contact_id == duplicate.pk
