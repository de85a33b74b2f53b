from django.apps import AppConfig


class PassesConfig(AppConfig):
    name = "rideau.passes"
    label = "passes"
    verbose_name = "Passes"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from rideau.checkin import hooks as checkin_hooks

        from . import handlers, personal, scanning  # noqa: F401  (handlers subscribe on import)

        checkin_hooks.resolve_with(scanning.position_for_pass)
        personal.register_section()
