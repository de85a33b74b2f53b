"""Limit/offset pagination: every list answers `{"count": n, "results": [...]}`."""

import types
from collections.abc import Callable
from typing import Any

from django.db.models import QuerySet
from ninja import Schema
from pydantic import Field, create_model

MAX_LIMIT = 200
DEFAULT_LIMIT = 50


class PageParams(Schema):
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0, le=1_000_000_000)


def page_of(item: type[Schema], name: str) -> Any:
    """The response schema of a list of `item` (named `name` in the OpenAPI document)."""
    results: Any = types.GenericAlias(list, (item,))  # list[item], item known at run time
    return create_model(name, __base__=Schema, count=(int, ...), results=(results, ...))


def paginate(
    queryset: QuerySet, params: PageParams, each: Callable[[Any], Any] | None = None
) -> dict:
    """One page of an already ordered queryset, with the total count; `each` turns every
    object of the page into what the answer lists."""
    rows = queryset[params.offset : params.offset + params.limit]
    return {
        "count": queryset.count(),
        "results": [each(row) for row in rows] if each else list(rows),
    }
