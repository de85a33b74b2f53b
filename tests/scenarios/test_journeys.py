"""Scenarios end to end (SPEC E2–E5): real SMTP, real tracking URLs, the clock moved."""

import datetime
import json
import urllib.parse

import pytest
import time_machine
from django.utils import timezone

from rideau.contacts.models import Contact
from rideau.messaging import templates
from rideau.messaging.models import OutboxMessage, TrackingEvent
from rideau.scenarios import engine, queries, services
from rideau.scenarios.models import Enrollment, Scenario, Step

from .conftest import BROWSER, age_sent_messages, deliver_all, links_of, visit

pytestmark = pytest.mark.django_db

UTC = datetime.UTC


def recipients(step: Step) -> set[str]:
    return set(
        OutboxMessage.objects.filter(reference=step.reference).values_list(
            "contact__first_name", flat=True
        )
    )


def build_three_steps(organizer, actor, segment, email_template, sms_template, third_at):
    scenario = services.create_scenario(
        organizer, actor=actor, name="Spring season", segment_id=segment.pk
    )
    first = services.add_step(scenario, actor=actor, template_id=email_template.pk)
    second = services.add_step(
        scenario,
        actor=actor,
        template_id=sms_template.pk,
        launch="delay",
        delay=2,
        unit="days",
        target="openers",
        target_position=1,
    )
    third = services.add_step(
        scenario,
        actor=actor,
        template_id=email_template.pk,
        launch="date",
        launch_at=third_at,
        target="non_openers",
        target_position=1,
    )
    return scenario, first, second, third


def test_three_steps_branch_on_human_opens(
    organizer,
    actor,
    people,
    everyone,
    email_template,
    sms_template,
    smtp_server,
    settings,
    tmp_path,
):
    settings.SMS_FILE_PATH = tmp_path / "sms"
    t0 = datetime.datetime(2026, 5, 4, 8, 0, tzinfo=UTC)
    with time_machine.travel(t0, tick=True):
        scenario, _first, second, third = build_three_steps(
            organizer,
            actor,
            everyone,
            email_template,
            sms_template,
            t0 + datetime.timedelta(days=3),
        )
        assert services.start_scenario(scenario, actor=actor) == 4
        engine.run_due_steps()
        assert deliver_all() == 4
        received = {r.rcpt_tos[0]: r for r in smtp_server.wait_for(4)}
        assert received["ada@example.org"].message["Subject"] == "Hello Ada"
        links = {email.split("@")[0]: links_of(r) for email, r in received.items()}

        # a machine fetches the pixel within seconds of delivery: not a human open
        assert visit(links["bob"]["open"]).status_code == 200
        age_sent_messages()
        visit(links["ada"]["open"])  # Ada opens
        visit(links["bob"]["open"], agent="Mozilla/5.0 (via ggpht.com GoogleImageProxy)")
        clicked = visit(links["cyd"]["click"])  # Cyd clicks, images blocked
        assert clicked.status_code == 302
        assert clicked["Location"] == "https://example.org/season"

    with time_machine.travel(t0 + datetime.timedelta(days=2, minutes=1), tick=True):
        engine.run_due_steps()
        assert recipients(second) == {"Ada", "Cyd"}
        deliver_all()
        sms = sorted(json.loads(p.read_text())["to"] for p in (tmp_path / "sms").iterdir())
        assert sms == [people["ada"].phone, people["cyd"].phone]
        # Dee opens after the branch was decided: still a non-opener of step 1
        visit(links["dee"]["open"])

    with time_machine.travel(t0 + datetime.timedelta(days=3, minutes=1), tick=True):
        engine.run_due_steps()
        assert recipients(third) == {"Bob", "Dee"}
        assert not recipients(second) & recipients(third)
        deliver_all()
        later = smtp_server.wait_for(6)[4:]
        assert sorted(r.rcpt_tos[0] for r in later) == ["bob@example.org", "dee@example.org"]

    stats = {s.step.position: s for s in queries.step_statistics(scenario)}
    assert (stats[1].sent, stats[1].opened, stats[1].clicked) == (4, 3, 1)
    assert stats[1].opened_machine == 1  # Bob: a proxy, no person
    assert (stats[2].sent, stats[3].sent) == (2, 2)
    assert Enrollment.objects.filter(scenario=scenario, next_at__isnull=False).count() == 0


def test_opened_before_the_launch_is_never_a_non_opener(
    organizer, actor, people, everyone, email_template, smtp_server
):
    scenario = services.create_scenario(organizer, actor=actor, name="Two", segment_id=everyone.pk)
    services.add_step(scenario, actor=actor, template_id=email_template.pk)
    openers = services.add_step(
        scenario, actor=actor, template_id=email_template.pk, target="openers", target_position=1
    )
    services.start_scenario(scenario, actor=actor)
    engine.run_due_steps()
    deliver_all()
    received = {r.rcpt_tos[0]: r for r in smtp_server.wait_for(4)}
    age_sent_messages()
    visit(links_of(received["ada@example.org"])["open"])
    engine.run_due_steps()
    assert recipients(openers) == {"Ada"}
    step_one = scenario.steps.get(position=1)
    # later opens (Bob now) never change a branch already decided
    visit(links_of(received["bob@example.org"])["open"])
    contacts = Contact.objects.filter(organizer=organizer)
    opened = set(contacts.filter(engine.branch_filter("openers", step_one)))
    not_opened = set(contacts.filter(engine.branch_filter("non_openers", step_one)))
    assert opened == {people["ada"]}
    assert not_opened == {people["bob"], people["cyd"], people["dee"]}


def test_delay_in_days_keeps_the_wall_clock_across_dst(organizer):
    step = Step(launch=Step.Launch.DELAY, delay=2, unit=Step.Unit.DAYS)
    # Saturday 28 March 2026, 10:00 in Paris (UTC+1); summer time starts on the 29th
    sent = datetime.datetime(2026, 3, 28, 9, 0, tzinfo=UTC)
    at = engine.launch_time(step, sent, "Europe/Paris")
    assert at == datetime.datetime(2026, 3, 30, 8, 0, tzinfo=UTC)  # 10:00 in Paris, UTC+2
    hours = Step(launch=Step.Launch.DELAY, delay=48, unit=Step.Unit.HOURS)
    assert engine.launch_time(hours, sent, "Europe/Paris") == sent + datetime.timedelta(hours=48)


def test_delay_across_dst_in_a_running_scenario(
    organizer, actor, people, everyone, email_template, smtp_server
):
    organizer.timezone = "Europe/Paris"
    organizer.save()
    scenario = services.create_scenario(organizer, actor=actor, name="DST", segment_id=everyone.pk)
    services.add_step(scenario, actor=actor, template_id=email_template.pk)
    services.add_step(
        scenario, actor=actor, template_id=email_template.pk, launch="delay", delay=1, unit="days"
    )
    start = datetime.datetime(2026, 10, 24, 8, 0, tzinfo=UTC)  # 10:00 in Paris, summer time
    with time_machine.travel(start, tick=False):
        services.start_scenario(scenario, actor=actor)
        engine.run_due_steps()
    due = set(Enrollment.objects.filter(scenario=scenario).values_list("next_at", flat=True))
    assert due == {datetime.datetime(2026, 10, 25, 9, 0, tzinfo=UTC)}  # 10:00, winter time
    with time_machine.travel(datetime.datetime(2026, 10, 25, 8, 30, tzinfo=UTC), tick=False):
        assert engine.run_due_steps().messages == 0
    with time_machine.travel(datetime.datetime(2026, 10, 25, 9, 0, tzinfo=UTC), tick=False):
        assert engine.run_due_steps().messages == 4


def test_pause_holds_and_resume_sends_each_message_once(
    organizer, actor, people, everyone, email_template, smtp_server
):
    scenario = services.create_scenario(
        organizer, actor=actor, name="Pause", segment_id=everyone.pk
    )
    services.add_step(scenario, actor=actor, template_id=email_template.pk)
    services.add_step(
        scenario,
        actor=actor,
        template_id=email_template.pk,
        launch="delay",
        delay=10,
        unit="minutes",
    )
    services.start_scenario(scenario, actor=actor)
    engine.run_due_steps()
    services.pause_scenario(scenario, actor=actor)
    assert deliver_all() == 0  # held
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=15), tick=True):
        assert engine.run_due_steps().messages == 0  # paused: step 2 waits
        services.resume_scenario(scenario, actor=actor)
        assert deliver_all() == 4
        engine.run_due_steps()
        engine.run_due_steps()
        assert deliver_all() == 4
    ids = [r.message_id for r in smtp_server.wait_for(8)]
    assert len(ids) == len(set(ids)) == 8
    assert OutboxMessage.objects.count() == 8


def test_stop_cancels_what_is_queued(
    organizer, actor, people, everyone, email_template, smtp_server
):
    scenario = services.create_scenario(organizer, actor=actor, name="Stop", segment_id=everyone.pk)
    services.add_step(scenario, actor=actor, template_id=email_template.pk)
    services.start_scenario(scenario, actor=actor)
    engine.run_due_steps()
    services.stop_scenario(scenario, actor=actor)
    assert deliver_all() == 0
    assert OutboxMessage.objects.filter(status=OutboxMessage.Status.CANCELED).count() == 4
    scenario.refresh_from_db()
    assert scenario.status == Scenario.Status.STOPPED


def test_consent_is_required_and_unsubscribe_withdraws_it(
    organizer, actor, people, everyone, email_template, smtp_server
):
    people["dee"].consent_email = False
    people["dee"].save()
    scenario = services.create_scenario(
        organizer, actor=actor, name="Consent", segment_id=everyone.pk
    )
    services.add_step(scenario, actor=actor, template_id=email_template.pk)
    services.start_scenario(scenario, actor=actor)
    engine.run_due_steps()
    deliver_all()
    received = {r.rcpt_tos[0]: r for r in smtp_server.wait_for(3)}
    assert set(received) == {"ada@example.org", "bob@example.org", "cyd@example.org"}
    message = received["ada@example.org"].message
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    path = links_of(received["ada@example.org"])["unsubscribe"]
    assert visit(path).status_code == 200  # a GET (a link scanner) changes nothing
    people["ada"].refresh_from_db()
    assert people["ada"].consent_email is True
    assert visit(path, method="post").status_code == 200
    people["ada"].refresh_from_db()
    assert people["ada"].consent_email is False
    assert queries.step_statistics(scenario)[0].unsubscribed == 1


def test_the_unsubscribe_link_stays_direct_and_is_never_a_click(
    organizer, actor, people, everyone, smtp_server
):
    # a contact who leaves is no "clicker": its link is never rewritten into a tracked click
    template = templates.create_template(
        organizer,
        actor=actor,
        name="With a way out",
        subject={"en": "News"},
        body_text={"en": "See https://example.org/season\nUnsubscribe: {{ unsubscribe_url }}"},
        body_html={
            "en": '<p><a href="https://example.org/season">See</a> '
            '<a href="{{ unsubscribe_url }}">Unsubscribe</a></p>'
        },
    )
    scenario = services.create_scenario(
        organizer, actor=actor, name="Way out", segment_id=everyone.pk
    )
    services.add_step(scenario, actor=actor, template_id=template.pk)
    services.start_scenario(scenario, actor=actor)
    engine.run_due_steps()
    deliver_all()
    received = {r.rcpt_tos[0]: r for r in smtp_server.wait_for(4)}
    message = received["ada@example.org"].message
    direct = message["List-Unsubscribe"].strip().strip("<>")
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert f"Unsubscribe: {direct}" in text
    assert f'<a href="{direct}">Unsubscribe</a>' in html
    # the other link is still tracked, once in each part
    assert text.count("/m/c/") == 1 and html.count("/m/c/") == 1
    age_sent_messages()
    path = urllib.parse.urlsplit(direct).path
    assert visit(path).status_code == 200
    assert visit(path, method="post").status_code == 200
    sent = OutboxMessage.objects.get(contact=people["ada"])
    assert sent.unsubscribed_at is not None
    assert sent.clicked_at is None and sent.machine_clicked_at is None
    assert not TrackingEvent.objects.filter(message=sent, kind=TrackingEvent.Kind.CLICK).exists()
    assert queries.step_statistics(scenario)[0].clicked == 0


def test_click_redirects_only_to_stored_links(
    organizer, actor, people, everyone, email_template, smtp_server
):
    scenario = services.create_scenario(
        organizer, actor=actor, name="Links", segment_id=everyone.pk
    )
    services.add_step(scenario, actor=actor, template_id=email_template.pk)
    services.start_scenario(scenario, actor=actor)
    engine.run_due_steps()
    deliver_all()
    received = smtp_server.wait_for(4)
    click = links_of(received[0])["click"]
    token = click.split("/")[3]
    assert visit(f"/m/c/{token}/999999/").status_code == 404
    assert visit(click.replace(token, token[:-2] + "xx")).status_code == 404
    assert visit(f"/m/c/{token}/1/?next=https://evil.example").status_code in (302, 404)
    response = visit(f"/m/c/{token}/1/?next=https://evil.example")
    if response.status_code == 302:
        assert response["Location"] == "https://example.org/season"


def test_honeypot_marks_the_scanner_burst_as_machine(
    organizer, actor, people, everyone, email_template, smtp_server
):
    scenario = services.create_scenario(organizer, actor=actor, name="Scan", segment_id=everyone.pk)
    services.add_step(scenario, actor=actor, template_id=email_template.pk)
    services.start_scenario(scenario, actor=actor)
    engine.run_due_steps()
    deliver_all()
    received = smtp_server.wait_for(4)
    age_sent_messages()
    links = links_of(received[0])
    visit(links["click"], agent=BROWSER)  # a gateway that looks like a browser…
    visit(links["honeypot"], agent=BROWSER)  # …but also follows the invisible link
    message = OutboxMessage.objects.get(to=[received[0].rcpt_tos[0]])
    assert message.clicked_at is None and message.opened_at is None
    assert message.machine_clicked_at is not None
    assert TrackingEvent.objects.filter(message=message, human=True).count() == 0
    assert not (timezone.now() - message.sent_at < datetime.timedelta(seconds=1))


def test_a_big_step_is_fanned_out_in_slices(organizer, actor, people, everyone, email_template):
    scenario = services.create_scenario(organizer, actor=actor, name="Big", segment_id=everyone.pk)
    services.add_step(scenario, actor=actor, template_id=email_template.pk)
    services.start_scenario(scenario, actor=actor)
    assert engine.run_due_steps(batch=1, max_batches=3).messages == 3
    assert engine.run_due_steps(batch=1, max_batches=3).messages == 1
    assert engine.run_due_steps(batch=1, max_batches=3).messages == 0
