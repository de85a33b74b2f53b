"""URLs of the public shop, included by `rideau.web.urls` before its catch-all event page."""

from django.urls import include, path

from . import gift_vouchers, seats, views

# under /<organizer>/<event>/tickets/
tickets = [
    path("", views.tickets, name="shop-tickets"),
    path("cart/", views.cart_page, name="shop-cart"),
    path("seats/<int:date>/", seats.choose_seats, name="shop-seats"),
    path("cart/remove/", views.cart_remove, name="shop-cart-remove"),
    path("cart/clear/", views.cart_clear, name="shop-cart-clear"),
    path("checkout/", views.checkout, name="shop-checkout"),
]

# under /<organizer>/order/<code>/<secret>/: the buyer's link to the order
order = [
    path("", views.order_page, name="shop-order"),
    path("tickets.pdf", views.order_tickets_pdf, name="shop-order-pdf"),
    path("gift-voucher/", gift_vouchers.pay_with_gift_voucher, name="shop-order-gift-voucher"),
    path("stripe/return/", views.stripe_return, name="shop-stripe-return"),
]

urlpatterns = [
    path("shop/webhooks/stripe/", views.stripe_webhook, name="shop-stripe-webhook"),
    path("shop/pay/demo/<str:order_secret>/", views.pay_demo, name="shop-pay-demo"),
    path("<slug:organizer>/gift-vouchers/", gift_vouchers.gift_vouchers, name="shop-gift-vouchers"),
    path(
        "<slug:organizer>/gift-vouchers/balance/",
        gift_vouchers.balance,
        name="shop-gift-voucher-balance",
    ),
    path("<slug:organizer>/<slug:event>/tickets/", include(tickets)),
    path("<slug:organizer>/order/<str:code>/<str:order_secret>/", include(order)),
]
