import datetime

import pytest
from django.utils import timezone

from rideau.events.models import Event
from rideau.programme import services as programme
from tests.factories import EventFactory

START = (timezone.now() + datetime.timedelta(days=20)).replace(
    hour=9, minute=0, second=0, microsecond=0
)


def make_session(event, actor, *, hours=(0, 1), capacity=2, title="Talk"):
    return programme.create_session(
        event,
        actor=actor,
        title={"en": title, "fr": title},
        start=START + datetime.timedelta(hours=hours[0]),
        end=START + datetime.timedelta(hours=hours[1]),
        capacity=capacity,
    )


@pytest.fixture
def conference(organizer):
    return EventFactory(organizer=organizer, self_agenda=True, kind=Event.Kind.ONSITE)
