from django.http import FileResponse, HttpRequest

from ..decorators import public_view
from ..media import serve_image as _serve_image

IMAGE_DIR = "partners/images/"


@public_view
def partner_image(request: HttpRequest, name: str) -> FileResponse:
    """A partner's logo or profile image (validated as an image on upload)."""
    return _serve_image(IMAGE_DIR, name)
