"""The one place where tenancy is enforced (DESIGN rule 4).

Every surface — back-office views, the REST API, the box office, tasks acting for a user —
resolves the organiser through `get_organizer_for` and checks `require`; organiser-owned
querysets are then narrowed with `scoped`. Nothing organiser-owned is fetched by bare pk.
"""

from dataclasses import dataclass, field

from django.db.models import Model, QuerySet
from django.http import Http404

from .errors import PermissionDenied
from .models import ApiToken, Organizer, User
from .roles import ROLE_PERMISSIONS


@dataclass(frozen=True)
class Actor:
    """Who is acting: a staff user, or a team API token."""

    user: User | None = None
    token: ApiToken | None = None
    _cache: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def is_authenticated(self) -> bool:
        if self.token is not None:
            return self.token.usable_at()
        return bool(self.user and self.user.is_authenticated and self.user.is_active)

    def permissions(self, organizer: Organizer) -> frozenset[str]:
        if organizer.pk in self._cache:
            return self._cache[organizer.pk]
        perms: set[str] = set()
        if self.token is not None:
            if self.token.usable_at() and self.token.team.organizer_id == organizer.pk:
                perms |= ROLE_PERMISSIONS[self.token.team.role]
        elif self.is_authenticated:
            assert self.user is not None
            for role in self.user.teams.filter(organizer=organizer).values_list("role", flat=True):
                perms |= ROLE_PERMISSIONS[role]
        result = frozenset(perms)
        self._cache[organizer.pk] = result
        return result

    def has(self, organizer: Organizer, perm: str) -> bool:
        return perm in self.permissions(organizer)

    def audit_kwargs(self) -> dict:
        return {"actor": self.user if self.token is None else None, "actor_token": self.token}


SYSTEM = Actor()


def actor_for_user(user) -> Actor:
    return Actor(user=user if getattr(user, "is_authenticated", False) else None)


def organizers_for(actor: Actor) -> QuerySet[Organizer]:
    """Organisers the actor is a member of."""
    if actor.token is not None:
        return Organizer.objects.filter(pk=actor.token.team.organizer_id)
    if not actor.is_authenticated:
        return Organizer.objects.none()
    return Organizer.objects.filter(teams__members=actor.user).distinct()


def get_organizer_for(actor: Actor, slug: str, perm: str = "view") -> Organizer:
    """The organiser with this slug, if the actor may `perm` on it.

    Raises Http404 when the actor is not a member at all (so other tenants' existence is not
    revealed) and PermissionDenied when a member lacks the permission.
    """
    organizer = Organizer.objects.filter(slug=slug).first()
    if organizer is None or not actor.permissions(organizer):
        raise Http404("No such organiser")
    require(actor, organizer, perm)
    return organizer


def require(actor: Actor, organizer: Organizer, perm: str) -> None:
    if not actor.has(organizer, perm):
        raise PermissionDenied("permission_denied", perm=perm)


def scoped(queryset: QuerySet, organizer: Organizer, path: str = "organizer") -> QuerySet:
    """Narrow an organiser-owned queryset to one organiser (`path` is the lookup to it)."""
    return queryset.filter(**{path: organizer})


def get_scoped_or_404(
    queryset: QuerySet, organizer: Organizer, path: str = "organizer", **lookup
) -> Model:
    obj = scoped(queryset, organizer, path).filter(**lookup).first()
    if obj is None:
        raise Http404("Not found")
    return obj
