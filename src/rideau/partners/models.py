"""Partners of an event and everything their portal holds (SPEC B1–B13, ADR 0018)."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rideau.catalog.models import Rate
from rideau.contacts.models import Contact
from rideau.core.models import Organizer
from rideau.events.models import Event, Session
from rideau.orders.models import Order, Voucher


class PortalSettings(models.Model):
    """How the portal looks and what it shows, for all partners of one event (B1)."""

    class LogoPlacement(models.TextChoices):
        MENU = "menu", _("Above the menu")
        HEADER = "header", _("In the page header")
        HIDDEN = "hidden", _("Not shown")

    event = models.OneToOneField(Event, on_delete=models.CASCADE, related_name="portal_settings")
    primary_color = models.CharField(_("menu colour"), max_length=7, default="#1d3557")
    text_color = models.CharField(_("menu text colour"), max_length=7, default="#ffffff")
    logo_placement = models.CharField(
        _("partner logo"), max_length=10, choices=LogoPlacement.choices, default="menu"
    )
    organizer_contacts = models.TextField(_("organiser's team contacts"), blank=True)
    dashboard = models.TextField(_("dashboard items"), blank=True)  # sanitised rich text
    show_badges = models.BooleanField(_("partners can download their team's badges"), default=False)
    show_registered_counts = models.BooleanField(_("show registered counts"), default=False)
    show_present_counts = models.BooleanField(_("show present counts"), default=False)
    leads_open = models.BooleanField(_("lead scanning is open"), default=False)
    badge_rate = models.ForeignKey(
        Rate,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("badges admit at check-in as"),
        help_text=_(
            "Registered attendees of the partners' teams get a free ticket of this rate: "
            "their badge's QR code passes check-in like a ticket (one place each)."
        ),
    )
    opened_at = models.DateTimeField(_("portal opened"), null=True, blank=True)

    def __str__(self) -> str:
        return f"portal settings of {self.event_id}"


class PortalTab(models.Model):
    """One item of the portal's menu: a built-in page or a custom page the organiser wrote."""

    class Kind(models.TextChoices):
        HOME = "home", _("Home")
        PROFILE = "profile", _("Profile")
        TEAM = "team", _("Team")
        OFFERS = "offers", _("Offers")
        TASKS = "tasks", _("Tasks")
        DOCUMENTS = "documents", _("Documents")
        SESSIONS = "sessions", _("Sessions")
        CONTACTS = "contacts", _("Contact list")
        MEETINGS = "meetings", _("Meetings")
        CALENDAR = "calendar", _("Meeting calendar")
        DISCOUNTS = "discounts", _("Discount codes")
        LEADS = "leads", _("Leads")
        CUSTOM = "custom", _("Custom page")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="portal_tabs")
    kind = models.CharField(_("page"), max_length=12, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=100)
    content = models.TextField(_("content"), blank=True)  # custom pages: sanitised HTML
    enabled = models.BooleanField(_("enabled"), default=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "kind"], condition=~Q(kind="custom"), name="portal_tab_once"
            )
        ]

    def __str__(self) -> str:
        return self.title


class PartnerLevel(models.Model):
    """A sponsorship level (gold, silver…): the public list groups partners by it."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="partner_levels")
    name = models.CharField(_("name"), max_length=100)
    team_limit = models.PositiveIntegerField(_("team size limit"), null=True, blank=True)
    position = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.name


class Partner(models.Model):
    class Kind(models.TextChoices):
        EXHIBITOR = "exhibitor", _("Exhibitor")
        SPONSOR = "sponsor", _("Sponsor")
        MEDIA = "media", _("Media partner")
        INSTITUTION = "institution", _("Institutional partner")

    organizer = models.ForeignKey(Organizer, on_delete=models.CASCADE, related_name="+")
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="partners")
    name = models.CharField(_("name"), max_length=150)
    slug = models.SlugField(_("short name"), max_length=50)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default="exhibitor")
    level = models.ForeignKey(
        PartnerLevel, null=True, blank=True, on_delete=models.PROTECT, related_name="partners"
    )
    logo = models.FileField(_("logo"), upload_to="partners/images/", blank=True)
    profile = models.JSONField(_("profile"), default=dict, blank=True)
    public = models.BooleanField(_("listed on the event's page"), default=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["event", "slug"], name="partner_slug_per_event")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def logo_file(self) -> str:
        """The logo's name inside its folder (served by `web:partner-image`)."""
        return (self.logo.name or "").rsplit("/", 1)[-1] if self.logo else ""


class ProfileField(models.Model):
    """One field of the partner profile form, configured by the organiser (B3)."""

    class Kind(models.TextChoices):
        TEXT = "text", _("Text")
        RICH = "rich", _("Rich text")
        URL = "url", _("Web address")
        IMAGE = "image", _("Image")
        CHOICE = "choice", _("Choice")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="partner_fields")
    key = models.SlugField(_("key"), max_length=50)
    label = models.CharField(_("label"), max_length=100)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default="text")
    choices = models.JSONField(_("choices"), default=list, blank=True)
    position = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["event", "key"], name="partner_field_key_per_event")
        ]

    def __str__(self) -> str:
        return self.label


class TeamMember(models.Model):
    class Role(models.TextChoices):
        ADMIN = "admin", _("Administrator")
        SALES = "sales", _("Sales contact")
        ATTENDEE = "attendee", _("Registered attendee")

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="team")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="+")
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default="attendee")
    job_title = models.CharField(_("job title"), max_length=100, blank=True)
    badge_code = models.CharField(max_length=40, unique=True)
    may_manage_meetings = models.BooleanField(
        _("may manage own meetings from the personal space"), default=False
    )
    # the free order whose tickets the badge stands for at check-in (B4, `badges.py`)
    badge_order = models.ForeignKey(
        Order, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["partner", "contact"], name="team_member_once")
        ]

    def __str__(self) -> str:
        return f"{self.contact} ({self.partner})"


class AccessLink(models.Model):
    """A single-use login link of an administrator; only the token's hash is stored."""

    member = models.ForeignKey(TeamMember, on_delete=models.CASCADE, related_name="links")
    token_hash = models.CharField(max_length=64, unique=True)
    expires = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"access link of {self.member_id}"


class Offer(models.Model):
    """A job offer or promotion (B5)."""

    class Kind(models.TextChoices):
        JOB = "job", _("Job offer")
        PROMOTION = "promotion", _("Promotion")

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="offers")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default="job")
    title = models.CharField(_("title"), max_length=150)
    description = models.TextField(_("description"), blank=True)
    url = models.URLField(_("link"), blank=True)
    public = models.BooleanField(_("shown on the public site"), default=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created", "-pk"]

    def __str__(self) -> str:
        return self.title


class Task(models.Model):
    """A task the organiser gives one, several or all partners of an event (B6)."""

    class Answer(models.TextChoices):
        TEXT = "text", _("Text")
        FILE = "file", _("File")
        CHECKBOX = "checkbox", _("Checkbox")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="partner_tasks")
    title = models.CharField(_("title"), max_length=150)
    description = models.TextField(_("description"), blank=True)
    due = models.DateTimeField(_("due"))
    answer_kind = models.CharField(_("answer"), max_length=10, choices=Answer.choices)
    remind_days = models.PositiveIntegerField(_("reminder, days before the due date"), default=3)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due", "pk"]

    def __str__(self) -> str:
        return self.title


class TaskAssignment(models.Model):
    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="assignments")
    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="tasks")
    answer_text = models.TextField(blank=True)
    answer_file = models.FileField(upload_to="partners/answers/", blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["task__due", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["task", "partner"], name="task_once_per_partner")
        ]

    def __str__(self) -> str:
        return f"{self.task} → {self.partner}"


class Document(models.Model):
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="partner_documents")
    title = models.CharField(_("title"), max_length=150)
    file = models.FileField(_("file"), upload_to="partners/documents/")
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created", "-pk"]

    def __str__(self) -> str:
        return self.title


class DocumentAssignment(models.Model):
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="assignments")
    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="documents")
    viewed_at = models.DateTimeField(null=True, blank=True)
    viewed_by = models.ForeignKey(
        TeamMember, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["document", "partner"], name="document_once")
        ]

    def __str__(self) -> str:
        return f"{self.document} → {self.partner}"


class HostedSession(models.Model):
    """A session the partner hosts (B8), with speakers from its team."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="sessions")
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="+")
    pitch = models.TextField(_("partner's information"), blank=True)
    speakers = models.ManyToManyField(TeamMember, blank=True, related_name="+")

    class Meta:
        ordering = ["session__start", "pk"]
        constraints = [models.UniqueConstraint(fields=["partner", "session"], name="hosted_once")]

    def __str__(self) -> str:
        return f"{self.partner} hosts {self.session_id}"


class PartnerVoucher(models.Model):
    """A discount code assigned to a partner (B11)."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="vouchers")
    voucher = models.ForeignKey(Voucher, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["partner", "voucher"], name="partner_voucher_once")
        ]

    def __str__(self) -> str:
        return f"{self.voucher_id} → {self.partner_id}"


class Listing(models.Model):
    """An attendee's consent to be listed to the event's partners (B9): nobody is listed
    unless they said so; `shares_details` also lets partners see their e-mail address."""

    organizer = models.ForeignKey(Organizer, on_delete=models.CASCADE, related_name="+")
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="+")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="+")
    listed = models.BooleanField(_("listed to partners"), default=False)
    shares_details = models.BooleanField(_("shares contact details"), default=False)
    headline = models.CharField(_("what I am looking for"), max_length=200, blank=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["event", "contact"], name="listing_once")]

    def __str__(self) -> str:
        return f"{self.contact_id} listed={self.listed}"


class MeetingSpace(models.Model):
    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="spaces")
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name


class MeetingSlot(models.Model):
    """A time slot in a meeting space; `meeting` is set by the one accepted meeting (the
    conditional UPDATE `WHERE meeting IS NULL` is what keeps it from being double-booked)."""

    space = models.ForeignKey(MeetingSpace, on_delete=models.CASCADE, related_name="slots")
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    meeting = models.OneToOneField(
        "Meeting", null=True, blank=True, on_delete=models.SET_NULL, related_name="booked_slot"
    )

    class Meta:
        ordering = ["start", "pk"]

    def __str__(self) -> str:
        return f"{self.space} {self.start:%Y-%m-%d %H:%M}"


class Meeting(models.Model):
    class State(models.TextChoices):
        PROPOSED = "proposed", _("Awaiting answer")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        CANCELLED = "cancelled", _("Cancelled")

    class Origin(models.TextChoices):
        PARTNER = "partner", _("Invitation from the partner")
        ATTENDEE = "attendee", _("Request from the attendee")

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="meetings")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="+")
    slot = models.ForeignKey(MeetingSlot, on_delete=models.PROTECT, related_name="meetings")
    message = models.TextField(_("message"), blank=True)
    origin = models.CharField(max_length=10, choices=Origin.choices, default="partner")
    state = models.CharField(max_length=10, choices=State.choices, default="proposed")
    proposed_by = models.ForeignKey(
        TeamMember, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)
    answered = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["slot__start", "pk"]

    def __str__(self) -> str:
        return f"{self.partner} ↔ {self.contact_id}"


class Lead(models.Model):
    """A badge scanned by a member of the partner's team (B12)."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="leads")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="+")
    scanned_by = models.ForeignKey(
        TeamMember, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.TextField(_("note"), blank=True)
    rating = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["partner", "contact"], name="lead_once"),
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5),
                name="lead_rating_1_5",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.partner} scanned {self.contact_id}"


class ContactShare(models.Model):
    """A message between an attendee and a partner; `shared` when the attendee accepted to
    share their contact details with the partner (B12 'Contact sharing'). A message the
    partner writes first (`origin` partner) reaches the attendee through the outbox; the
    attendee answers it (`answered`) by sharing their details or not."""

    class Origin(models.TextChoices):
        ATTENDEE = "attendee", _("From the attendee")
        PARTNER = "partner", _("From the partner")

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="shares")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="+")
    message = models.TextField(_("message"), blank=True)
    shared = models.BooleanField(default=False)
    origin = models.CharField(max_length=10, choices=Origin.choices, default="attendee")
    sent_by = models.ForeignKey(
        TeamMember, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answered = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created", "-pk"]

    def __str__(self) -> str:
        return f"{self.contact_id} → {self.partner_id}"
