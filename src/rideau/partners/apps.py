from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class PartnersConfig(AppConfig):
    name = "rideau.partners"
    label = "partners"
    verbose_name = "Partners"

    def ready(self) -> None:
        from rideau.accounts.sections import Section, register
        from rideau.checkin import hooks as checkin_hooks

        from .badges import position_for_badge
        from .personal import awaiting_action

        checkin_hooks.resolve_with(position_for_badge)

        register(
            Section(
                key="meetings",
                title=gettext_lazy("Partners and meetings"),
                url_name="web:account-meetings",
                awaiting_action=awaiting_action,
                position=40,
            )
        )
