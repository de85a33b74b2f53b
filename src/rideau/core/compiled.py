"""ORM queries of a fixed shape, compiled to SQL once per process (issue 17).

Django compiles a queryset to SQL on every evaluation; for the one query of a hot request
(the public event with its organiser and venue, read by every shop order and event page)
the compilation costs more CPU than the round trip. `Compiled` builds the queryset once with
placeholder values, keeps its SQL and the recipe to turn rows into instances (Django's own:
the compiler's columns, converters and `select_related` populators), and from then on binds
the caller's values and runs the SQL:

    event_by_slugs = Compiled(
        lambda organizer, slug: Event.objects.select_related("organizer")
        .filter(organizer__slug=organizer, slug=slug)
        .order_by("pk")[:1],
    )
    found = event_by_slugs(organizer="acme", slug="gala")  # a list of Event

Parameters are strings, ints or aware datetimes (of a `DateTimeField` lookup), compared as
they are (`=`, `in`, `<`, `>`): each one's kind is the kind of the value the first call
gave, and later calls must give the same kind. A lookup that rewrites its value
(`contains`, `iexact` on some databases) is refused when the query is compiled. The query
must not depend on anything but its parameters (no `now()` computed in Python: pass it,
no per-request state): it is compiled once.
"""

import datetime
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.db import connections
from django.db.models import Model, QuerySet
from django.db.models.query import get_related_populators

M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class _Plan:
    sql: str
    params: list[Any]  # the compiled parameters: a placeholder's index in `names`, or a value
    placeholders: dict[int, str]  # position in `params` -> parameter name
    kinds: dict[str, type]  # parameter name -> str, int or datetime
    model: Any  # type[M]
    init_list: list[str]
    fields: tuple[int, int]
    populators: list
    converters: list  # (column position, (functions, expression)), as the compiler has them


class Compiled(Generic[M]):
    """A queryset builder compiled once per database connection alias; calling it with the
    builder's parameters (keywords, strings) returns the instances the queryset would."""

    def __init__(self, build: Callable[..., QuerySet[M]], *, using: str = "default") -> None:
        self._build = build
        self._names = list(inspect.signature(build).parameters)
        self._using = using
        self._plans: dict[str, _Plan] = {}  # per database vendor (tests switch databases)

    def __call__(self, **values: str | int | datetime.datetime) -> list[M]:
        connection = connections[self._using]
        plan = self._plans.get(connection.vendor) or self._compile(connection, values)
        params = list(plan.params)
        for i, name in plan.placeholders.items():
            value = values[name]
            kind = plan.kinds[name]
            if not isinstance(value, kind):
                raise TypeError(f"{name}: {kind.__name__} expected, as when compiled")
            params[i] = _bound(value, connection) if kind is datetime.datetime else value
        with connection.cursor() as cursor:
            cursor.execute(plan.sql, params)
            rows = cursor.fetchall()
        start, end = plan.fields
        found: list[M] = []
        for row in rows:
            if plan.converters:  # as the compiler's `apply_converters`, with this connection
                row = list(row)
                for pos, (functions, expression) in plan.converters:
                    for convert in functions:
                        row[pos] = convert(row[pos], expression, connection)
            obj = plan.model.from_db(self._using, plan.init_list, row[start:end])
            for populator in plan.populators:
                populator.populate(row, obj)
            found.append(obj)
        return found

    def _compile(self, connection, values: dict[str, Any]) -> _Plan:
        kinds = {name: type(values[name]) for name in self._names}
        markers = {name: _marker(name, i, kinds[name]) for i, name in enumerate(self._names)}
        queryset = self._build(**markers)
        compiler = queryset.query.get_compiler(using=self._using)
        sql, params = compiler.as_sql()
        by_value = {_bound(marker, connection): name for name, marker in markers.items()}
        placeholders = {i: by_value[p] for i, p in enumerate(params) if p in by_value}
        missing = set(self._names) - set(placeholders.values())
        if missing:
            raise ValueError(f"parameters not passed as they are: {sorted(missing)}")
        klass_info = compiler.klass_info
        select = compiler.select
        start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
        plan = _Plan(
            sql=sql,
            params=list(params),
            placeholders=placeholders,
            kinds=kinds,
            model=klass_info["model"],
            init_list=[f[0].target.attname for f in select[start:end]],
            fields=(start, end),
            # Django 5.2's signature (the stubs already know a later one)
            populators=get_related_populators(klass_info, select, self._using),  # type: ignore[call-arg]
            converters=list(
                compiler.get_converters([s[0] for s in select[0 : compiler.col_count]]).items()
            ),
        )
        self._plans[connection.vendor] = plan
        return plan


# the compiling values: none a real query passes (a negative id, a time in year 2)
_FIRST_MARKER_ID = -(10**15)
_MARKER_TIME = datetime.datetime(2, 1, 1, tzinfo=datetime.UTC)


def _marker(name: str, i: int, kind: type) -> Any:
    if kind is str:
        return f"\x1f{name}\x1f"
    if kind is int:
        return _FIRST_MARKER_ID - i
    if kind is datetime.datetime:
        return _MARKER_TIME + datetime.timedelta(seconds=i)
    raise TypeError(f"{name}: a str, an int or a datetime, not {kind.__name__}")


def _bound(value: Any, connection) -> Any:
    """A parameter's value as the compiler passes it to the database: a datetime as the
    `DateTimeField` lookup adapts it (aware ones only, as the ORM expects)."""
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None:
            raise TypeError("a naive datetime: pass an aware one")
        return connection.ops.adapt_datetimefield_value(value)
    return value
