"""The box office's Pass tab through the test client: a pass with its holder into the cart,
its events chosen in the cart, paid with the rest; passes found and managed; bad input
answered on the form."""

from decimal import Decimal

import pytest

from rideau.boxoffice.models import Movement
from rideau.orders.models import Order
from rideau.passes.models import Pass
from tests.passes.conftest import make_world

from .conftest import url

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(organizer, actor):
    return make_world(organizer, actor, seated=False)


def test_sell_a_choice_pass_then_add_a_ticket_then_reprint(till, organizer, world, show):
    date, rate = show
    till.post(url(organizer, "pos-shift-open"), {"opening_float": "0"})
    tab = till.get(url(organizer, "pos-passes"))
    assert tab.status_code == 200 and "Pick 2" in tab.content.decode()
    form = till.get(url(organizer, "pos-passes"), {"product": world.choice.pk}).content.decode()
    assert 'name="last_name"' in form and 'name="dates"' in form and 'name="photo"' not in form

    added = till.post(
        url(organizer, "pos-cart-pass"),
        {
            "product": world.choice.pk,
            "rate": world.choice_rate.pk,
            "last_name": "Lopez",
            "first_name": "Ana",
            "dates": [world.dates[0].pk],
        },
    )
    assert added.status_code == 302
    till.post(url(organizer, "pos-cart-places"), {"rate": rate.pk, "date": date.pk, "delta": "1"})
    cart = till.get(url(organizer, "pos-cart")).content.decode()
    assert "Pick 2" in cart and "Ana Lopez" in cart and "60.00 EUR" in cart
    till.post(url(organizer, "pos-cart-pass"), {"index": "0", "dates": [world.dates[1].pk]})

    done = till.post(url(organizer, "pos-sell"), {"cash_given": "100"}, follow=True)

    order = Order.objects.get()
    assert (order.total, order.channel) == (Decimal("60"), "box_office")
    p = Pass.objects.get()
    assert list(p.tickets.values_list("date_id", flat=True)) == [world.dates[1].pk]
    page = done.content.decode()
    assert "40.00 EUR" in page and 'data-testid="pass-code"' in page  # change, code shown once
    assert (
        'data-testid="pass-code"'
        not in till.get(url(organizer, "pos-order", order.pk)).content.decode()
    )
    assert Movement.objects.get().amount == Decimal("60")

    for q in ("lopez", p.secret):
        found = till.get(url(organizer, "pos-passes"), {"q": q}).content.decode()
        assert url(organizer, "pos-pass", p.pk) in found
    by_card = till.get(url(organizer, "pos-orders"), {"q": p.secret}).content.decode()
    assert url(organizer, "pos-order", order.pk) in by_card  # the pass card's QR finds its order
    assert (
        "Add tickets (1 event left)" in till.get(url(organizer, "pos-pass", p.pk)).content.decode()
    )
    added = till.post(url(organizer, "pos-pass-tickets", p.pk), {"dates": [world.dates[2].pk]})
    assert added.status_code == 302 and p.tickets.count() == 2
    again = till.post(url(organizer, "pos-pass-tickets", p.pk), {"dates": [world.dates[0].pk]})
    assert again.status_code == 422 and p.tickets.count() == 2
    for card_format in ("paper", "pvc"):
        pdf = till.get(url(organizer, "pos-pass-card", p.pk), {"format": card_format})
        assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")


def test_bad_holder_input_is_answered_on_the_form(till, organizer, world):
    bad = till.post(
        url(organizer, "pos-cart-pass"),
        {"product": world.automatic.pk, "rate": world.auto_rate.pk, "first_name": "Ana"},
    )
    assert bad.status_code == 422 and "This field is required." in bad.content.decode()
    too_many = till.post(
        url(organizer, "pos-cart-pass"),
        {
            "product": world.choice.pk,
            "rate": world.choice_rate.pk,
            "last_name": "Lopez",
            "first_name": "Ana",
            "dates": [d.pk for d in world.dates],
        },
    )
    assert too_many.status_code == 422 and "2 more event(s) only" in too_many.content.decode()
    unknown = till.post(url(organizer, "pos-cart-pass"), {"product": "999999"})
    assert unknown.status_code == 302
    assert till.get(url(organizer, "pos-cart")).context["cart_count"] == 0
