"""Demo data of the box office: the cashier's closed shift with ticket sales, a gift voucher
sold for cash and then partly spent, and a choice pass sold with its first event (called by
`rideau demo`, which finds this module by name; safe to run again)."""

import secrets
from decimal import Decimal

from django.utils import timezone

from rideau.catalog.models import Product, Rate
from rideau.core.access import Actor
from rideau.core.models import Organizer, User
from rideau.events.models import EventDate
from rideau.messaging.models import OutboxMessage
from rideau.orders.services import Buyer
from rideau.passes import demo as passes_demo
from rideau.passes import services as passes
from rideau.passes.models import PassProduct

from . import services
from .models import CashSession
from .reports import report_for

CASHIER = "guichet@rideau.localhost"
DEVICE = "demo-tablet"
# one of the demo's contacts buys at the counter (an anonymous sale would make the
# organiser's own address a contact)
BUYER = Buyer(email="chloe.moreau@example.org", name="Chloé Moreau", locale="fr")


def load(organizer: Organizer, **context) -> None:
    if CashSession.objects.filter(organizer=organizer, device=DEVICE).exists():
        return
    # the passes' demo first (it runs once): the shift sells one of its passes
    if "owner" in context:
        passes_demo.load(organizer, **context)
    user = User.objects.filter(email=CASHIER).first()
    now = timezone.now()
    date = (
        EventDate.objects.filter(event__organizer=organizer, start__gt=now, is_cancelled=False)
        .filter(event__products__kind=Product.Kind.TICKET)
        .order_by("start")
        .first()
    )
    gift = Rate.objects.filter(
        product__organizer=organizer, product__kind=Product.Kind.GIFT_VOUCHER, price=50
    ).first()
    if user is None or date is None or gift is None:
        return
    rate = (
        Rate.objects.filter(
            product__event=date.event, product__kind=Product.Kind.TICKET, price__gt=0
        )
        .order_by("position", "pk")
        .first()
    )
    if rate is None:
        return
    actor = Actor(user=user)
    first_mail = OutboxMessage.objects.order_by("-id").values_list("id", flat=True).first() or 0
    first_cart, second_cart = secrets.token_urlsafe(8), secrets.token_urlsafe(8)
    shift = services.open_session(
        organizer, actor=actor, device=DEVICE, opening_float=Decimal("150")
    )
    services.add_places(organizer, token=first_cart, rate=rate, date=date, quantity=2, actor=actor)
    total = rate.price * 2 + gift.price
    first = services.sell(
        shift,
        token=first_cart,
        gifts=[services.GiftLine(rate=gift)],
        buyer=BUYER,
        tenders=[services.Tender(method="cash", amount=total, given=(total // 10 + 1) * 10)],
        actor=actor,
    )
    voucher = first.vouchers[0]
    services.add_places(organizer, token=second_cart, rate=rate, date=date, quantity=1, actor=actor)
    services.sell(
        shift,
        token=second_cart,
        buyer=BUYER,
        tenders=[
            services.Tender(
                method="gift_voucher", amount=min(rate.price, Decimal("30")), code=voucher.code
            )
        ]
        + (
            [services.Tender(method="card_present", amount=rate.price - Decimal("30"))]
            if rate.price > 30
            else []
        ),
        actor=actor,
    )
    _sell_a_pass(shift, actor)
    services.close_session(shift, counted_cash=report_for(shift).expected_cash, actor=actor)
    # the demo's buyer is nobody's real address: its tickets and cards are not e-mailed
    OutboxMessage.objects.filter(
        organizer=organizer, id__gt=first_mail, to__icontains=BUYER.email
    ).delete()


def _sell_a_pass(shift: CashSession, actor: Actor) -> None:
    """A choice pass with its first event, sold at the counter and paid by card."""
    pass_product = (
        PassProduct.objects.filter(organizer=shift.organizer, mode=PassProduct.Mode.CHOICE)
        .select_related("product")
        .first()
    )
    rate = pass_product.product.rates.order_by("position", "pk").first() if pass_product else None
    if pass_product is None or rate is None:
        return
    dates = passes.dates_on_sale(pass_product.events.all(), timezone.now())[:1]
    line = services.PassLine(
        rate=rate,
        holder=passes.HolderInput(first_name="Chloé", last_name="Moreau", email=BUYER.email),
        dates=dates,
    )
    services.sell(
        shift,
        token=secrets.token_urlsafe(8),
        pass_lines=[line],
        buyer=BUYER,
        tenders=[services.Tender(method="card_present", amount=rate.price)],
        actor=actor,
    )
