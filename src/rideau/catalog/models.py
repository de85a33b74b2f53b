"""The catalogue: products (tickets, passes, gift vouchers) and their rates. SPEC CORE-5."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from rideau.core.i18n import localize
from rideau.core.models import Organizer
from rideau.events.models import Event, SalesWindowMixin


class TicketTemplate(models.Model):
    """A PDF layout: which elements appear on the ticket, and a background."""

    ELEMENTS = [
        "event_name",
        "date",
        "venue",
        "attendee_name",
        "rate",
        "price",
        "qr",
        "order_code",
        "seat",
    ]
    organizer = models.ForeignKey(
        Organizer, on_delete=models.CASCADE, related_name="ticket_templates"
    )
    name = models.CharField(_("name"), max_length=200)
    elements = models.JSONField(_("elements"), default=list)
    background = models.ImageField(_("background"), upload_to="ticket-templates/", blank=True)

    class Meta:
        ordering = ["organizer", "name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        unknown = [e for e in self.elements or [] if e not in self.ELEMENTS]
        if unknown:
            raise ValidationError(
                {"elements": _("Unknown elements: %(e)s") % {"e": ", ".join(map(str, unknown))}}
            )


class Product(SalesWindowMixin):
    class Kind(models.TextChoices):
        TICKET = "ticket", _("Admission ticket")
        PASS = "pass", _("Pass / subscription")
        GIFT_VOUCHER = "gift_voucher", _("Gift voucher")

    organizer = models.ForeignKey(Organizer, on_delete=models.CASCADE, related_name="products")
    event = models.ForeignKey(
        Event, null=True, blank=True, on_delete=models.CASCADE, related_name="products"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.TICKET)
    name = models.JSONField(_("name"), default=dict)
    description = models.JSONField(_("description"), default=dict, blank=True)
    ticket_template = models.ForeignKey(
        TicketTemplate, null=True, blank=True, on_delete=models.SET_NULL
    )
    active = models.BooleanField(_("on sale"), default=True)
    max_per_order = models.PositiveIntegerField(_("maximum per order"), default=10)
    position = models.PositiveIntegerField(default=0)
    # a ticket of it takes more places than its own through another area (an event pass's
    # sessions, ADR 0023; `orders.hooks.companions`): False, the checkout asks nobody
    grants_sessions = models.BooleanField(default=False, editable=False)

    class Meta:
        ordering = ["organizer", "position", "id"]

    def __str__(self) -> str:
        return localize(self.name) or f"Product {self.pk}"

    @property
    def takes_place(self) -> bool:
        """Whether its tickets take a place through the engine and admit someone: tickets
        (a place on a date or session) and passes do; a gift voucher does not (its card is
        its own document)."""
        return self.kind != Product.Kind.GIFT_VOUCHER

    def clean(self) -> None:
        self.clean_sales_window()
        errors = {}
        event, template = self.event, self.ticket_template
        if event is not None and self.organizer_id and event.organizer_id != self.organizer_id:
            errors["event"] = _("This event belongs to another organiser.")
        if self.kind == self.Kind.TICKET and not self.event_id:
            errors["event"] = _("An admission ticket belongs to an event.")
        if template is not None and template.organizer_id != self.organizer_id:
            errors["ticket_template"] = _("This template belongs to another organiser.")
        if errors:
            raise ValidationError(errors)


class SalesChannel(models.TextChoices):
    """Points of sale (CORE-8): where an order is sold, and where a rate may be
    sold (`Rate.channels`)."""

    WEB = "web", _("Web shop")
    BOX_OFFICE = "box_office", _("Box office")
    PHONE = "phone", _("Phone")
    PARTNER = "partner", _("Partner / B2B")
    API = "api", _("API")


class AudienceType(models.Model):
    """A public the organiser sells to: individuals, groups, schools, members, companies.

    A rate restricted to audience types is sold only on orders made for one of them (by
    staff, partners or the API); the web shop sells unrestricted rates (ADR 0006, CORE-8).
    """

    organizer = models.ForeignKey(
        Organizer, on_delete=models.CASCADE, related_name="audience_types"
    )
    code = models.SlugField(
        _("code"), max_length=50, help_text=_("Short name used by the API, e.g. “schools”.")
    )
    name = models.JSONField(_("name"), default=dict)
    description = models.JSONField(_("description"), default=dict, blank=True)
    position = models.PositiveIntegerField(_("position"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("audience type")
        ordering = ["organizer", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["organizer", "code"], name="audience_type_code_unique")
        ]

    def __str__(self) -> str:
        return localize(self.name) or self.code


class Rate(SalesWindowMixin):
    """A tariff of a product: full price, reduced, child…

    `channels`: the sales channels (`SalesChannel` values) that may sell it,
    empty for all; `audience_types`: the publics it is reserved to, empty for everyone.
    """

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="rates")
    name = models.JSONField(_("name"), default=dict)
    price = models.DecimalField(
        _("price"), max_digits=10, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    position = models.PositiveIntegerField(default=0)
    active = models.BooleanField(_("on sale"), default=True)
    channels = models.JSONField(_("sales channels"), default=list, blank=True)
    audience_types = models.ManyToManyField(
        AudienceType, blank=True, related_name="rates", verbose_name=_("audience types")
    )
    # Whether `audience_types` is not empty, kept by the catalogue services: selling an
    # unrestricted rate (the web shop's case) needs no query of the M2M (ADR 0006).
    audience_restricted = models.BooleanField(default=False, editable=False)

    class Meta:
        ordering = ["product", "position", "id"]

    def __str__(self) -> str:
        return localize(self.name) or f"Rate {self.pk}"

    def clean(self) -> None:
        self.clean_sales_window()

    def sold_on(self, channel: str) -> bool:
        """Whether this rate may be sold on a sales channel (no channels listed: all)."""
        return not self.channels or channel in self.channels

    def channel_labels(self) -> list[str]:
        """The names of the channels that may sell it (empty: all)."""
        labels = dict(SalesChannel.choices)
        return [str(labels.get(c, c)) for c in self.channels]

    def sold_in_shop(self) -> bool:
        """Whether the web shop offers it: sold on the web, to everyone (ADR 0006)."""
        return self.sold_on("web") and not self.audience_restricted


class Question(models.Model):
    """An organiser's question asked for each ticket of a product at checkout."""

    class Kind(models.TextChoices):
        TEXT = "text", _("Text")
        NUMBER = "number", _("Number")
        CHOICE = "choice", _("Choice")
        BOOLEAN = "boolean", _("Yes / no")
        DATE = "date", _("Date")

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="questions")
    label = models.JSONField(_("label"), default=dict)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.TEXT)
    required = models.BooleanField(_("required"), default=False)
    choices = models.JSONField(
        _("choices"),
        default=list,
        blank=True,
        help_text=_("For a choice: a list of {language: text} options."),
    )
    position = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("question")
        ordering = ["product", "position", "id"]

    def __str__(self) -> str:
        return localize(self.label) or f"Question {self.pk}"

    def clean(self) -> None:
        if self.kind == self.Kind.CHOICE and not self.choices:
            raise ValidationError({"choices": _("A choice question needs at least one option.")})
        if not isinstance(self.choices, list) or not all(
            isinstance(c, dict | str) for c in self.choices
        ):
            raise ValidationError({"choices": _("Give a list of options.")})
