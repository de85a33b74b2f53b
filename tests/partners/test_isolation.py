"""A partner administrator never sees another partner's portal, leads or attendees' data
(SPEC B13): every portal URL is walked by Acme's administrator with Globex's ids — Globex's
portal itself, and Acme's own portal naming Globex's objects. Each request must be refused
(404, or a redirect to Globex's login page) and change nothing."""

import re

import pytest
from django.test import Client
from django.urls import get_resolver

from rideau.partners import meetings, services
from rideau.partners.models import (
    DocumentAssignment,
    HostedSession,
    Lead,
    Offer,
    PortalTab,
    TaskAssignment,
)
from tests.factories import DocumentFactory, SessionFactory, TaskFactory
from tests.test_cross_organizer import iter_patterns, rows_written, snapshot

from .conftest import listed_attendee, slot_for

pytestmark = pytest.mark.django_db

CANARY = "globexsecret"
PARAM = re.compile(r"<(?:\w+:)?(\w+)>")


@pytest.fixture
def globex_world(fair, actor):
    """Globex has one object of every kind a portal URL can name, with a canary word."""
    event, globex = fair.event, fair.globex
    admin = fair.globex_admin
    services.update_settings(event, actor=actor, leads_open=True, show_badges=True)
    tabs = services.ensure_tabs(event)
    for tab in tabs:
        services.set_tab_enabled(tab, actor=actor, enabled=True)
    # the menu is the event's, shared by all its partners: not Globex's data
    custom = services.save_tab(event, actor=actor, title="Rules", content="<p>Rules</p>")
    attendee = listed_attendee(fair, f"{CANARY}@example.org")
    offer = Offer.objects.create(partner=globex, title=f"{CANARY} job")
    task = TaskFactory(event=event, title=f"{CANARY} task")
    assignment = TaskAssignment.objects.create(task=task, partner=globex)
    document = DocumentFactory(event=event, title=f"{CANARY} doc")
    document_assignment = DocumentAssignment.objects.create(document=document, partner=globex)
    hosted = HostedSession.objects.create(
        partner=globex, session=SessionFactory(event=event), pitch=CANARY
    )
    slot = slot_for(fair, globex, days=30)  # on the hosted session's day: the event's days
    meetings.propose(globex, member=admin, contact=attendee, slot=slot, message=CANARY)
    lead = Lead.objects.create(partner=globex, contact=attendee, scanned_by=admin, note=CANARY)
    return {
        "portaltab": custom,
        "teammember": admin,
        "offer": offer,
        "taskassignment": assignment,
        "documentassignment": document_assignment,
        "hostedsession": hosted,
        "lead": lead,
    }


def portal_routes() -> list[str]:
    return [
        route
        for route, pattern in iter_patterns(get_resolver())
        if getattr(pattern.callback, "rideau_portal", False)
    ]


def _url(route: str, partner, objects: dict) -> str:
    def fill(match):
        name = match[1]
        if name == "organizer":
            return partner.organizer.slug
        if name == "event":
            return partner.event.slug
        if name == "partner":
            return partner.slug
        assert name in objects, f"no Globex object for the parameter {name!r} of /{route}"
        return str(objects[name].pk)

    return "/" + PARAM.sub(fill, route)


def _walk(client: Client, urls: list[str], login_of) -> list[str]:
    problems = []
    before = snapshot()
    for url in urls:
        for method in ("GET", "POST"):
            written = rows_written()
            response = (
                client.get(url)
                if method == "GET"
                else client.post(
                    url,
                    {"action": "delete", "role": "sales", "code": "x", "title": "x", "kind": "job"},
                )
            )
            body = b"".join(response) if response.streaming else response.content
            status = response.status_code
            if status == 302:
                if not response["Location"].startswith(login_of):
                    problems.append(f"{method} {url}: redirects to {response['Location']}")
            elif status not in (404, 405):
                problems.append(f"{method} {url}: status {status}")
            if CANARY.encode() in body.lower():
                problems.append(f"{method} {url}: shows Globex's data")
            if rows_written() != written and snapshot() != before:
                problems.append(f"{method} {url}: changed rows")
                before = snapshot()
    return problems


def test_every_portal_url_refuses_another_partner_and_changes_nothing(fair, globex_world):
    client = Client()
    from .conftest import log_in_portal

    log_in_portal(client, fair.acme_admin)
    routes = portal_routes()
    assert len(routes) >= 20, routes  # the walk covers the whole portal
    globex_login = f"/{fair.event.organizer.slug}/expo/partners/globex/login/"
    # 1. Globex's own portal, with Globex's objects
    urls = [_url(r, fair.globex, globex_world) for r in routes if "login/" not in r]
    problems = _walk(client, urls, globex_login)
    # 2. Acme's portal, naming Globex's objects (only routes with an object parameter)
    with_objects = [
        r for r in routes if len(PARAM.findall(r)) > 3 and "login/" not in r and "pages/" not in r
    ]
    acme_urls = [_url(r, fair.acme, globex_world) for r in with_objects]
    problems += _walk(client, acme_urls, "/nowhere/")

    assert "\n".join(problems) == ""
    assert len(acme_urls) == 6  # team member, offer, task, document, session, lead
    assert Lead.objects.filter(partner=fair.acme).count() == 0
    assert Offer.objects.get(partner=fair.globex).title == f"{CANARY} job"


def test_control_the_same_urls_answer_acme_for_its_own_objects(fair, acme_client, actor):
    """Control: the walk is not vacuous — Acme's administrator reaches Acme's pages."""
    services.update_settings(fair.event, actor=actor, leads_open=True)
    for tab in services.ensure_tabs(fair.event):
        services.set_tab_enabled(tab, actor=actor, enabled=True)
    for route in portal_routes():
        if PARAM.findall(route)[3:] or "login/" in route or "logout/" in route:
            continue
        if route.endswith("badges.pdf"):
            continue
        url = _url(route, fair.acme, {})
        response = acme_client.get(url)
        assert response.status_code == 200, (url, response.status_code)


def test_a_logged_out_visitor_is_sent_to_the_portal_login(fair):
    response = Client().get(f"/{fair.event.organizer.slug}/expo/partners/acme/team/")

    assert response.status_code == 302
    assert response["Location"] == f"/{fair.event.organizer.slug}/expo/partners/acme/login/"


def test_a_disabled_tab_answers_404(fair, acme_client, actor):
    services.ensure_tabs(fair.event)
    tab = PortalTab.objects.get(event=fair.event, kind="offers")
    assert (
        acme_client.get(f"/{fair.event.organizer.slug}/expo/partners/acme/offers/").status_code
        == 200
    )
    services.set_tab_enabled(tab, actor=actor, enabled=False)

    response = acme_client.get(f"/{fair.event.organizer.slug}/expo/partners/acme/offers/")

    assert response.status_code == 404


def test_acme_s_own_pages_refuse_globex_s_ids_in_the_body(fair, globex_world, acme_client):
    """Acme's pages with a body naming Globex's objects (the classic leak through a
    reference): nothing of Globex changes."""
    from rideau.partners.models import Meeting, MeetingSlot, MeetingSpace

    meeting = Meeting.objects.get(partner=fair.globex)
    slot = MeetingSlot.objects.filter(space__partner=fair.globex).first()
    body = {
        "meeting": meeting.pk,
        "action": "accept",
        "slot": slot.pk,
        "space": MeetingSpace.objects.filter(partner=fair.globex).first().pk,
        "contact": meeting.contact_id,
        "speakers": [fair.globex_admin.pk],
        "teammember": fair.globex_admin.pk,
        "form": "slots",
        "start": "2030-01-01T10:00",
        "end": "2030-01-01T11:00",
        "minutes": "30",
        "message": "x",
    }
    routes = [r for r in portal_routes() if len(PARAM.findall(r)) == 3 and "log" not in r]

    def globex_rows():
        return (
            list(Meeting.objects.filter(partner=fair.globex).values()),
            list(MeetingSlot.objects.filter(space__partner=fair.globex).values()),
            list(MeetingSpace.objects.filter(partner=fair.globex).values()),
            list(fair.globex.team.values()),
        )

    before = globex_rows()
    statuses = []
    for route in routes:
        for action in ("accept", "cancel", "decline"):
            response = acme_client.post(_url(route, fair.acme, {}), {**body, "action": action})
            statuses.append(response.status_code)

    assert globex_rows() == before
    assert 500 not in statuses
    assert len(statuses) == 3 * len(routes) > 30
