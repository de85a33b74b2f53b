"""The partner portal and the public partner pages, mounted by `rideau.web.urls`."""

from django.urls import path

from . import views
from .account_views import meetings_view
from .images import partner_image

P = "<slug:organizer>/<slug:event>/partners/<slug:partner>/"

portal_patterns = [
    path(P, views.home, name="portal-home"),
    path(P + "login/", views.login_view, name="portal-login"),
    path(P + "login/<str:token>/", views.link_view, name="portal-link"),
    path(P + "logout/", views.logout_view, name="portal-logout"),
    path(P + "pages/<int:portaltab>/", views.custom_page, name="portal-page"),
    path(P + "profile/", views.profile, name="portal-profile"),
    path(P + "team/", views.team, name="portal-team"),
    path(P + "team/badges.pdf", views.badges, name="portal-badges"),
    path(P + "team/<int:teammember>/", views.team_member, name="portal-member"),
    path(P + "offers/", views.offers, name="portal-offers"),
    path(P + "offers/<int:offer>/", views.offer, name="portal-offer"),
    path(P + "tasks/", views.tasks, name="portal-tasks"),
    path(P + "tasks/<int:taskassignment>/", views.task, name="portal-task"),
    path(P + "documents/", views.documents, name="portal-documents"),
    path(P + "documents/<int:documentassignment>/", views.document, name="portal-document"),
    path(P + "sessions/", views.sessions, name="portal-sessions"),
    path(P + "sessions/<int:hostedsession>/", views.hosted_session, name="portal-session"),
    path(P + "contacts/", views.contacts, name="portal-contacts"),
    path(P + "meetings/", views.meeting_list, name="portal-meetings"),
    path(P + "calendar/", views.calendar, name="portal-calendar"),
    path(P + "discounts/", views.discounts, name="portal-discounts"),
    path(
        P + "discounts/discounts.xlsx",
        views.discounts_export,
        {"fmt": "xlsx"},
        name="portal-discounts-xlsx",
    ),
    path(
        P + "discounts/discounts.csv",
        views.discounts_export,
        {"fmt": "csv"},
        name="portal-discounts-csv",
    ),
    path(P + "leads/", views.leads_tab, name="portal-leads"),
    path(P + "leads/scan/", views.leads_scan, name="portal-leads-scan"),
    path(P + "leads/leads.xlsx", views.leads_export, name="portal-leads-export"),
    path(P + "leads/<int:lead>/", views.lead, name="portal-lead"),
    path("<slug:organizer>/<slug:event>/sponsors/", views.public_list, name="partners-public"),
    path(
        "<slug:organizer>/<slug:event>/sponsors/<slug:partner>/",
        views.public_page,
        name="partner-public",
    ),
]

account_patterns = [
    path("meetings/", meetings_view, name="account-meetings"),
]

image_patterns = [
    path("partners/images/<str:name>", partner_image, name="partner-image"),
]
