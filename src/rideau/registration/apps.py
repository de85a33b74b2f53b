from django.apps import AppConfig


class RegistrationConfig(AppConfig):
    name = "rideau.registration"
    label = "registration"
    verbose_name = "Registration"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from rideau.inventory import hooks

        from . import personal, waitlists

        hooks.on_freed(waitlists.on_freed)
        hooks.gate(waitlists.gate)
        personal.register_section()
