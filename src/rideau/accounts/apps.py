from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "rideau.accounts"
    label = "accounts"
