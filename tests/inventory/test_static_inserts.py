"""The engine's static INSERTs (`rideau_insert_known`, ADR 0020 fourth step): made after
`migrate` for every table an order writes, used only with the columns they were made
with; anything else takes the dynamic statement, with the same outcome. PostgreSQL only."""

import json

import pytest
from django.apps import apps
from django.db import connection

from rideau.core.rows import columns
from rideau.inventory import statements

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the engine's single statement is PostgreSQL's"
    ),
]

ORDER_ROWS = [  # what one shop order writes in the engine's statement
    ("api", "IdempotentRequest"),
    ("contacts", "Contact"),
    ("orders", "Order"),
    ("messaging", "OutboxMessage"),
    ("core", "DomainEventRecord"),
    ("inventory", "Hold"),
    ("core", "AuditLogEntry"),
    ("orders", "Position"),
]


def _known(table: str, cols: list[str], mode: str = "insert") -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT known FROM rideau_insert_known(%s, %s::jsonb, '[]'::jsonb, %s)",
            [table, json.dumps(cols), mode],
        )
        return cursor.fetchone()[0]


@pytest.mark.parametrize(("app", "name"), ORDER_ROWS)
def test_every_table_an_order_writes_has_its_static_inserts(app, name):
    model = apps.get_model(app, name)
    cols = columns(model)
    for mode in ("insert", "ignore", "unique", "upsert"):
        assert _known(model._meta.db_table, cols, mode)
    assert _known(model._meta.db_table, list(reversed(cols)))  # a set: the order is free


def test_other_columns_or_tables_take_the_dynamic_statement():
    order = apps.get_model("orders", "Order")
    cols = columns(order)
    assert not _known("orders_order", [*cols, "added_later"])
    assert not _known("orders_order", cols[1:])
    assert not _known("no_such_table", cols)


def test_made_again_only_when_the_schema_changes(django_assert_num_queries):
    statements.install(None)  # this process made it at the test database's migrate
    with django_assert_num_queries(0):
        statements.install(None)
