"""Registration's error type, with stable codes the web and API layers translate."""

from django.utils.translation import gettext_lazy as _

from rideau.core.errors import RideauError


class RegistrationError(RideauError):
    messages = {
        "not_self_agenda": _("This event does not let attendees build their own agenda."),
        "no_sessions": _("Choose at least one session."),
        "invalid_session": _("This session does not belong to this event."),
        "clash": _("“%(a)s” and “%(b)s” overlap in time: choose one of them."),
        "full": _("“%(session)s” is full."),
        "full_no_waitlist": _("“%(session)s” is full and has no waitlist."),
        "already_registered": _("You are already registered to “%(session)s”."),
        "already_waiting": _("You are already on the waitlist of “%(session)s”."),
        "not_full": _("“%(session)s” still has places: register instead."),
        "offer_gone": _("This offer has expired or was already used."),
        "invalid_email": _("Enter a valid e-mail address."),
        "invalid_text": _(
            "This text holds characters that are not allowed (control characters or a broken "
            "Unicode sequence)."
        ),
        "not_registered": _("This registration was already cancelled."),
        "not_event_registration": _("This event does not take registrations to the event."),
        "bad_seats": _("Enter a number of places from 1 to %(n)s."),
        "choose_passage": _("Choose one of the event's passes."),
        "invalid_passage": _("This pass does not belong to this event."),
        "clash_pass": _(
            "The sessions of “%(passage)s” overlap your agenda (or hold one of its sessions)."
        ),
        "pass_session": _(
            "This session comes with your pass “%(passage)s”: cancel your registration to the "
            "event to give back the whole pass."
        ),
        "too_late_to_offer": _(
            "“%(session)s” starts in less than %(minutes)s minutes or has started: there is "
            "not enough time left to accept an offer. Register the person instead."
        ),
        "bad_swap": _("A swap moves you from one of your sessions of this event to another."),
    }
    CONFLICT_CODES = frozenset(
        {"full", "full_no_waitlist", "offer_gone", "clash", "clash_pass", "too_late_to_offer"}
    )

    @property
    def status(self) -> int:  # type: ignore[override]
        return 409 if self.code in self.CONFLICT_CODES else 422
