"""Errors of the scenarios area, with stable codes."""

from django.utils.translation import gettext_lazy as _

from rideau.core.errors import RideauError


class ScenarioError(RideauError):
    status = 409
    messages = {
        "no_steps": _("Add at least one step before starting the scenario."),
        "no_audience": _("Choose a segment or a starting event before starting the scenario."),
        "not_draft": _("Only a draft scenario can be started or changed."),
        "not_running": _("Only a running scenario can be paused."),
        "not_paused": _("Only a paused scenario can be resumed."),
        "already_stopped": _("This scenario is already stopped."),
        "segment_in_use": _("This segment is used by a scenario."),
        "channel_address": _("Step %(position)s sends an SMS: its contacts need a phone."),
    }
