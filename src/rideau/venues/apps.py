from django.apps import AppConfig


class VenuesConfig(AppConfig):
    name = "rideau.venues"
    label = "venues"
