from django.apps import AppConfig
from django.db.models.signals import post_migrate


class InventoryConfig(AppConfig):
    name = "rideau.inventory"
    label = "inventory"

    def ready(self) -> None:
        from .statements import install

        # the engine's static INSERTs follow the schema (ADR 0020, fourth step)
        post_migrate.connect(install, sender=self, dispatch_uid="rideau-insert-known")
