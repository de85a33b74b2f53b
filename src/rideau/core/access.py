"""The one place where tenancy is enforced (DESIGN rule 4).

Every surface — back-office views, the REST API, the box office, tasks acting for a user —
resolves the organiser through `get_organizer_for` and checks `require`; organiser-owned
querysets are then narrowed with `scoped`. Nothing organiser-owned is fetched by bare pk.
"""

from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.db.models import Model, QuerySet
from django.http import Http404

from .errors import PermissionDenied
from .models import ApiToken, Organizer, User
from .roles import ROLE_PERMISSIONS

M = TypeVar("M", bound=Model)


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


def scoped(queryset: QuerySet[M], organizer: Organizer, path: str = "organizer") -> QuerySet[M]:
    """Narrow an organiser-owned queryset to one organiser (`path` is the lookup to it)."""
    return queryset.filter(**{path: organizer.pk if path == "pk" else organizer})


def organizer_path(model: type[Model]) -> str:
    """The lookup from `model` to its organiser: the model's own `organizer_path` if it
    declares one, else the shortest chain of required foreign keys that reaches `Organizer`
    (`organizer`, `event__organizer`, `product__event__organizer`…)."""
    declared = getattr(model, "organizer_path", None)
    if isinstance(declared, str):
        return declared
    path = _paths.get(model)
    if path is None:
        path = _find_path(model)
        _paths[model] = path
    return path


_paths: dict[type[Model], str] = {}


def organizer_of(obj: Model) -> Organizer:
    """The organiser that owns `obj`, followed along its model's `organizer_path`."""
    path = organizer_path(type(obj))
    if path == "pk":
        assert isinstance(obj, Organizer)
        return obj
    owner: Any = obj
    for name in path.split("__"):
        owner = getattr(owner, name)
    return owner


def _find_path(model: type[Model]) -> str:
    if model is Organizer:
        return "pk"
    if any(f.name == "organizer" for f in model._meta.concrete_fields):
        return "organizer"  # its own link, even an optional one (no organiser: nobody's)
    queue: list[tuple[type[Model], str]] = [(model, "")]
    seen = {model}
    while queue:
        current, prefix = queue.pop(0)
        for field_ in current._meta.concrete_fields:
            target = field_.related_model if field_.many_to_one or field_.one_to_one else None
            # an optional link does not say who owns the row
            if not isinstance(target, type) or target in seen or field_.null:
                continue
            lookup = f"{prefix}{field_.name}"
            if target is Organizer:
                return lookup
            if lookup.count("__") < 3:
                seen.add(target)
                queue.append((target, f"{lookup}__"))
    raise TypeError(f"{model.__name__} is not owned by an organiser")


def for_organizer(source: type[M] | QuerySet[M], organizer: Organizer) -> QuerySet[M]:
    """`source` (a model or a queryset of it) narrowed to what `organizer` owns."""
    queryset = source._default_manager.all() if isinstance(source, type) else source
    return scoped(queryset, organizer, organizer_path(queryset.model))


def get_scoped_or_404(
    source: type[M] | QuerySet[M],
    organizer: Organizer,
    path: str | None = None,
    **lookups: object,
) -> M:
    """The one object of `source` (a model or a queryset) matching `lookups` within
    `organizer`; 404 when there is none, whoever owns it otherwise."""
    if path is None:
        queryset = for_organizer(source, organizer)
    else:
        base = source._default_manager.all() if isinstance(source, type) else source
        queryset = scoped(base, organizer, path)
    obj = queryset.filter(**lookups).first()
    if obj is None:
        raise Http404("Not found")
    return obj
