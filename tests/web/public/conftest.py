"""The public pages' tests share the back office's small shop (an event with rates)."""

from ..backoffice.conftest import shop  # noqa: F401  (a fixture)
