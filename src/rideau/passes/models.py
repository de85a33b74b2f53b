"""Seasons, pass products, passes (holder, pass code, QR secret) and the tickets they grant.
SPEC D1–D7, ADR 0019.

A pass is sold as one ticket of its product (a `catalog.Product` of kind *pass*) in an order;
the places it grants are tickets of that same order, one per event date, each with its own
engine hold (a seat on seated dates). The pass's QR secret stands for all of them at the
entrance (`scanning.py`). A renewed pass is a new `Pass` row of the new season that carries
the same secret; the old row is marked `renewed` and stops scanning.
"""

from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from rideau.catalog.models import AudienceType, Product
from rideau.core.models import Organizer
from rideau.events.models import Event, EventDate
from rideau.inventory.models import Hold
from rideau.orders.models import Order, Position

HOLDER_FIELDS = (
    "civility",
    "last_name",
    "first_name",
    "company",
    "email",
    "address",
    "mobile",
    "birth_date",
    "photo",
    "free_field",
)
HOLDER_FIELD_LABELS = {
    "civility": _("Civility"),
    "last_name": _("Last name"),
    "first_name": _("First name"),
    "company": _("Company"),
    "email": _("E-mail"),
    "address": _("Address"),
    "mobile": _("Mobile phone"),
    "birth_date": _("Birth date"),
    "photo": _("Photo"),
    "free_field": _("Free field"),
}
CARD_ELEMENTS = ("photo", "name", "pass_name", "season", "seat", "qr")


class Season(models.Model):
    """A period ("2026–27") grouping events and the passes sold for them."""

    organizer = models.ForeignKey(Organizer, on_delete=models.CASCADE, related_name="seasons")
    name = models.CharField(_("name"), max_length=100)
    starts = models.DateField(_("starts"))
    ends = models.DateField(_("ends"))
    events = models.ManyToManyField(
        Event, blank=True, related_name="seasons", verbose_name=_("events")
    )
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("season")
        ordering = ["organizer", "-starts", "id"]

    def __str__(self) -> str:
        return self.name


class PassProduct(models.Model):
    """What a pass product grants and how its passes look: the pass side of a catalogue
    product of kind *pass* (its rates are the product's rates)."""

    class Mode(models.TextChoices):
        AUTOMATIC = "automatic", _("Automatic: every associated event")
        CHOICE = "choice", _("Choice: the holder picks events")

    class Format(models.TextChoices):
        PVC = "pvc", _("PVC card (CR80)")
        PAPER = "paper", _("Phone and paper (A4)")

    class Orientation(models.TextChoices):
        HORIZONTAL = "horizontal", _("Horizontal")
        VERTICAL = "vertical", _("Vertical")

    class Proceeds(models.TextChoices):
        DONATE = "donate", _("Donate to the organiser")
        TRANSFER = "transfer", _("Bank transfer (IBAN)")
        CREDIT = "credit", _("Credit on the pass")

    organizer = models.ForeignKey(Organizer, on_delete=models.CASCADE, related_name="pass_products")
    product = models.OneToOneField(Product, on_delete=models.CASCADE, related_name="pass_settings")
    season = models.ForeignKey(
        Season, on_delete=models.PROTECT, related_name="pass_products", verbose_name=_("season")
    )
    mode = models.CharField(
        _("kind of pass"), max_length=10, choices=Mode.choices, default=Mode.AUTOMATIC
    )
    choices = models.PositiveIntegerField(
        _("number of events to choose"), default=0, help_text=_("For a choice pass.")
    )
    events = models.ManyToManyField(
        Event, blank=True, related_name="pass_products", verbose_name=_("associated events")
    )
    holder_fields = models.JSONField(_("holder fields"), default=list, blank=True)
    resale_methods = models.JSONField(_("resale proceeds allowed"), default=list, blank=True)
    extra_tickets = models.BooleanField(
        _("holders may buy extra tickets"),
        default=False,
        help_text=_("Subscriber access also offers the events' tickets beyond the pass."),
    )
    holder_audience = models.ForeignKey(
        AudienceType,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("audience of the holders' rates"),
        help_text=_(
            "Extra tickets are sold to holders at the events' rates reserved to this audience."
        ),
    )
    card_format = models.CharField(
        _("format"), max_length=10, choices=Format.choices, default=Format.PAPER
    )
    card_orientation = models.CharField(
        _("orientation"), max_length=10, choices=Orientation.choices, default=Orientation.HORIZONTAL
    )
    card_elements = models.JSONField(_("elements on the card"), default=list, blank=True)
    card_background = models.ImageField(_("background image"), upload_to="pass-cards/", blank=True)

    class Meta:
        verbose_name = _("pass product")
        ordering = ["organizer", "id"]

    def __str__(self) -> str:
        return str(self.product)


class Pass(models.Model):
    """One holder's pass: its code (to log in and add tickets; only a keyed hash is kept),
    its QR secret (shown on the card, scanned at every granted event), its holder and credit."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        RENEWED = "renewed", _("Renewed")
        CANCELLED = "cancelled", _("Cancelled")

    class Civility(models.TextChoices):
        MR = "mr", _("Mr")
        MS = "ms", _("Ms")

    organizer = models.ForeignKey(Organizer, on_delete=models.CASCADE, related_name="passes")
    pass_product = models.ForeignKey(PassProduct, on_delete=models.PROTECT, related_name="passes")
    order = models.ForeignKey(
        Order, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    code_hash = models.CharField(max_length=64, editable=False)
    code_hint = models.CharField(_("code ends with"), max_length=4, editable=False)
    secret = models.CharField(max_length=200, editable=False)
    renewed_from = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="renewed_to"
    )
    civility = models.CharField(_("civility"), max_length=2, choices=Civility.choices, blank=True)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    company = models.CharField(_("company"), max_length=200, blank=True)
    email = models.EmailField(_("e-mail"))
    street = models.CharField(_("street and number"), max_length=200, blank=True)
    postcode = models.CharField(_("postcode"), max_length=20, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    country = CountryField(_("country"), blank=True)
    mobile = models.CharField(_("mobile phone"), max_length=20, blank=True)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    photo = models.ImageField(_("photo"), upload_to="pass-photos/", blank=True)
    free_field = models.CharField(_("free field"), max_length=500, blank=True)
    credit = models.DecimalField(
        _("credit"), max_digits=10, decimal_places=2, default=Decimal("0.00"), editable=False
    )
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("pass")
        verbose_name_plural = _("passes")
        ordering = ["-created", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(credit__gte=0), name="pass_credit_not_negative"),
            models.UniqueConstraint(fields=["organizer", "code_hash"], name="pass_code_unique"),
            # one active pass per QR secret: a renewal hands the secret over
            models.UniqueConstraint(
                fields=["secret"], condition=Q(status="active"), name="pass_secret_active_unique"
            ),
        ]
        indexes = [models.Index(fields=["organizer", "email"])]

    def __str__(self) -> str:
        return f"{self.holder_name or self.email} (…{self.code_hint})"

    @property
    def holder_name(self) -> str:
        return " ".join(p for p in (self.first_name, self.last_name) if p)


class PassTicket(models.Model):
    """A place the pass grants on one event date: a ticket (position) of a pass order."""

    class State(models.TextChoices):
        VALID = "valid", _("Valid")
        ON_RESALE = "on_resale", _("On resale")
        RESOLD = "resold", _("Resold")

    pass_obj = models.ForeignKey(Pass, on_delete=models.CASCADE, related_name="tickets")
    date = models.ForeignKey(EventDate, on_delete=models.PROTECT, related_name="pass_tickets")
    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="pass_tickets")
    position = models.OneToOneField(Position, on_delete=models.PROTECT, related_name="pass_ticket")
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.VALID)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("pass ticket")
        ordering = ["date__start", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["pass_obj", "date"],
                condition=~Q(state="resold"),
                name="pass_ticket_one_per_date",
            )
        ]

    def __str__(self) -> str:
        return f"{self.pass_obj_id} @ {self.date_id}"


class Resale(models.Model):
    """A pass ticket put up for resale: the place goes back on sale through the engine."""

    class State(models.TextChoices):
        LISTED = "listed", _("On sale")
        SOLD = "sold", _("Sold")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        UNSOLD = "unsold", _("Withdrawn unsold")

    organizer = models.ForeignKey(Organizer, on_delete=models.CASCADE, related_name="resales")
    ticket = models.ForeignKey(PassTicket, on_delete=models.CASCADE, related_name="resales")
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.LISTED)
    method = models.CharField(_("proceeds"), max_length=10, choices=PassProduct.Proceeds.choices)
    iban = models.CharField(_("IBAN"), max_length=34, blank=True)
    account_holder = models.CharField(_("account holder"), max_length=200, blank=True)
    amount = models.DecimalField(
        _("proceeds"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    buyer_order = models.ForeignKey(
        Order, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    payout_done = models.BooleanField(_("paid out"), default=False)
    created = models.DateTimeField(default=timezone.now)
    ended = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("resale")
        ordering = ["created", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["ticket"], condition=Q(state="listed"), name="resale_one_listed_per_ticket"
            )
        ]

    def __str__(self) -> str:
        return f"resale {self.pk} ({self.state})"


class RenewalCampaign(models.Model):
    """Passes of a previous season offered for renewal into passes of a new season."""

    organizer = models.ForeignKey(
        Organizer, on_delete=models.CASCADE, related_name="renewal_campaigns"
    )
    name = models.CharField(_("name"), max_length=200)
    from_product = models.ForeignKey(
        PassProduct,
        on_delete=models.CASCADE,
        related_name="renewals_from",
        verbose_name=_("pass of the previous season"),
    )
    to_products = models.ManyToManyField(
        PassProduct, related_name="renewals_into", verbose_name=_("passes of the new season")
    )
    opens = models.DateTimeField(_("opens"), null=True, blank=True)
    closes = models.DateTimeField(_("closes"), null=True, blank=True)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("renewal campaign")
        ordering = ["organizer", "-created", "id"]

    def __str__(self) -> str:
        return self.name

    def is_open(self, now=None) -> bool:
        now = now or timezone.now()
        return (self.opens is None or self.opens <= now) and (
            self.closes is None or now < self.closes
        )


class Renewal(models.Model):
    """One pass offered for renewal in a campaign: its seats held until the window closes,
    then the renewed pass (or nothing, and the held seats go back on sale by themselves)."""

    campaign = models.ForeignKey(RenewalCampaign, on_delete=models.CASCADE, related_name="renewals")
    old_pass = models.ForeignKey(Pass, on_delete=models.CASCADE, related_name="renewals")
    new_pass = models.OneToOneField(
        Pass, null=True, blank=True, on_delete=models.SET_NULL, related_name="renewal"
    )
    holds = models.ManyToManyField(Hold, blank=True, related_name="+")
    created = models.DateTimeField(default=timezone.now)
    renewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("renewal")
        ordering = ["campaign", "id"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "old_pass"], name="renewal_once_per_pass")
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id}: {self.old_pass_id}"
