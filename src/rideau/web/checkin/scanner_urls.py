"""The scanner (public: the access code is the credential), included under /checkin/."""

from django.urls import path

from . import views

urlpatterns = [
    path("<str:access_code>/", views.scanner, name="checkin-scanner"),
    path("<str:access_code>/count/", views.scanner_count, name="checkin-count"),
]
