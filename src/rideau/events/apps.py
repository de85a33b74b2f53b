from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "rideau.events"
    label = "events"
