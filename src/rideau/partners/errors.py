"""The partner portal's error type, with stable codes the web and API layers translate."""

from django.utils.translation import gettext_lazy as _

from rideau.core.errors import RideauError


class PartnerError(RideauError):
    messages = {
        "last_administrator": _("A partner keeps at least one administrator."),
        "team_full": _("The team is full for this partner's level (%(limit)s people)."),
        "already_in_team": _("This person is already in the team."),
        "link_invalid": _("This login link is not valid, was already used or has expired."),
        "tab_without_content": _("Write the page's content before enabling this tab."),
        "slot_taken": _("This time slot is already booked."),
        "not_listed": _("This attendee does not take meeting requests."),
        "meeting_closed": _("This meeting request was already answered."),
        "unknown_badge": _("This code is not a badge of this event."),
        "leads_closed": _("Lead scanning is not open yet."),
        "slot_in_past": _("This time slot is over."),
        "no_badge_place": _("No place left for this person's badge: %(reason)s"),
        "message_waiting": _(
            "Your last message to this attendee awaits their answer: wait for it before "
            "writing again."
        ),
        "too_many_messages": _("Your team sent many messages lately. Try again in an hour."),
        "message_closed": _("This message was already answered."),
    }
    CONFLICT_CODES = frozenset(
        {
            "slot_taken",
            "meeting_closed",
            "already_in_team",
            "team_full",
            "no_badge_place",
            "message_waiting",
            "message_closed",
        }
    )

    @property
    def status(self) -> int:  # type: ignore[override]
        if self.code == "too_many_messages":
            return 429
        return 409 if self.code in self.CONFLICT_CODES else 422
