"""The public shop through the Django test client: cart, checkout, payment, order page."""

import datetime
from decimal import Decimal

import pytest
from django.conf import settings
from django.utils import timezone

from rideau.core.models import AuditLogEntry
from rideau.inventory.models import Hold
from rideau.messaging.models import OutboxMessage
from rideau.orders.models import Order, Payment, Position
from rideau.web.shop.views import CARTS_KEY

pytestmark = pytest.mark.django_db


def qty(shop, date, rate) -> str:
    return f"q-{date.pk}-{rate.pk}"


def taken(quota) -> int:
    quota.refresh_from_db()
    return quota.taken


def add(client, shop, date=None, rate=None, n=2, **extra):
    date = date or shop.dates[0]
    rate = rate or shop.full
    return client.post(shop.url(), {qty(shop, date, rate): str(n), **extra})


def checkout_data(n=2, **overrides):
    data = {"email": "ada@example.net", "name": "Ada Lovelace", "provider": "demo_card"}
    for i in range(n):
        data[f"a{i}-name"] = f"Guest {i + 1}"
    data.update(overrides)
    return data


def test_several_dates_ask_for_a_date_first_with_availability(client, shop):
    shop.quotas[1].size = 0
    shop.quotas[1].save()

    response = client.get(shop.url())

    assert response.status_code == 200
    text = response.content.decode()
    assert 'type="number"' not in text  # no quantities before a date is chosen
    assert [
        (g["date"], g["status"], g["left"]) for m in response.context["months"] for g in m["dates"]
    ] == [
        (shop.dates[0], "few", 3),
        (shop.dates[1], "sold-out", 0),
    ]
    assert shop.dates[0].start.strftime("%B %Y") in text
    assert text.count(f'href="?date={shop.dates[0].pk}"') == 1
    assert f'href="?date={shop.dates[1].pk}"' not in text  # sold out: not a link
    assert "Only 3 left" in text
    assert "Sold out" in text
    assert "from 0.00 EUR" in text  # the lowest price still on sale that day


def test_dates_say_not_on_sale_when_the_event_sales_are_closed(client, shop):
    shop.event.sales_end = timezone.now() - datetime.timedelta(hours=1)
    shop.event.save()

    response = client.get(shop.url())

    assert [g["status"] for m in response.context["months"] for g in m["dates"]] == [
        "closed",
        "closed",
    ]
    assert "?date=" not in response.content.decode()


def test_a_date_no_quota_applies_to_is_not_on_sale(client, shop):
    """The same answer as the API's availability and the order (no_quota): not on sale."""
    shop.quotas[1].delete()

    response = client.get(shop.url())

    groups = [g for m in response.context["months"] for g in m["dates"]]
    assert [(g["status"], g["on_sale"]) for g in groups] == [("few", True), ("closed", False)]
    assert f'href="?date={shop.dates[1].pk}"' not in response.content.decode()


def test_a_chosen_date_shows_its_rates_with_steppers(client, shop):
    response = client.get(shop.url() + f"?date={shop.dates[1].pk}")

    assert response.status_code == 200
    text = response.content.decode()
    assert text.count('type="number"') == 2  # the 2 rates of that date only
    assert text.count("3 places left") == 2
    assert f'name="{qty(shop, shop.dates[1], shop.full)}"' in text
    assert f'name="{qty(shop, shop.dates[0], shop.full)}"' not in text
    assert text.count('data-step="1"') == 2
    assert "One more: Reduced" in text

    # the form posts to the same address (with its date) and takes that date's quantities
    posted = client.post(
        shop.url() + f"?date={shop.dates[1].pk}", {qty(shop, shop.dates[1], shop.reduced): "2"}
    )
    assert posted.status_code == 302
    assert taken(shop.quotas[1]) == 2
    assert taken(shop.quotas[0]) == 0


def test_an_unknown_date_asks_for_a_date_again(client, shop):
    response = client.get(shop.url() + "?date=999999")

    assert response.status_code == 200
    assert 'type="number"' not in response.content.decode()
    assert response.templates[0].name == "web/shop/dates.html"


def test_add_to_cart_holds_places_until_the_cart_deadline(client, shop, settings):
    settings.RIDEAU_CART_MINUTES = 10
    before = timezone.now()

    response = add(client, shop, n=2)

    assert response.status_code == 302
    assert response["Location"] == shop.url("cart")
    token = client.session[CARTS_KEY][str(shop.event.pk)]
    holds = list(Hold.objects.filter(owner_ref=f"cart:{token}"))
    assert len(holds) == 2
    assert {h.state for h in holds} == {Hold.State.HELD}
    deadline = holds[0].expires_at
    assert before + datetime.timedelta(minutes=10) <= deadline
    assert deadline <= timezone.now() + datetime.timedelta(minutes=10)
    assert taken(shop.quotas[0]) == 2
    cart = client.get(shop.url("cart"))
    assert cart.status_code == 200
    assert f'data-deadline="{int(deadline.timestamp())}"' in cart.content.decode()
    assert "60.00 EUR" in cart.content.decode()


def test_more_than_left_is_a_field_error_and_takes_nothing(client, shop):
    response = add(client, shop, n=4)

    assert response.status_code == 422
    assert response.context["form"].errors == {
        qty(shop, shop.dates[0], shop.full): ["Only 3 places left."]
    }
    assert taken(shop.quotas[0]) == 0
    assert Hold.objects.count() == 0


def test_sold_out_date_says_so(client, shop):
    shop.quotas[0].size = 0
    shop.quotas[0].save()

    response = add(client, shop, n=1)

    assert response.status_code == 422
    assert response.context["form"].errors == {qty(shop, shop.dates[0], shop.full): ["Sold out."]}
    assert Hold.objects.count() == 0


@pytest.mark.parametrize(
    ("value", "error"),
    [
        ("-1", "Ensure this value is greater than or equal to 0."),
        ("two", "Enter a whole number."),
    ],
)
def test_invalid_quantities_are_field_errors(client, shop, value, error):
    response = client.post(shop.url(), {qty(shop, shop.dates[0], shop.full): value})

    assert response.status_code == 422
    assert response.context["form"].errors == {qty(shop, shop.dates[0], shop.full): [error]}
    assert Hold.objects.count() == 0


def test_nothing_chosen_and_max_per_order(client, shop):
    empty = client.post(shop.url(), {})
    assert empty.context["form"].non_field_errors() == ["Choose at least one ticket."]

    add(client, shop, n=3)
    too_many = add(client, shop, date=shop.dates[1], n=2)

    assert too_many.status_code == 422
    assert too_many.context["form"].non_field_errors() == [
        "At most 4 tickets of “Admission” per order."
    ]
    assert taken(shop.quotas[0]) == 3
    assert taken(shop.quotas[1]) == 0


def test_adding_again_moves_the_whole_cart_deadline(client, shop):
    add(client, shop, n=1)
    first = Hold.objects.get()
    Hold.objects.filter(pk=first.pk).update(
        expires_at=timezone.now() + datetime.timedelta(minutes=1)
    )

    add(client, shop, date=shop.dates[1], n=1)

    deadlines = set(Hold.objects.values_list("expires_at", flat=True))
    assert len(deadlines) == 1
    assert deadlines.pop() > timezone.now() + datetime.timedelta(minutes=14)


def test_remove_line_releases_its_places(client, shop):
    add(client, shop, n=2)
    add(client, shop, rate=shop.reduced, n=1)
    key = f"{shop.dates[0].pk}-{shop.full.pk}"

    response = client.post(shop.url("cart/remove"), {"line": key})

    assert response.status_code == 302
    assert taken(shop.quotas[0]) == 1
    assert Hold.objects.filter(state=Hold.State.RELEASED).count() == 2
    cart = client.get(shop.url("cart"))
    assert [line.rate for line in cart.context["cart"].lines] == [shop.reduced]


def test_an_expired_cart_is_shown_expired_and_a_new_add_starts_a_new_cart(client, shop):
    add(client, shop, n=2)
    old = client.session[CARTS_KEY][str(shop.event.pk)]
    Hold.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))

    cart = client.get(shop.url("cart"))
    assert cart.context["cart"].expired is True
    assert "Your cart expired" in cart.content.decode()

    add(client, shop, n=3)  # the expired places count as free (rule 2)

    new = client.session[CARTS_KEY][str(shop.event.pk)]
    assert new != old
    assert Hold.objects.filter(owner_ref=f"cart:{new}", state=Hold.State.HELD).count() == 3
    assert taken(shop.quotas[0]) == 3


def test_checkout_field_errors_create_nothing(client, shop, question):
    add(client, shop, n=2)
    audit = AuditLogEntry.objects.count()

    response = client.post(
        shop.url("checkout"),
        checkout_data(email="not-an-email", **{"a1-name": "", f"a0-q{question.pk}": "0"}),
    )

    assert response.status_code == 422
    assert response.context["form"].errors == {
        "email": ["Enter a valid email address."],
        "a1-name": ["This field is required."],
        f"a1-q{question.pk}": ["This field is required."],
    }
    assert Order.objects.count() == 0
    assert AuditLogEntry.objects.count() == audit
    assert Hold.objects.filter(state=Hold.State.HELD, owner_ref__startswith="cart:").count() == 2


def test_control_characters_are_field_errors_in_the_buyers_language(client, shop):
    """Issue 10 items 2 and 3: the one input-text rule on the shop's forms."""
    add(client, shop, n=1)

    response = client.post(
        shop.url("checkout"),
        checkout_data(n=1, name="Ada\u000bLovelace", **{"a0-name": "Guest\x00"}),
        HTTP_ACCEPT_LANGUAGE="fr",
    )

    assert response.status_code == 422
    assert response.context["form"].errors == {
        "name": ["Les caractères de contrôle (comme U+000B) ne sont pas autorisés."],
        "a0-name": ["Les caractères nuls ne sont pas autorisés."],
    }
    assert Order.objects.count() == 0


def test_checkout_errors_are_in_the_buyers_language(client, shop):
    add(client, shop, n=1)

    response = client.post(
        shop.url("checkout"), checkout_data(n=1, email="x"), HTTP_ACCEPT_LANGUAGE="fr"
    )

    assert response.context["form"].errors["email"] == ["Saisissez une adresse de courriel valide."]


def test_checkout_hands_the_cart_places_to_the_order(client, shop, question):
    add(client, shop, n=2)
    token = client.session[CARTS_KEY][str(shop.event.pk)]
    cart_holds = sorted(Hold.objects.values_list("pk", flat=True))

    response = client.post(
        shop.url("checkout"),
        checkout_data(
            provider="bank_transfer",
            **{f"a0-q{question.pk}": "1", f"a1-q{question.pk}": "0"},
        ),
    )

    order = Order.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/{shop.organizer.slug}/order/{order.code}/{order.secret}/"
    assert (order.status, order.total, order.email) == (
        Order.Status.PENDING,
        Decimal("60.00"),
        "ada@example.net",
    )
    assert order.idempotency_key == f"cart:{token}"
    positions = list(order.positions.order_by("pk"))
    assert sorted(p.hold_id for p in positions) == cart_holds  # no re-take
    assert [p.attendee_name for p in positions] == ["Guest 1", "Guest 2"]
    assert [p.answers for p in positions] == [
        {str(question.pk): "Vegetarian"},
        {str(question.pk): "None"},
    ]
    assert set(Hold.objects.values_list("owner_ref", flat=True)) == {f"order:{order.pk}"}
    # a transfer takes days: the places are held for RIDEAU_BANK_TRANSFER_DAYS, not minutes
    deadline = order.created + datetime.timedelta(days=settings.RIDEAU_BANK_TRANSFER_DAYS)
    assert order.expires_at == deadline
    assert set(Hold.objects.values_list("expires_at", flat=True)) == {deadline}
    assert taken(shop.quotas[0]) == 2
    page = client.get(response["Location"])
    assert "RF" in page.context["instructions"]
    assert "Pending payment" in page.content.decode()


def test_double_submit_returns_the_same_order(client, shop):
    add(client, shop, n=2)

    first = client.post(shop.url("checkout"), checkout_data(provider="bank_transfer"))
    second = client.post(shop.url("checkout"), checkout_data(provider="bank_transfer"))

    assert Order.objects.count() == 1
    order = Order.objects.get()
    assert (
        first["Location"]
        == second["Location"]
        == (f"/{shop.organizer.slug}/order/{order.code}/{order.secret}/")
    )
    assert Position.objects.count() == 2
    assert taken(shop.quotas[0]) == 2


def test_an_expired_cart_is_taken_again_at_checkout(client, shop):
    add(client, shop, n=2)
    Hold.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))

    response = client.post(shop.url("checkout"), checkout_data(provider="bank_transfer"))

    assert response.status_code == 302
    order = Order.objects.get()
    assert order.positions.count() == 2
    assert taken(shop.quotas[0]) == 2  # the 2 expired places reclaimed, 2 taken anew
    assert Hold.objects.filter(owner_ref=f"order:{order.pk}", state=Hold.State.HELD).count() == 2


def test_an_expired_cart_whose_places_are_gone_says_sold_out(client, shop):
    add(client, shop, n=2)
    Hold.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    other = type(client)()
    add(other, shop, n=3)

    response = client.post(shop.url("checkout"), checkout_data(provider="bank_transfer"))

    assert response.status_code == 422
    assert response.context["form"].non_field_errors() == ["Not enough places left for “Hall 0”."]
    assert Order.objects.count() == 0
    assert taken(shop.quotas[0]) == 3


def test_free_order_is_confirmed_at_once(client, shop):
    add(client, shop, rate=shop.reduced, n=1)

    response = client.post(shop.url("checkout"), checkout_data(n=1, provider="free"))

    order = Order.objects.get()
    assert order.status == Order.Status.PAID
    assert response["Location"] == f"/{shop.organizer.slug}/order/{order.code}/{order.secret}/"
    assert list(Hold.objects.values_list("state", flat=True)) == [Hold.State.CONFIRMED]


def test_demo_card_pays_the_order(client, shop):
    add(client, shop, n=2)
    response = client.post(shop.url("checkout"), checkout_data())
    order = Order.objects.get()
    assert response["Location"] == f"/shop/pay/demo/{order.secret}/"

    wrong = client.post(response["Location"], {"number": "4000 0000 0000 0002"})
    assert wrong.status_code == 422
    assert wrong.context["form"].errors == {
        "number": ["This demo only accepts the test card number 4242 4242 4242 4242."]
    }
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING

    paid = client.post(response["Location"], {"number": "4242 4242 4242 4242"})

    order.refresh_from_db()
    assert paid["Location"] == f"/{shop.organizer.slug}/order/{order.code}/{order.secret}/"
    assert order.status == Order.Status.PAID
    assert Payment.objects.get().provider == "demo_card"
    assert set(Hold.objects.values_list("state", flat=True)) == {Hold.State.CONFIRMED}
    assert OutboxMessage.objects.filter(subject=f"Your tickets, order {order.code}").count() == 1


def test_wrong_order_secret_is_404(client, shop):
    add(client, shop, n=1)
    client.post(shop.url("checkout"), checkout_data(n=1, provider="bank_transfer"))
    order = Order.objects.get()
    base = f"/{shop.organizer.slug}/order/{order.code}"

    assert client.get(f"{base}/{order.secret}/").status_code == 200
    assert client.get(f"{base}/{order.secret[:-1]}x/").status_code == 404
    assert client.get(f"{base}/{order.secret[:-1]}x/tickets.pdf").status_code == 404
    assert client.get(f"/other-org/order/{order.code}/{order.secret}/").status_code == 404


def test_tickets_pdf_only_when_paid(client, shop):
    add(client, shop, n=2)
    client.post(shop.url("checkout"), checkout_data())
    order = Order.objects.get()
    pdf_url = f"/{shop.organizer.slug}/order/{order.code}/{order.secret}/tickets.pdf"

    assert client.get(pdf_url).status_code == 404

    client.post(f"/shop/pay/demo/{order.secret}/", {"number": "4242424242424242"})
    response = client.get(pdf_url)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_draft_and_private_events_are_hidden(client, shop):
    shop.event.visibility = "draft"
    shop.event.save()
    assert client.get(shop.url()).status_code == 404

    shop.event.visibility = "private"
    shop.event.save()
    assert client.get(shop.url()).status_code == 404
    assert client.get(shop.url() + f"?token={shop.event.private_token}").status_code == 200
    assert client.get(shop.url("cart")).status_code == 200  # the link was opened


def test_stripe_webhook_refuses_a_bad_signature(client, settings):
    settings.STRIPE_WEBHOOK_SECRET = "whsec_test"

    response = client.post(
        "/shop/webhooks/stripe/", b"{}", content_type="application/json", HTTP_STRIPE_SIGNATURE="x"
    )

    assert response.status_code == 400
    assert response.content == b"bad_signature"


@pytest.fixture
def seated(shop):
    from tests.inventory.conftest import seated_plan

    plan = seated_plan(shop.organizer, {"A": 2, "B": 3})
    date = shop.dates[0]
    date.location = plan.location
    date.save()
    shop.quotas[0].size = 10
    shop.quotas[0].save()
    return plan


def test_a_seated_date_takes_the_best_seats_together(client, shop, seated):
    add(client, shop, n=3)

    [hold] = Hold.objects.all()
    assert hold.quantity == 3
    cart = client.get(shop.url("cart")).context["cart"]
    assert [line.seats for line in cart.lines] == [
        ["Row B, seat 1", "Row B, seat 2", "Row B, seat 3"]
    ]

    client.post(shop.url("checkout"), checkout_data(n=3, provider="bank_transfer"))

    order = Order.objects.get()
    assert [p.hold_id for p in order.positions.all()] == [hold.pk] * 3


def test_not_enough_seats_is_a_clear_error_and_takes_nothing(client, shop, seated):
    add(client, shop, n=3)
    other = type(client)()

    response = add(other, shop, n=3)

    assert response.status_code == 422
    assert response.context["form"].non_field_errors() == ["There are not enough free seats left."]
    assert Hold.objects.count() == 1
    assert taken(shop.quotas[0]) == 3


@pytest.mark.parametrize(
    ("kind", "value", "stored", "error"),
    [
        ("number", "12.5", "12.5", None),
        ("number", "many", None, "Enter a number."),
        ("date", "2031-02-03", "2031-02-03", None),
        ("date", "3 Feb", None, "Enter a valid date."),
        ("boolean", "on", True, None),
        ("text", "x" * 1001, None, "Ensure this value has at most 1000 characters (it has 1001)."),
    ],
)
def test_question_kinds_are_validated_and_stored(client, shop, kind, value, stored, error):
    from rideau.catalog.models import Question

    q = Question.objects.create(product=shop.product, label={"en": "Q"}, kind=kind)
    add(client, shop, n=1)

    response = client.post(
        shop.url("checkout"),
        checkout_data(n=1, provider="bank_transfer", **{f"a0-q{q.pk}": value}),
    )

    if error:
        assert response.context["form"].errors == {f"a0-q{q.pk}": [error]}
        assert Order.objects.count() == 0
    else:
        assert Order.objects.get().positions.get().answers == {str(q.pk): stored}


def test_an_optional_question_left_empty_stores_no_answer(client, shop):
    from rideau.catalog.models import Question

    Question.objects.create(product=shop.product, label={"en": "Company"}, required=False)
    add(client, shop, n=1)

    client.post(shop.url("checkout"), checkout_data(n=1, provider="bank_transfer"))

    assert Order.objects.get().positions.get().answers == {}


@pytest.mark.parametrize("extra_dates", [0, 2])
def test_ticket_page_queries_do_not_grow_with_dates(
    client, shop, extra_dates, django_assert_num_queries
):
    from tests.factories import EventDateFactory, QuotaFactory

    for i in range(extra_dates):
        date = EventDateFactory(
            event=shop.event, start=timezone.now() + datetime.timedelta(days=70 + i)
        )
        QuotaFactory(date=date, size=3)
    client.get(shop.url())  # the session exists from here on

    with django_assert_num_queries(4):  # products and rates are one query (orders.sellable)
        response = client.get(shop.url())
    assert response.content.decode().count("?date=") == 2 + extra_dates

    with django_assert_num_queries(4):  # the chosen date's rates and places: orders.sellable
        response = client.get(shop.url() + f"?date={shop.dates[0].pk}")
    assert response.content.decode().count('type="number"') == 2


def test_adding_to_carts_is_rate_limited_per_client(client, shop, settings, monkeypatch):
    settings.RIDEAU_SHOP_ORDER_RATE = (2, 60)
    monkeypatch.setattr("rideau.web.shop.views._clock", lambda: 6000.0)  # one fixed window
    add(client, shop, n=1)
    add(client, shop, n=1)

    third = add(client, shop, n=1)

    assert third.status_code == 422
    assert third.context["form"].non_field_errors() == [
        "Too many attempts; please try again in a minute."
    ]
    assert taken(shop.quotas[0]) == 2


def test_checkout_without_a_cart_goes_back_to_the_tickets(client, shop):
    response = client.get(shop.url("checkout"))

    assert response.status_code == 302
    assert response["Location"] == shop.url()


def test_stripe_return_without_a_session_goes_to_the_order_page(client, shop):
    add(client, shop, n=1)
    client.post(shop.url("checkout"), checkout_data(n=1, provider="bank_transfer"))
    order = Order.objects.get()
    page = f"/{shop.organizer.slug}/order/{order.code}/{order.secret}/"

    response = client.get(page + "stripe/return/")

    assert response["Location"] == page
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING


def test_the_shop_speaks_french(client, shop):
    dates = client.get(shop.url(), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Choisissez une date" in dates
    assert dates.count("Plus que 3") == 2

    response = client.get(shop.url() + f"?date={shop.dates[0].pk}", HTTP_ACCEPT_LANGUAGE="fr")

    text = response.content.decode()
    assert "Ajouter au panier" in text
    assert text.count("3 places restantes") == 2
    assert "Réduit" in text
    assert "Changer de date" in text
