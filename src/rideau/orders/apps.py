from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "rideau.orders"
    label = "orders"
