from django.apps import AppConfig


class PassesConfig(AppConfig):
    name = "rideau.passes"
    label = "passes"
    verbose_name = "Passes"

    def ready(self) -> None:
        from rideau.checkin import hooks as checkin_hooks
        from rideau.orders import hooks as orders_hooks

        from . import (
            handlers,  # noqa: F401  (handlers subscribe)
            payment,  # noqa: F401  (registers the pass credit as a payment method)
            personal,  # noqa: F401  (a section of the personal space)
            resale,
            scanning,
            updates,
        )

        checkin_hooks.resolve_with(scanning.position_for_pass)
        orders_hooks.supply_with(resale.LISTED_PLACES)  # listed places sold first (D7)
        updates.register_kind()  # "Update the passes", a kind of core.jobs
