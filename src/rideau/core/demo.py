"""Demo data contributed by the areas: `rideau demo` runs every registered loader.

An area registers a loader from its `demo_data.py` (imported by the demo command), so the
command imports no area for it::

    @register
    def load_marketing(org: Organizer, *, owner: User) -> None: ...

A loader must be safe to run again (the demo is).
"""

from collections.abc import Callable

from django.utils.module_loading import autodiscover_modules

Loader = Callable[..., None]
_loaders: list[Loader] = []


def register(loader: Loader) -> Loader:
    if loader not in _loaders:
        _loaders.append(loader)
    return loader


def loaders() -> list[Loader]:
    autodiscover_modules("demo_data")
    return list(_loaders)
