"""Roles and the permissions each grants. One table, used by every surface."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    OWNER = "owner", _("Owner")
    ADMIN = "admin", _("Administrator")
    EVENT_MANAGER = "event_manager", _("Event manager")
    BOX_OFFICE = "box_office", _("Box office")
    CHECKIN = "checkin", _("Check-in")
    MARKETING = "marketing", _("Marketing")
    READ_ONLY = "read_only", _("Read-only")


class Perm(models.TextChoices):
    VIEW = "view", _("See the organiser's data")
    CHANGE_ORGANIZER = "organizer.change", _("Change organiser settings")
    MANAGE_TEAMS = "teams.manage", _("Manage teams, members and API tokens")
    CHANGE_EVENTS = "events.change", _("Create and change events, venues and catalogue")
    VIEW_ORDERS = "orders.view", _("See orders")
    CHANGE_ORDERS = "orders.change", _("Sell, change, cancel and refund orders")
    CHECKIN = "checkin", _("Check attendees in")
    VIEW_CONTACTS = "contacts.view", _("See contacts")
    CHANGE_CONTACTS = "contacts.change", _("Change contacts and send campaigns")


_ALL = set(Perm)
ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.OWNER: frozenset(_ALL),
    # administrators do everything an owner does, except that only owners may change
    # the owner team (checked by the team services).
    Role.ADMIN: frozenset(_ALL),
    Role.EVENT_MANAGER: frozenset(
        {
            Perm.VIEW,
            Perm.CHANGE_EVENTS,
            Perm.VIEW_ORDERS,
            Perm.CHANGE_ORDERS,
            Perm.CHECKIN,
            Perm.VIEW_CONTACTS,
        }
    ),
    Role.BOX_OFFICE: frozenset(
        {Perm.VIEW, Perm.VIEW_ORDERS, Perm.CHANGE_ORDERS, Perm.CHECKIN, Perm.VIEW_CONTACTS}
    ),
    Role.CHECKIN: frozenset({Perm.VIEW, Perm.CHECKIN}),
    Role.MARKETING: frozenset({Perm.VIEW, Perm.VIEW_CONTACTS, Perm.CHANGE_CONTACTS}),
    Role.READ_ONLY: frozenset({Perm.VIEW, Perm.VIEW_ORDERS, Perm.VIEW_CONTACTS}),
}
