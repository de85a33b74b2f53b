from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "rideau.web"
    label = "web"
