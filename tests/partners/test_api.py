"""The organiser's API for partners, their team, tasks, documents, meetings and leads."""

import datetime

import pytest
from django.utils import timezone

from rideau.messaging.models import OutboxMessage
from rideau.partners import meetings
from rideau.partners.models import DocumentAssignment, Lead, Partner, TeamMember
from tests.api.conftest import ApiClient, make_token
from tests.factories import DocumentFactory

from .conftest import listed_attendee, slot_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(fair):
    return ApiClient(make_token(fair.event.organizer))


def _base(fair) -> str:
    return f"/organizers/{fair.event.organizer.slug}/events/expo"


def test_partners_are_listed_created_changed_and_deleted(fair, api):
    listed = api.get(_base(fair) + "/partners")
    created = api.post(
        _base(fair) + "/partners",
        {
            "name": "Initech",
            "slug": "initech",
            "kind": "sponsor",
            "level": fair.gold.pk,
            "admin_email": "bill@initech.example",
        },
    )
    partner_id = created.json()["id"]
    changed = api.patch(_base(fair) + f"/partners/{partner_id}", {"name": "Initech SA"})

    assert listed.status_code == 200 and listed.json()["count"] == 2
    assert created.status_code == 201
    assert created.json()["level_name"] == "Gold"
    assert changed.json()["name"] == "Initech SA"
    assert Partner.objects.get(pk=partner_id).team.get().role == "admin"
    assert api.delete(_base(fair) + f"/partners/{partner_id}").status_code == 204
    assert not Partner.objects.filter(pk=partner_id).exists()


def test_bad_input_gets_field_errors_and_changes_nothing(fair, api):
    response = api.post(
        _base(fair) + "/partners",
        {"name": "X", "slug": "x", "kind": "spaceship", "admin_email": "not-an-address"},
    )

    assert response.status_code == 422
    assert Partner.objects.count() == 2


def test_the_team_is_managed_and_keeps_its_administrator(fair, api):
    base = _base(fair) + f"/partners/{fair.acme.pk}/team"
    added = api.post(base, {"email": "s@acme.example", "role": "sales"})
    last_admin = api.delete(base + f"/{fair.acme_admin.pk}")
    promoted = api.patch(base + f"/{added.json()['id']}", {"role": "admin"})

    assert added.status_code == 201
    assert last_admin.status_code == 422
    assert promoted.json()["role"] == "admin"
    assert api.get(base).json()["count"] == 2
    assert TeamMember.objects.filter(partner=fair.acme, role="admin").count() == 2


def test_access_emails_tasks_documents_meetings_and_leads(fair, api, actor):
    OutboxMessage.objects.all().delete()
    sent = api.post(_base(fair) + "/partners-access-emails")
    assert OutboxMessage.objects.count() == 2
    due = (timezone.now() + datetime.timedelta(days=4)).isoformat()
    task = api.post(
        _base(fair) + "/partner-tasks",
        {"title": "Logo", "due": due, "answer_kind": "file", "partners": [fair.acme.pk]},
    )
    DocumentAssignment.objects.create(document=DocumentFactory(event=fair.event), partner=fair.acme)
    ada = listed_attendee(fair, "ada@example.org")
    meetings.propose(fair.acme, member=fair.acme_admin, contact=ada, slot=slot_for(fair, fair.acme))
    Lead.objects.create(partner=fair.acme, contact=ada, note="met")
    quiet = listed_attendee(fair, "quiet@example.org", listed=False)
    Lead.objects.create(partner=fair.acme, contact=quiet, note="hidden")

    assert sent.json() == {"sent": 2}
    assert task.status_code == 201
    assert [a["partner"] for a in task.json()["assignments"]] == [fair.acme.pk]
    assert api.get(_base(fair) + "/partner-tasks").json()["count"] == 1
    assert api.get(_base(fair) + "/partner-documents").json()["results"][0]["viewed_at"] is None
    meeting_rows = api.get(_base(fair) + f"/partners/{fair.acme.pk}/meetings").json()["results"]
    assert [(m["email"], m["state"]) for m in meeting_rows] == [("ada@example.org", "proposed")]
    lead_rows = api.get(_base(fair) + f"/partners/{fair.acme.pk}/leads").json()
    assert [row["email"] for row in lead_rows] == ["ada@example.org"]


def test_another_organiser_sees_nothing(fair, other_organizer):
    rival_api = ApiClient(make_token(other_organizer))

    assert rival_api.get(_base(fair) + "/partners").status_code == 404
    assert rival_api.get(_base(fair) + f"/partners/{fair.acme.pk}/leads").status_code == 404
