"""Back-office custom questions: add (label and options per language), edit, delete (the
answers stay on the tickets), reorder, permissions and query counts."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from rideau.catalog.models import Question
from rideau.core.models import AuditLogEntry
from rideau.core.roles import Role
from rideau.orders.models import Position
from tests.factories import (
    EventFactory,
    OrderFactory,
    ProductFactory,
    QuestionFactory,
    RateFactory,
    member,
)

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def event(organizer):
    return EventFactory(organizer=organizer, slug="hamlet", name={"en": "Hamlet"})


@pytest.fixture
def product(event):
    return ProductFactory(event=event, organizer=event.organizer, name={"en": "Seat"})


def url(event, tail=""):
    return f"/control/{event.organizer.slug}/events/{event.slug}/edit/questions/{tail}"


def post_data(product, **overrides):
    data = {
        "product": str(product.pk),
        "label_en": "Dietary needs",
        "label_fr": "Régime alimentaire",
        "kind": "text",
        "required": "",
        "choices_en": "",
        "choices_fr": "",
    }
    data.update(overrides)
    return data


def test_the_tab_lists_questions_per_product(event, product, owner_client):
    QuestionFactory(product=product, label={"en": "Company", "fr": "Société"})

    response = owner_client.get(url(event))

    assert response.status_code == 200
    page = response.content.decode()
    assert 'aria-current="page">Questions</a>' in page
    assert "Company" in page
    assert 'name="label_fr"' in page
    assert 'name="choices_fr"' in page


def test_add_a_text_question_with_a_label_per_language(event, product, owner_client):
    response = owner_client.post(url(event), post_data(product, required="on"))

    assert response.status_code == 302
    question = Question.objects.get(product=product)
    assert question.label == {"en": "Dietary needs", "fr": "Régime alimentaire"}
    assert (question.kind, question.required, question.choices) == ("text", True, [])
    assert AuditLogEntry.objects.filter(action="question.created").count() == 1


def test_add_a_choice_question_with_options_line_by_line(event, product, owner_client):
    response = owner_client.post(
        url(event),
        post_data(
            product,
            kind="choice",
            choices_en="None\r\nVegetarian\r\n\r\nVegan\r\n",
            choices_fr="Aucun\nVégétarien\n\n",
        ),
    )

    # lines are matched by number (a blank line inside counts): 4 in English, 2 in French
    assert response.status_code == 422
    assert response.context["form"].errors["choices_fr"] == [
        "2 lines here, 4 in the first language: give every option on the same line in each "
        "language."
    ]
    assert Question.objects.count() == 0

    response = owner_client.post(
        url(event),
        post_data(
            product,
            kind="choice",
            choices_en="None\nVegetarian\nVegan",
            choices_fr="Aucun\nVégétarien\nVégétalien",
        ),
    )

    assert response.status_code == 302
    assert Question.objects.get().choices == [
        {"en": "None", "fr": "Aucun"},
        {"en": "Vegetarian", "fr": "Végétarien"},
        {"en": "Vegan", "fr": "Végétalien"},
    ]


def test_options_in_one_language_only(event, product, owner_client):
    response = owner_client.post(
        url(event), post_data(product, kind="choice", choices_en="Small\nLarge", choices_fr="")
    )

    assert response.status_code == 302
    assert Question.objects.get().choices == [{"en": "Small"}, {"en": "Large"}]


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"label_en": "", "label_fr": ""}, "label_en", "required in at least one language"),
        ({"kind": "choice"}, "choices_en", "A choice question needs at least one option."),
        ({"kind": "choice", "choices_en": "A\nA"}, "choices_en", "The option “A” is given twice."),
        ({"kind": "essay"}, "kind", "Select a valid choice."),
        ({"label_en": "x" * 501}, "label_en", "at most 500 characters"),
        ({"label_en": "bad\x00label"}, "label", "Null characters"),
    ],
)
def test_bad_input_is_a_field_error_and_changes_nothing(
    event, product, owner_client, overrides, field, message
):
    audit = AuditLogEntry.objects.count()

    response = owner_client.post(url(event), post_data(product, **overrides))

    assert response.status_code == 422
    form = response.context["form"]
    assert any(message in error for errors in form.errors.values() for error in errors), form.errors
    if field in form.fields:
        assert field in form.errors
    assert Question.objects.count() == 0
    assert AuditLogEntry.objects.count() == audit


def test_a_product_of_another_event_is_refused(event, product, owner_client, organizer):
    other = ProductFactory(event=EventFactory(organizer=organizer), organizer=organizer)

    response = owner_client.post(url(event), post_data(other))

    assert response.status_code == 422
    assert "product" in response.context["form"].errors
    assert Question.objects.count() == 0


def test_edit_a_question_shows_its_options_and_saves_changes(event, product, owner_client):
    question = QuestionFactory(
        product=product,
        kind="choice",
        choices=[{"en": "Small", "fr": "Petit"}, {"en": "Large"}],
    )

    page = owner_client.get(url(event, f"{question.pk}/")).content.decode()

    assert "Small\nLarge</textarea>" in page
    assert "Petit\n</textarea>" in page

    response = owner_client.post(
        url(event, f"{question.pk}/"),
        post_data(product, label_en="T-shirt size", kind="boolean", choices_en="Small\nLarge"),
    )

    assert response.status_code == 302
    question.refresh_from_db()
    assert question.label == {"en": "T-shirt size", "fr": "Régime alimentaire"}
    assert (question.kind, question.choices) == ("boolean", [])  # options only for a choice
    entry = AuditLogEntry.objects.get(action="question.updated")
    assert entry.after["kind"] == "boolean"


def test_a_refused_edit_changes_nothing(event, product, owner_client):
    question = QuestionFactory(product=product)

    response = owner_client.post(url(event, f"{question.pk}/"), post_data(product, kind="choice"))

    assert response.status_code == 422
    assert "choices_en" in response.context["form"].errors
    question.refresh_from_db()
    assert question.kind == "text"
    assert not AuditLogEntry.objects.filter(action="question.updated").exists()


def test_deleting_a_question_keeps_the_answers_on_the_tickets(event, product, owner_client):
    question = QuestionFactory(product=product)
    rate = RateFactory(product=product)
    order = OrderFactory(event=event)
    ticket = Position.objects.create(
        order=order,
        product=product,
        rate=rate,
        price=Decimal("25.00"),
        answers={str(question.pk): "Vegetarian"},
    )

    response = owner_client.post(url(event, f"{question.pk}/delete/"))

    assert response.status_code == 302
    assert not Question.objects.filter(pk=question.pk).exists()
    ticket.refresh_from_db()
    assert ticket.answers == {str(question.pk): "Vegetarian"}
    assert AuditLogEntry.objects.filter(action="question.deleted").count() == 1


def test_reorder_with_up_and_down(event, product, owner_client):
    first, second, third = (
        QuestionFactory(product=product, label={"en": name}, position=0)
        for name in ("First", "Second", "Third")
    )

    owner_client.post(url(event, f"{third.pk}/move/"), {"direction": "up"})

    def order():
        return list(Question.objects.filter(product=product).values_list("pk", flat=True))

    assert order() == [first.pk, third.pk, second.pk]
    owner_client.post(url(event, f"{first.pk}/move/"), {"direction": "down"})
    assert order() == [third.pk, first.pk, second.pk]
    owner_client.post(url(event, f"{second.pk}/move/"), {"direction": "down"})  # already last
    assert order() == [third.pk, first.pk, second.pk]
    response = owner_client.post(url(event, f"{second.pk}/move/"), {"direction": "sideways"})
    assert response.status_code == 302
    assert order() == [third.pk, first.pk, second.pk]
    assert AuditLogEntry.objects.filter(action="question.moved").count() == 3


def test_the_new_order_is_the_order_the_shop_asks_in(event, product, owner_client):
    first = QuestionFactory(product=product, label={"en": "First"})
    second = QuestionFactory(product=product, label={"en": "Second"}, position=1)

    owner_client.post(url(event, f"{second.pk}/move/"), {"direction": "up"})

    assert list(product.questions.values_list("pk", flat=True)) == [second.pk, first.pk]


@pytest.mark.parametrize("role", [Role.READ_ONLY, Role.BOX_OFFICE, Role.MARKETING])
def test_roles_without_event_rights_cannot_change_questions(event, product, organizer, role):
    question = QuestionFactory(product=product)
    client = client_for(member(organizer, role))
    audit = AuditLogEntry.objects.count()

    assert client.get(url(event)).status_code == 403
    assert client.post(url(event), post_data(product)).status_code == 403
    assert client.post(url(event, f"{question.pk}/"), post_data(product)).status_code == 403
    assert client.post(url(event, f"{question.pk}/move/"), {"direction": "up"}).status_code == 403
    assert client.post(url(event, f"{question.pk}/delete/")).status_code == 403

    assert list(Question.objects.values_list("pk", "label")) == [(question.pk, question.label)]
    assert AuditLogEntry.objects.count() == audit


def test_an_event_manager_may_change_questions(event, product, organizer):
    client = client_for(member(organizer, Role.EVENT_MANAGER))

    assert client.post(url(event), post_data(product)).status_code == 302
    assert Question.objects.count() == 1


def test_another_organisers_question_is_not_found(event, product, owner_client, other_organizer):
    foreign_event = EventFactory(organizer=other_organizer)
    foreign = QuestionFactory(
        product=ProductFactory(event=foreign_event, organizer=other_organizer)
    )

    assert owner_client.get(url(event, f"{foreign.pk}/")).status_code == 404
    assert owner_client.post(url(event, f"{foreign.pk}/delete/")).status_code == 404
    assert Question.objects.filter(pk=foreign.pk).exists()


def _list_queries(client, event) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url(event))
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_the_list_costs_the_same_queries_for_1_and_3_products_with_questions(event, owner_client):
    def add_product():
        product = ProductFactory(event=event, organizer=event.organizer)
        QuestionFactory(product=product, kind="choice", choices=[{"en": "A"}, {"en": "B"}])
        QuestionFactory(product=product)

    add_product()
    one = _list_queries(owner_client, event)
    add_product()
    add_product()
    three = _list_queries(owner_client, event)

    assert one == three
