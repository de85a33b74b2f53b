"""Tracking of marketing messages (SPEC E5) and one-click unsubscribe.

The URLs carry a signed message token (`messaging.tracking`); a click names a stored link
of the message's organiser: the redirect goes only there (no open redirect). Every answer
is the same for a bad token (404) whoever asks.
"""

import base64

from django.conf import settings
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseForbidden,
    HttpResponseRedirect,
)
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from rideau.messaging import feedback, sms, tracking
from rideau.messaging.models import OutboxMessage, TrackedLink

from ..decorators import public_view

PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")


def _signal(request: HttpRequest) -> tracking.Signal:
    return tracking.Signal(
        user_agent=request.headers.get("User-Agent", ""),
        address=request.META.get("REMOTE_ADDR", ""),
        method=request.method or "GET",
    )


def _message(token: str) -> OutboxMessage:
    message = tracking.message_for_token(token)
    if message is None:
        raise Http404
    return message


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store, private"
    response["Referrer-Policy"] = "no-referrer"
    return response


@public_view
@require_http_methods(["GET", "HEAD"])
def open_pixel(request: HttpRequest, token: str) -> HttpResponse:
    message = tracking.message_for_token(token)
    if message is not None:
        tracking.record_open(message, _signal(request))
    return _no_store(HttpResponse(PIXEL, content_type="image/gif"))


@public_view
@require_http_methods(["GET", "HEAD"])
def click(request: HttpRequest, token: str, link: int) -> HttpResponse:
    message = _message(token)
    organizer_id = message.organizer_id
    target = (
        TrackedLink.objects.filter(pk=link, organizer_id=organizer_id).first()
        if organizer_id is not None
        else None
    )
    if target is None:
        raise Http404
    tracking.record_click(message, target, _signal(request))
    return _no_store(HttpResponseRedirect(target.url))


@public_view
@require_http_methods(["GET", "HEAD"])
def honeypot(request: HttpRequest, token: str) -> HttpResponse:
    message = _message(token)
    tracking.record_honeypot(message, _signal(request))
    return _no_store(HttpResponse("", content_type="text/plain"))


@public_view
@csrf_exempt  # RFC 8058: mail clients POST "List-Unsubscribe=One-Click" without a form
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET asks for confirmation (link scanners follow GETs); POST unsubscribes."""
    message = _message(token)
    done = False
    if request.method == "POST":
        tracking.record_unsubscribe(message)
        done = True
    return _no_store(
        render(
            request,
            "web/public/unsubscribe.html",
            {"message": message, "organizer": message.organizer, "done": done},
        )
    )


@public_view
@csrf_exempt  # the SMS gateway posts here; its HMAC signature stands for the CSRF token
@require_http_methods(["POST"])
def sms_status(request: HttpRequest) -> HttpResponse:
    """The SMS gateway's status callback (Twilio's `StatusCallback`): a delivery receipt.

    Accepted only with a valid `X-Twilio-Signature`, computed over the public URL
    (`SITE_URL` and the path, as the gateway called it) and the posted fields."""
    params = {key: request.POST.get(key, "") for key in request.POST}
    url = f"{settings.SITE_URL}{request.get_full_path()}"
    signature = request.headers.get("X-Twilio-Signature", "")
    if not feedback.twilio_signature_valid(url, params, sms.callback_token(), signature):
        return HttpResponseForbidden("bad signature", content_type="text/plain")
    feedback.record_sms_status(
        params.get("MessageSid", ""), params.get("MessageStatus", ""), params.get("ErrorCode", "")
    )
    return HttpResponse(status=204)
