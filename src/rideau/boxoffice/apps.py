from django.apps import AppConfig


class BoxofficeConfig(AppConfig):
    name = "rideau.boxoffice"
    label = "boxoffice"
    verbose_name = "Box office"
    default_auto_field = "django.db.models.BigAutoField"

    def demo_data(self, organizer, **context) -> None:
        """Called by `rideau demo` for the demonstration organiser."""
        from . import demo

        demo.load(organizer, **context)
