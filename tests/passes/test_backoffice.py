"""The back office of passes: lists, search, pages, forms (field errors), exports."""

import csv
import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from rideau.core import jobs
from rideau.orders.services import Buyer
from rideau.passes import services
from rideau.passes.models import Pass, PassProduct, RenewalCampaign, Season

pytestmark = pytest.mark.django_db


@pytest.fixture
def sold(world):
    return services.sell_pass(
        world.organizer,
        rate=world.auto_rate,
        holder=services.HolderInput(last_name="=cmd|calc", first_name="Ana"),
        buyer=Buyer(email="ana@example.net"),
        paid=True,
        provider="cash",
    )


def url(name, world, *args):
    return reverse(f"web:{name}", args=[world.organizer.slug, *args])


def test_every_page_answers(owner_client, world, sold):
    pages = [
        url("passes-admin", world),
        url("passes-pass", world, sold.pk),
        url("passes-seasons", world),
        url("passes-season", world, world.season.pk),
        url("passes-products", world),
        url("passes-product", world, world.automatic.pk),
        url("passes-renewals", world),
        url("passes-payouts", world),
    ]
    for page in pages:
        assert owner_client.get(page).status_code == 200, page


def test_search_by_holder_and_by_code(owner_client, world, sold):
    by_name = owner_client.get(url("passes-admin", world), {"q": "Ana"})
    by_code = owner_client.get(url("passes-admin", world), {"q": sold.plain_code})
    nothing = owner_client.get(url("passes-admin", world), {"q": "Nobody"})

    assert list(by_name.context["page_obj"]) == [sold]
    assert list(by_code.context["page_obj"]) == [sold]
    assert list(nothing.context["page_obj"]) == []


def test_the_export_is_safe_against_formulas(owner_client, world, sold):
    response = owner_client.get(url("passes-export", world))

    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[1][3] == "'=cmd|calc"


def test_the_pass_credit_is_a_credit_in_french_not_an_overpayment(owner_client, world, sold):
    pages = [url("passes-admin", world), url("passes-pass", world, sold.pk)]

    for page in pages:
        html = owner_client.get(page, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
        assert "Crédit" in html, page
        assert "Trop-perçu" not in html, page
    export = owner_client.get(url("passes-export", world), HTTP_ACCEPT_LANGUAGE="fr")
    assert "Crédit" in export.content.decode().splitlines()[0]


def test_a_season_and_a_pass_product_are_created_from_the_forms(owner_client, world):
    response = owner_client.post(
        url("passes-seasons", world),
        {"name": "2028", "starts": "2028-09-01", "ends": "2028-06-30"},
    )
    assert response.status_code == 422
    assert Season.objects.filter(name="2028").count() == 0
    owner_client.post(
        url("passes-seasons", world), {"name": "2028", "starts": "2028-09-01", "ends": "2029-06-30"}
    )
    season = Season.objects.get(name="2028")

    response = owner_client.post(
        url("passes-products", world),
        {
            "name": "Discovery",
            "season": season.pk,
            "mode": "choice",
            "choices": 2,
            "events": [e.pk for e in world.events],
            "rate_name": "Full",
            "price": "45.00",
            "size": 50,
            "holder_fields": ["last_name", "first_name"],
            "resale_methods": ["credit"],
            "card_format": "pvc",
            "card_orientation": "vertical",
            "card_elements": ["qr"],
        },
    )

    assert response.status_code == 302
    product = PassProduct.objects.get(product__name__en="Discovery")
    assert (product.mode, product.choices, product.card_orientation) == ("choice", 2, "vertical")


def test_a_renewal_campaign_is_created_and_tracked_both_ways(owner_client, world, organizer, actor):
    next_season = services.create_season(
        organizer,
        actor=actor,
        name="Next",
        starts=world.season.ends,
        ends=world.season.ends + datetime.timedelta(days=100),
    )
    target = services.create_pass_product(
        organizer,
        actor=actor,
        data=services.PassProductInput(
            name="Next pass",
            season=next_season,
            events=world.events[:1],
            rates=[services.RateInput(name="Full", price=10)],
        ),
    )
    closes = (timezone.now() + datetime.timedelta(days=10)).strftime("%Y-%m-%dT%H:%M")
    response = owner_client.post(
        url("passes-renewals", world),
        {
            "name": "Renew",
            "from_product": world.automatic.pk,
            "to_products": [target.pk],
            "closes": closes,
        },
    )
    assert response.status_code == 302
    campaign = RenewalCampaign.objects.get()

    into = owner_client.get(url("passes-season", world, next_season.pk))
    from_here = owner_client.get(url("passes-season", world, world.season.pk))
    assert list(into.context["into"]) == [campaign]
    assert list(from_here.context["from_here"]) == [campaign]
    assert list(from_here.context["into"]) == []


def test_update_the_passes_shows_the_count_and_runs(owner_client, world, sold, organizer):
    from tests.factories import EventDateFactory, EventFactory, QuotaFactory

    event = EventFactory(organizer=organizer)
    QuotaFactory(
        date=EventDateFactory(
            event=event, start=world.dates[-1].start + datetime.timedelta(days=2)
        ),
        size=5,
    )
    world.automatic.events.add(event)
    page = owner_client.get(url("passes-product", world, world.automatic.pk))
    assert page.context["to_update"] == 1

    response = owner_client.post(url("passes-product-update", world, world.automatic.pk))

    assert response.status_code == 302
    progress = owner_client.get(response["Location"])
    assert progress.status_code == 200

    # a kind of core.jobs: the worker's one task runs it, its page shows what it did
    job = progress.context["job"]
    jobs.run_job.call(job.pk)
    done = owner_client.get(response["Location"], headers={"HX-Request": "true"})
    assert "1 of 1 passes · 1 updated, 0 without a place left" in done.content.decode()
    page = owner_client.get(url("passes-product", world, world.automatic.pk))
    assert page.context["last_update"] == job
    assert response["Location"] in page.content.decode()
    _ = Pass


def test_the_passes_list_queries_do_not_grow_with_passes(owner_client, world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries_for_list() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert owner_client.get(url("passes-admin", world)).status_code == 200
        return len(ctx.captured_queries)

    services.sell_pass(
        world.organizer,
        rate=world.auto_rate,
        holder=services.HolderInput(last_name="One", first_name="A"),
        buyer=Buyer(email="one@example.net"),
        paid=True,
        provider="cash",
    )
    one = queries_for_list()
    for name in ("Two", "Three"):
        services.sell_pass(
            world.organizer,
            rate=world.auto_rate,
            holder=services.HolderInput(last_name=name, first_name="A"),
            buyer=Buyer(email=f"{name}@example.net"),
            paid=True,
            provider="cash",
        )
    assert queries_for_list() == one


def test_read_only_members_see_no_form_they_cannot_use(owner_client, world, sold, organizer):
    """Each ended on "access denied": the season, pass and campaign forms, the pass update
    and "Mark as paid out"."""
    from django.test import Client

    from rideau.core.roles import Role
    from rideau.passes.models import Resale
    from tests.factories import member

    ticket = sold.tickets.order_by("date__start").first()
    Resale.objects.create(
        organizer=organizer,
        ticket=ticket,
        method="transfer",
        iban="FR7630006000011234567890189",
        account_holder="Ana Lopez",
        state=Resale.State.SOLD,
        amount=30,
    )
    reader = Client()
    reader.force_login(member(organizer, Role.READ_ONLY, email="reader@example.org"))
    pages = {
        "passes-seasons": "New season",
        "passes-products": "New pass<",
        "passes-renewals": "New renewal campaign",
        "passes-payouts": "Mark as paid out",
    }
    for name, action in pages.items():
        read = reader.get(url(name, world)).content.decode()
        owned = owner_client.get(url(name, world)).content.decode()
        assert action not in read, name
        assert action in owned, name
    product = reader.get(url("passes-product", world, world.automatic.pk)).content.decode()
    assert 'enctype="multipart/form-data"' not in product
