from django.apps import AppConfig
from django.core import checks


class MessagingConfig(AppConfig):
    name = "rideau.messaging"
    label = "messaging"

    def ready(self) -> None:
        checks.register(check_delivery, deploy=True)


def check_delivery(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """`check --deploy`: a production without EMAIL_URL writes its e-mail to files."""
    from django.conf import settings

    if settings.RIDEAU_DELIVERY_BACKEND.endswith("filebased.EmailBackend"):
        return [
            checks.Warning(
                "EMAIL_URL is not set: e-mail is written to files under "
                f"{settings.EMAIL_FILE_PATH}, not sent.",
                hint="Set EMAIL_URL=smtp://user:password@host:port (see README).",
                id="rideau.W001",
            )
        ]
    return []
