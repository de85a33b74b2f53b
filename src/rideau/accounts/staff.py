"""Staff accounts: a colleague added to an organiser's team by e-mail address.

`invite_to_team` adds the person with that address to the team (`core.services.
add_team_member`: the permission, the owners' rule, the audit entry) and tells them by
e-mail through the outbox, in the same transaction. Someone Rideau does not know yet gets a
staff user with no usable password and an invitation whose link opens the staff "choose a
new password" page (Django's password-reset token: it works once, until the password is
set, for `PASSWORD_RESET_TIMEOUT`); `resend_invitation` writes a fresh one when it expired.
Links are built on `SITE_URL`, never on a request's Host.

A password link is a credential: it goes only to someone this organiser's invitation just
created (or who asks again through `resend_invitation`), and its e-mail is a platform
message (no organiser), so no organiser's mailbox — readable by its read-only staff —
shows it. Someone already known (perhaps invited elsewhere and not yet active) gets the
notice only.
"""

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from rideau.core import audit
from rideau.core.access import Actor
from rideau.core.errors import RideauError, ValidationFailed
from rideau.core.models import LANGUAGE_CHOICES, Team, User
from rideau.core.roles import Role
from rideau.core.services import add_team_member, check_team_change
from rideau.messaging.services import queue_email

from .services import normalize_email


def invited(user: User) -> bool:
    """True while an invited person has not chosen a password yet."""
    return not user.has_usable_password()


@transaction.atomic
def invite_to_team(*, actor: Actor, team: Team, email: str, language: str) -> tuple[User, bool]:
    """Add the person with `email` to `team` and e-mail them; (the user, created).

    A new address becomes a staff user writing in `language` (the inviter's, when Rideau
    has it), with no usable password, e-mailed an invitation to choose one; a known one is
    told they now have access (or invited again, if they never chose a password)."""
    email = normalize_email(email)
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationFailed({"email": [_("Enter a valid e-mail address.")]}) from None
    check_team_change(actor, team)
    user = User.objects.filter(email__iexact=email).first()
    created = user is None
    if user is None:
        locale = language if language in dict(LANGUAGE_CHOICES) else "en"
        try:
            with transaction.atomic():
                user = User.objects.create_user(email, None, locale=locale)  # unusable
        except IntegrityError:  # invited by someone else at the same moment
            created = False
            user = User.objects.get(email__iexact=email)
    add_team_member(actor=actor, team=team, user=user)
    _queue_team_email(actor, team, user, with_link=created)
    return user, created


@transaction.atomic
def resend_invitation(*, actor: Actor, team: Team, user: User) -> None:
    """A fresh invitation for a member of `team` who has not chosen a password yet (the
    earlier link expired or was lost); audited."""
    check_team_change(actor, team)
    if not team.members.filter(pk=user.pk).exists():
        raise RideauError(
            "not_member",
            message=_("%(email)s is not a member of this team.") % {"email": user.email},
        )
    if not invited(user):
        raise RideauError(
            "already_active",
            message=_("%(email)s has already chosen a password: they can log in.")
            % {"email": user.email},
        )
    _queue_team_email(actor, team, user, with_link=True)
    audit.record(
        "team.invitation_sent",
        team,
        actor=actor,
        organizer=team.organizer,
        after={"user": user.email},
    )


def _queue_team_email(actor: Actor, team: Team, user: User, *, with_link: bool) -> None:
    """The e-mail telling `user` they joined `team`: an invitation with a link to choose a
    password (`with_link`, while they have none), else a notice with the back office's
    address."""
    organizer = team.organizer
    inviter = actor.user
    site = settings.SITE_URL
    with translation.override(user.locale or "en"):
        context = {
            "organizer": organizer.name,
            "team": team.name,
            "role": Role(team.role).label,
            "inviter": (inviter.full_name or inviter.email) if inviter else organizer.name,
            "email": user.email,
            "back_office": site + reverse("web:control-organizer", args=[organizer.slug]),
            "login": site + reverse("web:login"),
            "days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86400),
            "pending": invited(user),
        }
        if with_link and invited(user):
            context["link"] = site + reverse(
                "web:password-reset-confirm",
                kwargs={
                    "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
                    "token": default_token_generator.make_token(user),
                },
            )
            subject = _("Invitation to %(organizer)s on Rideau")
            template = "accounts/team_invitation_email.txt"
            outbox_organizer = None  # a credential: in no organiser's mailbox
        else:
            subject = _("You now have access to %(organizer)s")
            template = "accounts/team_added_email.txt"
            outbox_organizer = organizer
        queue_email(
            organizer=outbox_organizer,
            to=[user.email],
            subject=subject % {"organizer": organizer.name},
            text=render_to_string(template, context),
            reply_to=[inviter.email] if inviter else None,
        )
