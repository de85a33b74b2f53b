"""One error shape for the whole API.

Validation problems answer 422 with field-level entries, in the request's language:
    {"detail": [{"loc": ["body", "<field>"], "msg": "...", "type": "..."}]}
(a field a body does not take among them: `"type": "extra_forbidden"`, its name in `loc`).
Other errors answer {"detail": "<message>", "code": "<code>"} with their status.
"""

from typing import TYPE_CHECKING

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from rideau.core.errors import PermissionDenied, RideauError, ValidationFailed

if TYPE_CHECKING:
    from ninja import NinjaAPI

# The name every body parameter has in the views; it is left out of error locations.
BODY_PARAM = "payload"


def field_loc(name: str) -> list[str]:
    """["body", ...] for a service field name; "custom.size" → ["body", "custom", "size"]."""
    if name in ("__all__", ""):
        return ["body"]
    return ["body", *name.split(".")]


class CsrfFailed(HttpError):
    """A session request that changes data without its CSRF token."""

    def __init__(self) -> None:
        super().__init__(403, "CSRF check failed")


# the codes of the answers django-ninja gives itself, by status
HTTP_ERROR_CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "forbidden",
    429: "throttled",
}


def _http_error(exc: HttpError) -> tuple[str, str]:
    """The code and message (in the request's language) of an error ninja raises."""
    if isinstance(exc, AuthenticationError):
        return "not_authenticated", _("Authentication required: send an API token, or log in.")
    if isinstance(exc, CsrfFailed):
        return "csrf_failed", _("CSRF check failed: send the X-CSRFToken header with a change.")
    if exc.status_code == 400 and exc.message.startswith("Cannot parse request body"):
        return "invalid_body", _("Cannot parse request body: send a JSON object.")
    return HTTP_ERROR_CODES.get(exc.status_code, "error"), exc.message


def not_found() -> dict:
    return {"detail": _("Not found."), "code": "not_found"}


@csrf_exempt
def unknown_route(request: HttpRequest) -> HttpResponse:
    """Any address under /api/v1/ that is no operation: the API's 404, not the site's page."""
    return JsonResponse(not_found(), status=404)


def header_error(header: str, message: str, code: str = "value_error") -> NinjaValidationError:
    """A 422 on a request header: {"loc": ["header", <header>], "msg": ..., "type": code}."""
    return NinjaValidationError([{"loc": ("header", header), "msg": message, "type": code}])


def validation_failed_detail(exc: ValidationFailed) -> list[dict]:
    return [
        {"loc": field_loc(name), "msg": message, "type": "value_error"}
        for name, messages in exc.errors.items()
        for message in messages
    ]


def _ninja_detail(exc: NinjaValidationError) -> list[dict]:
    detail = []
    for error in exc.errors:
        loc = [str(part) for part in error.get("loc", ())]
        if len(loc) > 1 and loc[0] == "body" and loc[1] == BODY_PARAM:
            loc = ["body", *loc[2:]]
        msg = str(error.get("msg", ""))
        cause = (error.get("ctx") or {}).get("error")
        if error.get("type") == "value_error" and isinstance(cause, str | ValueError):
            msg = str(cause)  # our own validators' message, without pydantic's prefix
        elif error.get("type") == "extra_forbidden":
            msg = _("Unknown field.")  # a field the body does not take: its name is in `loc`
        detail.append({"loc": loc, "msg": msg, "type": error.get("type", "invalid")})
    return detail


# The answers every operation may give besides its own, in the one error shape above.
ERROR_SCHEMA = {
    "title": "Error",
    "type": "object",
    "properties": {
        "detail": {
            "anyOf": [
                {"type": "string"},
                {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "loc": {"type": "array", "items": {"type": "string"}},
                            "msg": {"type": "string"},
                            "type": {"type": "string"},
                        },
                        "required": ["loc", "msg", "type"],
                    },
                },
            ]
        },
        "code": {"type": "string"},
    },
    "required": ["detail"],
}
ERROR_DESCRIPTIONS = {
    "400": "The body is not valid JSON, or the change cannot be made (e.g. still in use).",
    "401": "No valid credentials (a missing, revoked or expired token; no session).",
    "403": "The caller lacks the permission, or a session write has no CSRF token.",
    "404": "No such object for this caller (other organisers' objects are never revealed).",
    "409": "The object's state does not allow this change now (e.g. already cancelled).",
    "422": "Invalid input: field-level errors, in the request's language.",
}


def document_error_responses(schema: dict) -> None:
    """Add the common error answers to every operation of the OpenAPI document: 401 and 403
    where credentials are needed, 404 where the path names an object, 400 and 422 where
    input is read, 409 on writes."""
    schema.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    ref = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    for operations in schema.get("paths", {}).values():
        for method, operation in operations.items():
            codes = []
            if operation.get("security"):
                codes += ["401", "403"]
            parameters = operation.get("parameters", [])
            if any(p.get("in") == "path" for p in parameters):
                codes.append("404")
            if "requestBody" in operation or method in ("post", "put", "patch", "delete"):
                codes.append("400")
            if method in ("post", "put", "patch", "delete"):
                codes.append("409")
            if parameters or "requestBody" in operation:
                codes.append("422")
            # ninja keys the operation's own answers by int: one key type, or JSON repeats keys
            responses = {str(k): v for k, v in operation.get("responses", {}).items()}
            for code in codes:
                responses.setdefault(code, {"description": ERROR_DESCRIPTIONS[code], **ref})
            operation["responses"] = responses


def install(api: "NinjaAPI") -> None:
    """Register the handlers that map domain and Django errors to responses."""

    @api.exception_handler(ValidationFailed)
    def on_validation_failed(request: HttpRequest, exc: ValidationFailed) -> HttpResponse:
        return api.create_response(request, {"detail": validation_failed_detail(exc)}, status=422)

    @api.exception_handler(PermissionDenied)
    def on_permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        return api.create_response(request, {"detail": exc.message, "code": exc.code}, status=403)

    @api.exception_handler(RideauError)
    def on_rideau_error(request: HttpRequest, exc: RideauError) -> HttpResponse:
        if exc.field:
            detail = [{"loc": field_loc(exc.field), "msg": exc.message, "type": exc.code}]
            return api.create_response(request, {"detail": detail}, status=422)
        return api.create_response(
            request, {"detail": exc.message, "code": exc.code}, status=exc.status
        )

    @api.exception_handler(Http404)
    def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return api.create_response(request, not_found(), status=404)

    @api.exception_handler(HttpError)
    def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        code, message = _http_error(exc)
        return api.create_response(
            request, {"detail": message, "code": code}, status=exc.status_code
        )

    @api.exception_handler(NinjaValidationError)
    def on_invalid_input(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        return api.create_response(request, {"detail": _ninja_detail(exc)}, status=422)
