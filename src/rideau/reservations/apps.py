from django.apps import AppConfig


class ReservationsConfig(AppConfig):
    name = "rideau.reservations"
    label = "reservations"
    verbose_name = "Reservations"

    def ready(self) -> None:
        from .personal import register_section  # a section of the buyer's personal space

        register_section()
