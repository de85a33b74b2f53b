from django.apps import AppConfig


class PartnersConfig(AppConfig):
    name = "rideau.partners"
    label = "partners"
    verbose_name = "Partners"

    def ready(self) -> None:
        from rideau.checkin import hooks as checkin_hooks

        from . import personal  # noqa: F401  (a section of the personal space)
        from .badges import position_for_badge

        checkin_hooks.resolve_with(position_for_badge)
