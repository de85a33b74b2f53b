"""Back-office order changes: add tickets, remove one, answers, the balance (via the services)."""

from decimal import Decimal

import pytest

from rideau.catalog.models import Question
from rideau.core.models import AuditLogEntry
from rideau.core.roles import Role
from rideau.inventory.models import Quota
from rideau.inventory.queries import check_integrity
from rideau.messaging.models import OutboxMessage
from rideau.orders.models import Order, Payment, Position, Refund
from tests.factories import OrderFactory, member

from ..conftest import place

pytestmark = pytest.mark.django_db
LIST = "/control/theatre/orders/"


def url(order, action="") -> str:
    return f"{LIST}{order.pk}/{action + '/' if action else ''}"


def taken(shop, date="first") -> int:
    return Quota.objects.get(date=shop[date]).taken


def assert_counters_agree():
    assert check_integrity()[1] == []


def snapshot(order) -> tuple:
    order.refresh_from_db()
    return (
        order.status,
        order.total,
        sorted(order.positions.values_list("pk", "cancelled", "attendee_name", "answers")),
        Payment.objects.filter(order=order).count(),
        Refund.objects.filter(order=order).count(),
        OutboxMessage.objects.count(),
    )


def test_detail_offers_the_changes(organizer, shop, owner_client):
    order = place(organizer, shop, quantity=2, paid=True)
    response = owner_client.get(url(order))
    content = response.content.decode()
    assert response.status_code == 200
    assert 'id="add-tickets"' in content
    assert content.count('class="remove-form"') == 2
    assert "Refund 25.00 EUR" in content
    assert 'id="balance"' not in content


def test_add_tickets_offers_only_the_rates_the_orders_channel_sells(organizer, shop, owner_client):
    """A box-office-only rate is not offered on a web order: it would be refused on saving."""
    shop["reduced"].channels = ["box_office"]
    shop["reduced"].save()
    web_order = place(organizer, shop, quantity=1)  # a web order
    offered = owner_client.get(url(web_order)).context["add_form"].fields["rate"].queryset
    assert shop["reduced"] not in offered and shop["full"] in offered


def test_read_only_members_see_no_change_forms(organizer, shop, client_for):
    order = place(organizer, shop, quantity=2)
    reader = client_for(member(organizer, Role.READ_ONLY, email="reader@example.org"))
    content = reader.get(url(order)).content.decode()
    assert 'id="add-tickets"' not in content
    assert "remove-form" not in content
    before = snapshot(order)
    response = reader.post(
        url(order, "add"), {"rate": shop["full"].pk, "date": shop["first"].pk, "quantity": 1}
    )
    assert response.status_code == 403
    assert snapshot(order) == before


def test_add_tickets_to_a_pending_order(organizer, shop, owner_client):
    order = place(organizer, shop, quantity=1)
    response = owner_client.post(
        url(order, "add"),
        {
            "rate": shop["reduced"].pk,
            "date": shop["first"].pk,
            "quantity": 2,
            "names": "Bob\n\nCyd\n",
            "notify": "on",
        },
    )
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.total == Decimal("55.00")
    names = list(order.positions.order_by("id").values_list("attendee_name", flat=True))
    assert names == ["", "Bob", "Cyd"]
    assert taken(shop) == 3
    assert_counters_agree()
    page = owner_client.get(url(order)).content.decode()
    assert "3 tickets" not in page  # the message names the count added
    assert "2 tickets are added to the order." in page


def test_add_tickets_to_a_paid_order_leaves_a_balance_then_pay_it(organizer, shop, owner_client):
    order = place(organizer, shop, quantity=1, paid=True)
    response = owner_client.post(
        url(order, "add"),
        {"rate": shop["full"].pk, "date": shop["second"].pk, "quantity": 1, "provider": ""},
    )
    assert response.status_code == 302
    order.refresh_from_db()
    assert (order.status, order.total) == (Order.Status.PAID, Decimal("50.00"))
    page = owner_client.get(url(order)).content.decode()
    assert 'class="balance-due"' in page
    assert 'id="balance"' in page
    bad = owner_client.post(url(order, "balance"), {"provider": "cash", "amount": "99"})
    assert bad.status_code == 422
    assert "At most 25.00 EUR is due on this order." in bad.content.decode()
    assert Payment.objects.filter(order=order).count() == 1
    ok = owner_client.post(url(order, "balance"), {"provider": "cash"})
    assert ok.status_code == 302
    assert sorted(Payment.objects.filter(order=order).values_list("amount", flat=True)) == [
        Decimal("25.00"),
        Decimal("25.00"),
    ]
    assert taken(shop, "second") == 1
    assert_counters_agree()


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"quantity": 0}, "quantity", "Ensure this value is greater than or equal to 1."),
        ({"quantity": 60}, "quantity", "At most 10 tickets"),
        ({"rate": 999999}, "rate", "Select a valid choice."),
        ({"names": "A\nB\nC"}, "names", "More names than tickets."),
        ({"date": 0}, "date", "Select a valid choice."),
    ],
)
def test_add_with_bad_input_changes_nothing(organizer, shop, owner_client, data, field, message):
    order = place(organizer, shop, quantity=1)
    before = snapshot(order)
    body = {"rate": shop["full"].pk, "date": shop["first"].pk, "quantity": 1, **data}
    response = owner_client.post(url(order, "add"), body)
    assert response.status_code == 422
    form = response.context["add_form"]
    assert any(message in error for error in form.errors[field])
    assert snapshot(order) == before
    assert taken(shop) == 1


def test_add_when_sold_out_shows_the_error_and_takes_nothing(organizer, shop, owner_client):
    Quota.objects.filter(date=shop["first"]).update(size=2)
    order = place(organizer, shop, quantity=2)
    before = snapshot(order)
    response = owner_client.post(
        url(order, "add"), {"rate": shop["full"].pk, "date": shop["first"].pk, "quantity": 1}
    )
    assert response.status_code == 422
    assert response.context["add_form"].errors["quantity"]
    assert snapshot(order) == before
    assert_counters_agree()


def test_remove_a_ticket_with_refund(organizer, shop, owner_client):
    order = place(organizer, shop, quantity=2, paid=True)
    first = order.positions.order_by("id").first()
    response = owner_client.post(
        url(order, "remove"), {"position": first.pk, "refund": "on", "reason": "ill"}
    )
    assert response.status_code == 302
    first.refresh_from_db()
    order.refresh_from_db()
    assert first.cancelled is True
    assert (order.status, order.total) == (Order.Status.PAID, Decimal("25.00"))
    assert Refund.objects.get(order=order).amount == Decimal("25.00")
    assert taken(shop) == 1
    assert_counters_agree()
    page = owner_client.get(url(order)).content.decode()
    assert f"Ticket #{first.pk} is removed." in page
    assert "remove-form" not in page  # one ticket left: cancel the order instead


def test_remove_the_last_ticket_is_refused(organizer, shop, owner_client):
    order = place(organizer, shop, quantity=1)
    before = snapshot(order)
    ticket = order.positions.get()
    response = owner_client.post(url(order, "remove"), {"position": ticket.pk})
    assert response.status_code == 422
    assert "cancel the order instead" in response.content.decode()
    assert snapshot(order) == before
    assert taken(shop) == 1


def test_remove_a_ticket_of_another_order_is_refused(organizer, shop, owner_client):
    order = place(organizer, shop, quantity=2)
    other = place(organizer, shop, quantity=2, email="bob@example.org")
    before = snapshot(other)
    response = owner_client.post(url(order, "remove"), {"position": other.positions.first().pk})
    assert response.status_code == 422
    assert "This ticket is not part of the order." in response.content.decode()
    assert snapshot(other) == before
    bad = owner_client.post(url(order, "remove"), {"position": "x"})
    assert bad.status_code == 422


def test_change_answers_on_the_order_page(organizer, shop, owner_client):
    product = shop["full"].product
    diet = Question.objects.create(product=product, label={"en": "Diet"}, required=True)
    size = Question.objects.create(
        product=product, label={"en": "Size"}, kind="choice", choices=[{"en": "S"}, {"en": "M"}]
    )
    order = place(organizer, shop, quantity=1, paid=True)
    ticket = order.positions.get()
    prefix = f"p{ticket.pk}"
    page = owner_client.get(url(order)).content.decode()
    assert "Diet" in page and "Size" in page
    bad = owner_client.post(
        url(order, "attendee"),
        {"position": ticket.pk, f"{prefix}-attendee_name": "Bob", f"{prefix}-q{diet.pk}": ""},
    )
    assert bad.status_code == 422
    assert bad.context["attendee_forms"][0][1].errors[f"q{diet.pk}"] == ["This field is required."]
    ticket.refresh_from_db()
    assert (ticket.attendee_name, ticket.answers) == ("", {})
    ok = owner_client.post(
        url(order, "attendee"),
        {
            "position": ticket.pk,
            f"{prefix}-attendee_name": "Bob",
            f"{prefix}-q{diet.pk}": "vegan",
            f"{prefix}-q{size.pk}": "1",
        },
    )
    assert ok.status_code == 302
    ticket.refresh_from_db()
    assert ticket.attendee_name == "Bob"
    assert ticket.answers == {str(diet.pk): "vegan", str(size.pk): "M"}
    # the form shows the stored choice again
    again = owner_client.get(url(order))
    form = again.context["attendee_forms"][0][1]
    assert form.initial[f"q{size.pk}"] == "1"
    assert AuditLogEntry.objects.filter(action="order.attendee_changed").count() == 1


def test_changes_of_another_organisers_order_are_404(organizer, other_organizer, owner_client):
    other = OrderFactory(event__organizer=other_organizer)
    for action in ("add", "remove", "balance"):
        assert owner_client.post(url(other, action), {}).status_code == 404
    assert Order.objects.get(pk=other.pk).total == Decimal("0.00")


def test_history_shows_the_changes(organizer, shop, owner_client):
    order = place(organizer, shop, quantity=2)
    owner_client.post(url(order, "remove"), {"position": order.positions.first().pk})
    owner_client.post(
        url(order, "add"), {"rate": shop["full"].pk, "date": shop["first"].pk, "quantity": 1}
    )
    history = owner_client.get(url(order)).context["history"]
    actions = [line.entry.action for line in history]
    assert actions[:3] == ["order.positions_added", "order.position_removed", "position.cancelled"]
    assert [line.text for line in history[:2]] == [
        "1 ticket added, 25.00 EUR",
        "A ticket removed, 25.00 EUR",
    ]
    assert Position.objects.filter(order=order).count() == 3
