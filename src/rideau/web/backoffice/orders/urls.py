"""Back-office orders and the mailbox, included under /control/<organizer>/."""

from django.urls import path

from . import changes, mailbox, views

urlpatterns = [
    path("mailbox/", mailbox.mailbox, name="backoffice-mailbox"),
    path("mailbox/<int:message>/", mailbox.mailbox_message, name="backoffice-mailbox-message"),
    path(
        "mailbox/<int:message>/attachments/<int:attachment>/",
        mailbox.mailbox_attachment,
        name="backoffice-mailbox-attachment",
    ),
    path("orders/", views.order_list, name="backoffice-orders"),
    path("orders/bulk/", changes.order_bulk, name="backoffice-orders-bulk"),
    path("orders/<int:order>/", views.order_detail, name="backoffice-order"),
    path("orders/<int:order>/mark-paid/", views.order_mark_paid, name="backoffice-order-paid"),
    path("orders/<int:order>/cancel/", views.order_cancel, name="backoffice-order-cancel"),
    path("orders/<int:order>/refund/", views.order_refund, name="backoffice-order-refund"),
    path("orders/<int:order>/resend/", views.order_resend, name="backoffice-order-resend"),
    path("orders/<int:order>/attendee/", views.order_attendee, name="backoffice-order-attendee"),
    path(
        "orders/<int:order>/add/",
        changes.order_add_positions,
        name="backoffice-order-add",
    ),
    path(
        "orders/<int:order>/remove/",
        changes.order_remove_position,
        name="backoffice-order-remove",
    ),
    path("orders/<int:order>/balance/", changes.order_balance, name="backoffice-order-balance"),
]
