"""Partners of an event and their portal data, organiser side (SPEC B1–B13): partners,
their team, tasks, documents, meetings and leads; sending the access e-mails.

Reading needs the view permission, writing the permission to change events. Writes go
through `rideau.partners.services` (the same rules as the back office: a partner is created
with its administrator, the last administrator stays, team size limits hold). Leads list
consenting attendees only (`rideau.partners.queries.consenting`)."""

import datetime
from typing import Annotated

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Path, Query, Router, Schema, Status
from ninja.files import UploadedFile

from rideau.core.access import get_scoped_or_404
from rideau.core.errors import ValidationFailed
from rideau.core.roles import Perm
from rideau.events.models import Event
from rideau.partners import queries, services
from rideau.partners.models import (
    DocumentAssignment,
    Meeting,
    Partner,
    PartnerLevel,
    Task,
    TeamMember,
)

from .auth import actor_of
from .common import child_or_404, reference, references
from .pagination import PageParams, page_of, paginate
from .paths import EventPath, PartnerPath, TeamMemberPath
from .schemas.common import BodySchema, DateTime, Id, NotBoolean, SlugRef, Text

router = Router(tags=["partners"])

EVENT = "/organizers/{organizer}/events/{event}"
PARTNERS = EVENT + "/partners"
PARTNER = PARTNERS + "/{partner_id}"
TEAM = PARTNER + "/team"
TEAM_MEMBER = TEAM + "/{teammember_id}"
ACCESS = PARTNERS + "-access-emails"
TASKS = EVENT + "/partner-tasks"
DOCUMENTS = EVENT + "/partner-documents"


class PartnerOut(Schema):
    id: int
    name: str
    slug: str
    kind: str
    level: int | None = Field(None, alias="level_id")
    level_name: str | None = Field(None, alias="level.name")
    public: bool
    profile: dict


class PartnerIn(BodySchema):
    name: Annotated[str, Text(150)]
    slug: SlugRef
    kind: str = "exhibitor"
    level: Id | None = None
    admin_email: Annotated[str, Text(254)]
    admin_first_name: Annotated[str, Text(100)] = ""
    admin_last_name: Annotated[str, Text(100)] = ""


class PartnerPatch(BodySchema):
    name: Annotated[str, Text(150)] | None = None
    kind: str | None = None
    level: Id | None = None
    public: bool | None = None


class MemberOut(Schema):
    id: int
    contact: int = Field(..., alias="contact_id")
    email: str = Field(..., alias="contact.email")
    first_name: str = Field(..., alias="contact.first_name")
    last_name: str = Field(..., alias="contact.last_name")
    role: str
    job_title: str


class MemberIn(BodySchema):
    email: Annotated[str, Text(254)]
    first_name: Annotated[str, Text(100)] = ""
    last_name: Annotated[str, Text(100)] = ""
    job_title: Annotated[str, Text(100)] = ""
    role: str = "attendee"


class MemberPatch(BodySchema):
    role: str


class SentOut(Schema):
    sent: int


class TaskAssignmentOut(Schema):
    partner: int = Field(..., alias="partner_id")
    done_at: datetime.datetime | None
    answer_text: str


class TaskOut(Schema):
    id: int
    title: str
    description: str
    due: datetime.datetime
    answer_kind: str
    remind_days: int
    assignments: list[TaskAssignmentOut]

    @staticmethod
    def resolve_assignments(obj: Task) -> list:
        return list(obj.assignments.all())


class TaskIn(BodySchema):
    title: Annotated[str, Text(150)]
    description: Annotated[str, Text(5000, multiline=True)] = ""
    due: DateTime
    answer_kind: str
    remind_days: Annotated[int, Field(ge=0, le=60), NotBoolean] = 3
    partners: list[Id] | None = Field(
        None, description="Partner ids; omitted or null: every partner of the event."
    )


class DocumentOut(Schema):
    id: int
    document: int = Field(..., alias="document_id")
    title: str = Field(..., alias="document.title")
    partner: int = Field(..., alias="partner_id")
    viewed_at: datetime.datetime | None
    viewed_by: str | None = None

    @staticmethod
    def resolve_viewed_by(obj: DocumentAssignment) -> str | None:
        return obj.viewed_by.contact.email if obj.viewed_by else None


class MeetingOut(Schema):
    id: int
    contact: int = Field(..., alias="contact_id")
    email: str = Field(..., alias="contact.email")
    start: datetime.datetime = Field(..., alias="slot.start")
    space: str = Field(..., alias="slot.space.name")
    state: str
    message: str


class LeadOut(Schema):
    contact: int
    email: str
    first_name: str
    last_name: str
    scanned_by: str | None
    created: datetime.datetime
    rating: int | None
    note: str


PartnerPage = page_of(PartnerOut, "PartnerPage")
MemberPage = page_of(MemberOut, "PartnerMemberPage")
TaskPage = page_of(TaskOut, "PartnerTaskPage")
DocumentPage = page_of(DocumentOut, "PartnerDocumentPage")
MeetingPage = page_of(MeetingOut, "PartnerMeetingPage")


def _partner(request: HttpRequest, path: PartnerPath, perm: str):
    ev = path.event_for(request, perm)
    found = get_scoped_or_404(
        Partner.objects.select_related("organizer", "event", "level"),
        ev.organizer,
        event=ev,
        pk=path.partner_id,
    )
    assert isinstance(found, Partner)
    return found


def _level(event: Event, level_id: int | None) -> PartnerLevel | None:
    if level_id is None:
        return None
    found = reference(
        PartnerLevel.objects.all(),
        event.organizer,
        field="level",
        path="event__organizer",
        event=event,
        pk=level_id,
    )
    assert isinstance(found, PartnerLevel)
    return found


@router.get(PARTNERS, response=PartnerPage)
def list_partners(request: HttpRequest, page: Query[PageParams], path: Path[EventPath]):
    ev = path.event_for(request, Perm.VIEW)
    return paginate(Partner.objects.filter(event=ev).select_related("level").order_by("pk"), page)


@router.post(PARTNERS, response={201: PartnerOut})
def create_partner(request: HttpRequest, payload: PartnerIn, path: Path[EventPath]):
    ev = path.event_for(request, Perm.CHANGE_EVENTS)
    data = payload.dict()
    level = _level(ev, data.pop("level"))
    partner = services.create_partner(ev, actor=actor_of(request), level=level, **data)
    return Status(201, partner)


@router.get(PARTNER, response=PartnerOut)
def get_partner(request: HttpRequest, path: Path[PartnerPath]):
    return _partner(request, path, Perm.VIEW)


@router.patch(PARTNER, response=PartnerOut)
def update_partner(request: HttpRequest, payload: PartnerPatch, path: Path[PartnerPath]):
    partner = _partner(request, path, Perm.CHANGE_EVENTS)
    data = payload.dict(exclude_unset=True)
    if "level" in data:
        data["level"] = _level(partner.event, data["level"])
    data = {k: v for k, v in data.items() if v is not None or k == "level"}
    return services.update_partner(partner, actor=actor_of(request), **data)


@router.delete(PARTNER, response={204: None})
def delete_partner(request: HttpRequest, path: Path[PartnerPath]):
    partner = _partner(request, path, Perm.CHANGE_EVENTS)
    services.delete_partner(partner, actor=actor_of(request))
    return Status(204, None)


@router.post(ACCESS, response=SentOut)
def send_access_emails(request: HttpRequest, path: Path[EventPath]):
    """E-mail a single-use login link to every administrator of the event's partners."""
    ev = path.event_for(request, Perm.CHANGE_EVENTS)
    return {"sent": services.send_access_emails(ev, actor=actor_of(request))}


@router.get(TEAM, response=MemberPage)
def list_team(request: HttpRequest, page: Query[PageParams], path: Path[PartnerPath]):
    partner = _partner(request, path, Perm.VIEW)
    return paginate(partner.team.select_related("contact").order_by("pk"), page)


@router.post(TEAM, response={201: MemberOut})
def add_member(request: HttpRequest, payload: MemberIn, path: Path[PartnerPath]):
    partner = _partner(request, path, Perm.CHANGE_EVENTS)
    member = services.add_member(partner, actor=actor_of(request), **payload.dict())
    return Status(201, member)


def _member(partner: Partner, teammember_id: int) -> TeamMember:
    found = child_or_404(
        TeamMember.objects.select_related("contact", "partner__organizer"),
        partner,
        teammember_id,
        of="partner",
    )
    assert isinstance(found, TeamMember)
    return found


@router.patch(TEAM_MEMBER, response=MemberOut)
def change_member(request: HttpRequest, payload: MemberPatch, path: Path[TeamMemberPath]):
    partner = _partner(request, path, Perm.CHANGE_EVENTS)
    member = _member(partner, path.teammember_id)
    return services.change_member(member, actor=actor_of(request), role=payload.role)


@router.delete(TEAM_MEMBER, response={204: None})
def remove_member(request: HttpRequest, path: Path[TeamMemberPath]):
    partner = _partner(request, path, Perm.CHANGE_EVENTS)
    services.remove_member(_member(partner, path.teammember_id), actor=actor_of(request))
    return Status(204, None)


@router.get(PARTNER + "/meetings", response=MeetingPage)
def list_meetings(request: HttpRequest, page: Query[PageParams], path: Path[PartnerPath]):
    """Every meeting request of the partner, whatever its state."""
    partner = _partner(request, path, Perm.VIEW)
    rows = Meeting.objects.filter(partner=partner).select_related("contact", "slot__space")
    return paginate(rows.order_by("slot__start", "pk"), page)


@router.get(PARTNER + "/leads", response=list[LeadOut])
def list_leads(request: HttpRequest, path: Path[PartnerPath]):
    """The partner's badge scans, consenting attendees only."""
    partner = _partner(request, path, Perm.VIEW_CONTACTS)
    return [
        {
            "contact": lead.contact_id,
            "email": lead.contact.email,
            "first_name": lead.contact.first_name,
            "last_name": lead.contact.last_name,
            "scanned_by": lead.scanned_by.contact.email if lead.scanned_by else None,
            "created": lead.created,
            "rating": lead.rating,
            "note": lead.note,
        }
        for lead in queries.leads_data(partner).scans
    ]


@router.get(TASKS, response=TaskPage)
def list_tasks(request: HttpRequest, page: Query[PageParams], path: Path[EventPath]):
    ev = path.event_for(request, Perm.VIEW)
    return paginate(
        Task.objects.filter(event=ev).prefetch_related("assignments").order_by("pk"), page
    )


@router.post(TASKS, response={201: TaskOut})
def create_task(request: HttpRequest, payload: TaskIn, path: Path[EventPath]):
    ev = path.event_for(request, Perm.CHANGE_EVENTS)
    data = payload.dict()
    ids = data.pop("partners")
    partners = None
    if ids is not None:
        partners = references(Partner.objects.filter(event=ev), ids, field="partners")
    task = services.create_task(ev, actor=actor_of(request), partners=partners, **data)
    return Status(201, task)


@router.get(DOCUMENTS, response=DocumentPage)
def list_documents(request: HttpRequest, page: Query[PageParams], path: Path[EventPath]):
    """Every document given to a partner, with who viewed it and when."""
    ev = path.event_for(request, Perm.VIEW)
    rows = DocumentAssignment.objects.filter(document__event=ev).select_related(
        "document", "viewed_by__contact"
    )
    return paginate(rows.order_by("pk"), page)


class DocumentCreated(Schema):
    id: int
    title: str
    partners: list[int]


NO_FILE = File(None)  # optional in the signature: the organiser is checked before the fields


@router.post(DOCUMENTS, response={201: DocumentCreated})
def upload_document(
    request: HttpRequest,
    path: Path[EventPath],
    title: str = Form(""),
    partners: str = Form(""),
    file: UploadedFile | None = NO_FILE,
):
    """Give a document to some partners (`partners`: ids separated by commas; empty: every
    partner of the event). Sent as multipart/form-data; checked like the back office's form:
    a PDF, an image, an office document or a text file of at most 20 MB."""
    ev = path.event_for(request, Perm.CHANGE_EVENTS)  # before any field is judged
    chosen = None
    if partners.strip():
        try:
            ids = {int(v) for v in partners.split(",") if v.strip()}
        except ValueError:
            raise ValidationFailed({"partners": [_("Partner ids separated by commas.")]}) from None
        chosen = references(Partner.objects.filter(event=ev), ids, field="partners")
    document = services.add_document(
        ev, actor=actor_of(request), title=title[:150], file=file, partners=chosen
    )
    return Status(
        201,
        {
            "id": document.pk,
            "title": document.title,
            "partners": sorted(document.assignments.values_list("partner_id", flat=True)),
        },
    )
