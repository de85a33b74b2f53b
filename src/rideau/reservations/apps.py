from django.apps import AppConfig


class ReservationsConfig(AppConfig):
    name = "rideau.reservations"
    label = "reservations"
    verbose_name = "Reservations"

    def ready(self) -> None:
        from . import personal  # noqa: F401  (a section of the buyer's personal space)
