from django.apps import AppConfig


class InventoryConfig(AppConfig):
    name = "rideau.inventory"
    label = "inventory"

    def ready(self) -> None:
        from rideau.venues import hooks as venues_hooks

        from .queries import seats_in_use

        venues_hooks.count_seats_in_use_with(seats_in_use)  # seats held or sold stay
