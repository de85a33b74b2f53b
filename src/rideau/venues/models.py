"""Venues with nested locations: building → room → layout, each with optional capacity."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from rideau.core.models import Organizer


class Venue(models.Model):
    organizer = models.ForeignKey(Organizer, on_delete=models.CASCADE, related_name="venues")
    name = models.CharField(_("name"), max_length=200)
    address = models.CharField(_("address"), max_length=300, blank=True)
    postcode = models.CharField(_("postcode"), max_length=20, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    country = CountryField(_("country"), blank=True)
    capacity = models.PositiveIntegerField(_("capacity"), null=True, blank=True)

    class Meta:
        ordering = ["organizer", "name"]

    def __str__(self) -> str:
        return self.name


class Location(models.Model):
    """A building, a room in a building, or a layout of a room."""

    class Kind(models.TextChoices):
        BUILDING = "building", _("Building")
        ROOM = "room", _("Room")
        LAYOUT = "layout", _("Layout")

    PARENT_KIND: dict[str, str | None] = {
        Kind.BUILDING: None,
        Kind.ROOM: Kind.BUILDING,
        Kind.LAYOUT: Kind.ROOM,
    }

    venue = models.ForeignKey(Venue, on_delete=models.CASCADE, related_name="locations")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=200)
    capacity = models.PositiveIntegerField(_("capacity"), null=True, blank=True)

    class Meta:
        ordering = ["venue", "kind", "name"]

    def __str__(self) -> str:
        return " › ".join(loc.name for loc in self.path())

    def path(self) -> list["Location"]:
        chain: list[Location] = []
        node: Location | None = self
        while node is not None:
            chain.append(node)
            node = node.parent
        return list(reversed(chain))

    def clean(self) -> None:
        expected = self.PARENT_KIND.get(self.kind)
        if expected is None and self.parent_id:
            raise ValidationError({"parent": _("A building cannot be inside another location.")})
        if expected is not None:
            # a room may also sit directly in the venue (no building), a layout needs a room
            if self.parent is None and self.kind == self.Kind.LAYOUT:
                raise ValidationError({"parent": _("A layout belongs to a room.")})
            if self.parent is not None and self.parent.kind != expected:
                raise ValidationError(
                    {
                        "parent": _("A %(kind)s must be inside a %(parent)s.")
                        % {
                            "kind": self.get_kind_display().lower(),
                            "parent": self.Kind(expected).label.lower(),
                        }
                    }
                )
        if self.parent is not None and self.parent.venue_id != self.venue_id:
            raise ValidationError({"parent": _("The parent location is in another venue.")})

    def effective_capacity(self) -> int | None:
        """The capacity of the most specific location that has one (layout → room → building)."""
        node: Location | None = self
        while node is not None:
            if node.capacity is not None:
                return node.capacity
            node = node.parent
        return self.venue.capacity


class SeatingPlan(models.Model):
    """The numbered seats of one venue layout (a `Location` of kind layout)."""

    location = models.OneToOneField(
        Location, on_delete=models.CASCADE, related_name="seating_plan", verbose_name=_("layout")
    )
    name = models.CharField(_("name"), max_length=200)

    class Meta:
        verbose_name = _("seating plan")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.location_id and self.location.kind != Location.Kind.LAYOUT:
            raise ValidationError({"location": _("A seating plan belongs to a room layout.")})


class Seat(models.Model):
    """One numbered seat. Seats with consecutive numbers in a row are adjacent."""

    plan = models.ForeignKey(SeatingPlan, on_delete=models.CASCADE, related_name="seats")
    section = models.CharField(_("section"), max_length=50, blank=True)
    row = models.CharField(_("row"), max_length=20)
    number = models.PositiveIntegerField(_("number"))
    row_order = models.PositiveIntegerField(
        _("row order"), default=0, help_text=_("Distance of the row from the stage: 0 is nearest.")
    )
    rank = models.PositiveIntegerField(
        _("rank"), default=0, help_text=_("Lower is better; best-available picks the best first.")
    )
    position = models.PositiveIntegerField(
        _("place in the row"),
        null=True,
        blank=True,
        help_text=_("Where the seat is drawn, counted from the left; empty: by number."),
    )

    class Meta:
        verbose_name = _("seat")
        ordering = ["plan", "section", "row_order", "row", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "section", "row", "number"], name="seat_unique_in_plan"
            )
        ]

    def __str__(self) -> str:
        label = _("Row %(row)s, seat %(number)s") % {"row": self.row, "number": self.number}
        return f"{self.section} {label}".strip() if self.section else str(label)

    @property
    def label(self) -> str:
        """The seat as people read it: "Row B, seat 12 — section Stalls"."""
        label = _("Row %(row)s, seat %(number)s") % {"row": self.row, "number": self.number}
        if not self.section:
            return str(label)
        return _("%(seat)s — section %(section)s") % {"seat": label, "section": self.section}
