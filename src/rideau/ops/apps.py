from django.apps import AppConfig


class OpsConfig(AppConfig):
    """The operational commands (`rideau demo`, `worker`, `serve`, `check_integrity`): they
    reach into every area, so they sit above the domain apps and below the surfaces
    (ADR 0029). No models."""

    name = "rideau.ops"
    label = "ops"
    verbose_name = "Operations"
