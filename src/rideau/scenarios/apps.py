from django.apps import AppConfig


class ScenariosConfig(AppConfig):
    name = "rideau.scenarios"
    label = "scenarios"
