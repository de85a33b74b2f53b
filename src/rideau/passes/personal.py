"""Passes in the personal space (SPEC D6): the subscriber section — the passes of the
account's address, with open renewals as items awaiting the person. Registered when
`PassesConfig.ready()` imports it; the personal space never imports this module."""

from collections.abc import Iterable

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rideau.accounts.models import Account
from rideau.accounts.sections import ActionItem, section

from .models import Renewal
from .subscribers import subscriber_passes


@section("passes", gettext_lazy("Passes"), "web:account-passes", position=30)
def awaiting_action(account: Account) -> Iterable[ActionItem]:
    renewals = Renewal.objects.filter(
        old_pass__in=subscriber_passes(account), new_pass__isnull=True
    ).select_related("campaign", "old_pass__pass_product__product")
    for renewal in renewals:
        if not renewal.campaign.is_open():
            continue
        yield ActionItem(
            title=_("Renew your pass %(name)s") % {"name": renewal.old_pass.pass_product},
            url_name="web:pass-renew",
            deadline=renewal.campaign.closes,
            detail=renewal.campaign.name,
            action=_("Renew"),
        )
