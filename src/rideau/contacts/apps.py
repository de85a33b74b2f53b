from django.apps import AppConfig


class ContactsConfig(AppConfig):
    name = "rideau.contacts"
    label = "contacts"
