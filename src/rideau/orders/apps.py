from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "rideau.orders"
    label = "orders"

    def ready(self) -> None:
        from .personal import register_section  # a section of the buyer's personal space

        register_section()
