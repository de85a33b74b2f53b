"""Schema fuzzing: every operation of /api/v1/openapi.json, with generated input (valid and
invalid), as an owner, under ALL of schemathesis' checks (`--checks all`): no server error
(DESIGN rule 5), every status code and answer as documented, invalid input refused, valid
input accepted or refused only by a domain rule (404, 409, 422)."""

import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig
from schemathesis.core.parameters import ParameterLocation

from rideau.api.main import api
from rideau.core.models import ApiToken
from rideau.core.roles import Role
from tests.api.conftest import make_token
from tests.factories import (
    CashSessionFactory,
    CheckinListFactory,
    ContactFactory,
    CustomFieldFactory,
    EventDateFactory,
    EventFactory,
    EventPassageFactory,
    GiftVoucherFactory,
    LocationFactory,
    MessageTemplateFactory,
    OrderFactory,
    PartnerFactory,
    PositionFactory,
    ProductFactory,
    QuotaFactory,
    RateFactory,
    RegistrationFactory,
    ScenarioFactory,
    SegmentFactory,
    SessionFactory,
    StepFactory,
    TeamMemberFactory,
    VenueFactory,
    VoucherFactory,
    WaitlistEntryFactory,
    member,
)
from tests.passes.conftest import cross_org_objects

# Bounded for CI (6 generated requests per operation, every check, under a minute, the same
# ones on every run of the same code); set
# RIDEAU_FUZZ_EXAMPLES for more, and RIDEAU_FUZZ_FULL=1 to add schemathesis' coverage phase
# (hundreds of boundary cases per operation: huge numbers, NUL bytes, over-long strings…).
FULL = bool(os.environ.get("RIDEAU_FUZZ_FULL"))
config = SchemathesisConfig.from_dict(
    {
        "phases": {"coverage": {"enabled": FULL}, "examples": {"enabled": FULL}},
        "generation": {
            # the token is ours (below); unknown query parameters are ignored, as documented
            "with-security-parameters": False,
            "allow-extra-parameters": False,
        },
        "checks": {
            # a schema-valid request may still break a domain rule the schema cannot say
            # (a slug taken, an unknown reference, a sold-out rate): 404, 409 or 422 then
            "positive_data_acceptance": {
                "expected-statuses": ["2xx", "400", "401", "403", "404", "409", "422", "429"]
            },
        },
    }
)
schema = schemathesis.openapi.from_dict(api.get_openapi_schema(), config=config)
# requests go straight to the Django WSGI application, in this thread and this transaction
schema.app = get_wsgi_application()


@pytest.fixture
def in_test_transaction():
    """Like Django's test client: a request must not close the test's database connection
    (it would on PostgreSQL, where the open test transaction looks like a stale connection)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def world(organizer):
    """Real objects for the path parameters, so generated bodies reach the services."""
    venue = VenueFactory(organizer=organizer, capacity=300)
    location = LocationFactory(venue=venue, capacity=120)
    event = EventFactory(organizer=organizer, slug="fuzz-event", venue=venue)
    date = EventDateFactory(event=event)
    session = SessionFactory(event=event, location=location)
    product = ProductFactory(event=event)
    rate = RateFactory(product=product)
    contact = ContactFactory(organizer=organizer)
    CustomFieldFactory(organizer=organizer, key="size", kind="choice", choices=["S", "M"])
    field = CustomFieldFactory(organizer=organizer, key="note")
    order = OrderFactory(organizer=organizer, event=event)
    checkin_list = CheckinListFactory(event=event)
    quota = QuotaFactory(organizer=organizer, event=event, date=None, size=50)
    partner = PartnerFactory(event=event)
    passes = cross_org_objects(organizer, member(organizer))
    return {
        "token": make_token(organizer, Role.OWNER),
        "path": {
            "organizer": organizer.slug,
            "event": event.slug,
            "venue_id": venue.pk,
            "location_id": location.pk,
            "date_id": date.pk,
            "session_id": session.pk,
            "product_id": product.pk,
            "rate_id": rate.pk,
            "contact_id": contact.pk,
            "field_id": field.pk,
            "code": order.code,
            "access_code": checkin_list.access_code,
            "checkinlist_id": checkin_list.pk,
            "voucher_id": VoucherFactory(organizer=organizer).pk,
            "position_id": PositionFactory(order=order).pk,
            "quota_id": quota.pk,
            "registration_id": RegistrationFactory(session=session).pk,
            "entry_id": WaitlistEntryFactory(session=session).pk,
            "giftvoucher_id": GiftVoucherFactory(organizer=organizer).pk,
            "cashsession_id": CashSessionFactory(organizer=organizer).pk,
            "partner_id": partner.pk,
            "teammember_id": TeamMemberFactory(partner=partner).pk,
            "pass_product_id": passes["passes.PassProduct"].pk,
            "pass_id": passes["passes.Pass"].pk,
            "resale_id": passes["passes.Resale"].pk,
            # another token than the caller's: revoking it must not end the run
            "token_id": ApiToken.objects.get(hint=make_token(organizer, Role.READ_ONLY)[:8]).pk,
            "segment_id": SegmentFactory(organizer=organizer).pk,
            "message_template_id": MessageTemplateFactory(organizer=organizer).pk,
            "scenario_id": (scenario := ScenarioFactory(organizer=organizer)).pk,
            "passage_id": EventPassageFactory(event=event).pk,
            "step_id": StepFactory(
                scenario=scenario, template=MessageTemplateFactory(organizer=organizer)
            ).pk,
        },
    }


@pytest.mark.slow
@schema.parametrize()
@settings(
    max_examples=int(os.environ.get("RIDEAU_FUZZ_EXAMPLES", "6")),
    deadline=None,
    database=None,
    # CI runs the same cases for the same code (never a flaky gate); the full run explores
    derandomize=not FULL,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
def test_no_operation_answers_a_server_error(case, world, in_test_transaction):
    # real objects in the path, unless the path itself is what this case makes invalid
    if not case.meta or not case.meta.is_negative_at(ParameterLocation.PATH):
        for name in list(case.path_parameters or {}):
            case.path_parameters[name] = world["path"][name]
    case.call_and_validate(headers={"Authorization": f"Bearer {world['token']}"})
