"""The organiser-resolving decorator and mixin every back-office view builds on."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.db import SessionStore
from django.http import HttpResponse
from django.test import RequestFactory
from django.views import View

from rideau.core.roles import Perm, Role
from rideau.web.decorators import OrganizerViewMixin, organizer_view, public_view
from tests.factories import member

pytestmark = pytest.mark.django_db


def request_as(user, path="/control/theatre/x/"):
    request = RequestFactory().get(path)
    request.user = user
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    return request


@organizer_view(Perm.CHANGE_ORGANIZER)
def change_view(request, organizer):
    return HttpResponse(f"{organizer.slug}:{request.actor.user.email}")


class ChangeView(OrganizerViewMixin, View):
    permission = Perm.CHANGE_ORGANIZER

    def get(self, request, organizer):
        assert organizer is self.organizer
        return HttpResponse(f"cbv:{self.organizer.slug}")


@pytest.mark.parametrize("view", [change_view, ChangeView.as_view()])
def test_member_with_the_permission_gets_the_organiser(organizer, owner, view):
    response = view(request_as(owner), organizer="theatre")
    assert response.status_code == 200
    assert response.content.decode() in {"theatre:owner@example.org", "cbv:theatre"}


@pytest.mark.parametrize("view", [change_view, ChangeView.as_view()])
def test_member_without_the_permission_gets_403(organizer, view):
    reader = member(organizer, Role.READ_ONLY)
    response = view(request_as(reader), organizer="theatre")
    assert response.status_code == 403


@pytest.mark.parametrize("view", [change_view, ChangeView.as_view()])
def test_non_member_gets_404(organizer, other_organizer, view):
    from django.http import Http404

    outsider = member(other_organizer, Role.OWNER)
    with pytest.raises(Http404):
        view(request_as(outsider), organizer="theatre")


@pytest.mark.parametrize("view", [change_view, ChangeView.as_view()])
def test_anonymous_is_sent_to_login(organizer, view):
    response = view(request_as(AnonymousUser()), organizer="theatre")
    assert response.status_code == 302
    assert response["Location"] == "/control/login/?next=/control/theatre/x/"


def test_public_view_marks_the_view():
    @public_view
    def page(request):
        return HttpResponse("hi")

    assert page.rideau_public is True
