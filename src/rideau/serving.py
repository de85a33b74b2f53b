"""What a web process does once, after Django is set up and before its first request.

A warm process holds about 200,000 objects that live as long as it does (modules, models,
URL patterns, compiled templates and statements). Python's cyclic garbage collector walks all
of them on each full collection: about 100 ms on this project's 2-core machine, paid by
whichever request happened to allocate the object that tipped the threshold. Under an on-sale
rush that request is the p99 (docs/performance.md, "Garbage collection"). Loading what the
first request would load anyway, then `gc.freeze()`, moves those objects out of the
collector's sight; what requests allocate is still collected as before.
"""

import gc


def ready_to_serve() -> None:
    """Load the URL configuration (and with it every view, form and API router) and freeze
    what is alive now into the collector's permanent generation."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 -- imports every view module
    gc.collect()
    gc.freeze()
