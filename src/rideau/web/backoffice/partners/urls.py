"""Back-office pages of the partner portal, under /control/<organizer>/events/<event>/partners/."""

from django.urls import include, path

from . import views

partner_patterns = [
    path("", views.partner_index, name="partners-admin"),
    path("menu/", views.menu, name="partners-admin-menu"),
    path("menu/order/", views.menu_order, name="partners-admin-menu-order"),
    path("menu/<int:portaltab>/", views.menu_tab, name="partners-admin-tab"),
    path("fields/", views.fields, name="partners-admin-fields"),
    path("fields/<int:profilefield>/", views.field_edit, name="partners-admin-field"),
    path("levels/<int:partnerlevel>/", views.level_edit, name="partners-admin-level"),
    path("tasks/", views.tasks, name="partners-admin-tasks"),
    path(
        "tasks/<int:taskassignment>/file/", views.task_answer_file, name="partners-admin-task-file"
    ),
    path("documents/", views.documents, name="partners-admin-documents"),
    path("<int:partner>/", views.partner_detail, name="partners-admin-partner"),
]

urlpatterns = [path("<slug:organizer>/events/<slug:event>/partners/", include(partner_patterns))]
