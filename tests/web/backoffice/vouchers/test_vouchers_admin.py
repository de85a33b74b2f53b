"""Back-office discount codes: list (search, active filter, used/max), add one code,
generate many with a prefix, edit, deactivate; field errors that change nothing,
permissions and query counts."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection
from django.db.models import QuerySet
from django.test.utils import CaptureQueriesContext

from rideau.core.access import Actor
from rideau.core.errors import ValidationFailed
from rideau.core.models import AuditLogEntry
from rideau.core.roles import Role
from rideau.orders import services as order_services
from rideau.orders import vouchers as services
from rideau.orders.models import Order, Voucher
from rideau.orders.services import Buyer, OrderLine
from tests.factories import (
    EventFactory,
    OrganizerFactory,
    ProductFactory,
    VoucherFactory,
    member,
)
from tests.orders.test_vouchers import make_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(organizer):
    return EventFactory(organizer=organizer, slug="hamlet", name={"en": "Hamlet"})


@pytest.fixture
def product(event):
    return ProductFactory(event=event, organizer=event.organizer, name={"en": "Seat"})


def url(organizer, tail=""):
    return f"/control/{organizer.slug}/vouchers/{tail}"


def single(**overrides):
    data = {
        "form": "single",
        "single-code": "SPRING25",
        "single-kind": "percent",
        "single-value": "25",
        "single-event": "",
        "single-max_usages": "",
        "single-valid_from": "",
        "single-valid_until": "",
        "single-active": "on",
        "single-partner_ref": "",
    }
    data.update({f"single-{k}": v for k, v in overrides.items()})
    return data


def batch(**overrides):
    data = {
        "form": "batch",
        "batch-count": "5",
        "batch-prefix": "FNAC-",
        "batch-kind": "amount",
        "batch-value": "5.00",
        "batch-event": "",
        "batch-max_usages": "1",
        "batch-valid_from": "",
        "batch-valid_until": "",
        "batch-active": "on",
        "batch-partner_ref": "Fnac",
    }
    data.update({f"batch-{k}": v for k, v in overrides.items()})
    return data


def edit(voucher, **overrides):
    data = {
        "code": voucher.code,
        "kind": voucher.kind,
        "value": str(voucher.value),
        "event": str(voucher.event_id or ""),
        "max_usages": "" if voucher.max_usages is None else str(voucher.max_usages),
        "valid_from": "",
        "valid_until": "",
        "active": "on" if voucher.active else "",
        "partner_ref": voucher.partner_ref,
    }
    data.update(overrides)
    return data


def state():
    return (
        list(Voucher.objects.order_by("pk").values()),
        AuditLogEntry.objects.count(),
    )


# --- list ----------------------------------------------------------------------------------


def test_the_list_shows_codes_with_their_uses(organizer, owner_client, event):
    VoucherFactory(organizer=organizer, code="GALA", used=3, max_usages=10, event=event)
    VoucherFactory(organizer=organizer, code="FREE", kind="amount", value=Decimal("5"))

    response = owner_client.get(url(organizer))

    assert response.status_code == 200
    page = response.content.decode()
    assert "<code>GALA</code>" in page
    assert "3 / 10" in page
    assert "0 / ∞" in page
    assert "5.00 EUR" in page
    assert 'href="/control/theatre/vouchers/"' in page  # the organiser navigation


def test_search_by_code_and_filter_active(organizer, owner_client):
    VoucherFactory(organizer=organizer, code="SPRING-A")
    VoucherFactory(organizer=organizer, code="SPRING-B", active=False)
    VoucherFactory(organizer=organizer, code="SUMMER", partner_ref="spring campaign")

    def codes(query):
        response = owner_client.get(url(organizer) + query)
        return [v.code for v in response.context["vouchers"]]

    assert codes("?q=spring") == ["SPRING-A", "SPRING-B", "SUMMER"]
    assert codes("?q=spring-&state=active") == ["SPRING-A"]
    assert codes("?state=inactive") == ["SPRING-B"]
    assert codes("?state=bogus") == ["SPRING-A", "SPRING-B", "SUMMER"]  # a bad filter: all


def test_pages_keep_the_search(organizer, owner_client, monkeypatch):
    from rideau.web.backoffice.vouchers import views

    monkeypatch.setattr(views, "VOUCHERS_PER_PAGE", 2)
    for i in range(3):
        VoucherFactory(organizer=organizer, code=f"PAGE{i}")

    page = owner_client.get(url(organizer) + "?q=page").content.decode()

    assert 'href="?q=page&amp;page=2"' in page


def _list_queries(client, organizer) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url(organizer))
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_the_list_costs_the_same_queries_for_1_and_3_codes(organizer, owner_client, product):
    def add():
        voucher = VoucherFactory(organizer=organizer, event=product.event, max_usages=5)
        voucher.products.add(product)

    add()
    one = _list_queries(owner_client, organizer)
    add()
    add()
    three = _list_queries(owner_client, organizer)

    assert one == three


# --- create one code -----------------------------------------------------------------------


def test_add_a_code_restricted_to_a_product(organizer, owner_client, event, product):
    response = owner_client.post(
        url(organizer),
        single(
            event=str(event.pk),
            products=[str(product.pk)],
            max_usages="100",
            valid_from="2026-12-01T10:00",
            valid_until="2026-12-31T23:59",
            partner_ref="Radio Nova",
        ),
    )

    assert response.status_code == 302
    voucher = Voucher.objects.get(organizer=organizer)
    assert (voucher.code, voucher.kind, voucher.value) == ("SPRING25", "percent", Decimal("25"))
    assert (voucher.event, voucher.max_usages, voucher.partner_ref) == (event, 100, "Radio Nova")
    assert list(voucher.products.all()) == [product]
    assert voucher.valid_from.isoformat() == "2026-12-01T09:00:00+00:00"  # Paris time
    entry = AuditLogEntry.objects.get(action="voucher.created")
    assert entry.after["products"] == [product.pk]


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"code": "spring"}, "code", "already has a discount code “spring” (codes ignore case)"),
        ({"code": "with space"}, "code", "Use letters, digits, hyphens and underscores only"),
        ({"code": ""}, "code", "This field is required."),
        ({"value": "101"}, "value", "A percentage is at most 100."),
        ({"value": "0"}, "value", "Enter a value above 0."),
        ({"value": "abc"}, "value", "Enter a number."),
        ({"max_usages": "0"}, "max_usages", "greater than or equal to 1"),
        (
            {"valid_from": "2026-12-31T10:00", "valid_until": "2026-12-01T10:00"},
            "valid_until",
            "The end of the validity must come after its start.",
        ),
        ({"partner_ref": "x\x00y"}, "partner_ref", "Null characters are not allowed."),
    ],
)
def test_bad_input_is_a_field_error_and_changes_nothing(
    organizer, owner_client, overrides, field, message
):
    VoucherFactory(organizer=organizer, code="SPRING")
    before = state()

    response = owner_client.post(url(organizer), single(**overrides))

    assert response.status_code == 422
    errors = response.context["single"].errors
    assert field in errors, errors
    assert any(message in error for error in errors[field]), errors
    assert state() == before


def test_products_must_be_of_the_chosen_event(organizer, owner_client, event, product):
    other_event = EventFactory(organizer=organizer)
    before = state()

    response = owner_client.post(
        url(organizer), single(event=str(other_event.pk), products=[str(product.pk)])
    )

    assert response.status_code == 422
    assert response.context["single"].errors["products"] == [
        "Choose products of the chosen event only."
    ]
    assert state() == before


def test_another_organisers_event_or_product_cannot_be_chosen(
    organizer, owner_client, other_organizer
):
    foreign_product = ProductFactory(
        event=EventFactory(organizer=other_organizer), organizer=other_organizer
    )
    before = state()

    response = owner_client.post(
        url(organizer),
        single(event=str(foreign_product.event.pk), products=[str(foreign_product.pk)]),
    )

    assert response.status_code == 422
    assert set(response.context["single"].errors) == {"event", "products"}
    assert state() == before


# --- generate ------------------------------------------------------------------------------


def test_generate_codes_with_a_prefix(organizer, owner_client, product):
    response = owner_client.post(url(organizer), batch(products=[str(product.pk)]))

    assert response.status_code == 302
    assert response["Location"] == "/control/theatre/vouchers/?q=FNAC-"
    vouchers = list(Voucher.objects.filter(organizer=organizer))
    assert len(vouchers) == 5
    assert len({v.code.lower() for v in vouchers}) == 5
    for voucher in vouchers:
        assert voucher.code.startswith("FNAC-") and len(voucher.code) == 13
        assert (voucher.kind, voucher.value, voucher.max_usages) == ("amount", Decimal("5"), 1)
        assert voucher.partner_ref == "Fnac"
        assert list(voucher.products.all()) == [product]
    assert AuditLogEntry.objects.filter(action="voucher.created").count() == 5
    listed = owner_client.get(response["Location"]).context["vouchers"]
    assert len(listed) == 5


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"count": "0"}, "count"),
        ({"count": "1001"}, "count"),
        ({"prefix": "bad prefix"}, "prefix"),
        ({"prefix": "x" * 43}, "prefix"),
        ({"kind": "percent", "value": "150"}, "value"),
    ],
)
def test_bad_generation_input_creates_nothing(organizer, owner_client, overrides, field):
    before = state()

    response = owner_client.post(url(organizer), batch(**overrides))

    assert response.status_code == 422
    assert field in response.context["batch"].errors
    assert state() == before


# --- edit and deactivate -------------------------------------------------------------------


def test_edit_a_code(organizer, owner_client, event):
    voucher = VoucherFactory(organizer=organizer, code="GALA", used=2, max_usages=10)

    page = owner_client.get(url(organizer, f"{voucher.pk}/")).content.decode()
    assert "Used 2 times so far" in page

    response = owner_client.post(
        url(organizer, f"{voucher.pk}/"),
        edit(voucher, kind="amount", value="7.50", max_usages="2", event=str(event.pk), active=""),
    )

    assert response.status_code == 302
    voucher.refresh_from_db()
    assert (voucher.kind, voucher.value, voucher.max_usages) == ("amount", Decimal("7.50"), 2)
    assert (voucher.event, voucher.active, voucher.used) == (event, False, 2)
    entry = AuditLogEntry.objects.get(action="voucher.updated")
    assert entry.before["max_usages"] == 10 and entry.after["max_usages"] == 2


def test_max_usages_never_below_used(organizer, owner_client):
    voucher = VoucherFactory(organizer=organizer, code="GALA", used=4, max_usages=10)
    before = state()

    response = owner_client.post(url(organizer, f"{voucher.pk}/"), edit(voucher, max_usages="3"))

    assert response.status_code == 422
    assert response.context["form"].errors["max_usages"] == [
        "This code was already used 4 times: the maximum cannot be lower."
    ]
    assert state() == before


def test_an_edit_never_loses_a_use_made_meanwhile(organizer, owner):
    voucher = VoucherFactory(organizer=organizer, code="GALA", max_usages=5)
    Voucher.objects.filter(pk=voucher.pk).update(used=3)  # orders redeemed it meanwhile

    with pytest.raises(ValidationFailed) as exc:
        services.update_voucher(voucher, actor=Actor(user=owner), max_usages=2)
    assert "max_usages" in exc.value.errors
    services.update_voucher(voucher, actor=Actor(user=owner), value=Decimal("20"))

    voucher.refresh_from_db()
    assert (voucher.used, voucher.value, voucher.max_usages) == (3, Decimal("20"), 5)


def test_renaming_to_another_codes_name_is_refused(organizer, owner_client):
    VoucherFactory(organizer=organizer, code="TAKEN")
    voucher = VoucherFactory(organizer=organizer, code="MINE")
    before = state()

    response = owner_client.post(url(organizer, f"{voucher.pk}/"), edit(voucher, code="taken"))

    assert response.status_code == 422
    assert "code" in response.context["form"].errors
    assert state() == before


def test_deactivate(organizer, owner_client):
    voucher = VoucherFactory(organizer=organizer, code="GALA")

    response = owner_client.post(url(organizer, f"{voucher.pk}/deactivate/"))

    assert response.status_code == 302
    voucher.refresh_from_db()
    assert voucher.active is False
    assert AuditLogEntry.objects.filter(action="voucher.updated").count() == 1


# --- permissions and tenancy ---------------------------------------------------------------


def test_read_only_sees_the_codes_but_cannot_change_them(organizer, client_for):
    voucher = VoucherFactory(organizer=organizer, code="GALA")
    client = client_for(member(organizer, Role.READ_ONLY))
    before = state()

    response = client.get(url(organizer))
    assert response.status_code == 200
    assert "GALA" in response.content.decode()
    assert 'name="form"' not in response.content.decode()  # no forms offered
    assert client.post(url(organizer), single()).status_code == 403
    assert client.post(url(organizer), batch()).status_code == 403
    assert client.post(url(organizer, f"{voucher.pk}/"), edit(voucher, value="99")).status_code == (
        403
    )
    assert client.post(url(organizer, f"{voucher.pk}/deactivate/")).status_code == 403
    assert state() == before


def test_check_in_staff_do_not_see_the_codes(organizer, client_for):
    client = client_for(member(organizer, Role.CHECKIN))

    assert client.get(url(organizer)).status_code == 403


def test_an_event_manager_manages_codes(organizer, client_for):
    client = client_for(member(organizer, Role.EVENT_MANAGER))

    assert client.post(url(organizer), single()).status_code == 302
    assert Voucher.objects.filter(organizer=organizer).count() == 1


def test_another_organisers_code_is_not_found(organizer, owner_client, other_organizer):
    foreign = VoucherFactory(organizer=other_organizer, code="RIVAL")
    before = state()

    assert owner_client.get(url(organizer, f"{foreign.pk}/")).status_code == 404
    assert owner_client.post(url(organizer, f"{foreign.pk}/"), edit(foreign)).status_code == 404
    assert owner_client.post(url(organizer, f"{foreign.pk}/deactivate/")).status_code == 404
    assert state() == before
    assert "RIVAL" not in owner_client.get(url(organizer) + "?q=rival").content.decode()


# --- an edit while an order redeems the code (PostgreSQL) ----------------------------------

postgres_only = pytest.mark.skipif(
    "postgresql" not in settings.DATABASES["default"]["ENGINE"],
    reason="row locks are proven on PostgreSQL; SQLite serialises every writer",
)


def _edit_during_an_order(monkeypatch):
    """An edit of a code that stops (after reading it) until `release` is set, and an order
    using the code."""
    world = make_world(OrganizerFactory(), size=50)
    organizer = world["event"].organizer
    owner = member(organizer)
    code = VoucherFactory(organizer=organizer, code="LIVE", max_usages=5)
    inside, release = threading.Event(), threading.Event()
    real_clean = services._clean_voucher

    def clean_then_wait(voucher, products, errors):
        real_clean(voucher, products, errors)
        inside.set()
        release.wait(timeout=10)

    monkeypatch.setattr(services, "_clean_voucher", clean_then_wait)

    def edit():
        try:
            voucher = Voucher.objects.get(pk=code.pk)
            services.update_voucher(voucher, actor=Actor(user=owner), value=Decimal("15"))
        finally:
            connection.close()

    def buy():
        try:
            order_services.place_order(
                organizer,
                event=world["event"],
                lines=[OrderLine(rate=world["full"], date=world["date"])],
                buyer=Buyer(email="ana@example.net"),
                voucher_code="live",
            )
        finally:
            connection.close()

    return code, edit, buy, inside, release


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
@postgres_only
def test_an_edit_and_an_order_at_the_same_time_lose_no_use(monkeypatch):
    """The edit locks the code's row: the order's use waits for it and is counted after,
    instead of being overwritten by the edit's save (a lost use lets the code over-redeem)."""
    code, edit, buy, inside, release = _edit_during_an_order(monkeypatch)

    with ThreadPoolExecutor(max_workers=2) as pool:
        editing = pool.submit(edit)
        assert inside.wait(timeout=10)
        buying = pool.submit(buy)
        time.sleep(0.5)
        waited = not buying.done()
        release.set()
        editing.result(timeout=10)
        buying.result(timeout=10)

    assert waited
    code.refresh_from_db()
    assert (code.used, code.value) == (1, Decimal("15.00"))


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
@postgres_only
def test_control_without_the_lock_the_edit_loses_the_use(monkeypatch):
    """Proves the test above can fail: without the row lock the order completes during the
    edit, and the edit's save writes the old count back."""
    monkeypatch.setattr(QuerySet, "select_for_update", lambda self, **kwargs: self)
    code, edit, buy, inside, release = _edit_during_an_order(monkeypatch)

    with ThreadPoolExecutor(max_workers=2) as pool:
        editing = pool.submit(edit)
        assert inside.wait(timeout=10)
        pool.submit(buy).result(timeout=10)  # not held up by anything
        release.set()
        editing.result(timeout=10)

    code.refresh_from_db()
    assert Order.objects.filter(voucher=code).count() == 1
    assert code.used == 0  # the use was lost
