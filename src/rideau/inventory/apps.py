from django.apps import AppConfig
from django.db.models.signals import post_migrate


class InventoryConfig(AppConfig):
    name = "rideau.inventory"
    label = "inventory"

    def ready(self) -> None:
        from rideau.venues import hooks as venues_hooks

        from .queries import seats_in_use
        from .statements import install

        venues_hooks.count_seats_in_use_with(seats_in_use)  # seats held or sold stay
        # the engine's static INSERTs follow the schema (ADR 0020, fourth step)
        post_migrate.connect(install, sender=self, dispatch_uid="rideau-insert-known")
