"""Attendees racing to accept invitations for one meeting slot (SPEC B10), on PostgreSQL:
exactly one wins; with a control run showing the double booking when the conditional
update is replaced by a read, a check and a later write."""

import time

import pytest
from django.conf import settings

from rideau.core.errors import RideauError
from rideau.partners import meetings
from rideau.partners.models import Meeting, MeetingSlot
from tests.inventory.test_concurrency import run_buyers

from .conftest import listed_attendee, slot_for

pytestmark = [
    pytest.mark.concurrency,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        "postgresql" not in settings.DATABASES["default"]["ENGINE"],
        reason="concurrency is proven on PostgreSQL; SQLite serialises every writer",
    ),
]

ATTENDEES = 30


def _invitations(fair):
    slot = slot_for(fair, fair.acme)
    invited = []
    for i in range(ATTENDEES):
        contact = listed_attendee(fair, f"racer{i}@example.org")
        invited.append(
            meetings.propose(fair.acme, member=fair.acme_admin, contact=contact, slot=slot)
        )
    return slot, invited


def _accept(meeting: Meeting) -> str:
    try:
        meetings.answer(meeting, contact=meeting.contact, accept=True)
    except RideauError as exc:
        return exc.code
    return "ok"


def test_attendees_racing_for_one_slot_exactly_one_wins(fair):
    slot, invited = _invitations(fair)

    results = run_buyers(lambda i: _accept(invited[i]), n=ATTENDEES)

    assert results.count("ok") == 1
    assert results.count("slot_taken") == ATTENDEES - 1
    winner = Meeting.objects.get(state="accepted")
    assert MeetingSlot.objects.get(pk=slot.pk).meeting == winner
    assert Meeting.objects.filter(state="proposed").count() == ATTENDEES - 1


def test_control_a_naive_read_check_write_double_books(fair, monkeypatch):
    _slot, invited = _invitations(fair)

    def naive(meeting: Meeting) -> bool:
        found = MeetingSlot.objects.get(pk=meeting.slot_id)
        if found.meeting_id is not None:
            return False
        time.sleep(0.02)  # other work between the check and the write
        MeetingSlot.objects.filter(pk=found.pk).update(meeting=meeting)
        return True

    monkeypatch.setattr(meetings, "_book_slot", naive)
    results = run_buyers(lambda i: _accept(invited[i]), n=ATTENDEES)

    assert results.count("ok") > 1
    assert Meeting.objects.filter(state="accepted").count() > 1
