"""The partners' section of the personal space: meeting invitations awaiting an answer,
with the slot's start as deadline, and partners' messages awaiting the attendee's answer
(architecture: "The personal space and its sections")."""

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rideau.accounts.sections import ActionItem, section

from .models import ContactShare, Meeting

if TYPE_CHECKING:
    from rideau.accounts.models import Account


def meetings_awaiting_action(account: "Account") -> Iterable[ActionItem]:
    invitations = Meeting.objects.filter(
        contact_id=account.contact_id,
        state=Meeting.State.PROPOSED,
        origin=Meeting.Origin.PARTNER,
    ).select_related("partner", "slot__space")
    for meeting in invitations:
        yield ActionItem(
            title=_("Meeting with %(partner)s") % {"partner": meeting.partner.name},
            url_name="web:account-meetings",
            url_kwargs={"organizer": account.organizer.slug},
            deadline=meeting.slot.start,
            detail=meeting.slot.space.name if meeting.slot_id else "",
            action=_("Answer"),
        )


def messages_awaiting_answer(account: "Account") -> Iterable[ActionItem]:
    waiting = ContactShare.objects.filter(
        contact_id=account.contact_id,
        origin=ContactShare.Origin.PARTNER,
        answered__isnull=True,
    ).select_related("partner")
    for share in waiting:
        yield ActionItem(
            title=_("Message from %(partner)s") % {"partner": share.partner.name},
            url_name="web:account-meetings",
            url_kwargs={"organizer": account.organizer.slug},
            detail=share.message[:80],
            action=_("Answer"),
        )


@section("meetings", gettext_lazy("Partners and meetings"), "web:account-meetings", position=40)
def awaiting_action(account: "Account") -> Iterable[ActionItem]:
    yield from meetings_awaiting_action(account)
    yield from messages_awaiting_answer(account)
