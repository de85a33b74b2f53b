"""The scenarios API (SPEC E1–E4, API conventions): segments, templates, scenarios."""

import pytest

from rideau.core.roles import Role
from rideau.scenarios import engine
from tests.api.conftest import ApiClient, make_token

from .conftest import deliver_all

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(organizer):
    return ApiClient(make_token(organizer))


def test_segment_template_scenario_lifecycle(api, organizer, people, smtp_server):
    base = f"/organizers/{organizer.slug}"
    segment = api.post(
        f"{base}/segments",
        {
            "name": "Ada and Bob",
            "match": "any",
            "conditions": [
                {"field": "email_contains", "value": "ada@"},
                {"field": "email_contains", "value": "bob@"},
            ],
        },
    )
    assert segment.status_code == 201, segment.content
    seg = segment.json()["id"]
    assert api.get(f"{base}/segments/{seg}/count").json() == {"count": 2}
    members = api.get(f"{base}/segments/{seg}/members").json()
    assert sorted(m["email"] for m in members["results"]) == ["ada@example.org", "bob@example.org"]

    template = api.post(
        f"{base}/message-templates",
        {"name": "Hi", "subject": {"en": "Hi {{ first_name }}"}, "body_text": "Hello"},
    )
    assert template.status_code == 201, template.content
    bad = api.post(f"{base}/message-templates", {"name": "x", "body_text": "{{ secret }}"})
    assert bad.status_code == 422
    assert "subject" in str(bad.json()) or "body_text" in str(bad.json())

    triggers = {t["name"] for t in api.get(f"{base}/scenario-triggers").json()}
    assert "order.paid" in triggers

    created = api.post(
        f"{base}/scenarios",
        {
            "name": "Welcome",
            "segment_id": seg,
            "steps": [
                {"message_template_id": template.json()["id"]},
                {
                    "message_template_id": template.json()["id"],
                    "launch": "delay",
                    "delay": 2,
                    "unit": "days",
                    "target": "openers",
                    "target_position": 1,
                },
            ],
        },
    )
    assert created.status_code == 201, created.content
    scenario = created.json()
    assert [s["position"] for s in scenario["steps"]] == [1, 2]
    url = f"{base}/scenarios/{scenario['id']}"
    assert api.post(f"{url}/start").json() == {"status": "running", "entered": 2}
    assert api.post(f"{url}/start").status_code == 409
    engine.run_due_steps()
    deliver_all()
    smtp_server.wait_for(2)
    stats = api.get(f"{url}/statistics").json()
    assert [(s["position"], s["sent"], s["opened"]) for s in stats] == [(1, 2, 0), (2, 0, 0)]
    assert api.post(f"{url}/pause").json()["status"] == "paused"
    assert api.post(f"{url}/resume").json()["status"] == "running"
    stopped = api.post(f"{url}/stop").json()
    assert stopped["status"] == "stopped"
    # the answer says when (it was the instance loaded before the stop: null)
    assert stopped["stopped_at"] is not None
    assert stopped["stopped_at"] == api.get(url).json()["stopped_at"]


def test_a_read_only_member_cannot_start_a_scenario(organizer, people, email_template, everyone):
    from rideau.scenarios import services
    from tests.factories import member

    owner = member(organizer, Role.OWNER, email="o2@example.org")
    from rideau.core.access import Actor

    scenario = services.create_scenario(
        organizer, actor=Actor(user=owner), name="S", segment_id=everyone.pk
    )
    reader = ApiClient(make_token(organizer, Role.READ_ONLY))
    base = f"/organizers/{organizer.slug}/scenarios/{scenario.pk}"
    assert reader.get(base).status_code == 200
    assert reader.post(f"{base}/start").status_code == 403


def test_bad_step_input_is_a_field_error(api, organizer, email_template):
    base = f"/organizers/{organizer.slug}/scenarios"
    created = api.post(base, {"name": "S"}).json()
    answer = api.post(f"{base}/{created['id']}/steps", {"message_template_id": email_template.pk})
    assert answer.status_code == 201
    answer = api.post(
        f"{base}/{created['id']}/steps",
        {"message_template_id": email_template.pk, "launch": "date"},
    )
    assert answer.status_code == 422
    assert "launch_at" in str(answer.json())


def test_template_errors_name_their_language(api, organizer):
    answer = api.post(
        f"/organizers/{organizer.slug}/message-templates",
        {
            "name": "Season",
            "subject": {"en": "Hello", "fr": "{{ settings.SECRET_KEY }}"},
            "body_text": {"en": "Hello", "fr": "Bonjour {{ password }}"},
        },
    )
    assert answer.status_code == 422
    locations = sorted(error["loc"] for error in answer.json()["detail"])
    assert locations == [["body", "body_text", "fr"], ["body", "subject", "fr"]]


@pytest.mark.parametrize(
    ("step", "loc"),
    [
        ({"launch": "delay", "delay": 5, "unit": "hours"}, ["body", "launch"]),
        ({"launch": "date", "launch_at": "2030-01-01T10:00:00Z"}, ["body", "launch"]),
        ({"target": "openers"}, ["body", "target"]),
    ],
)
def test_the_first_step_starts_with_the_journey_or_is_refused(
    api, organizer, email_template, step, loc
):
    """Regression: step 1 sent with launch "delay" was stored "immediately" with its delay
    kept, and answered 201 as if the delay would apply."""
    base = f"/organizers/{organizer.slug}/scenarios"
    created = api.post(base, {"name": "S"}).json()

    answer = api.post(
        f"{base}/{created['id']}/steps", {"message_template_id": email_template.pk, **step}
    )

    assert answer.status_code == 422
    assert [e["loc"] for e in answer.json()["detail"]] == [loc]
    assert api.get(f"{base}/{created['id']}").json()["steps"] == []


def test_a_step_keeps_only_the_timing_its_launch_uses(api, organizer, email_template):
    base = f"/organizers/{organizer.slug}/scenarios"
    created = api.post(base, {"name": "S"}).json()
    steps = f"{base}/{created['id']}/steps"
    first = api.post(steps, {"message_template_id": email_template.pk, "delay": 5})
    second = api.post(
        steps,
        {
            "message_template_id": email_template.pk,
            "launch": "delay",
            "delay": 5,
            "unit": "hours",
            "launch_at": "2030-01-01T10:00:00Z",
        },
    )
    assert (first.status_code, second.status_code) == (201, 201)
    assert (first.json()["launch"], first.json()["delay"]) == ("immediately", 0)
    assert (second.json()["launch"], second.json()["delay"]) == ("delay", 5)
    assert second.json()["launch_at"] is None

    # step 1 removed: step 2 becomes the first one, which starts with the journey
    assert api.delete(f"{steps}/{first.json()['id']}").status_code == 204
    (now_first,) = api.get(f"{base}/{created['id']}").json()["steps"]
    assert (now_first["position"], now_first["launch"], now_first["delay"]) == (
        1,
        "immediately",
        0,
    )
