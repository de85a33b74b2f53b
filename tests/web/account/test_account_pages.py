"""The personal space through the Django test client: login, dashboard, orders, profile,
and that a buyer sees only their own files."""

import datetime
import re
import zoneinfo

import pytest
from django.db import connection
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from rideau.accounts import sections
from rideau.accounts.models import Account, LoginCode
from rideau.contacts.models import Contact
from rideau.core.models import AuditLogEntry
from rideau.messaging.models import OutboxMessage
from rideau.reservations import services as reservation_services
from rideau.web.account.session import SESSION_KEY
from tests.accounts.conftest import last_code, make_orders
from tests.factories import ContactFactory, OrganizerFactory
from tests.test_cross_organizer import snapshot

pytestmark = pytest.mark.django_db

ADA = "ada@school.example"


def log_in(client: Client, organizer, email: str = ADA, next_url: str = "") -> Client:
    base = f"/{organizer.slug}/account/"
    response = client.post(base + "login/", {"email": email, "next": next_url})
    assert response.status_code == 302, response.content
    response = client.post(base + "login/code/", {"code": last_code(email)})
    assert response.status_code == 302
    return client


@pytest.fixture
def ada(buyers) -> Client:
    return log_in(Client(), buyers.organizer)


def test_the_login_pages_answer_and_a_visitor_is_sent_to_them(buyers, client):
    base = f"/{buyers.organizer.slug}/account/"

    response = client.get(base + "orders/")

    assert response.status_code == 302
    assert response["Location"] == base + "login/?next=%2Ftheatre%2Faccount%2Forders%2F"
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert 'name="next" value="/theatre/account/orders/"' in page.content.decode()
    assert client.get(base + "login/code/")["Location"] == base + "login/"


def test_login_by_code_goes_where_the_visitor_was_going(buyers, client):
    base = f"/{buyers.organizer.slug}/account/"
    client.post(base + "login/", {"email": ADA, "next": base + "orders/"})

    response = client.post(base + "login/code/", {"code": last_code(ADA)})

    assert response.status_code == 302
    assert response["Location"] == base + "orders/"
    assert client.get(base + "orders/").status_code == 200


def test_the_logged_in_message_speaks_the_persons_language(buyers, client):
    """The pages after login speak the person's language: the message above them too
    (it was in the browser's)."""
    buyers.organizer.languages = ["en", "fr"]
    buyers.organizer.save(update_fields=["languages"])
    Contact.objects.filter(email=ADA).update(language="fr")
    base = f"/{buyers.organizer.slug}/account/"
    client.post(base + "login/", {"email": ADA}, HTTP_ACCEPT_LANGUAGE="en")
    response = client.post(
        base + "login/code/", {"code": last_code(ADA)}, HTTP_ACCEPT_LANGUAGE="en", follow=True
    )
    page = response.content.decode()
    assert "Vous êtes connecté" in page and "You are logged in" not in page


@pytest.mark.parametrize(
    "next_url",
    ["https://evil.example/", "//evil.example/theatre/account/", "/control/", "/rival/account/"],
)
def test_login_never_sends_the_visitor_outside_this_personal_space(buyers, client, next_url):
    base = f"/{buyers.organizer.slug}/account/"
    client.post(base + "login/", {"email": ADA, "next": next_url})

    response = client.post(base + "login/code/", {"code": last_code(ADA)})

    assert response["Location"] == base


def test_a_code_typed_with_a_space_as_some_mail_readers_print_it_is_accepted(buyers, client):
    base = f"/{buyers.organizer.slug}/account/"
    client.post(base + "login/", {"email": ADA})
    code = last_code(ADA)

    response = client.post(base + "login/code/", {"code": f"{code[:3]} {code[3:]}"})

    assert response.status_code == 302
    assert client.get(base + "orders/").status_code == 200


def test_a_wrong_code_is_a_field_error_and_five_need_a_new_code(buyers, client):
    base = f"/{buyers.organizer.slug}/account/"
    client.post(base + "login/", {"email": ADA})
    code = last_code(ADA)
    wrong = f"{(int(code) + 1) % 10**6:06d}"

    statuses = [client.post(base + "login/code/", {"code": wrong}) for _ in range(5)]

    assert [r.status_code for r in statuses] == [422] * 5
    assert statuses[0].context["form"].errors == {
        "code": ["This code is not valid. Check the last e-mail we sent you."]
    }
    assert statuses[4].context["form"].errors == {
        "code": ["This code has expired or was tried too many times. Ask for a new code."]
    }
    assert statuses[4].context["spent"] is True
    assert client.post(base + "login/code/", {"code": code}).status_code == 422
    assert SESSION_KEY not in client.session or not client.session[SESSION_KEY]
    assert client.post(base + "login/code/", {"code": "12ab"}).context["form"].errors == {
        "code": ["Enter the 6 digits of the code."]
    }


def _normalized(response, email: str) -> str:
    text = response.content.decode().replace(email, "EMAIL")
    text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "CSRF", text)
    text = re.sub(r'nonce="[^"]+"', "NONCE", text)  # the CSP nonce is new on every answer
    return re.sub(r'"X-CSRFToken": "[^"]+"', "CSRF", text)


def test_known_and_unknown_addresses_get_the_same_answer_and_the_same_work(buyers):
    base = f"/{buyers.organizer.slug}/account/"
    answers = {}
    for email in (ADA, "stranger@example.org"):
        client = Client()
        client.get(base + "login/")
        queries = []

        def count(execute, sql, params, many, context, queries=queries):
            queries.append(sql)
            return execute(sql, params, many, context)

        # (CaptureQueriesContext loses the queries: each request resets the query log)
        with connection.execute_wrapper(count):
            response = client.post(base + "login/", {"email": email})
        page = client.get(response["Location"])
        answers[email] = (
            response.status_code,
            response["Location"],
            page.status_code,
            _normalized(page, email),
            len(queries),
        )

    known, unknown = answers[ADA], answers["stranger@example.org"]
    assert known == unknown
    assert known[:3] == (302, base + "login/code/", 200)
    assert known[4] >= 5  # the rate limits, the lookup, the code, the e-mail
    assert OutboxMessage.objects.count() == 2  # one e-mail each: the work is the same


def test_rate_limited_requests_answer_the_same_for_known_and_unknown(buyers, settings):
    settings.RIDEAU_ACCOUNT_CODE_RATE = (1, 900)
    base = f"/{buyers.organizer.slug}/account/"
    answers = []
    for email in (ADA, "stranger@example.org"):
        client = Client()
        client.post(base + "login/", {"email": email})
        response = client.post(base + "login/", {"email": email})
        answers.append((response.status_code, response.context["form"].errors))
    assert answers[0] == answers[1]
    assert answers[0] == (
        422,
        {"__all__": ["Too many attempts. Please wait a few minutes and try again."]},
    )


def test_the_dashboard_lists_what_awaits_the_buyer_soonest_first(buyers, ada):
    due = buyers.pending
    extra = sections.Section(
        key="test-reservations",
        title="Reservations",
        url_name="web:account-profile",
        awaiting_action=lambda account: [
            sections.ActionItem(
                title="Reservation due later",
                url_name="web:account-profile",
                deadline=due.expires_at + datetime.timedelta(days=1),
            ),
            sections.ActionItem(
                title="Reservation due first",
                url_name="web:account-profile",
                deadline=due.expires_at - datetime.timedelta(days=1),
            ),
        ],
        position=50,
    )
    sections.register(extra)
    try:
        response = ada.get(f"/{buyers.organizer.slug}/account/")
    finally:
        sections.unregister("test-reservations")

    assert response.status_code == 200
    titles = [entry["item"].title for entry in response.context["items"]]
    assert titles == [
        "Reservation due first",
        f"Order {due.code}: waiting for payment · Cyrano",
        "Reservation due later",
    ]
    text = response.content.decode()
    assert f"/theatre/account/orders/{due.code}/" in text
    assert "Amount due: 30.00 EUR" in text
    assert [s["key"] for s in response.context["sections"]] == [
        "orders",
        "reservations",
        "agenda",
        "passes",
        "meetings",  # the partners' section (rideau.partners)
        "test-reservations",
    ]


def test_my_orders_are_those_placed_with_my_address_on_every_channel(buyers, ada):
    response = ada.get(f"/{buyers.organizer.slug}/account/orders/")

    assert response.status_code == 200
    codes = [order.code for order in response.context["orders"]]
    assert sorted(codes) == sorted([buyers.paid.code, buyers.pending.code])
    assert buyers.other.code not in response.content.decode()
    # a cancelled order still says how many tickets it had (not "0 tickets")
    had = {o.code: o.ticket_count for o in response.context["orders"]}[buyers.pending.code]
    from rideau.orders import services as orders

    orders.cancel_order(buyers.pending, actor=None)
    again = ada.get(f"/{buyers.organizer.slug}/account/orders/").context["orders"]
    assert had > 0 and {o.code: o.ticket_count for o in again}[buyers.pending.code] == had


def test_an_order_page_shows_its_tickets_and_the_pdf_downloads(buyers, ada):
    base = f"/{buyers.organizer.slug}/account/orders/{buyers.paid.code}/"

    page = ada.get(base)
    pdf = ada.get(base + "tickets.pdf")

    assert page.status_code == 200
    assert len(page.context["tickets"]) == 2
    assert "Box office" in page.content.decode()
    event_name = buyers.paid.event.name["en"]
    assert page.content.decode().count(f"{event_name} · ") == 2  # each ticket names its show
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    pending = ada.get(f"/{buyers.organizer.slug}/account/orders/{buyers.pending.code}/")
    assert pending.context["due"] == buyers.pending.total  # nothing paid on it yet
    assert pending.context["pay_url"] == (
        f"/theatre/order/{buyers.pending.code}/{buyers.pending.secret}/"
    )
    assert (
        ada.get(
            f"/{buyers.organizer.slug}/account/orders/{buyers.pending.code}/tickets.pdf"
        ).status_code
        == 404
    )


def _account_routes(resolver=None, prefix=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _account_routes(entry, route)
        elif isinstance(entry, URLPattern) and getattr(entry.callback, "rideau_account", False):
            yield route


def grace_pass_and_resale(organizer) -> tuple[int, int]:
    """Grace's pass (another buyer of the same organiser), one ticket of it on resale."""
    from rideau.core.access import Actor
    from rideau.orders.services import Buyer
    from rideau.passes import resale
    from rideau.passes import services as passes
    from tests.factories import member
    from tests.passes.conftest import make_world

    world = make_world(organizer, Actor(user=member(organizer)), events=1)
    p = passes.sell_pass(
        organizer,
        rate=world.auto_rate,
        holder=passes.HolderInput(last_name="Hopper", first_name="Grace"),
        buyer=Buyer(email="grace@example.net", name="Grace Hopper"),
        paid=True,
        provider="cash",
    )
    [listing] = resale.list_tickets(p, tickets=list(p.tickets.all()), method="credit")
    return p.pk, listing.pk


def test_a_buyer_never_sees_another_buyers_files(buyers, ada):
    """Every page of the personal space, with Grace's order (or reservation) in the URL, as
    Ada."""
    from rideau.orders.services import Buyer
    from tests.reservations.conftest import make_world

    world = make_world(buyers.organizer)
    graces = reservation_services.reserve(
        buyers.organizer,
        event=world.event,
        lines=world.lines(1),
        buyer=Buyer(email="grace@example.net", name="Grace Hopper"),
        point_of_sale=world.phone,
    )
    codes = {"reservations/": graces.order.code}
    routes = list(_account_routes())
    assert len(routes) >= 5
    grace_pass, grace_resale = grace_pass_and_resale(buyers.organizer)
    tried = []
    before = snapshot()
    audit, outbox = AuditLogEntry.objects.count(), OutboxMessage.objects.count()
    for route in routes:
        if route.count("<") < 2:
            continue  # the organiser only: the buyer's own pages
        code = next((c for prefix, c in codes.items() if prefix in route), buyers.other.code)
        url = "/" + route.replace("<slug:organizer>", "theatre").replace(
            "<str:code>", code
        ).replace("<int:pass_id>", str(grace_pass)).replace("<int:resale_id>", str(grace_resale))
        assert "<" not in url, f"map the parameters of {route}"
        for method in ("get", "post"):
            response = getattr(ada, method)(url, {"email": "x@example.org"})
            assert response.status_code in (404, 405), f"{method} {url}"
            assert "Grace" not in response.content.decode()
            tried.append(url)
    # the order page and its PDF; the reservation page, pay and cancel: GET and POST; the
    # pass page, its card, paying with its credit (with Grace's order) and a resale's withdrawal
    assert len(tried) == 18
    assert snapshot() == before
    assert (AuditLogEntry.objects.count(), OutboxMessage.objects.count()) == (audit, outbox)


def test_an_account_of_one_organiser_does_not_open_another(buyers, ada):
    other = OrganizerFactory(slug="rival-space")
    ContactFactory(organizer=other, email=ADA)
    other_world = make_orders(other, slug="other-show")

    for path in ("", "orders/", f"orders/{other_world.paid.code}/", "profile/"):
        response = ada.get(f"/rival-space/account/{path}")
        assert response.status_code == 302
        assert response["Location"].startswith("/rival-space/account/login/")
    # and A's space still works in the same session
    assert ada.get(f"/{buyers.organizer.slug}/account/").status_code == 200
    assert (
        ada.get(f"/{buyers.organizer.slug}/account/orders/{other_world.paid.code}/").status_code
        == 404
    )


def test_a_buyer_is_not_staff_and_staff_are_not_buyers(buyers, ada, owner_client):
    control = ada.get("/control/")
    assert control.status_code == 302
    assert control["Location"].startswith("/control/login/")
    assert ada.get(f"/control/{buyers.organizer.slug}/").status_code == 302

    staff = owner_client.get(f"/{buyers.organizer.slug}/account/")
    assert staff.status_code == 302
    assert staff["Location"].startswith(f"/{buyers.organizer.slug}/account/login/")


def test_logout_ends_only_this_space(buyers, ada):
    base = f"/{buyers.organizer.slug}/account/"
    assert ada.get(base + "logout/").status_code == 405

    response = ada.post(base + "logout/")

    assert response["Location"] == base + "login/"
    assert ada.get(base).status_code == 302


def test_every_form_needs_its_csrf_token(buyers):
    client = Client(enforce_csrf_checks=True)
    base = f"/{buyers.organizer.slug}/account/"
    for path, data in [
        ("login/", {"email": ADA}),
        ("login/password/", {"email": ADA, "password": "x"}),
        ("login/code/", {"code": "123456"}),
        ("logout/", {}),
        ("profile/", {"first_name": "X"}),
    ]:
        assert client.post(base + path, data).status_code == 403, path
    assert OutboxMessage.objects.count() == 0
    # the pages carry the token in every form
    page = client.get(base + "login/").content.decode()
    assert page.count('name="csrfmiddlewaretoken"') == page.count("<form")


def test_the_profile_changes_the_name_and_language(buyers, ada):
    organizer = buyers.organizer
    organizer.languages = ["en", "fr"]
    organizer.save()
    url = f"/{organizer.slug}/account/profile/"

    bad = ada.post(url, {"form": "profile", "first_name": "Ada", "language": "de"})
    assert bad.status_code == 422
    assert "language" in bad.context["profile_form"].errors

    response = ada.post(
        url, {"form": "profile", "first_name": "Ada", "last_name": "King", "language": "fr"}
    )

    assert response.status_code == 302
    account = Account.objects.get()
    assert (account.contact.first_name, account.contact.last_name) == ("Ada", "King")
    assert account.contact.language == "fr"
    page = ada.get(f"/{organizer.slug}/account/")
    assert "Bonjour Ada" in page.content.decode()
    assert AuditLogEntry.objects.filter(action="contact.updated_by_self").count() == 1


def test_a_password_set_after_a_code_login_then_logs_in(buyers, ada):
    url = f"/{buyers.organizer.slug}/account/profile/"
    short = ada.post(
        url, {"form": "password", "new_password": "short", "new_password_again": "short"}
    )
    assert short.status_code == 422
    assert "new_password" in short.context["password_form"].errors
    differ = ada.post(
        url,
        {"form": "password", "new_password": "a long phrase", "new_password_again": "other"},
    )
    assert differ.context["password_form"].errors == {
        "new_password_again": ["The two passwords differ."]
    }

    ok = ada.post(
        url,
        {
            "form": "password",
            "new_password": "a long phrase here",
            "new_password_again": "a long phrase here",
        },
    )

    assert ok.status_code == 302
    assert ada.get(f"/{buyers.organizer.slug}/account/").status_code == 200  # still in
    fresh = Client()
    login = fresh.post(
        f"/{buyers.organizer.slug}/account/login/password/",
        {"email": ADA, "password": "a long phrase here"},
    )
    assert login.status_code == 302
    assert fresh.get(f"/{buyers.organizer.slug}/account/").status_code == 200
    # logged in with the password: changing it asks for the current one
    page = fresh.get(url)
    assert "current_password" in page.context["password_form"].fields
    wrong = fresh.post(
        f"/{buyers.organizer.slug}/account/login/password/",
        {"email": ADA, "password": "not the password"},
    )
    assert wrong.status_code == 422
    assert wrong.context["password_form"].errors == {
        "password": ["Wrong e-mail address or password."]
    }


def test_the_space_speaks_french_with_french_numbers_and_the_organisers_time(buyers, ada):
    organizer = buyers.organizer
    organizer.languages = ["fr", "en"]
    organizer.timezone = "America/Montreal"
    organizer.save()
    Contact.objects.filter(organizer=organizer, email__iexact=ADA).update(language="fr")
    deadline = buyers.pending.expires_at.astimezone(zoneinfo.ZoneInfo("America/Montreal"))

    page = ada.get(f"/{organizer.slug}/account/").content.decode()

    assert "En attente de votre action" in page
    assert "Montant dû : 30,00 EUR" in page
    assert f"{deadline:%H:%M}" in page


@pytest.mark.parametrize("email", ["", "not-an-address", "a@b@c", "x" * 250 + "@example.org"])
def test_a_bad_address_is_a_field_error_and_writes_nothing(buyers, client, email):
    response = client.post(f"/{buyers.organizer.slug}/account/login/", {"email": email})

    assert response.status_code == 422
    assert list(response.context["form"].errors) == ["email"]
    assert OutboxMessage.objects.count() == 0
    assert LoginCode.objects.count() == 0


def test_a_section_whose_pages_are_not_installed_is_left_out(buyers, ada):
    sections.register(
        sections.Section(
            key="test-missing",
            title="Missing",
            url_name="web:no-such-page",
            awaiting_action=lambda account: [
                sections.ActionItem(title="Unreachable", url_name="web:no-such-page")
            ],
        )
    )
    try:
        response = ada.get(f"/{buyers.organizer.slug}/account/")
    finally:
        sections.unregister("test-missing")

    assert response.status_code == 200
    assert [s["key"] for s in response.context["sections"]] == [
        "orders",
        "reservations",
        "agenda",
        "passes",
        "meetings",
    ]
    assert "Unreachable" not in response.content.decode()
