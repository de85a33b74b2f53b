"""Back-office event management, under /control/<organizer>/events/."""

from django.urls import path

from . import (
    audiences,
    festival_views,
    questions,
    seating,
    ticket_templates,
    venues_views,
    views,
)

EVENT = "<slug:organizer>/events/<slug:event>/"

urlpatterns = [
    path("<slug:organizer>/events/new/", views.event_create, name="events-admin-new"),
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
    path("<slug:organizer>/venues/", venues_views.venue_list, name="venues-admin"),
    path(
        "<slug:organizer>/venues/<int:venue>/",
        venues_views.venue_detail,
        name="venues-admin-venue",
    ),
    path(
        "<slug:organizer>/venues/<int:venue>/delete/",
        venues_views.venue_delete,
        name="venues-admin-venue-delete",
    ),
    path(
        "<slug:organizer>/venues/<int:venue>/locations/<int:location>/delete/",
        venues_views.location_delete,
        name="venues-admin-location-delete",
    ),
    path(
        "<slug:organizer>/venues/<int:venue>/locations/<int:location>/seating/",
        seating.seating_plan,
        name="venues-admin-seating",
    ),
    path(
        "<slug:organizer>/venues/<int:venue>/locations/<int:location>/seating.csv",
        seating.seating_plan_csv,
        name="venues-admin-seating-csv",
    ),
    path(
        "<slug:organizer>/venues/<int:venue>/locations/<int:location>/seating/delete/",
        seating.seating_plan_delete,
        name="venues-admin-seating-delete",
    ),
    path(
        "<slug:organizer>/programmes/",
        festival_views.festival_list,
        name="festival-admin-list",
    ),
    path(
        "<slug:organizer>/programmes/<int:festival_page>/",
        festival_views.festival_edit,
        name="festival-admin",
    ),
    path(
        "<slug:organizer>/programmes/<int:festival_page>/events/<slug:event>/",
        festival_views.festival_event_switch,
        name="festival-admin-event",
    ),
    path(
        "<slug:organizer>/programmes/<int:festival_page>/delete/",
        festival_views.festival_delete,
        name="festival-admin-delete",
    ),
    path("<slug:organizer>/audiences/", audiences.audience_list, name="audiences-admin"),
    path(
        "<slug:organizer>/audiences/<int:audience>/",
        audiences.audience_edit,
        name="audiences-admin-edit",
    ),
    path(
        "<slug:organizer>/audiences/<int:audience>/delete/",
        audiences.audience_delete,
        name="audiences-admin-delete",
    ),
    path(
        "<slug:organizer>/ticket-templates/",
        ticket_templates.ticket_template_list,
        name="tickets-admin-list",
    ),
    path(
        "<slug:organizer>/ticket-templates/<int:template>/",
        ticket_templates.ticket_template_edit,
        name="tickets-admin",
    ),
    path(
        "<slug:organizer>/ticket-templates/<int:template>/preview.pdf",
        ticket_templates.ticket_template_preview,
        name="tickets-admin-preview",
    ),
    path(
        "<slug:organizer>/ticket-templates/<int:template>/delete/",
        ticket_templates.ticket_template_delete,
        name="tickets-admin-delete",
    ),
]
