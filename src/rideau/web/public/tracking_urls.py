"""The links in messages, included under /m/ (`m` is a reserved slug): opens, clicks and
unsubscribes of marketing messages, and the SMS gateway's delivery receipts."""

from django.urls import path

from . import tracking

urlpatterns = [
    path("o/<str:token>.gif", tracking.open_pixel, name="tracking-open"),
    path("c/<str:token>/<int:link>/", tracking.click, name="tracking-click"),
    path("h/<str:token>/", tracking.honeypot, name="tracking-honeypot"),
    path("u/<str:token>/", tracking.unsubscribe, name="tracking-unsubscribe"),
    path("sms-status/", tracking.sms_status, name="sms-status"),
]
