"""The subscriber space's login (SPEC D6): e-mail + pass code, then the e-mailed one-time
code; the same answer and the same work whether or not the pair exists; rate limits."""

import datetime
import re

import pytest
from django.utils import timezone

from rideau.accounts import services as accounts
from rideau.accounts.errors import AccountError
from rideau.messaging.models import OutboxMessage
from rideau.orders import services as orders
from rideau.passes import services, subscribers

pytestmark = pytest.mark.django_db


@pytest.fixture
def sold(world):
    return services.sell_pass(
        world.organizer,
        rate=world.auto_rate,
        holder=services.HolderInput(last_name="Lopez", first_name="Ana"),
        buyer=orders.Buyer(email="ana@example.net", name="Ana Lopez"),
        paid=True,
        provider="cash",
    )


def code_in_last_mail(email: str) -> str:
    mail = OutboxMessage.objects.filter(to=[email]).order_by("-id").first()
    match = re.search(r"\b(\d{6})\b", mail.subject + mail.body_text)
    return match.group(1) if match else ""


def test_the_right_pair_leads_to_the_pass_after_the_emailed_code(world, sold):
    matched = subscribers.request_subscriber_code(
        world.organizer, email="ANA@example.net", pass_code=sold.plain_code, client="1.2.3.4"
    )
    code = code_in_last_mail("ana@example.net")
    account = accounts.verify_login_code(
        world.organizer, email="ana@example.net", code=code, client="1.2.3.4"
    )

    assert matched == sold.pk
    assert [p.pk for p in subscribers.subscriber_passes(account)] == [sold.pk]


def test_a_wrong_pair_gets_the_same_answer_and_the_same_work(world, sold):
    before = OutboxMessage.objects.count()
    wrong_code = subscribers.request_subscriber_code(
        world.organizer, email="ana@example.net", pass_code="WRONGCODE1", client="1.2.3.4"
    )
    wrong_mail = subscribers.request_subscriber_code(
        world.organizer, email="eve@example.net", pass_code=sold.plain_code, client="1.2.3.4"
    )

    assert wrong_code is None and wrong_mail is None
    assert OutboxMessage.objects.count() == before + 2  # one e-mail each, as for the right pair


def test_an_expired_code_is_refused(world, sold):
    now = timezone.now()
    subscribers.request_subscriber_code(
        world.organizer, email="ana@example.net", pass_code=sold.plain_code, client="c", now=now
    )
    code = code_in_last_mail("ana@example.net")

    with pytest.raises(AccountError) as exc:
        accounts.verify_login_code(
            world.organizer,
            email="ana@example.net",
            code=code,
            client="c",
            now=now + datetime.timedelta(minutes=11),
        )
    assert exc.value.code == "code_spent"


def test_five_wrong_tries_spend_the_code(world, sold):
    subscribers.request_subscriber_code(
        world.organizer, email="ana@example.net", pass_code=sold.plain_code, client="c"
    )
    code = code_in_last_mail("ana@example.net")
    wrong = "000000" if code != "000000" else "111111"
    codes = []
    for _i in range(5):
        with pytest.raises(AccountError) as exc:
            accounts.verify_login_code(
                world.organizer, email="ana@example.net", code=wrong, client="c"
            )
        codes.append(exc.value.code)
    assert codes == ["invalid_code"] * 4 + ["code_spent"]
    with pytest.raises(AccountError) as exc:  # even the right code: a new one is needed
        accounts.verify_login_code(world.organizer, email="ana@example.net", code=code, client="c")
    assert exc.value.code == "code_spent"


def test_attempts_are_limited_per_pass_code(world, sold):
    for i in range(subscribers.PASS_CODE_RATE[0]):
        subscribers.request_subscriber_code(
            world.organizer,
            email=f"guess{i}@example.net",
            pass_code=sold.plain_code,
            client=f"10.0.0.{i}",
        )
    with pytest.raises(AccountError) as exc:
        subscribers.request_subscriber_code(
            world.organizer, email="ana@example.net", pass_code=sold.plain_code, client="10.0.1.1"
        )
    assert exc.value.code == "rate_limited"


def test_the_login_page_answers_a_wrong_pair_as_the_right_one_with_the_same_statements(world, sold):
    """No enumeration by wording or by timing: the same redirect and code page, and the
    same database work (statement by statement kinds), for the right pair, a wrong pass
    code and an address that holds no pass."""
    from django.core.cache import cache
    from django.test import Client
    from django.urls import reverse

    from tests.perf.statements import recorded

    def same_for_all(html: str, email: str) -> str:  # the per-response nonce and CSRF token
        html = re.sub(r'(nonce|value|X-CSRFToken)(=|": )"[^"]{20,}"', r'\1\2"…"', html)
        return html.replace(email, "<address>")

    def statement(sql: str) -> str:  # its kind and tables, savepoint names aside
        return re.sub(r'"s\d+_x\d+"', "…", re.sub(r"\s+", " ", sql).split(" WHERE ")[0])

    login = reverse("web:account-subscriber-login", args=[world.organizer.slug])
    answers = []
    for email, code in (
        ("ana@example.net", sold.plain_code),
        ("ana@example.net", "WRONGCODE1"),
        ("eve@example.net", sold.plain_code),
    ):
        cache.clear()  # the rate limits start equal for each
        client = Client()
        with recorded() as found:
            response = client.post(login, {"email": email, "pass_code": code})
        page = client.get(response["Location"])
        answers.append(
            (
                response.status_code,
                response["Location"],
                same_for_all(page.content.decode(), email),
                [statement(sql) for sql in found.statements],
            )
        )
    assert answers[0][0] == 302 and answers[0][3]
    assert answers[0] == answers[1] == answers[2]
