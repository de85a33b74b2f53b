from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "rideau.orders"
    label = "orders"

    def ready(self) -> None:
        from .jobs import register_kinds  # exports, e-mails to buyers, bulk changes
        from .personal import register_section  # a section of the buyer's personal space

        register_section()
        register_kinds()
