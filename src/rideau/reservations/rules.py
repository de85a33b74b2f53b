"""What may be reserved, where, and until when (SPEC C2, C7): the one home of these rules.

Three switches, all needed:

1. the point of sale takes reservations, for the buyer's audience (`point_of_sale_allows`);
2. the product profiles that apply say the product is reservable on that date
   (`profile_verdict`, with the overlap rule below);
3. the product has a deadline rule, and the deadline it gives is still ahead
   (`item_deadline`).

**Overlapping profiles (C7).** Several active profiles may contain the same product for the
same point of sale and date, and disagree. The verdict never depends on the order they were
created or listed in:

- the *most specific* profiles win: a profile that names points of sale is more specific
  than one for every point of sale, and one that names dates more specific than one for
  every date (naming both is the most specific);
- among the winners, if any says "sale only", the product is not reservable (the cautious
  reading: no place is ever held unpaid by accident);
- no profile containing the product: not reservable.

**Deadlines** are computed in the organiser's time zone (where its events happen), by
calendar days, so a daylight-saving change never moves them by an hour:

- N days after booking: the end of the N-th day after the booking day (23:59:59 local);
- N days before the date: the end of the day N days before the performance's day, and never
  after the performance starts;
- both: the earlier. A deadline already past means: not offered, the buyer pays now.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext as _

from rideau.catalog.models import AudienceType, Product
from rideau.core.timezones import organizer_zone
from rideau.events.models import EventDate

from .models import PointOfSale, ProductProfile, ReleasePolicy, ReservationRule


def _end_of_day(day: datetime.date, zone) -> datetime.datetime:
    """The last second of `day` in `zone` (aware, as UTC): 23:59:59 reads unambiguously
    ("before 16 December, 23:59"), where the next midnight would read as the next day."""
    return datetime.datetime.combine(day, datetime.time(23, 59, 59), tzinfo=zone).astimezone(
        datetime.UTC
    )


def deadline_for(
    rule: ReservationRule | None,
    *,
    booked: datetime.datetime,
    date_start: datetime.datetime | None,
    zone,
) -> datetime.datetime | None:
    """The deadline `rule` gives to a booking made at `booked` for a performance starting at
    `date_start`, in `zone`; None if the rule gives none (no rule, or only "days before the
    date" without a date)."""
    if rule is None:
        return None
    candidates = []
    if rule.days_after_booking is not None:
        day = booked.astimezone(zone).date() + datetime.timedelta(days=rule.days_after_booking)
        candidates.append(_end_of_day(day, zone))
    if rule.days_before_date is not None and date_start is not None:
        day = date_start.astimezone(zone).date() - datetime.timedelta(days=rule.days_before_date)
        candidates.append(min(_end_of_day(day, zone), date_start))
    return min(candidates) if candidates else None


def point_of_sale_allows(
    point_of_sale: PointOfSale | None, audience_type: AudienceType | None
) -> bool:
    """Switch 1: the point of sale takes reservations from this public."""
    if point_of_sale is None or not point_of_sale.active or not point_of_sale.may_reserve:
        return False
    allowed = {a.pk for a in point_of_sale.reserving_audiences.all()}
    if not allowed:
        return True
    return audience_type is not None and audience_type.pk in allowed


@dataclass(frozen=True)
class ProfileEntry:
    """One profile's say on one product: its scope and its answer."""

    profile_id: int
    names_points_of_sale: bool
    names_dates: bool
    reservable: bool

    @property
    def specificity(self) -> int:
        return int(self.names_points_of_sale) + int(self.names_dates)


def resolve(entries: Iterable[ProfileEntry]) -> bool:
    """The overlap rule (C7) over the profiles that apply: the most specific ones decide,
    "sale only" wins among equals, nothing applies means not reservable."""
    entries = list(entries)
    if not entries:
        return False
    top = max(e.specificity for e in entries)
    return all(e.reservable for e in entries if e.specificity == top)


def applicable_entries(
    *, point_of_sale: PointOfSale, product: Product, date: EventDate | None
) -> list[ProfileEntry]:
    """The active profiles of the organiser that contain `product` and apply to this point
    of sale and date (a profile naming dates never applies to an order line without one)."""
    profiles = (
        ProductProfile.objects.filter(
            organizer_id=point_of_sale.organizer_id, active=True, items__product=product
        )
        .prefetch_related("points_of_sale", "dates", "items")
        .distinct()
    )
    entries = []
    for profile in profiles:
        pos_ids = {p.pk for p in profile.points_of_sale.all()}
        date_ids = {d.pk for d in profile.dates.all()}
        if pos_ids and point_of_sale.pk not in pos_ids:
            continue
        if date_ids and (date is None or date.pk not in date_ids):
            continue
        item = next(i for i in profile.items.all() if i.product_id == product.pk)
        entries.append(
            ProfileEntry(
                profile_id=profile.pk,
                names_points_of_sale=bool(pos_ids),
                names_dates=bool(date_ids),
                reservable=item.reservable,
            )
        )
    return entries


def profile_verdict(
    *, point_of_sale: PointOfSale, product: Product, date: EventDate | None
) -> bool:
    """Switch 2 for one product on one date at one point of sale."""
    return resolve(applicable_entries(point_of_sale=point_of_sale, product=product, date=date))


def _performance_start(product: Product, date: EventDate | None) -> datetime.datetime | None:
    if date is not None:
        return date.start
    if product.event_id is None:
        return None
    first = EventDate.objects.filter(event_id=product.event_id).order_by("start").first()
    return first.start if first else None


@dataclass(frozen=True)
class Verdict:
    reservable: bool
    deadline: datetime.datetime | None = None
    reason: str = ""  # why not, for people


def verdict(
    *,
    point_of_sale: PointOfSale | None,
    audience_type: AudienceType | None,
    product: Product,
    date: EventDate | None,
    now: datetime.datetime,
) -> Verdict:
    """May `product` on `date` be reserved now at this point of sale, and until when."""
    if not point_of_sale_allows(point_of_sale, audience_type):
        return Verdict(False, reason=_("This point of sale does not take reservations."))
    assert point_of_sale is not None
    if not profile_verdict(point_of_sale=point_of_sale, product=product, date=date):
        return Verdict(False, reason=_("This product is sold, not reserved."))
    rule = ReservationRule.objects.filter(product=product).first()
    deadline = deadline_for(
        rule,
        booked=now,
        date_start=_performance_start(product, date),
        zone=organizer_zone(point_of_sale.organizer),
    )
    if deadline is None:
        return Verdict(False, reason=_("This product has no reservation deadline."))
    if deadline <= now:
        return Verdict(False, reason=_("Too close to the date: pay now."))
    return Verdict(True, deadline=deadline)


def policy_for(organizer_id: int, event_id: int | None) -> ReleasePolicy:
    """The event's policy, else the organiser's, else strict with a 48-hour reminder."""
    policies = {
        p.event_id: p
        for p in ReleasePolicy.objects.filter(organizer_id=organizer_id).filter(
            event_id__in=[event_id] if event_id else []
        )
        | ReleasePolicy.objects.filter(organizer_id=organizer_id, event__isnull=True)
    }
    return (
        policies.get(event_id)
        or policies.get(None)
        or ReleasePolicy(organizer_id=organizer_id, mode=ReleasePolicy.Mode.STRICT)
    )


def release_time(policy: ReleasePolicy, deadline: datetime.datetime) -> datetime.datetime:
    """When the places of a reservation due at `deadline` go back."""
    if policy.mode == ReleasePolicy.Mode.LENIENT:
        return deadline + datetime.timedelta(hours=policy.grace_hours)
    return deadline


def web_point_of_sale(organizer) -> PointOfSale | None:
    """The organiser's web shop as a point of sale (the first active one on the web channel)."""
    return (
        PointOfSale.objects.filter(organizer=organizer, channel="web", active=True)
        .order_by("id")
        .first()
    )


def shop_offer(organizer, lines, now: datetime.datetime) -> datetime.datetime | None:
    """The shop's read side of C1: the deadline a reservation of these (product, date) lines
    would have in the web shop now, or None when reserving is not offered (a switch is off
    for one line, or its deadline is already past: the buyer pays now). The write side,
    `services.reserve_cart`, asks the same questions."""
    point_of_sale = web_point_of_sale(organizer)
    if not lines or not point_of_sale_allows(point_of_sale, None):
        return None
    deadlines = []
    for product, date in lines:
        found = verdict(
            point_of_sale=point_of_sale, audience_type=None, product=product, date=date, now=now
        )
        if not found.reservable or found.deadline is None:
            return None
        deadlines.append(found.deadline)
    return min(deadlines)
