"""`{% navlink active "orders" _("Orders") "web:backoffice-orders" organizer.slug %}`: one link of
a menu or of a page's tabs, written once.

It gives `<li><a href="…">Orders</a></li>`, the link marked `aria-current="page"` when `active`
(the page's current entry) is the key, or one of the keys, given as the second argument.
"""

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()


@register.simple_tag
def navlink(active: str, keys: str, label: str, url_name: str, *args: object) -> SafeString:
    href = reverse(url_name, args=args)
    if active in keys.split():
        return format_html('<li><a href="{}" aria-current="page">{}</a></li>', href, label)
    return format_html('<li><a href="{}">{}</a></li>', href, label)
