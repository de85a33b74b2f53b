"""The marketing pages of the back office: build and start a scenario with forms."""

import pytest

from rideau.core.roles import Role
from rideau.scenarios.models import Scenario, Segment
from tests.factories import member

pytestmark = pytest.mark.django_db


def test_build_a_scenario_through_the_pages(owner_client, organizer, people, email_template):
    base = f"/control/{organizer.slug}/marketing"
    answer = owner_client.post(
        f"{base}/segments/",
        {"name": "Agreed", "match": "all", "field_0": "consent_email", "value_0": "yes"},
    )
    segment = Segment.objects.get(name="Agreed")
    assert answer.status_code == 302
    page = owner_client.get(f"{base}/segments/{segment.pk}/").content.decode()
    assert "4 contacts match now." in page
    answer = owner_client.post(
        f"{base}/scenarios/", {"name": "Spring", "segment": segment.pk, "trigger": ""}
    )
    scenario = Scenario.objects.get(name="Spring")
    assert answer["Location"] == f"{base}/scenarios/{scenario.pk}/"
    owner_client.post(f"{base}/scenarios/{scenario.pk}/", {"template": email_template.pk})
    bad = owner_client.post(
        f"{base}/scenarios/{scenario.pk}/",
        {
            "template": email_template.pk,
            "launch": "delay",
            "delay": "0",
            "unit": "days",
            "target": "openers",
            "target_position": "1",
        },
    )
    assert bad.status_code == 200
    assert "Enter a delay between 1 and 366." in bad.content.decode()
    owner_client.post(
        f"{base}/scenarios/{scenario.pk}/",
        {
            "template": email_template.pk,
            "launch": "delay",
            "delay": "2",
            "unit": "days",
            "target": "openers",
            "target_position": "1",
        },
    )
    assert scenario.steps.count() == 2
    owner_client.post(f"{base}/scenarios/{scenario.pk}/action/", {"action": "start"})
    scenario.refresh_from_db()
    assert scenario.status == Scenario.Status.RUNNING
    page = owner_client.get(f"{base}/scenarios/{scenario.pk}/").content.decode()
    assert "<svg" in page and "Step 2" in page


def test_a_delayed_first_step_is_a_field_error(owner_client, organizer, email_template):
    """Step 1 goes out as a contact enters: a delay on it was dropped without a word."""
    scenario = Scenario.objects.create(organizer=organizer, name="Spring")
    url = f"/control/{organizer.slug}/marketing/scenarios/{scenario.pk}/"

    answer = owner_client.post(
        url, {"template": email_template.pk, "launch": "delay", "delay": "2", "unit": "days"}
    )

    assert answer.status_code == 200
    assert answer.context["step_form"].errors == {
        "launch": [
            "The first step goes out as a contact enters the journey: launch it immediately."
        ]
    }
    assert scenario.steps.count() == 0


def test_template_page_previews_and_counts_sms(owner_client, organizer, sms_template):
    page = owner_client.get(
        f"/control/{organizer.slug}/marketing/messages/{sms_template.pk}/"
    ).content.decode()
    assert "Camille, 2 seats left" in page
    assert "SMS (GSM-7)" in page


def test_bad_placeholder_is_a_field_error(owner_client, organizer):
    answer = owner_client.post(
        f"/control/{organizer.slug}/marketing/messages/",
        {
            "save": "1",
            "name": "Oops",
            "channel": "email",
            "subject_en": "Hi",
            "text_en": "{{ password }}",
        },
    )
    assert answer.status_code == 200
    assert "Unknown placeholder" in answer.content.decode()


def test_a_read_only_member_sees_but_cannot_start(client, organizer, email_template, everyone):
    reader = member(organizer, Role.READ_ONLY, email="reader@example.org")
    client.force_login(reader)
    scenario = Scenario.objects.create(organizer=organizer, name="S", segment=everyone)
    base = f"/control/{organizer.slug}/marketing/scenarios/{scenario.pk}/"
    assert client.get(base).status_code == 200
    assert client.post(base + "action/", {"action": "start"}).status_code == 403
    scenario.refresh_from_db()
    assert scenario.status == Scenario.Status.DRAFT


def test_the_mailbox_shows_a_campaign_message_rendered(
    owner_client, organizer, actor, people, everyone, email_template
):
    from rideau.messaging.models import OutboxMessage, TrackedLink
    from rideau.scenarios import engine, services

    scenario = services.create_scenario(organizer, actor=actor, name="M", segment_id=everyone.pk)
    services.add_step(scenario, actor=actor, template_id=email_template.pk)
    services.start_scenario(scenario, actor=actor)
    engine.run_due_steps()
    message = OutboxMessage.objects.get(contact=people["ada"])
    listing = owner_client.get(f"/control/{organizer.slug}/mailbox/").content.decode()
    assert "Season opening" in listing
    page = owner_client.get(f"/control/{organizer.slug}/mailbox/{message.pk}/").content.decode()
    assert "Hello Ada" in page
    assert TrackedLink.objects.count() == 0  # a staff preview tracks nothing


def test_template_errors_are_shown_on_their_language(owner_client, organizer):
    organizer.languages = ["fr", "en"]
    organizer.save()
    answer = owner_client.post(
        f"/control/{organizer.slug}/marketing/messages/",
        {
            "save": "1",
            "name": "Saison",
            "channel": "email",
            "subject_fr": "Bonjour {{ first_name }}",
            "text_fr": "Bonjour",
            "html_fr": "<p>Bonjour</p>",
            "subject_en": "{{ settings.SECRET_KEY }}",
            "text_en": "{% debug %}",
            "html_en": "{{ settings }}",
        },
    )
    assert answer.status_code == 200
    errors = answer.context["form"].errors
    assert set(errors) == {"subject_en", "text_en", "html_en"}
    assert "Unknown placeholder {{ settings }}" in errors["html_en"][0]
