from django.apps import AppConfig


class RegistrationConfig(AppConfig):
    name = "rideau.registration"
    label = "registration"
    verbose_name = "Registration"

    def ready(self) -> None:
        from rideau.inventory import hooks
        from rideau.orders import hooks as order_hooks

        from . import handlers, personal, sales, waitlists  # noqa: F401  (handlers subscribe, a section of the personal space)

        hooks.on_freed(waitlists.on_freed)
        hooks.gate(waitlists.gate)
        order_hooks.accompany_with(sales.PASS_SALES)
