"""A renewal campaign's page in the back office (SPEC D5): its offers, its window edited (the
held seats follow), its deletion (offers withdrawn, refused once a pass was renewed)."""

import datetime
import zoneinfo

import pytest
from django.db.models import Q
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from rideau.core.models import AuditLogEntry
from rideau.core.roles import Role
from rideau.inventory.models import Hold
from rideau.inventory.queries import check_integrity
from rideau.orders.services import Buyer
from rideau.passes import renewals, services
from rideau.passes.errors import PassError
from rideau.passes.models import Pass, RenewalCampaign
from tests.factories import member

pytestmark = pytest.mark.django_db

LOCAL = "%Y-%m-%dT%H:%M"


BUYER = Buyer(email="ana@example.net", name="Ana Lopez")


@pytest.fixture
def offered(world, actor, next_season):
    """A campaign holding the seats of one holder until its window closes (in 10 days)."""
    product, _dates = next_season
    old = services.sell_pass(
        world.organizer,
        rate=world.auto_rate,
        holder=services.HolderInput(last_name="Lopez", first_name="Ana"),
        buyer=BUYER,
        paid=True,
        provider="cash",
    )
    closes = (timezone.now() + datetime.timedelta(days=10)).replace(second=0, microsecond=0)
    made = renewals.create_campaign(
        world.organizer,
        actor=actor,
        name="Renew 27",
        from_product=world.automatic,
        to_products=[product],
        closes=closes,
    )
    return made, old, product


def _url(name, world, *args):
    return reverse(f"web:{name}", args=[world.organizer.slug, *args])


def _typed(world, moment: datetime.datetime) -> str:
    """`moment` as a person types it in the form: in the organiser's time zone."""
    return timezone.localtime(moment, zoneinfo.ZoneInfo(world.organizer.timezone)).strftime(LOCAL)


def _held():
    return Hold.objects.filter(kind=Hold.Kind.PREHOLD, state=Hold.State.HELD)


def test_the_campaign_page_shows_its_offers_and_the_list_links_to_it(owner_client, world, offered):
    c, old, _product = offered

    listing = owner_client.get(_url("passes-renewals", world)).content.decode()
    page = owner_client.get(_url("passes-renewal", world, c.pk))

    assert _url("passes-renewal", world, c.pk) in listing
    assert page.status_code == 200
    assert [r.old_pass for r in page.context["page"]] == [old]
    html = page.content.decode()
    assert "Ana Lopez" in html and "not renewed yet" in html
    assert page.context["page"][0].held == 2


def test_moving_the_window_end_moves_the_held_seats(owner_client, world, offered):
    c, _old, _product = offered
    later = c.closes + datetime.timedelta(days=5)

    response = owner_client.post(
        _url("passes-renewal", world, c.pk),
        {"name": "Renew, extended", "closes": _typed(world, later)},
    )

    assert response.status_code == 302
    c.refresh_from_db()
    assert (c.name, c.closes) == ("Renew, extended", later)
    assert {h.expires_at for h in _held()} == {later}
    assert _held().count() == 2


def test_a_window_without_end_gives_the_seats_back_and_an_end_holds_them_again(
    owner_client, world, offered
):
    c, _old, _product = offered

    owner_client.post(_url("passes-renewal", world, c.pk), {"name": c.name, "closes": ""})
    assert _held().count() == 0
    closes = timezone.now() + datetime.timedelta(days=3)
    owner_client.post(
        _url("passes-renewal", world, c.pk), {"name": c.name, "closes": _typed(world, closes)}
    )

    assert _held().count() == 2
    assert check_integrity()[1] == []


def test_moving_the_window_end_holds_nothing_for_a_pass_cancelled_meanwhile(
    owner_client, world, offered
):
    c, old, _product = offered
    Pass.objects.filter(pk=old.pk).update(status=Pass.Status.CANCELLED)  # its order refunded
    renewals.withdraw(old)
    assert _held().count() == 0

    owner_client.post(_url("passes-renewal", world, c.pk), {"name": c.name, "closes": ""})
    closes = timezone.now() + datetime.timedelta(days=20)
    owner_client.post(
        _url("passes-renewal", world, c.pk), {"name": c.name, "closes": _typed(world, closes)}
    )

    assert _held().count() == 0  # the seats stay on sale: that pass can no longer renew


def test_a_window_ending_in_the_past_is_refused_on_its_field(owner_client, world, offered):
    c, _old, _product = offered
    past = timezone.now() - datetime.timedelta(days=1)

    response = owner_client.post(
        _url("passes-renewal", world, c.pk), {"name": "Renamed", "closes": _typed(world, past)}
    )

    assert response.status_code == 422
    assert response.context["form"].errors["closes"] == ["The window must close in the future."]
    c.refresh_from_db()
    assert c.name == "Renew 27"
    assert _held().count() == 2


def test_deleting_a_campaign_withdraws_its_offers_and_frees_the_seats(owner_client, world, offered):
    c, old, _product = offered
    page = owner_client.get(_url("passes-renewal", world, c.pk)).content.decode()
    assert "Delete this campaign? Its offer to 1 holder is withdrawn" in page

    response = owner_client.post(_url("passes-renewal-delete", world, c.pk), follow=True)

    assert response.redirect_chain[-1][0] == _url("passes-renewals", world)
    assert "The renewal campaign was deleted" in response.content.decode()
    assert not RenewalCampaign.objects.filter(pk=c.pk).exists()
    assert _held().count() == 0
    assert renewals.renewal_for(world.organizer, old.plain_code) is None
    assert AuditLogEntry.objects.filter(action="renewal_campaign.deleted").count() == 1
    assert check_integrity()[1] == []


def test_a_campaign_a_pass_was_renewed_through_is_not_deleted(owner_client, world, offered):
    c, old, product = offered
    renewals.renew(
        renewals.renewal_for(world.organizer, old.plain_code),
        rate=product.product.rates.get(),
        buyer=BUYER,
        paid=True,
        provider="cash",
    )
    page = owner_client.get(_url("passes-renewal", world, c.pk)).content.decode()
    assert _url("passes-renewal-delete", world, c.pk) not in page
    assert "it cannot be deleted" in page
    entries = AuditLogEntry.objects.count()

    response = owner_client.post(_url("passes-renewal-delete", world, c.pk), follow=True)

    assert "Passes were already renewed through this campaign" in response.content.decode()
    assert RenewalCampaign.objects.filter(pk=c.pk).count() == 1
    assert c.renewals.count() == 1
    assert AuditLogEntry.objects.count() == entries


def test_read_only_members_see_the_campaign_but_no_form_and_cannot_change_it(
    world, organizer, offered
):
    c, _old, _product = offered
    reader = Client()
    reader.force_login(member(organizer, Role.READ_ONLY, email="reader@example.org"))

    page = reader.get(_url("passes-renewal", world, c.pk))
    html = page.content.decode()
    edited = reader.post(_url("passes-renewal", world, c.pk), {"name": "Mine", "closes": ""})
    deleted = reader.post(_url("passes-renewal-delete", world, c.pk))

    assert page.status_code == 200
    assert "Edit the campaign" not in html and "Delete the campaign" not in html
    assert 'method="post"' not in html.split("<main", 1)[1].split("</main>", 1)[0]
    assert (edited.status_code, deleted.status_code) == (403, 403)
    c.refresh_from_db()
    assert c.name == "Renew 27"
    assert _held().count() == 2
    assert not AuditLogEntry.objects.filter(
        Q(action="renewal_campaign.updated") | Q(action="renewal_campaign.deleted")
    ).exists()


def test_a_renewal_whose_campaign_was_deleted_meanwhile_is_refused(world, actor, offered):
    c, old, product = offered
    renewal = renewals.renewal_for(world.organizer, old.plain_code)  # the holder's page
    renewals.delete_campaign(c, actor=actor)

    with pytest.raises(PassError) as exc:
        renewals.renew(renewal, rate=product.product.rates.get(), buyer=BUYER, provider="cash")

    assert exc.value.code == "window_closed"
    assert _held().count() == 0
