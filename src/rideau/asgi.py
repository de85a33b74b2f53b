"""The ASGI entry point, for `rideau serve --server uvicorn` (a candidate measured by
`bench/serve_matrix.py`; every view is synchronous, so Django runs each in a thread)."""

import os

from django.core.asgi import get_asgi_application

from rideau.serving import ready_to_serve

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rideau.settings")
application = get_asgi_application()
ready_to_serve()
