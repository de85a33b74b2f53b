from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "rideau.catalog"
    label = "catalog"
