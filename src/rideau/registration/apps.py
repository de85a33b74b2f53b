from django.apps import AppConfig


class RegistrationConfig(AppConfig):
    name = "rideau.registration"
    label = "registration"
    verbose_name = "Registration"

    def ready(self) -> None:
        from rideau.inventory import hooks
        from rideau.orders import hooks as order_hooks

        from . import (
            handlers,  # noqa: F401  (handlers subscribe)
            jobs,
            personal,  # noqa: F401  (a section of the personal space)
            sales,
            waitlists,
        )

        hooks.on_freed(waitlists.on_freed)
        hooks.gate(waitlists.gate)
        order_hooks.accompany_with(sales.PASS_SALES)
        jobs.register_kinds()  # "E-mail to the registrants", a kind of core.jobs
