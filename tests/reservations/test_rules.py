"""The three switches (C2), the overlap rule of product profiles (C7) and the deadline
arithmetic in the organiser's time zone, across daylight-saving changes."""

import datetime
import itertools
import zoneinfo

import pytest

from rideau.reservations import rules
from rideau.reservations.models import ProductProfile, ProfileProduct, ReservationRule
from rideau.reservations.rules import ProfileEntry, deadline_for, resolve

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
LA = zoneinfo.ZoneInfo("America/Los_Angeles")


def at(zone, *args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=zone)


def test_days_after_booking_ends_at_local_midnight_across_the_spring_change():
    # booked on Friday 27 March 2026, 15:00 in Paris; clocks go forward on Sunday 29 March
    rule = ReservationRule(days_after_booking=3)
    deadline = deadline_for(rule, booked=at(PARIS, 2026, 3, 27, 15), date_start=None, zone=PARIS)
    # the end of Monday 30 March, Paris time, in CEST (UTC+2): not an hour off
    assert deadline == at(PARIS, 2026, 3, 30, 23, 59, 59)
    assert deadline.astimezone(datetime.UTC) == datetime.datetime(
        2026, 3, 30, 21, 59, 59, tzinfo=datetime.UTC
    )


def test_days_before_the_date_across_the_autumn_change_in_los_angeles():
    # a show on Tuesday 3 November 2026, 19:30 in Los Angeles; clocks go back on 1 November
    show = at(LA, 2026, 11, 3, 19, 30)
    rule = ReservationRule(days_before_date=3)
    deadline = deadline_for(rule, booked=at(LA, 2026, 10, 20, 9), date_start=show, zone=LA)
    # the end of Saturday 31 October (PDT, UTC-7)
    assert deadline == at(LA, 2026, 10, 31, 23, 59, 59)
    assert deadline.astimezone(datetime.UTC) == datetime.datetime(
        2026, 11, 1, 6, 59, 59, tzinfo=datetime.UTC
    )


def test_both_rules_give_the_earlier_deadline():
    show = at(PARIS, 2026, 6, 20, 20)
    rule = ReservationRule(days_after_booking=10, days_before_date=7)
    early = deadline_for(rule, booked=at(PARIS, 2026, 6, 1, 10), date_start=show, zone=PARIS)
    assert early == at(PARIS, 2026, 6, 11, 23, 59, 59)  # 10 days after booking
    late = deadline_for(rule, booked=at(PARIS, 2026, 6, 8, 10), date_start=show, zone=PARIS)
    assert late == at(PARIS, 2026, 6, 13, 23, 59, 59)  # 7 days before the date


def test_zero_days_before_is_never_after_the_show_starts():
    show = at(PARIS, 2026, 6, 20, 20)
    rule = ReservationRule(days_before_date=0)
    assert deadline_for(rule, booked=at(PARIS, 2026, 6, 1), date_start=show, zone=PARIS) == show


def test_the_same_booking_in_another_zone_ends_with_that_zones_day():
    booked = datetime.datetime(2026, 3, 27, 23, 30, tzinfo=datetime.UTC)
    rule = ReservationRule(days_after_booking=1)
    # 00:30 on 28 March in Paris, 16:30 on 27 March in Los Angeles
    assert deadline_for(rule, booked=booked, date_start=None, zone=PARIS) == at(
        PARIS, 2026, 3, 29, 23, 59, 59
    )
    assert deadline_for(rule, booked=booked, date_start=None, zone=LA) == at(
        LA, 2026, 3, 28, 23, 59, 59
    )


@pytest.mark.parametrize(
    ("entries", "expected"),
    [
        ([], False),
        ([ProfileEntry(1, False, False, True)], True),
        ([ProfileEntry(1, False, False, False)], False),
        # a profile for this point of sale beats one for every point of sale, both ways
        ([ProfileEntry(1, False, False, False), ProfileEntry(2, True, False, True)], True),
        ([ProfileEntry(1, False, False, True), ProfileEntry(2, True, False, False)], False),
        # one naming the date beats one for every date
        ([ProfileEntry(1, True, False, False), ProfileEntry(2, True, True, True)], True),
        # equally specific and disagreeing: sale only wins
        ([ProfileEntry(1, True, False, True), ProfileEntry(2, False, True, False)], False),
        ([ProfileEntry(1, False, False, True), ProfileEntry(2, False, False, False)], False),
    ],
)
def test_the_overlap_rule_does_not_depend_on_the_order_of_profiles(entries, expected):
    for order in itertools.permutations(entries):
        assert resolve(order) is expected


def test_overlapping_profiles_on_the_same_product_and_date(world):
    """The vendor's bug (C7): a general "on sale" profile and a school profile naming the
    web shop and the date, both containing the ticket."""
    product, date, web = world.product, world.date, world.web
    world.profile.delete()
    general = ProductProfile.objects.create(organizer=world.organizer, name="On sale")
    ProfileProduct.objects.create(profile=general, product=product, reservable=False)
    assert not rules.profile_verdict(point_of_sale=web, product=product, date=date)

    schools = ProductProfile.objects.create(organizer=world.organizer, name="Schools, web")
    schools.points_of_sale.add(web)
    schools.dates.add(date)
    ProfileProduct.objects.create(profile=schools, product=product, reservable=True)
    assert rules.profile_verdict(point_of_sale=web, product=product, date=date)
    # not at the phone, nor on another date: the general profile decides there
    assert not rules.profile_verdict(point_of_sale=world.phone, product=product, date=date)
    other_date = date.__class__.objects.create(event=world.event, start=date.start)
    assert not rules.profile_verdict(point_of_sale=web, product=product, date=other_date)

    # a second profile just as specific saying "sale only": sale only wins
    strict = ProductProfile.objects.create(organizer=world.organizer, name="Web, this date")
    strict.points_of_sale.add(web)
    strict.dates.add(date)
    ProfileProduct.objects.create(profile=strict, product=product, reservable=False)
    assert not rules.profile_verdict(point_of_sale=web, product=product, date=date)
    strict.active = False
    strict.save()
    assert rules.profile_verdict(point_of_sale=web, product=product, date=date)


def test_each_switch_alone_turns_reserving_off(world):
    from django.utils import timezone

    now = timezone.now()

    def ok() -> bool:
        return rules.verdict(
            point_of_sale=world.web,
            audience_type=None,
            product=world.product,
            date=world.date,
            now=now,
        ).reservable

    assert ok()
    world.web.may_reserve = False
    world.web.save()
    assert not ok()
    world.web.may_reserve = True
    world.web.save()
    ProfileProduct.objects.filter(profile=world.profile).update(reservable=False)
    assert not ok()
    ProfileProduct.objects.filter(profile=world.profile).update(reservable=True)
    world.rule.delete()
    assert not ok()


def test_a_deadline_already_past_means_pay_now(world):
    from django.utils import timezone

    world.rule.days_after_booking = None
    world.rule.days_before_date = 40  # the date is 30 days ahead
    world.rule.save()
    found = rules.verdict(
        point_of_sale=world.web,
        audience_type=None,
        product=world.product,
        date=world.date,
        now=timezone.now(),
    )
    assert not found.reservable
    assert rules.shop_offer(world.organizer, [(world.product, world.date)], timezone.now()) is None


def test_audiences_who_may_reserve(world, organizer):
    from rideau.catalog.models import AudienceType

    schools = AudienceType.objects.create(
        organizer=organizer, code="schools", name={"en": "Schools"}
    )
    companies = AudienceType.objects.create(
        organizer=organizer, code="cos", name={"en": "Companies"}
    )
    world.phone.reserving_audiences.add(schools)
    assert rules.point_of_sale_allows(world.phone, schools)
    assert not rules.point_of_sale_allows(world.phone, companies)
    assert not rules.point_of_sale_allows(world.phone, None)
    assert rules.point_of_sale_allows(world.web, None)  # no list: every public
