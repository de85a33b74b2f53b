"""The box office (point of sale), included under /control/<organizer>/boxoffice/."""

from django.urls import path

from . import passes, views

urlpatterns = [
    path("", views.home, name="pos"),
    path("event/", views.event_tab, name="pos-event"),
    path("passes/", passes.pass_tab, name="pos-passes"),
    path("passes/<int:pass_id>/", passes.pass_page, name="pos-pass"),
    path("passes/<int:pass_id>/tickets/", passes.pass_tickets, name="pos-pass-tickets"),
    path("passes/<int:pass_id>/card.pdf", passes.pass_card, name="pos-pass-card"),
    path("vouchers/", views.vouchers_tab, name="pos-vouchers"),
    path("cart/", views.cart_tab, name="pos-cart"),
    path("cart/places/", views.cart_places, name="pos-cart-places"),
    path("cart/gift/", views.cart_gift, name="pos-cart-gift"),
    path("cart/pass/", passes.cart_pass, name="pos-cart-pass"),
    path("cart/clear/", views.cart_clear, name="pos-cart-clear"),
    path("cart/discount/", views.cart_discount, name="pos-cart-discount"),
    path("cart/sell/", views.sell, name="pos-sell"),
    path("orders/", views.orders_tab, name="pos-orders"),
    path("orders/<int:order>/", views.order_page, name="pos-order"),
    path("orders/<int:order>/tickets.pdf", views.order_tickets, name="pos-order-tickets"),
    path("orders/<int:order>/receipt.pdf", views.order_receipt, name="pos-order-receipt"),
    path("orders/<int:order>/gift-vouchers.pdf", views.order_cards, name="pos-order-cards"),
    path("orders/<int:order>/resend/", views.order_resend, name="pos-order-resend"),
    path("orders/<int:order>/refund/", views.order_refund, name="pos-order-refund"),
    path("orders/<int:order>/pay/", views.order_pay, name="pos-order-pay"),
    path("report/", views.report_tab, name="pos-report"),
    path("report/open/", views.shift_open, name="pos-shift-open"),
    path("report/close/", views.shift_close, name="pos-shift-close"),
    path("shifts/<int:cashsession>/", views.shift_page, name="pos-shift"),
]
