"""The passes area's part of `rideau demo` (found by the demo command in each app's `demo`
module): a season over *Cyrano* and the festival with an automatic and a choice pass,
passes sold with seats, an open renewal campaign into next season, one ticket on resale.
Idempotent: a second run finds the season and adds nothing."""

import datetime
from decimal import Decimal

from django.utils import timezone

from rideau.core.access import Actor
from rideau.core.models import Organizer, User
from rideau.messaging.models import OutboxMessage
from rideau.orders.services import Buyer

from . import renewals, resale, services
from .models import PassProduct, Season

SEASON = "Saison 2026–27"
HOLDERS = [
    ("Camille", "Moreau", "camille.moreau@example.net"),
    ("Louis", "Garnier", "louis.garnier@example.net"),
    ("Inès", "Benali", "ines.benali@example.net"),
]


def load(organizer: Organizer, *, owner: User, **_context) -> None:
    if Season.objects.filter(organizer=organizer, name=SEASON).exists():
        return
    actor = Actor(user=owner)
    today = timezone.localdate()
    events = {e.slug: e for e in organizer.events.all()}
    festival = [events[s] for s in sorted(events) if s.startswith("festival-")]
    cyrano = events["cyrano"]
    season = services.create_season(
        organizer,
        actor=actor,
        name=SEASON,
        starts=today,
        ends=today + datetime.timedelta(days=300),
        events=[cyrano, *festival],
    )
    automatic = services.create_pass_product(
        organizer,
        actor=actor,
        data=services.PassProductInput(
            name="Abonnement Festival",
            season=season,
            events=festival,
            size=200,
            rates=[
                services.RateInput(name="Plein tarif", price=Decimal("90.00")),
                services.RateInput(name="Moins de 26 ans", price=Decimal("60.00")),
            ],
            holder_fields=["civility", "last_name", "first_name", "email", "mobile", "photo"],
            resale_methods=["donate", "transfer", "credit"],
            card_format=PassProduct.Format.PVC,
            card_elements=["photo", "name", "pass_name", "season", "qr"],
        ),
    )
    choice = services.create_pass_product(
        organizer,
        actor=actor,
        data=services.PassProductInput(
            name="Pass 2 spectacles",
            season=season,
            events=[cyrano, *festival],
            size=200,
            mode=PassProduct.Mode.CHOICE,
            choices=2,
            rates=[services.RateInput(name="Plein tarif", price=Decimal("50.00"))],
            resale_methods=["credit", "transfer"],
            extra_tickets=True,
        ),
    )
    first_mail = OutboxMessage.objects.order_by("-id").values_list("id", flat=True).first() or 0
    auto_rate = automatic.product.rates.order_by("position", "pk")[0]
    for first, last, email in HOLDERS[:2]:
        services.sell_pass(
            organizer,
            rate=auto_rate,
            holder=services.HolderInput(first_name=first, last_name=last, email=email),
            buyer=Buyer(email=email, name=f"{first} {last}", locale="fr"),
            provider="cash",
            paid=True,
            actor=actor,
        )
    first, last, email = HOLDERS[2]
    picked = services.sell_pass(
        organizer,
        rate=choice.product.rates.get(),
        holder=services.HolderInput(first_name=first, last_name=last),
        buyer=Buyer(email=email, name=f"{first} {last}", locale="fr"),
        provider="cash",
        paid=True,
        actor=actor,
    )
    cyrano_date = services.dates_on_sale([cyrano], timezone.now())[0]
    festival_date = services.dates_on_sale(festival[:1], timezone.now())[0]
    services.add_choices(picked, dates=[cyrano_date, festival_date], actor=actor)
    on_resale = picked.tickets.get(date=festival_date)
    resale.list_tickets(picked, tickets=[on_resale], method="credit", actor=actor)
    # next season: the renewal campaign is open, its passes to be announced
    next_season = services.create_season(
        organizer,
        actor=actor,
        name="Saison 2027–28",
        starts=today + datetime.timedelta(days=301),
        ends=today + datetime.timedelta(days=650),
    )
    renewed_into = services.create_pass_product(
        organizer,
        actor=actor,
        data=services.PassProductInput(
            name="Abonnement Festival 2027–28",
            season=next_season,
            size=200,
            rates=[services.RateInput(name="Plein tarif", price=Decimal("95.00"))],
        ),
    )
    renewals.create_campaign(
        organizer,
        actor=actor,
        name="Réabonnement 2027–28",
        from_product=automatic,
        to_products=[renewed_into],
        closes=timezone.now() + datetime.timedelta(days=60),
    )
    # the holders are fictitious: no e-mails
    OutboxMessage.objects.filter(id__gt=first_mail, to__icontains="@example.net").delete()
