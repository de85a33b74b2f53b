"""Uploaded images served by the app itself, for every surface that shows them."""

import mimetypes

from django.core.files.storage import default_storage
from django.http import FileResponse, Http404

IMAGE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp"}


def serve_image(directory: str, name: str) -> FileResponse:
    """An uploaded image of `directory` (validated as an image on upload).

    Only that directory and only raster image types are served, with a restrictive CSP, so
    the app can show images without a separate media server; with object storage
    (django-storages) `.url` points at the bucket and these views are not used.
    """
    content_type = mimetypes.guess_type(name)[0]
    path = directory + name
    if (
        name.startswith(".")
        or "/" in name
        or content_type not in IMAGE_TYPES
        or not default_storage.exists(path)
    ):
        raise Http404("No such image")
    response = FileResponse(default_storage.open(path, "rb"), content_type=content_type)
    response["Content-Security-Policy"] = "default-src 'none'"
    response["Cache-Control"] = "public, max-age=86400"
    return response
