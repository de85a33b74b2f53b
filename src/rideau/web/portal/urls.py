"""The partner portal and the public partner pages, mounted by `rideau.web.urls`."""

from django.urls import include, path

from . import views
from .account_views import meetings_view
from .images import partner_image

# under <organizer>/<event>/partners/<partner>/: the portal of one partner
partner_pages = [
    path("", views.home, name="portal-home"),
    path("login/", views.login_view, name="portal-login"),
    path("login/<str:token>/", views.link_view, name="portal-link"),
    path("logout/", views.logout_view, name="portal-logout"),
    path("pages/<int:portaltab>/", views.custom_page, name="portal-page"),
    path("profile/", views.profile, name="portal-profile"),
    path("team/", views.team, name="portal-team"),
    path("team/badges.pdf", views.badges, name="portal-badges"),
    path("team/<int:teammember>/", views.team_member, name="portal-member"),
    path("offers/", views.offers, name="portal-offers"),
    path("offers/<int:offer>/", views.offer, name="portal-offer"),
    path("tasks/", views.tasks, name="portal-tasks"),
    path("tasks/<int:taskassignment>/", views.task, name="portal-task"),
    path("documents/", views.documents, name="portal-documents"),
    path("documents/<int:documentassignment>/", views.document, name="portal-document"),
    path("sessions/", views.sessions, name="portal-sessions"),
    path("sessions/<int:hostedsession>/", views.hosted_session, name="portal-session"),
    path("contacts/", views.contacts, name="portal-contacts"),
    path("meetings/", views.meeting_list, name="portal-meetings"),
    path("calendar/", views.calendar, name="portal-calendar"),
    path("discounts/", views.discounts, name="portal-discounts"),
    path(
        "discounts/discounts.xlsx",
        views.discounts_export,
        {"fmt": "xlsx"},
        name="portal-discounts-xlsx",
    ),
    path(
        "discounts/discounts.csv",
        views.discounts_export,
        {"fmt": "csv"},
        name="portal-discounts-csv",
    ),
    path("leads/", views.leads_tab, name="portal-leads"),
    path("leads/scan/", views.leads_scan, name="portal-leads-scan"),
    path("leads/leads.xlsx", views.leads_export, name="portal-leads-export"),
    path("leads/<int:lead>/", views.lead, name="portal-lead"),
]

sponsor_pages = [
    path("", views.public_list, name="partners-public"),
    path("<slug:partner>/", views.public_page, name="partner-public"),
]

portal_patterns = [
    path("<slug:organizer>/<slug:event>/partners/<slug:partner>/", include(partner_pages)),
    path("<slug:organizer>/<slug:event>/sponsors/", include(sponsor_pages)),
]

account_patterns = [
    path("meetings/", meetings_view, name="account-meetings"),
]

image_patterns = [
    path("partners/images/<str:name>", partner_image, name="partner-image"),
]
