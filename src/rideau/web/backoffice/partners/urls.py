"""Back-office pages of the partner portal, under /control/<organizer>/events/<event>/partners/."""

from django.urls import path

from . import views

E = "<slug:organizer>/events/<slug:event>/partners/"

urlpatterns = [
    path(E, views.partner_index, name="partners-admin"),
    path(E + "menu/", views.menu, name="partners-admin-menu"),
    path(E + "menu/order/", views.menu_order, name="partners-admin-menu-order"),
    path(E + "menu/<int:portaltab>/", views.menu_tab, name="partners-admin-tab"),
    path(E + "fields/", views.fields, name="partners-admin-fields"),
    path(E + "fields/<int:profilefield>/", views.field_edit, name="partners-admin-field"),
    path(E + "levels/<int:partnerlevel>/", views.level_edit, name="partners-admin-level"),
    path(E + "tasks/", views.tasks, name="partners-admin-tasks"),
    path(
        E + "tasks/<int:taskassignment>/file/",
        views.task_answer_file,
        name="partners-admin-task-file",
    ),
    path(E + "documents/", views.documents, name="partners-admin-documents"),
    path(E + "<int:partner>/", views.partner_detail, name="partners-admin-partner"),
]
