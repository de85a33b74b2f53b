"""A background job's progress and file, included under /control/<organizer>/jobs/."""

from django.urls import path

from . import views

urlpatterns = [
    path("<int:job>/", views.job_detail, name="backoffice-job"),
    path("<int:job>/download/", views.job_download, name="backoffice-job-download"),
]
