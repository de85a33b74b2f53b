from django.urls import include, path

from . import contacts, views

contact_patterns = [
    path("", contacts.contact_list, name="contact-list"),
    path("import/", contacts.contact_import, name="contact-import"),
    path("<int:contact>/", contacts.contact_detail, name="contact-detail"),
]

# under scenarios/<scenario>/
scenario = [
    path("", views.scenario_detail, name="scenario-detail"),
    path("action/", views.scenario_action, name="scenario-action"),
    path("steps/<int:step>/delete/", views.step_delete, name="scenario-step-delete"),
]

urlpatterns = [
    path("contacts/", include(contact_patterns)),
    path("scenarios/", views.scenario_list, name="scenario-list"),
    path("scenarios/<int:scenario>/", include(scenario)),
    path("segments/", views.segment_list, name="segment-list"),
    path("segments/<int:segment>/", views.segment_detail, name="segment-detail"),
    path("messages/", views.template_list, name="message-template-list"),
    path("messages/<int:message_template>/", views.template_detail, name="message-template-detail"),
]
