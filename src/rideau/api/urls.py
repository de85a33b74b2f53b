from django.urls import path, re_path

from .errors import unknown_route
from .main import api

# Any address under /api/v1/ that is no operation answers the API's JSON 404 (not the site's
# HTML page): the root (ninja's own root view, kept for its name, would raise the HTML one)
# and, after the operations, everything else.
urlpatterns = [path("", unknown_route), path("", api.urls), re_path(r"", unknown_route)]
