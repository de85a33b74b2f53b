from django.apps import AppConfig


class BoxofficeConfig(AppConfig):
    name = "rideau.boxoffice"
    label = "boxoffice"
    verbose_name = "Box office"
