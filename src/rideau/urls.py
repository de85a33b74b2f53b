from django.urls import include, path

urlpatterns = [
    path("api/v1/", include("rideau.api.urls")),
    path("", include("rideau.web.urls")),
]
