"""Back-office event editing, included under /control/<organizer>/events/ (before the
event overview, so that `new/` is not taken for an event)."""

from django.urls import path

from ..collection import collection_urls
from . import questions, views

EVENT = "<slug:event>/"

urlpatterns = [
    path("new/", views.event_create, name="events-admin-new"),
    path(f"{EVENT}edit/", views.event_edit, name="events-admin-edit"),
    *collection_urls(
        f"{EVENT}edit/dates/",
        "events-admin-date",
        "date",
        rows=views.event_dates,
        row=views.event_date_edit,
        delete=views.event_date_delete,
    ),
    path(f"{EVENT}edit/rates/", views.event_rates, name="events-admin-rates"),
    *collection_urls(
        f"{EVENT}edit/products/",
        "events-admin-product",
        "product",
        row=views.event_product_edit,
        delete=views.event_product_delete,
    ),
    *collection_urls(
        f"{EVENT}edit/rates/",
        "events-admin-rate",
        "rate",
        row=views.event_rate_edit,
        delete=views.event_rate_delete,
    ),
    *collection_urls(
        f"{EVENT}edit/questions/",
        "events-admin-question",
        "question",
        rows=questions.event_questions,
        row=questions.event_question_edit,
        delete=questions.event_question_delete,
    ),
    path(
        f"{EVENT}edit/questions/<int:question>/move/",
        questions.event_question_move,
        name="events-admin-question-move",
    ),
    path(f"{EVENT}edit/quotas/", views.event_quotas, name="events-admin-quotas"),
    path(
        f"{EVENT}edit/quotas/<int:quota>/resize/",
        views.event_quota_resize,
        name="events-admin-quota-resize",
    ),
    path(
        f"{EVENT}edit/quotas/<int:quota>/delete/",
        views.event_quota_delete,
        name="events-admin-quota-delete",
    ),
    *collection_urls(
        f"{EVENT}edit/sessions/",
        "events-admin-session",
        "session",
        rows=views.event_sessions,
        row=views.event_session_edit,
        delete=views.event_session_delete,
    ),
    path(f"{EVENT}duplicate/", views.event_duplicate, name="events-admin-duplicate"),
    path(f"{EVENT}delete/", views.event_delete, name="events-admin-delete"),
]
