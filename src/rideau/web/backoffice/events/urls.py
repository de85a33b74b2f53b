"""Back-office event editing, included under /control/<organizer>/events/ (before the
event overview, so that `new/` is not taken for an event)."""

from django.urls import path

from . import questions, views

EVENT = "<slug:event>/"

urlpatterns = [
    path("new/", views.event_create, name="events-admin-new"),
    path(f"{EVENT}edit/", views.event_edit, name="events-admin-edit"),
    path(f"{EVENT}edit/dates/", views.event_dates, name="events-admin-dates"),
    path(f"{EVENT}edit/dates/<int:date>/", views.event_date_edit, name="events-admin-date"),
    path(
        f"{EVENT}edit/dates/<int:date>/delete/",
        views.event_date_delete,
        name="events-admin-date-delete",
    ),
    path(f"{EVENT}edit/rates/", views.event_rates, name="events-admin-rates"),
    path(
        f"{EVENT}edit/products/<int:product>/",
        views.event_product_edit,
        name="events-admin-product",
    ),
    path(f"{EVENT}edit/rates/<int:rate>/", views.event_rate_edit, name="events-admin-rate"),
    path(
        f"{EVENT}edit/products/<int:product>/delete/",
        views.event_product_delete,
        name="events-admin-product-delete",
    ),
    path(
        f"{EVENT}edit/rates/<int:rate>/delete/",
        views.event_rate_delete,
        name="events-admin-rate-delete",
    ),
    path(f"{EVENT}edit/questions/", questions.event_questions, name="events-admin-questions"),
    path(
        f"{EVENT}edit/questions/<int:question>/",
        questions.event_question_edit,
        name="events-admin-question",
    ),
    path(
        f"{EVENT}edit/questions/<int:question>/delete/",
        questions.event_question_delete,
        name="events-admin-question-delete",
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
    path(f"{EVENT}edit/sessions/", views.event_sessions, name="events-admin-sessions"),
    path(
        f"{EVENT}edit/sessions/<int:session>/delete/",
        views.event_session_delete,
        name="events-admin-session-delete",
    ),
    path(f"{EVENT}duplicate/", views.event_duplicate, name="events-admin-duplicate"),
    path(f"{EVENT}delete/", views.event_delete, name="events-admin-delete"),
]
