from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "rideau.core"
    label = "core"
