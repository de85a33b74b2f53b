from django.apps import AppConfig


class GiftcardsConfig(AppConfig):
    name = "rideau.giftcards"
    label = "giftcards"
    verbose_name = "Gift vouchers"

    def ready(self) -> None:
        from rideau.catalog.models import Product
        from rideau.orders import hooks, sellable

        from . import payment, services  # noqa: F401  (registers the payment method)

        sellable.register_amount_rule(Product.Kind.GIFT_VOUCHER, services.check_free_amount)
        hooks.store_with(services.STORE)  # refunds and cancellations see the vouchers sold
