"""The path parameters of the API's URLs, one schema per kind of object a URL addresses.

A view takes its path parameters as one `path: Path[SomePath]`: ninja lists the fields one by
one in the OpenAPI document (named, typed and bounded as the URL templates say), and the view
reads `path.organizer`, `path.event_for(request, perm)`, `path.get_or_404(...)`."""

from typing import Annotated, Any, TypeVar

from django.db.models import Model, QuerySet
from django.http import HttpRequest
from ninja import Schema
from pydantic import Field

from rideau.core.access import get_scoped_or_404
from rideau.core.models import Organizer
from rideau.core.roles import Perm
from rideau.events.models import Event

from .common import event_for, organizer_for
from .schemas.common import MAX_ID, SLUG_PATTERN, NotBoolean

M = TypeVar("M", bound=Model)

Slug = Annotated[str, Field(pattern=SLUG_PATTERN, max_length=50)]
PathId = Annotated[int, Field(ge=1, le=MAX_ID), NotBoolean]
OrderCode = Annotated[str, Field(pattern=r"^[A-Z0-9]{1,16}$", max_length=16)]


class OrganizerPath(Schema):
    organizer: Slug

    def organizer_for(self, request: HttpRequest, perm: str = Perm.VIEW) -> Organizer:
        return organizer_for(request, self.organizer, perm)

    def get_or_404(
        self, request: HttpRequest, source: QuerySet[M], perm: str = Perm.VIEW, **lookups: Any
    ) -> M:
        """The one object of `source` matching `lookups` within the organiser of the URL: 404
        unless it is there and the caller a member, 403 without `perm`."""
        return get_scoped_or_404(source, self.organizer_for(request, perm), **lookups)


def path_schema_names(cls: type[Schema] = OrganizerPath) -> set[str]:
    """The path schemas' names: ninja lists their fields as the operations' parameters, but
    also adds them to the document's schemas, where nothing refers to them."""
    return {cls.__name__}.union(*(path_schema_names(sub) for sub in cls.__subclasses__()))


# --- under an organiser -------------------------------------------------------------------


class AudiencePath(OrganizerPath):
    code: Slug


class CashSessionPath(OrganizerPath):
    cashsession_id: PathId


class CheckinListPath(OrganizerPath):
    checkinlist_id: PathId


class CheckinSessionPath(CheckinListPath):
    session_id: PathId


class ContactPath(OrganizerPath):
    contact_id: PathId


class FieldPath(OrganizerPath):
    field_id: PathId


class GiftVoucherPath(OrganizerPath):
    giftvoucher_id: PathId


class OrderPath(OrganizerPath):
    code: OrderCode  # an order's or a reservation's


class PositionPath(OrderPath):
    position_id: PathId


class PassProductPath(OrganizerPath):
    pass_product_id: PathId


class PassPath(OrganizerPath):
    pass_id: PathId


class ProductPath(OrganizerPath):
    product_id: PathId


class RatePath(ProductPath):
    rate_id: PathId


class ResalePath(OrganizerPath):
    resale_id: PathId


class SegmentPath(OrganizerPath):
    segment_id: PathId


class MessageTemplatePath(OrganizerPath):
    message_template_id: PathId


class ScenarioPath(OrganizerPath):
    scenario_id: PathId


class StepPath(ScenarioPath):
    step_id: PathId


class TokenPath(OrganizerPath):
    token_id: PathId


class VenuePath(OrganizerPath):
    venue_id: PathId


class LocationPath(VenuePath):
    location_id: PathId


class VoucherPath(OrganizerPath):
    voucher_id: PathId


# --- under an event ---------------------------------------------------------------------


class EventPath(OrganizerPath):
    event: Slug

    def event_for(self, request: HttpRequest, perm: str = Perm.VIEW) -> Event:
        return event_for(request, self.organizer, self.event, perm)


class DatePath(EventPath):
    date_id: PathId


class QuotaPath(EventPath):
    quota_id: PathId


class PassagePath(EventPath):
    passage_id: PathId


class PartnerPath(EventPath):
    partner_id: PathId


class TeamMemberPath(PartnerPath):
    teammember_id: PathId


class RegistrationPath(EventPath):
    registration_id: PathId


class EntryPath(EventPath):
    entry_id: PathId


class SessionPath(EventPath):
    session_id: PathId


class SessionRegistrationPath(SessionPath):
    registration_id: PathId


class SessionEntryPath(SessionPath):
    entry_id: PathId
