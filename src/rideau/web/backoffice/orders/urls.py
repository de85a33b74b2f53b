"""Back-office orders and the mailbox, included under /control/<organizer>/."""

from django.urls import include, path

from . import changes, mailbox, views

# under orders/<order>/: the order's page and its staff actions
order = [
    path("", views.order_detail, name="backoffice-order"),
    path("mark-paid/", views.order_mark_paid, name="backoffice-order-paid"),
    path("cancel/", views.order_cancel, name="backoffice-order-cancel"),
    path("refund/", views.order_refund, name="backoffice-order-refund"),
    path("resend/", views.order_resend, name="backoffice-order-resend"),
    path("attendee/", views.order_attendee, name="backoffice-order-attendee"),
    path("add/", changes.order_add_positions, name="backoffice-order-add"),
    path("remove/", changes.order_remove_position, name="backoffice-order-remove"),
    path("balance/", changes.order_balance, name="backoffice-order-balance"),
]

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
    path("orders/<int:order>/", include(order)),
]
