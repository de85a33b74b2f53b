"""The back office's one way to show a collection: a paginated list with an add form, an
edit page, and a delete button.

Every back-office list of an organiser's rows (dates, sessions, products and rates,
quotas, questions, venues and locations, ticket templates, audiences, multi-event pages)
goes through these helpers and the include `web/_delete_button.html`, so they behave
alike: the add form shows a service's refusal on its fields, a delete asks for
confirmation (htmx's `hx-confirm`, then the list is swapped in place; a plain form post
without JavaScript), runs the domain's delete service (which checks the permission and
writes the audit entry) and says what happened. `collection_urls` gives a collection's
URLs, named alike.
"""

from collections.abc import Callable, Mapping
from functools import wraps
from typing import TYPE_CHECKING, Any

from django import forms
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from rideau.core.access import get_scoped_or_404
from rideau.core.models import Organizer
from rideau.core.roles import Perm
from rideau.events.models import Event

from ..decorators import Request, organizer_view
from ..toolkit import act, run_service

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

ROWS_PER_PAGE = 50


def events_view(view: Callable) -> Callable:
    """`organizer_view(CHANGE_EVENTS)` in the organiser's time zone, with the event (if the
    URL names one) resolved within the organiser."""

    @organizer_view(Perm.CHANGE_EVENTS)
    @wraps(view)
    def wrapper(request: Request, *args, organizer: Organizer, **kwargs) -> HttpResponse:
        if "event" in kwargs:
            kwargs["event"] = get_scoped_or_404(
                Event.objects.select_related("organizer"), organizer, slug=kwargs["event"]
            )
        with timezone.override(organizer.timezone):
            return view(request, *args, organizer=organizer, **kwargs)

    return wrapper


def rows_page(request: Request, rows: QuerySet, per_page: int | None = None) -> Page:
    """The page of `rows` the request asks for (`?page=`), `ROWS_PER_PAGE` rows a page."""
    return Paginator(rows, per_page or ROWS_PER_PAGE).get_page(request.GET.get("page"))


def collection(
    request: Request,
    *,
    form: forms.BaseForm,
    create: Callable[[], Any],
    done: "StrOrPromise",
    back: str | Callable[[Any], str],
    rows: QuerySet,
    name: str,
    template: str,
    context: Mapping[str, Any],
    invalid_status: int = 200,
) -> HttpResponse:
    """A list with its add form: on a valid POST `create` runs (its errors go on the form)
    and the browser goes `back` (a URL, or a function of what `create` returned: the new
    row's page); otherwise the page of `rows` (in the template as `page` and as `name`)
    with the form."""
    created = run_service(request, form, create, done)
    if created:
        return redirect(back(created.value) if callable(back) else back)
    return listing(
        request,
        rows=rows,
        name=name,
        template=template,
        context={**context, "form": form},
        status=invalid_status if form.errors else 200,
    )


def listing(
    request: Request,
    *,
    rows: QuerySet,
    name: str,
    template: str,
    context: Mapping[str, Any],
    per_page: int | None = None,
    status: int = 200,
) -> HttpResponse:
    """A list's page: the page of `rows` the request asks for, in the template as `page` and
    as `name` (a searched list, or `collection`'s list)."""
    page = rows_page(request, rows, per_page)
    return render(
        request, template, {**context, "page": page, name: page.object_list}, status=status
    )


def edit(
    request: Request,
    *,
    form: forms.BaseForm,
    save: Callable[[], Any],
    done: "StrOrPromise",
    back: str | Callable[[Any], str],
    template: str,
    context: Mapping[str, Any],
    invalid_status: int = 200,
) -> HttpResponse:
    """One row's edit page: on a valid POST `save` runs and the browser goes `back` (a URL,
    or a function of what `save` returned, for a row whose address changes)."""
    saved = run_service(request, form, save, done)
    if saved:
        return redirect(back(saved.value) if callable(back) else back)
    return render(
        request,
        template,
        {**context, "form": form},
        status=invalid_status if form.errors else 200,
    )


def remove(request: Request, service: Callable[..., Any], obj: Any, done: "StrOrPromise") -> bool:
    """Run the domain's delete service on `obj`: it checks the permission, refuses what is
    still in use (its message is shown) and writes the audit entry. True when deleted."""
    return act(request, lambda: service(obj, actor=request.actor), done)


def delete(
    request: Request, service: Callable[..., Any], obj: Any, *, done: "StrOrPromise", back: str
) -> HttpResponse:
    """The delete button's target (POST only: the views are `require_POST`): `remove`,
    then back to the list."""
    remove(request, service, obj, done)
    return redirect(back)


def delete_view(
    service: Callable[..., Any],
    rows: Callable[..., QuerySet],
    key: str,
    done: "StrOrPromise",
    back: str,
) -> Callable:
    """The view of a list's delete button: POST only, `events_view`'s permission. The row
    named `key` in the URL is looked up in `rows(**the URL's other arguments)` within the
    organiser (404 otherwise) and deleted by `service`; the browser goes back to the list,
    the URL named `back` with the organiser and the URL's other arguments (an event by its
    short name)."""

    @events_view
    @require_POST
    def view(request: Request, organizer: Organizer, **url: Any) -> HttpResponse:
        obj = get_scoped_or_404(
            rows(**{k: v for k, v in url.items() if k != key}), organizer, pk=url[key]
        )
        args = [getattr(v, "slug", v) for k, v in url.items() if k != key]
        return delete(
            request, service, obj, done=done, back=reverse(back, args=[organizer.slug, *args])
        )

    return view


def collection_urls(
    prefix: str,
    name: str,
    key: str,
    *,
    rows: Callable | None = None,
    row: Callable | None = None,
    delete: Callable | None = None,
    rows_name: str = "",
) -> list[URLPattern]:
    """The URLs of a collection under `prefix`: its list (the view `rows`, named `rows_name`,
    by default `name` + "s"), one row's page (`row`, at `prefix<int:key>/`, named `name`) and
    its delete button (`delete`, at `prefix<int:key>/delete/`, named `name` + "-delete")."""
    one = f"{prefix}<int:{key}>/"
    views = (
        (prefix, rows, rows_name or f"{name}s"),
        (one, row, name),
        (f"{one}delete/", delete, f"{name}-delete"),
    )
    return [path(route, view, name=named) for route, view, named in views if view is not None]
