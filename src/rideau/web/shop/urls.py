"""URLs of the public shop, included by `rideau.web.urls` before its catch-all event page."""

from django.urls import path

from . import seats, views

urlpatterns = [
    path("shop/webhooks/stripe/", views.stripe_webhook, name="shop-stripe-webhook"),
    path("shop/pay/demo/<str:order_secret>/", views.pay_demo, name="shop-pay-demo"),
    path("<slug:organizer>/gift-vouchers/", views.gift_vouchers, name="shop-gift-vouchers"),
    path("<slug:organizer>/<slug:event>/tickets/", views.tickets, name="shop-tickets"),
    path("<slug:organizer>/<slug:event>/tickets/cart/", views.cart_page, name="shop-cart"),
    path(
        "<slug:organizer>/<slug:event>/tickets/seats/<int:date>/",
        seats.choose_seats,
        name="shop-seats",
    ),
    path(
        "<slug:organizer>/<slug:event>/tickets/cart/remove/",
        views.cart_remove,
        name="shop-cart-remove",
    ),
    path(
        "<slug:organizer>/<slug:event>/tickets/cart/clear/",
        views.cart_clear,
        name="shop-cart-clear",
    ),
    path("<slug:organizer>/<slug:event>/tickets/checkout/", views.checkout, name="shop-checkout"),
    path(
        "<slug:organizer>/order/<str:code>/<str:order_secret>/",
        views.order_page,
        name="shop-order",
    ),
    path(
        "<slug:organizer>/order/<str:code>/<str:order_secret>/tickets.pdf",
        views.order_tickets_pdf,
        name="shop-order-pdf",
    ),
    path(
        "<slug:organizer>/order/<str:code>/<str:order_secret>/gift-voucher/",
        views.pay_with_gift_voucher,
        name="shop-order-gift-voucher",
    ),
    path(
        "<slug:organizer>/order/<str:code>/<str:order_secret>/stripe/return/",
        views.stripe_return,
        name="shop-stripe-return",
    ),
]
