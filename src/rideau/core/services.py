"""Writes on tenancy and people, plus the shared save/delete-with-audit used by every area."""

import datetime
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypedDict, TypeVar, Unpack

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils.timezone import now
from django.utils.translation import gettext

from . import audit
from .access import Actor, organizer_of, require
from .errors import RideauError, ValidationFailed
from .models import ApiToken, Organizer, Team, User
from .roles import Perm, Role
from .text import text_problem

M = TypeVar("M", bound=models.Model)


def validation_errors(exc: ValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return {k: [str(m) for e in v for m in e.messages] for k, v in exc.error_dict.items()}
    return {"__all__": [str(m) for m in exc.messages]}


def _text_problem(value) -> str | None:
    """Why a text (or a JSON structure of texts) breaks the input-text rule, or None.

    The lenient form of `rideau.core.text` (line breaks and tabs allowed): what no stored
    text may hold — NUL (PostgreSQL refuses it), other control characters (XLSX refuses
    them), lone surrogates (not encodable as UTF-8)."""
    if isinstance(value, str):
        return text_problem(value, multiline=True)
    if isinstance(value, dict):
        items = [*value.keys(), *value.values()]
    elif isinstance(value, list | tuple):
        items = list(value)
    else:
        return None
    for item in items:
        if (problem := _text_problem(item)) is not None:
            return problem
    return None


def check_text(obj: models.Model) -> None:
    """ValidationFailed for each concrete field whose value holds text that cannot be stored."""
    errors = {}
    for f in obj._meta.concrete_fields:
        problem = _text_problem(getattr(obj, f.attname, None))
        if problem is not None:
            errors[f.name] = [problem]
    if errors:
        raise ValidationFailed(errors)


def taken(obj: models.Model, **lookups: Any) -> bool:
    """Whether another row of `obj`'s model already has these values (a unique value in
    use): checked before saving, so the message is on the field; the unique constraint
    still catches a concurrent twin."""
    others = type(obj)._default_manager.filter(**lookups)
    if obj.pk is not None:
        others = others.exclude(pk=obj.pk)
    return others.exists()


def full_clean(
    obj: models.Model,
    *,
    exclude: list[str] | None = None,
    errors: dict[str, list[str]] | None = None,
) -> None:
    """Model validation turned into a ValidationFailed with field-level messages.

    `errors` are field errors the caller already found (domain rules); they are reported
    together with the model's own, so the user sees every problem at once.
    """
    check_text(obj)
    found = {k: list(v) for k, v in (errors or {}).items()}
    try:
        obj.full_clean(exclude=exclude)
    except ValidationError as exc:
        for name, messages in validation_errors(exc).items():
            found.setdefault(name, []).extend(m for m in messages if m not in found[name])
    if found:
        raise ValidationFailed(found)


def save_with_audit(
    obj: M,
    *,
    actor: Actor,
    organizer: Organizer | None = None,
    action: str,
    perm: str,
    before: dict | None = None,
    validate_exclude: list[str] | None = None,
    unique_errors: dict[str, list[str]] | None = None,
    errors: dict[str, list[str]] | None = None,
) -> M:
    """Validate, save and log one object. The generic write path for catalogue-like data.

    `errors` are field errors the caller's domain rules already found: reported together
    with the model's own. `unique_errors` are the field errors to report when the database
    refuses the row as a duplicate (a concurrent write got there first); by default a
    form-wide message. `organizer` (by default the object's own) is the one the permission
    is checked in and the entry logged under.
    """
    organizer = organizer or organizer_of(obj)
    require(actor, organizer, perm)
    full_clean(obj, exclude=validate_exclude, errors=errors)
    try:
        with transaction.atomic():
            obj.save()
            audit.record_state(action, obj, actor=actor, organizer=organizer, before=before)
    except IntegrityError as exc:
        raise ValidationFailed(unique_errors or {"__all__": [str(_unique_message())]}) from exc
    return obj


def update_with_audit(
    obj: M,
    changes: Mapping[str, Any],
    *,
    allowed: Iterable[str],
    actor: Actor,
    organizer: Organizer | None = None,
    action: str,
    perm: str,
    clean: Callable[[Any, dict[str, list[str]]], None] | None = None,
    validate_exclude: list[str] | None = None,
    unique_errors: dict[str, list[str]] | None = None,
) -> M:
    """Apply `changes` (names in `allowed`), validate with the domain's `clean(obj, errors)`
    and the model's rules, save and log before/after. On any error the object is reloaded,
    so nothing stays half-changed, in the database or in memory."""
    organizer = organizer or organizer_of(obj)
    require(actor, organizer, perm)
    with restored_on_error(obj):
        before = audit.snapshot(obj)
        apply_changes(obj, changes, allowed)
        errors: dict[str, list[str]] = {}
        if clean is not None:
            clean(obj, errors)
        save_with_audit(
            obj,
            actor=actor,
            organizer=organizer,
            action=action,
            perm=perm,
            before=before,
            validate_exclude=validate_exclude,
            unique_errors=unique_errors,
            errors=errors,
        )
    return obj


def save_checked(
    obj: M,
    errors: dict[str, list[str]] | None = None,
    *,
    actor: Actor | None,
    organizer: Organizer | None = None,
    action: str,
    before: dict | None = None,
) -> M:
    """The write path of objects validated by hand (no model validation): raise the field
    `errors` the domain found, reloading an object being changed (`before` given) so nothing
    stays half-changed in memory; else save it and log `before` and after under `organizer`
    (by default the object's own). The caller checks the permission and holds the
    transaction."""
    organizer = organizer or organizer_of(obj)
    if errors:
        if before is not None and obj.pk is not None:
            obj.refresh_from_db()
        raise ValidationFailed(errors)
    obj.save()
    audit.record(
        action, obj, actor=actor, organizer=organizer, before=before, after=audit.snapshot(obj)
    )
    return obj


def delete_with_audit(
    obj: models.Model,
    *,
    actor: Actor,
    organizer: Organizer | None = None,
    action: str,
    perm: str | None,
    in_use: RideauError | None = None,
) -> None:
    """Log and delete one object (of `organizer`, by default its own). `perm` None: the
    caller has checked the permission. An object still referenced is refused with `in_use`
    (by default a generic "protected")."""
    organizer = organizer or organizer_of(obj)
    if perm is not None:
        require(actor, organizer, perm)
    with transaction.atomic():
        before = audit.snapshot(obj)
        audit.record(action, obj, actor=actor, organizer=organizer, before=before, after=None)
        try:
            obj.delete()
        except (models.ProtectedError, models.RestrictedError) as exc:
            raise (in_use or RideauError("protected", message=str(_protected_message()))) from exc


@dataclass(frozen=True)
class AuditedWrites:
    """How one kind of object is created, changed and deleted, said once: the name its
    audit entries take (`question` logs question.created, .updated, .deleted), the
    permission they need, the fields a change may set, the fields the service sets itself
    (its parent link: left out of the model validation), the domain's checks
    (`clean(obj, errors)`) and the field errors a duplicate row gives (a function, so the
    message is translated when it is raised)."""

    name: str
    allowed: tuple[str, ...]
    perm: str = Perm.CHANGE_EVENTS
    set_by_service: tuple[str, ...] = ("organizer",)
    clean: Callable[[Any, dict[str, list[str]]], None] | None = None
    unique_errors: Callable[[], dict[str, list[str]]] | None = None

    def _unique_errors(self) -> dict[str, list[str]] | None:
        return None if self.unique_errors is None else self.unique_errors()

    def _clean(self, obj: models.Model, errors: dict[str, list[str]], found: Mapping) -> None:
        if self.clean is not None:
            self.clean(obj, errors)
        errors.update(found)

    def create(
        self,
        obj: M,
        fields: Mapping[str, Any] | None = None,
        *,
        actor: Actor,
        errors: Mapping[str, list[str]] | None = None,
    ) -> M:
        """Save the new `obj` with `fields` set on it, checked and logged. `errors` are field
        errors the caller already found, reported with the others."""
        require(actor, organizer_of(obj), self.perm)
        apply_changes(obj, fields or {}, self.allowed)
        all_errors: dict[str, list[str]] = {}
        self._clean(obj, all_errors, errors or {})
        return save_with_audit(
            obj,
            errors=all_errors,
            actor=actor,
            action=f"{self.name}.created",
            perm=self.perm,
            validate_exclude=list(self.set_by_service),
            unique_errors=self._unique_errors(),
        )

    def update(
        self,
        obj: M,
        changes: Mapping[str, Any],
        *,
        actor: Actor,
        errors: Mapping[str, list[str]] | None = None,
    ) -> M:
        """Apply `changes` to `obj`, checked and logged (see `update_with_audit`); `errors`
        as for `create`."""
        return update_with_audit(
            obj,
            changes,
            allowed=self.allowed,
            actor=actor,
            action=f"{self.name}.updated",
            perm=self.perm,
            clean=lambda obj, all_errors: self._clean(obj, all_errors, errors or {}),
            validate_exclude=list(self.set_by_service),
            unique_errors=self._unique_errors(),
        )

    def delete(self, obj: models.Model, *, actor: Actor, in_use: RideauError | None = None) -> None:
        """Log and delete `obj` (see `delete_with_audit`)."""
        delete_with_audit(
            obj, actor=actor, action=f"{self.name}.deleted", perm=self.perm, in_use=in_use
        )


def _unique_message():
    from django.utils.translation import gettext_lazy as _

    return _("An object with these values already exists.")


def _protected_message():
    from django.utils.translation import gettext_lazy as _

    return _("This object is still in use and cannot be deleted.")


@transaction.atomic
def create_organizer(
    *,
    name: str,
    slug: str,
    owner: User,
    currency: str = "EUR",
    timezone: str = "Europe/Paris",
    languages: list[str] | None = None,
    actor: Actor | None = None,
) -> Organizer:
    """A new tenant with its owner team."""
    organizer = Organizer(
        name=name, slug=slug, currency=currency, timezone=timezone, languages=languages or ["en"]
    )
    full_clean(organizer)
    organizer.save()
    team = Team.objects.create(organizer=organizer, name="Owners", role=Role.OWNER)
    team.members.add(owner)
    audit.record(
        "organizer.created",
        organizer,
        actor=actor or Actor(user=owner),
        organizer=organizer,
        after=audit.snapshot(organizer),
    )
    return organizer


@transaction.atomic
def create_team(*, actor: Actor, organizer: Organizer, name: str, role: str) -> Team:
    """A new team of `organizer` with one role; only owners may create an owners' team.
    A name already used by another of the organiser's teams is refused on the name."""
    require(actor, organizer, Perm.MANAGE_TEAMS)
    if role == Role.OWNER and Role.OWNER not in _roles_of(actor, organizer):
        raise RideauError("owner_only", field="role", message=str(_owner_only_message()))
    team = Team(organizer=organizer, name=name.strip(), role=role)
    if team.name and taken(team, organizer=organizer, name__iexact=team.name):
        raise ValidationFailed({"name": [gettext("A team with this name already exists.")]})
    return save_with_audit(
        team, actor=actor, organizer=organizer, action="team.created", perm=Perm.MANAGE_TEAMS
    )


def _roles_of(actor: Actor, organizer: Organizer) -> set[str]:
    if actor.token is not None:
        return {actor.token.team.role} if actor.token.team.organizer_id == organizer.pk else set()
    if actor.user is None:
        return set()
    return set(actor.user.teams.filter(organizer=organizer).values_list("role", flat=True))


def _owner_only_message():
    from django.utils.translation import gettext_lazy as _

    return _("Only owners may create or change the owners' team.")


def check_team_change(actor: Actor, team: Team) -> None:
    """The permission to change a team's members: `MANAGE_TEAMS`, and only owners change
    the owners' team."""
    require(actor, team.organizer, Perm.MANAGE_TEAMS)
    if team.role == Role.OWNER and Role.OWNER not in _roles_of(actor, team.organizer):
        raise RideauError("owner_only", field="email", message=str(_owner_only_message()))


@transaction.atomic
def add_team_member(*, actor: Actor, team: Team, user: User) -> None:
    """Add `user` to `team` (audited); someone already in the team is refused."""
    check_team_change(actor, team)
    if team.members.filter(pk=user.pk).exists():
        raise RideauError(
            "already_member",
            field="email",
            message=gettext("%(email)s is already a member of this team.") % {"email": user.email},
        )
    team.members.add(user)
    audit.record(
        "team.member_added", team, actor=actor, organizer=team.organizer, after={"user": user.email}
    )


@transaction.atomic
def remove_team_member(*, actor: Actor, team: Team, user: User) -> None:
    """Take `user` out of `team` (audited), with the rules of `add_team_member`. The last
    owner of the organiser stays: without one, nobody could change the owners' team."""
    check_team_change(actor, team)
    # the owners' teams are locked, so two owners removing each other at once cannot both
    # pass the check below and leave the organiser without an owner
    owner_teams = Team.objects.select_for_update().filter(organizer=team.organizer, role=Role.OWNER)
    list(owner_teams.values_list("pk", flat=True))
    memberships = Team.members.through.objects
    if not memberships.filter(team=team, user=user).exists():
        raise RideauError(
            "not_member",
            message=gettext("%(email)s is not a member of this team.") % {"email": user.email},
        )
    if team.role == Role.OWNER:
        # an owner who can log in: one invited who never chose a password does not count
        others = (
            memberships.filter(team__in=owner_teams, user__is_active=True)
            .exclude(team=team, user=user)
            .exclude(user__password__startswith=UNUSABLE_PASSWORD_PREFIX)
        )
        if not others.exists():
            raise RideauError(
                "last_owner",
                message=gettext(
                    "%(email)s is the organiser's last owner and cannot be removed: add "
                    "another owner first."
                )
                % {"email": user.email},
            )
    team.members.remove(user)
    audit.record(
        "team.member_removed",
        team,
        actor=actor,
        organizer=team.organizer,
        before={"user": user.email},
    )


@transaction.atomic
def create_api_token(
    *, actor: Actor, team: Team, name: str, expires: datetime.datetime | None = None
) -> tuple[ApiToken, str]:
    """A new token for a team; the raw token is returned once and never stored.

    `expires` (optional) must be in the future: the token stops working then. A token
    acts with its team's role: only owners may create one for the owners' team."""
    require(actor, team.organizer, Perm.MANAGE_TEAMS)
    if team.role == Role.OWNER and Role.OWNER not in _roles_of(actor, team.organizer):
        raise RideauError(
            "owner_only",
            field="team",
            message=gettext("Only owners may create a token for the owners' team."),
        )
    errors: dict[str, list[str]] = {}
    if not name.strip():
        errors["name"] = [gettext("This field is required.")]
    if expires is not None and expires <= now():
        errors["expires"] = [gettext("Choose a time in the future.")]
    if errors:
        raise ValidationFailed(errors)
    token, raw = ApiToken.generate(team=team, name=name.strip(), expires=expires)
    audit.record(
        "api_token.created",
        token,
        actor=actor,
        organizer=team.organizer,
        after={
            "name": token.name,
            "hint": token.hint,
            "team": team.name,
            "expires": expires.isoformat() if expires else None,
        },
    )
    return token, raw


@transaction.atomic
def revoke_api_token(*, actor: Actor, organizer: Organizer, token: ApiToken) -> ApiToken:
    """Stop a token at once (it cannot be turned back on). Revoking twice changes nothing."""
    require(actor, organizer, Perm.MANAGE_TEAMS)
    token = ApiToken.objects.select_for_update().select_related("team").get(pk=token.pk)
    if token.team.organizer_id != organizer.pk:
        raise ValidationFailed({"token": [gettext("Unknown or not available here.")]})
    if not token.active:
        return token
    token.active = False
    token.revoked = now()
    token.save(update_fields=["active", "revoked"])
    audit.record(
        "api_token.revoked",
        token,
        actor=actor,
        organizer=organizer,
        before={"active": True},
        after={"active": False, "revoked": token.revoked.isoformat()},
    )
    return token


def api_tokens(organizer: Organizer):
    """The organiser's tokens, newest first, with their team."""
    return (
        ApiToken.objects.filter(team__organizer=organizer)
        .select_related("team")
        .order_by("-created", "-id")
    )


@contextmanager
def restored_on_error(obj: models.Model) -> Iterator[None]:
    """Reload `obj` from the database if the block fails, so a refused change leaves the
    caller's instance as it is stored (nothing half-applied in memory either)."""
    try:
        yield
    except Exception:
        if obj.pk is not None:
            obj.refresh_from_db()
        raise


@contextmanager
def old_file_dropped(obj: models.Model, field: str, *, deleted: bool = False) -> Iterator[str]:
    """The file `obj.<field>` holds now (its name, "" for none) is deleted from its storage
    once the block has succeeded, if the field no longer holds it (replaced or removed) —
    or in any case with `deleted` (the block deleted `obj`). A failed block deletes nothing."""
    old = getattr(obj, field)
    name, storage = (old.name if old else ""), old.storage
    yield name
    now_held = getattr(obj, field)
    if name and (deleted or name != (now_held.name if now_held else "")):
        storage.delete(name)


def apply_changes(obj: models.Model, changes: Mapping[str, Any], allowed: Iterable[str]) -> None:
    """Set the given attributes; a name outside `allowed` is a programming error."""
    unknown = set(changes) - set(allowed)
    if unknown:
        raise TypeError(f"cannot change {', '.join(sorted(unknown))} on {obj._meta.label}")
    for name, value in changes.items():
        setattr(obj, name, value)


class OrganizerSettings(TypedDict, total=False):
    name: str
    currency: str
    timezone: str
    languages: list[str]
    contact_email: str
    primary_color: str


ORGANIZER_SETTINGS = tuple(OrganizerSettings.__annotations__)


def update_organizer_settings(
    organizer: Organizer, *, actor: Actor, **changes: Unpack[OrganizerSettings]
) -> Organizer:
    """Change an organiser's settings (name, currency, time zone, languages, contact, colour)."""
    return update_with_audit(
        organizer,
        changes,
        allowed=ORGANIZER_SETTINGS,
        actor=actor,
        action="organizer.updated",
        perm=Perm.CHANGE_ORGANIZER,
    )


# --- two-factor authentication -------------------------------------------------------------


def enable_totp(user: User, *, secret: str, actor: Actor) -> User:
    """Turn on a staff user's second factor with the secret they confirmed (audited)."""
    with transaction.atomic():
        user.totp_secret = secret
        user.totp_enabled = True
        user.save(update_fields=["totp_enabled", "totp_secret"])
        audit.record("user.totp_enabled", user, actor=actor)
    return user


def disable_totp(user: User, *, actor: Actor) -> User:
    """Turn off a staff user's second factor and forget its secret (audited)."""
    with transaction.atomic():
        user.totp_enabled = False
        user.totp_secret = ""
        user.save(update_fields=["totp_enabled", "totp_secret"])
        audit.record("user.totp_disabled", user, actor=actor)
    return user
