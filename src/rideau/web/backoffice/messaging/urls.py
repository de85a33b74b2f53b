from django.urls import path

from . import views

urlpatterns = [
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
