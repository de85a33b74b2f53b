"""`{% navlink active "orders" _("Orders") "web:backoffice-orders" organizer.slug %}`: one link of
a menu or of a page's tabs, written once.

It gives `<li><a href="…">Orders</a></li>`, the link marked `aria-current="page"` when `active`
(the page's current entry) is the key, or one of the keys, given as the second argument. A
back-office link whose page the signed-in member may not open (the permission its view
declares, `organizer_view(perm)`) is left out: a read-only member's menu offered the box
office and the settings, which only answered "access denied".
"""

from django import template
from django.urls import Resolver404, resolve, reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()


def _may_open(context: template.Context, href: str) -> bool:
    request = context.get("request")
    actor = getattr(request, "actor", None)
    organizer = getattr(request, "organizer", None)
    if actor is None or organizer is None:  # a public page, or outside an organiser
        return True
    try:
        perm = getattr(resolve(href).func, "rideau_perm", None)
    except Resolver404:
        return True
    return perm is None or actor.has(organizer, perm)


@register.simple_tag(takes_context=True)
def navlink(
    context: template.Context, active: str, keys: str, label: str, url_name: str, *args: object
) -> SafeString | str:
    href = reverse(url_name, args=args)
    if not _may_open(context, href):
        return ""
    if active in keys.split():
        return format_html('<li><a href="{}" aria-current="page">{}</a></li>', href, label)
    return format_html('<li><a href="{}">{}</a></li>', href, label)


@register.simple_tag(takes_context=True)
def may_open(context: template.Context, url_name: str, *args: object) -> bool:
    """`{% may_open "web:events-admin-new" organizer.slug as can_create %}`: whether the
    signed-in member's role opens that page (a button to it is shown only then)."""
    return _may_open(context, reverse(url_name, args=args))
