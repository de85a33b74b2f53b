"""CSV import of contacts (SPEC E1, CORE-2): column mapping, a validation report, and no
partial import — every row is checked first; one wrong row and nothing is written.

Rows whose e-mail is already a contact update that contact (names, phone, language fill
in; consents change only when the column says so, recorded with source "import")."""

import csv
import io
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rideau.core import audit
from rideau.core.access import Actor, require
from rideau.core.models import Organizer
from rideau.core.roles import Perm
from rideau.core.text import text_problem

from .models import ConsentChange, Contact, normalize_phone

MAX_ROWS = 50_000
MAX_BYTES = 10 * 1024 * 1024
FIELDS = ("email", "first_name", "last_name", "phone", "language", "consent_email", "consent_sms")
YES = {"1", "yes", "y", "true", "oui", "o", "x"}
NO = {"0", "no", "n", "false", "non", ""}


@dataclass
class ImportReport:
    rows: int = 0
    created: int = 0
    updated: int = 0
    errors: list[str] = field(default_factory=list)  # "line 4: …", in the user's language
    written: bool = False


def read_header(data: bytes) -> list[str]:
    return next(csv.reader(io.StringIO(_decode(data))), [])


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def guess_mapping(header: list[str]) -> dict[str, str]:
    """Column → field, for headers that name a field (e-mail, prénom…)."""
    known = {
        "email": "email",
        "e-mail": "email",
        "mail": "email",
        "courriel": "email",
        "first_name": "first_name",
        "first name": "first_name",
        "prénom": "first_name",
        "prenom": "first_name",
        "last_name": "last_name",
        "last name": "last_name",
        "nom": "last_name",
        "phone": "phone",
        "téléphone": "phone",
        "telephone": "phone",
        "mobile": "phone",
        "language": "language",
        "langue": "language",
        "consent_email": "consent_email",
        "consent_sms": "consent_sms",
    }
    return {
        column: known[column.strip().lower()]
        for column in header
        if column.strip().lower() in known
    }


def import_contacts(
    organizer: Organizer, *, actor: Actor, data: bytes, mapping: dict[str, str]
) -> ImportReport:
    """Validate every row, then write them all in one transaction (or none)."""
    require(actor, organizer, Perm.CHANGE_CONTACTS)
    report = ImportReport()
    if len(data) > MAX_BYTES:
        report.errors.append(_("The file is larger than 10 MB."))
        return report
    if "email" not in mapping.values():
        report.errors.append(_("Choose the column that holds the e-mail address."))
        return report
    if any(target not in FIELDS for target in mapping.values()):
        report.errors.append(_("Unknown field in the column mapping."))
        return report
    rows = list(csv.DictReader(io.StringIO(_decode(data))))
    if len(rows) > MAX_ROWS:
        report.errors.append(_("At most %(n)d rows per file.") % {"n": MAX_ROWS})
        return report
    report.rows = len(rows)
    cleaned: dict[str, dict] = {}
    for line, row in enumerate(rows, start=2):
        values = {target: (row.get(column) or "").strip() for column, target in mapping.items()}
        problems = _check(values, organizer)
        email = values.get("email", "").lower()
        if email in cleaned:
            problems.append(_("this e-mail address is already on another line"))
        if problems:
            report.errors.append(
                _("line %(line)d: %(problems)s") % {"line": line, "problems": "; ".join(problems)}
            )
        else:
            cleaned[email] = values
    if report.errors:
        return report
    _write(organizer, actor, cleaned, report)
    return report


def _check(values: dict[str, str], organizer: Organizer) -> list[str]:
    problems = []
    for name, value in values.items():
        if problem := text_problem(value):
            problems.append(f"{name}: {problem}")
    try:
        validate_email(values.get("email", ""))
    except ValidationError:
        problems.append(_("invalid e-mail address"))
    if values.get("phone"):
        try:
            values["phone"] = normalize_phone(values["phone"])
        except ValidationError as exc:
            problems.append(str(exc.messages[0]))
    if values.get("language") and values["language"] not in organizer.languages:
        problems.append(_("language must be one of %s") % ", ".join(organizer.languages))
    for name in ("first_name", "last_name"):
        if len(values.get(name, "")) > 100:
            problems.append(_("%s: at most 100 characters") % name)
    for name in ("consent_email", "consent_sms"):
        if name in values and values[name].lower() not in YES | NO:
            problems.append(_("%s: write yes or no") % name)
    return problems


@transaction.atomic
def _write(organizer: Organizer, actor: Actor, rows: dict[str, dict], report: ImportReport) -> None:
    now = timezone.now()
    existing = {
        c.email.lower(): c
        for c in Contact.objects.filter(organizer=organizer).filter(
            email__in=[r["email"] for r in rows.values()]
        )
    }
    # case-insensitive: addresses stored with capitals are found too
    if len(existing) < len(rows):
        for known in Contact.objects.filter(organizer=organizer):
            if known.email.lower() in rows:
                existing.setdefault(known.email.lower(), known)
    consents: list[ConsentChange] = []
    for email, values in rows.items():
        contact = existing.get(email)
        created = contact is None
        if contact is None:
            contact = Contact(organizer=organizer, email=values["email"])
        for name in ("first_name", "last_name", "phone", "language"):
            if values.get(name):
                setattr(contact, name, values[name])
        flags = []
        for name, purpose in (
            ("consent_email", ConsentChange.Purpose.EMAIL),
            ("consent_sms", ConsentChange.Purpose.SMS),
        ):
            if name in values:
                granted = values[name].lower() in YES
                if created or getattr(contact, name) != granted:
                    setattr(contact, name, granted)
                    contact.consent_updated = now
                    flags.append((purpose, granted))
        contact.save()
        consents.extend(
            ConsentChange(contact=contact, purpose=p, granted=g, at=now, source="import")
            for p, g in flags
            if g or not created
        )
        if created:
            report.created += 1
        else:
            report.updated += 1
    ConsentChange.objects.bulk_create(consents)
    audit.record(
        "contacts.imported",
        organizer,
        actor=actor,
        organizer=organizer,
        after={"created": report.created, "updated": report.updated},
    )
    report.written = True
