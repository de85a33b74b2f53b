from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "rideau.messaging"
    label = "messaging"
