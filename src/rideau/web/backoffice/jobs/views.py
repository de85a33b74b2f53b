"""A background job's page (exports, e-mails to buyers): its progress, then its file."""

from collections.abc import Callable

from django.forms import Form
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from rideau.core import jobs
from rideau.core.access import get_scoped_or_404
from rideau.core.models import Job, Organizer
from rideau.core.roles import Perm

from ...decorators import organizer_view
from ...toolkit import run_service


def job_url(job: Job) -> str:
    return reverse("web:backoffice-job", args=[job.organizer.slug, job.pk])


def contact_page(
    request: HttpRequest, form: Form, start: Callable[[], Job], context: dict
) -> HttpResponse:
    """The page that writes one e-mail to many people (buyers, registrants): a valid form
    starts the job (`start`) and leads to its progress; errors stay on the form (422)."""
    started = run_service(request, form, start)
    if started:
        return redirect(job_url(started.value))
    return render(
        request,
        "web/backoffice/contact.html",
        {**context, "form": form, "active": "events"},
        status=422 if request.method == "POST" else 200,
    )


@organizer_view(Perm.VIEW_ORDERS)
def job_detail(request: HttpRequest, organizer: Organizer, job: int) -> HttpResponse:
    """A job's progress; htmx polls the progress fragment until the job is finished."""
    obj = get_scoped_or_404(Job.objects.select_related("event", "organizer"), organizer, pk=job)
    template = (
        "web/backoffice/_job_progress.html"
        if request.headers.get("HX-Request")
        else "web/backoffice/job.html"
    )
    return render(
        request,
        template,
        {
            "organizer": organizer,
            "job": obj,
            "finished": obj.status in (Job.Status.DONE, Job.Status.FAILED),
            "active": "orders",
        },
    )


@organizer_view(Perm.VIEW_ORDERS)
def job_download(request: HttpRequest, organizer: Organizer, job: int) -> FileResponse:
    """The finished export's file, for the organiser's members only."""
    obj = get_scoped_or_404(Job.objects.all(), organizer, pk=job)
    if obj.status != Job.Status.DONE or not obj.file:
        raise Http404("No file")
    kind = jobs.kind_of(obj.kind)
    content_type = kind.content_type if kind and kind.content_type else "application/octet-stream"
    return FileResponse(
        obj.file.open("rb"),
        as_attachment=True,
        filename=(obj.file.name or "").rsplit("/", 1)[-1],
        content_type=content_type,
    )
