"""Staff login, rate limits, TOTP second factor, logout, password reset, CSRF."""

import re

import pyotp
import pytest
from django.test import Client
from django.urls import reverse

from rideau.core.models import AuditLogEntry, User
from rideau.core.roles import Role
from rideau.messaging.models import OutboxMessage
from tests.factories import PASSWORD, member

pytestmark = pytest.mark.django_db

LOGIN = "/control/login/"
CODE = "/control/login/code/"
RATE_MESSAGE = "Too many attempts. Please wait a few minutes and try again."


def _logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_login_ok_goes_to_the_only_organiser(organizer, owner):
    client = Client()
    response = client.post(LOGIN, {"email": "Owner@Example.org", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/control/"
    assert int(client.session["_auth_user_id"]) == owner.pk
    response = client.get("/control/")
    assert response.status_code == 302
    assert response["Location"] == "/control/theatre/"


def test_login_follows_a_local_next_but_not_an_external_one(organizer, owner):
    client = Client()
    response = client.post(
        LOGIN, {"email": owner.email, "password": PASSWORD, "next": "/control/theatre/teams/"}
    )
    assert response["Location"] == "/control/theatre/teams/"
    other = Client()
    response = other.post(
        LOGIN, {"email": owner.email, "password": PASSWORD, "next": "https://evil.example/"}
    )
    assert response["Location"] == "/control/"


def test_bad_password_is_a_field_error(organizer, owner):
    client = Client()
    response = client.post(LOGIN, {"email": owner.email, "password": "wrong-password"})
    assert response.status_code == 200
    assert response.context["form"].errors == {"password": ["Wrong e-mail address or password."]}
    assert not _logged_in(client)


def test_login_form_field_errors(db):
    response = Client().post(LOGIN, {"email": "not-an-email", "password": ""})
    errors = response.context["form"].errors
    assert errors == {
        "email": ["Enter a valid email address."],
        "password": ["This field is required."],
    }


def test_login_rate_limit_per_email(settings, organizer, owner):
    settings.RIDEAU_LOGIN_ACCOUNT_RATE = (3, 300)
    client = Client()
    for i in range(3):
        client.post(LOGIN, {"email": owner.email, "password": "wrong"}, REMOTE_ADDR=f"10.0.0.{i}")
    # the right password from a fourth address is refused too: the e-mail is limited
    response = client.post(
        LOGIN, {"email": owner.email, "password": PASSWORD}, REMOTE_ADDR="10.0.0.9"
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [RATE_MESSAGE]
    assert RATE_MESSAGE in response.content.decode()
    assert not _logged_in(client)


def test_a_stranger_cannot_lock_a_user_out(settings, organizer, owner):
    """Issue 10 item 9: one address hammering an account is stopped by its own limit, and
    the attempts refused then do not count against the account."""
    stranger = Client()
    for _i in range(60):
        stranger.post(LOGIN, {"email": owner.email, "password": "wrong"}, REMOTE_ADDR="10.6.6.6")
    refused = stranger.post(
        LOGIN, {"email": owner.email, "password": PASSWORD}, REMOTE_ADDR="10.6.6.6"
    )
    assert refused.context["form"].non_field_errors() == [RATE_MESSAGE]

    user = Client()
    response = user.post(
        LOGIN, {"email": owner.email, "password": PASSWORD}, REMOTE_ADDR="10.0.0.1"
    )

    assert response.status_code == 302
    assert _logged_in(user)


def test_login_rate_limit_per_ip(settings, organizer, owner):
    settings.RIDEAU_LOGIN_RATE = (3, 300)
    client = Client()
    for i in range(3):
        client.post(LOGIN, {"email": f"nobody{i}@example.org", "password": "x"})
    response = client.post(LOGIN, {"email": owner.email, "password": PASSWORD})
    assert response.context["form"].non_field_errors() == [RATE_MESSAGE]
    assert not _logged_in(client)
    # another address is not affected
    response = client.post(
        LOGIN, {"email": owner.email, "password": PASSWORD}, REMOTE_ADDR="10.1.1.1"
    )
    assert response.status_code == 302
    assert _logged_in(client)


def _enable_totp(client: Client, user: User) -> str:
    response = client.get("/control/account/two-factor/")
    assert response.status_code == 200
    secret = response.context["secret"]
    assert "<svg" in response.content.decode()
    assert secret in response.content.decode()
    response = client.post("/control/account/two-factor/", {"code": "000000"})
    assert response.context["form"].errors == {
        "code": ["This code is not valid. Check your device's clock."]
    }
    user.refresh_from_db()
    assert user.totp_enabled is False
    response = client.post("/control/account/two-factor/", {"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.totp_enabled is True
    assert user.totp_secret == secret
    return secret


def test_totp_enable_then_login_needs_the_code(organizer, owner, owner_client):
    secret = _enable_totp(owner_client, owner)
    assert AuditLogEntry.objects.filter(action="user.totp_enabled", actor=owner).count() == 1

    client = Client()
    response = client.post(LOGIN, {"email": owner.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == CODE
    assert not _logged_in(client)
    assert client.get("/control/theatre/").status_code == 302  # still anonymous

    response = client.post(CODE, {"code": "123456"})
    assert response.context["form"].errors == {"code": ["This code is not valid."]}
    assert not _logged_in(client)

    code = pyotp.TOTP(secret).now()
    response = client.post(CODE, {"code": code})
    assert response.status_code == 302
    assert response["Location"] == "/control/"
    assert int(client.session["_auth_user_id"]) == owner.pk

    # the same code cannot be replayed for another login
    thief = Client()
    thief.post(LOGIN, {"email": owner.email, "password": PASSWORD})
    response = thief.post(CODE, {"code": code})
    assert response.context["form"].errors == {"code": ["This code is not valid."]}
    assert not _logged_in(thief)


def test_two_factor_page_needs_login(db):
    response = Client().get("/control/account/two-factor/")
    assert response.status_code == 302
    assert response["Location"] == "/control/login/?next=/control/account/two-factor/"


def test_totp_step_without_password_step_goes_back_to_login(db):
    response = Client().get(CODE)
    assert response.status_code == 302
    assert response["Location"] == LOGIN


def test_totp_step_is_rate_limited(settings, organizer, owner, owner_client):
    secret = _enable_totp(owner_client, owner)
    settings.RIDEAU_LOGIN_RATE = (3, 300)
    client = Client()
    client.post(LOGIN, {"email": owner.email, "password": PASSWORD})
    for _ in range(3):
        client.post(CODE, {"code": "000000"})
    response = client.post(CODE, {"code": pyotp.TOTP(secret).now()})
    assert response.context["form"].non_field_errors() == [RATE_MESSAGE]
    assert not _logged_in(client)


def test_totp_disable_asks_for_a_code(organizer, owner, owner_client):
    secret = _enable_totp(owner_client, owner)
    response = owner_client.post("/control/account/two-factor/", {"code": "999999"})
    assert response.context["form"].errors == {"code": ["This code is not valid."]}
    owner.refresh_from_db()
    assert owner.totp_enabled is True
    owner_client.post("/control/account/two-factor/", {"code": pyotp.TOTP(secret).now()})
    owner.refresh_from_db()
    assert owner.totp_enabled is False
    assert owner.totp_secret == ""
    assert AuditLogEntry.objects.filter(action="user.totp_disabled").count() == 1


def test_logout_is_post_only(owner_client):
    assert owner_client.get("/control/logout/").status_code == 405
    assert _logged_in(owner_client)
    response = owner_client.post("/control/logout/")
    assert response.status_code == 302
    assert response["Location"] == LOGIN
    assert not _logged_in(owner_client)


def test_forms_need_the_csrf_token(organizer, owner):
    client = Client(enforce_csrf_checks=True)
    response = client.post(LOGIN, {"email": owner.email, "password": PASSWORD})
    assert response.status_code == 403
    assert not _logged_in(client)
    page = client.get(LOGIN)
    token = page.context["csrf_token"]
    response = client.post(
        LOGIN, {"email": owner.email, "password": PASSWORD, "csrfmiddlewaretoken": str(token)}
    )
    assert response.status_code == 302


@pytest.fixture
def outbox_backend(settings):
    # pytest-django swaps in the locmem backend; use the real one (mail goes to the outbox)
    settings.EMAIL_BACKEND = "rideau.messaging.backends.OutboxBackend"


def test_password_reset_by_email(outbox_backend, settings, organizer, owner):
    settings.SITE_URL = "https://tickets.example"
    client = Client()
    response = client.post("/control/password-reset/", {"email": owner.email})
    assert response.status_code == 302
    assert response["Location"] == "/control/password-reset/sent/"
    assert OutboxMessage.objects.count() == 1
    message = OutboxMessage.objects.get()
    assert message.to == [owner.email]
    assert message.subject == "Reset your Rideau password"
    # the link is built on SITE_URL, not on the request's Host header
    links = re.findall(
        r"https://tickets\.example(/control/password-reset/\S+/\S+/)", message.body_text
    )
    assert len(links) == 1

    response = client.get(links[0])
    assert response.status_code == 302  # Django swaps the token for a session marker
    set_password_url = response["Location"]
    response = client.get(set_password_url)
    assert response.context["validlink"] is True
    new_password = "a-brand-new-long-passphrase"
    response = client.post(
        set_password_url, {"new_password1": new_password, "new_password2": new_password}
    )
    assert response.status_code == 302
    assert response["Location"] == "/control/password-reset/done/"

    client = Client()
    assert client.post(LOGIN, {"email": owner.email, "password": PASSWORD}).status_code == 200
    response = client.post(LOGIN, {"email": owner.email, "password": new_password})
    assert response.status_code == 302
    assert _logged_in(client)
    # the link works once
    assert Client().get(links[0]).context["validlink"] is False


def test_password_reset_for_an_unknown_address_sends_nothing(outbox_backend, db):
    response = Client().post("/control/password-reset/", {"email": "nobody@example.org"})
    assert response.status_code == 302
    assert OutboxMessage.objects.count() == 0


def test_control_needs_login(organizer):
    response = Client().get("/control/theatre/")
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('web:login')}?next=/control/theatre/"


def test_staff_of_another_role_can_log_in(organizer):
    user = member(organizer, Role.READ_ONLY, email="reader@example.org")
    client = Client()
    client.post(LOGIN, {"email": "reader@example.org", "password": PASSWORD})
    assert int(client.session["_auth_user_id"]) == user.pk


def test_password_reset_is_rate_limited_per_ip(outbox_backend, settings, organizer, owner):
    settings.RIDEAU_LOGIN_RATE = (2, 300)
    client = Client()
    for _ in range(2):
        client.post("/control/password-reset/", {"email": owner.email})
    response = client.post("/control/password-reset/", {"email": owner.email})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [RATE_MESSAGE]
    assert OutboxMessage.objects.count() == 2
