from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "rideau.api"
    label = "api"
