from django.apps import AppConfig


class InventoryConfig(AppConfig):
    name = "rideau.inventory"
    label = "inventory"
