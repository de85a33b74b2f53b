from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "rideau.orders"
    label = "orders"

    def ready(self) -> None:
        from . import personal  # noqa: F401  (a section of the buyer's personal space)
        from .jobs import register_kinds  # exports, e-mails to buyers, bulk changes

        register_kinds()
