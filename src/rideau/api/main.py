"""The REST API (django-ninja) under /api/v1/: OpenAPI at /api/v1/openapi.json, docs at
/api/v1/docs (Swagger UI served from ninja's bundled static files, no CDN)."""

from django.http import HttpRequest
from ninja import NinjaAPI
from ninja.openapi.docs import Swagger
from ninja.operation import Operation
from ninja.parser import Parser

from . import (
    audiences,
    boxoffice,
    catalog,
    checkin,
    contacts,
    errors,
    events,
    giftcards,
    orders,
    organizers,
    partners,
    passes,
    registration,
    reservations,
    scenarios,
    tokens,
    venues,
    vouchers,
)
from .auth import SessionAuth, TokenAuth
from .paths import path_schema_names


class ObjectBodyParser(Parser):
    """Every request body of the API is a JSON object: anything else (a list, a string,
    null) is refused as unparseable (400) instead of being read as an empty object."""

    def parse_body(self, request: HttpRequest) -> dict:
        data = super().parse_body(request)
        if not isinstance(data, dict):
            raise ValueError("the body must be a JSON object")
        return data


class RideauAPI(NinjaAPI):
    def get_openapi_operation_id(self, operation: Operation) -> str:
        # short, stable ids for generated clients: the view's name (unique across modules)
        return operation.view_func.__name__

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        errors.document_error_responses(schema)
        for name in path_schema_names():
            schema["components"]["schemas"].pop(name, None)
        return schema


api = RideauAPI(
    title="Rideau API",
    version="1",
    description=(
        "Organiser-scoped REST API. Authenticate with a team API token "
        "(`Authorization: Bearer rdu_…`) or a back-office session (with CSRF for changes)."
    ),
    urls_namespace="api",
    auth=[TokenAuth(), SessionAuth()],
    docs=Swagger(),
    parser=ObjectBodyParser(),
)
errors.install(api)
# the public routes first: Django tries the URL patterns in order, and these take the rush
api.add_router("", orders.shop_router)
api.add_router("", registration.public_router)
api.add_router("", organizers.router)
api.add_router("", venues.router)
api.add_router("", events.router)
api.add_router("", catalog.router)
api.add_router("", audiences.router)
api.add_router("", contacts.router)
api.add_router("", orders.router)
api.add_router("", checkin.router)
api.add_router("", checkin.code_router)
api.add_router("", registration.router)
api.add_router("", reservations.router)
api.add_router("", partners.router)
api.add_router("", vouchers.router)
api.add_router("", giftcards.router)
api.add_router("", boxoffice.router)
api.add_router("", scenarios.router)
api.add_router("", passes.router)
api.add_router("", tokens.router)
