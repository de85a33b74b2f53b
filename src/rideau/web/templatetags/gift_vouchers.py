"""`{% gift_voucher_offer organizer as offer %}`: whether the shop links to its gift voucher
pages (the page that sells them, the balance check), for the shop's footer."""

from django import template

from rideau.giftcards.queries import ShopOffer, shop_offer

register = template.Library()


@register.simple_tag
def gift_voucher_offer(organizer) -> ShopOffer:
    if getattr(organizer, "pk", None) is None:
        return ShopOffer(on_sale=False, sold=False)
    return shop_offer(organizer)
