from django.urls import path

from . import contacts, views

urlpatterns = [
    path("contacts/", contacts.contact_list, name="contact-list"),
    path("contacts/import/", contacts.contact_import, name="contact-import"),
    path("contacts/<int:contact>/", contacts.contact_detail, name="contact-detail"),
    path("scenarios/", views.scenario_list, name="scenario-list"),
    path("scenarios/<int:scenario>/", views.scenario_detail, name="scenario-detail"),
    path("scenarios/<int:scenario>/action/", views.scenario_action, name="scenario-action"),
    path(
        "scenarios/<int:scenario>/steps/<int:step>/delete/",
        views.step_delete,
        name="scenario-step-delete",
    ),
    path("segments/", views.segment_list, name="segment-list"),
    path("segments/<int:segment>/", views.segment_detail, name="segment-detail"),
    path("messages/", views.template_list, name="message-template-list"),
    path(
        "messages/<int:message_template>/",
        views.template_detail,
        name="message-template-detail",
    ),
]
