"""Contacts in the back office (SPEC CORE-2, E1): the list with search and filters, a
contact's page (orders, registrations, waitlists, messages, consent history), edit, merge
duplicates, CSV import with a column mapping and a validation report."""

from typing import cast

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rideau.contacts import imports, queries
from rideau.contacts import services as contact_services
from rideau.contacts.models import Contact
from rideau.core.access import get_scoped_or_404
from rideau.core.errors import ValidationFailed
from rideau.core.models import LANGUAGE_CHOICES, Organizer
from rideau.core.roles import Perm
from rideau.core.text import SafeTextMixin
from rideau.messaging.models import OutboxMessage
from rideau.orders.models import Order
from rideau.registration.models import Registration, WaitlistEntry

from ...decorators import Request, organizer_view
from ...toolkit import errors_onto
from ..collection import listing

PER_PAGE = 50
IMPORT_SESSION_KEY = "rideau_contact_import"


class ContactFilter(forms.Form):
    q = forms.CharField(label=gettext_lazy("Search"), required=False, max_length=200)
    consent = forms.ChoiceField(
        label=gettext_lazy("Consent"),
        required=False,
        choices=[
            ("", gettext_lazy("All")),
            ("email", gettext_lazy("Agrees to e-mail")),
            ("sms", gettext_lazy("Agrees to SMS")),
            ("none", gettext_lazy("No consent")),
        ],
    )


class ContactForm(SafeTextMixin, forms.Form):
    email = forms.EmailField(label=gettext_lazy("E-mail"))
    first_name = forms.CharField(label=gettext_lazy("First name"), max_length=100, required=False)
    last_name = forms.CharField(label=gettext_lazy("Last name"), max_length=100, required=False)
    phone = forms.CharField(label=gettext_lazy("Phone"), max_length=40, required=False)
    language = forms.ChoiceField(label=gettext_lazy("Language"), required=False)
    consent_email = forms.BooleanField(
        label=gettext_lazy("Agrees to e-mail marketing"), required=False
    )
    consent_sms = forms.BooleanField(label=gettext_lazy("Agrees to SMS marketing"), required=False)

    def __init__(self, *args, organizer: Organizer, **kwargs):
        super().__init__(*args, **kwargs)
        names = dict(LANGUAGE_CHOICES)
        self.fields["language"].choices = [("", "—")] + [
            (code, names.get(code, code)) for code in organizer.languages
        ]


class MergeForm(forms.Form):
    duplicate = forms.ModelChoiceField(
        label=gettext_lazy("Merge this duplicate into the contact"),
        queryset=Contact.objects.none(),
    )

    def __init__(self, *args, contact: Contact, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["duplicate"]).queryset = Contact.objects.filter(
            organizer=contact.organizer
        ).exclude(pk=contact.pk)


class ImportUploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("CSV file (UTF-8, first line: column names)"))


@organizer_view(Perm.VIEW_CONTACTS)
def contact_list(request: Request, organizer: Organizer) -> HttpResponse:
    form = ContactFilter(request.GET or None)
    found = queries.list_contacts(organizer)
    if form.is_valid():
        found = queries.list_contacts(organizer, search=form.cleaned_data["q"] or None)
        consent = form.cleaned_data["consent"]
        if consent == "email":
            found = found.filter(consent_email=True)
        elif consent == "sms":
            found = found.filter(consent_sms=True)
        elif consent == "none":
            found = found.filter(consent_email=False, consent_sms=False)
    return listing(
        request,
        rows=found,
        name="contacts",
        template="web/messaging/contacts.html",
        context={
            "organizer": organizer,
            "form": form,
            "can_change": request.actor.has(organizer, Perm.CHANGE_CONTACTS),
            "active": "contacts",
        },
        per_page=PER_PAGE,
    )


@organizer_view(Perm.VIEW_CONTACTS)
def contact_detail(request: Request, organizer: Organizer, contact: int) -> HttpResponse:
    found = get_scoped_or_404(Contact.objects.select_related("organizer"), organizer, pk=contact)
    assert isinstance(found, Contact)
    can_change = request.actor.has(organizer, Perm.CHANGE_CONTACTS)
    initial = {name: getattr(found, name) for name in ContactForm.base_fields}
    edit = ContactForm(
        request.POST if "save" in request.POST else None, organizer=organizer, initial=initial
    )
    merge = MergeForm(request.POST if "merge" in request.POST else None, contact=found)
    if request.method == "POST":
        if not can_change:
            return HttpResponse(status=403)
        try:
            if "save" in request.POST and edit.is_valid():
                contact_services.update_contact(found, actor=request.actor, **edit.cleaned_data)
                messages.success(request, _("The contact was saved."))
                return redirect("web:contact-detail", organizer.slug, found.pk)
            if "merge" in request.POST and merge.is_valid():
                contact_services.merge_contacts(
                    found, merge.cleaned_data["duplicate"], actor=request.actor
                )
                messages.success(request, _("The duplicate was merged into this contact."))
                return redirect("web:contact-detail", organizer.slug, found.pk)
        except ValidationFailed as exc:
            errors_onto(edit if "save" in request.POST else merge, exc)
    return render(
        request,
        "web/messaging/contact.html",
        {
            "organizer": organizer,
            "contact": found,
            "orders": Order.objects.filter(organizer=organizer, contact=found).order_by("-id")[:50],
            "registrations": Registration.objects.filter(organizer=organizer, contact=found)
            .select_related("session")
            .order_by("-id")[:50],
            "waitlists": WaitlistEntry.objects.filter(organizer=organizer, contact=found)
            .select_related("session")
            .order_by("-id")[:50],
            "mail": OutboxMessage.objects.filter(organizer=organizer, contact=found)
            .select_related("template")
            .defer("body_text", "body_html")
            .order_by("-id")[:50],
            "consents": found.consents.all()[:50],
            "edit": edit,
            "merge": merge,
            "can_change": can_change,
            "active": "contacts",
        },
    )


@organizer_view(Perm.CHANGE_CONTACTS)
def contact_import(request: Request, organizer: Organizer) -> HttpResponse:
    """Step 1: upload (the file waits in the session); step 2: map the columns and import."""
    upload = ImportUploadForm(request.POST or None, request.FILES or None)
    stored = request.session.get(IMPORT_SESSION_KEY)
    report = None
    if request.method == "POST" and "upload" in request.POST and upload.is_valid():
        data = upload.cleaned_data["file"].read(imports.MAX_BYTES + 1)
        if len(data) > imports.MAX_BYTES:
            upload.add_error("file", _("The file is larger than 10 MB."))
        else:
            request.session[IMPORT_SESSION_KEY] = data.decode("utf-8-sig", errors="replace")
            return redirect("web:contact-import", organizer.slug)
    header = imports.read_header(stored.encode()) if stored else []
    if request.method == "POST" and "import" in request.POST and stored:
        mapping = {
            column: request.POST.get(f"map_{index}", "")
            for index, column in enumerate(header)
            if request.POST.get(f"map_{index}", "") in imports.FIELDS
        }
        report = imports.import_contacts(
            organizer, actor=request.actor, data=stored.encode(), mapping=mapping
        )
        if report.written:
            del request.session[IMPORT_SESSION_KEY]
            messages.success(
                request,
                _("Imported: %(created)d new contacts, %(updated)d updated.")
                % {"created": report.created, "updated": report.updated},
            )
            return redirect("web:contact-list", organizer.slug)
    guessed = imports.guess_mapping(header)
    columns = [(index, column, guessed.get(column, "")) for index, column in enumerate(header)]
    return render(
        request,
        "web/messaging/contact_import.html",
        {
            "organizer": organizer,
            "upload": upload,
            "columns": columns,
            "contact_fields": imports.FIELDS,
            "report": report,
            "active": "contacts",
        },
    )
