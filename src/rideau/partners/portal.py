"""Writes a partner administrator makes in the portal: the profile (B3), offers (B5), task
answers (B6), documents viewed (B7), hosted sessions (B8). Each takes the logged-in
`member` and acts only on the member's own partner (the surfaces resolved every object
through that partner; the checks here hold even if they did not)."""

import secrets
from functools import partial

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rideau.core import audit
from rideau.core.errors import ValidationFailed

from .errors import PartnerError
from .models import (
    DocumentAssignment,
    HostedSession,
    Offer,
    Partner,
    ProfileField,
    TaskAssignment,
    TeamMember,
)
from .services import _check_texts, document_problem, log_partner_side, sanitize_html

MAX_UPLOAD = 5 * 1024 * 1024


def _own(member: TeamMember, partner_id: int) -> None:
    if member.role != TeamMember.Role.ADMIN or member.partner_id != partner_id:
        raise PartnerError("permission_denied", message=_("This is not your partner space."))


def update_profile(
    partner: Partner, *, member: TeamMember, values: dict, files: dict | None = None
) -> Partner:
    """Save the profile form: each configured field, checked by its kind (rich text
    sanitised, web addresses validated, choices among the options, images stored)."""
    _own(member, partner.pk)
    files = files or {}
    fields = list(ProfileField.objects.filter(event_id=partner.event_id))
    profile = dict(partner.profile)
    errors: dict[str, list[str]] = {}
    for field in fields:
        key = field.key
        if field.kind == ProfileField.Kind.IMAGE:
            upload = files.get(key)
            if upload is not None:
                problem = _image_problem(upload)
                if problem:
                    errors[key] = [problem]
            continue
        raw = str(values.get(key, "") or "").strip()
        if field.kind == ProfileField.Kind.RICH:
            _check_texts(**{key: (raw, True)})
            profile[key] = sanitize_html(raw)
        elif field.kind == ProfileField.Kind.URL:
            if raw:
                try:
                    URLValidator(schemes=["http", "https"])(raw)
                except ValidationError:
                    errors[key] = [_("Enter a valid web address (https://…).")]
            profile[key] = raw[:500]
        elif field.kind == ProfileField.Kind.CHOICE:
            if raw and raw not in field.choices:
                errors[key] = [_("Choose one of the options.")]
            profile[key] = raw
        else:
            _check_texts(**{key: (raw, False)})
            profile[key] = raw[:500]
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        before = audit.snapshot(partner)
        for field in fields:
            upload = files.get(field.key)
            if field.kind == ProfileField.Kind.IMAGE and upload is not None:
                ext = (upload.name or "").rsplit(".", 1)[-1].lower()
                ext = ext if ext in ("png", "jpg", "jpeg", "gif", "webp") else "png"
                storage = partner.logo.storage
                name = storage.save(f"partners/images/{secrets.token_hex(12)}.{ext}", upload)
                replaced = str(partner.profile.get(field.key) or "")
                if replaced.startswith("partners/images/") and replaced != name:
                    # the previous image goes once the new one is stored for good
                    transaction.on_commit(partial(storage.delete, replaced))
                profile[field.key] = name
        partner.profile = profile
        partner.save(update_fields=["profile"])
        log_partner_side(
            "partner.profile_changed", partner, member.partner, member=member, before=before
        )
    return partner


def _image_problem(upload: UploadedFile) -> str | None:
    if upload.size and upload.size > MAX_UPLOAD:
        return _("The file is larger than 5 MB.")
    try:
        from PIL import Image

        Image.open(upload).verify()
        upload.seek(0)
    except Exception:  # any decoder failure means "not an image"
        return _("Upload a PNG, JPEG or GIF image.")
    return None


def save_offer(
    partner: Partner,
    *,
    member: TeamMember,
    offer: Offer | None = None,
    kind: str,
    title: str,
    description: str = "",
    url: str = "",
    public: bool = True,
) -> Offer:
    _own(member, partner.pk)
    if offer is not None and offer.partner_id != partner.pk:
        raise PartnerError("permission_denied", message=_("This is not your partner space."))
    errors: dict[str, list[str]] = {}
    if kind not in Offer.Kind.values:
        errors["kind"] = [_("Choose one of the options.")]
    if not (title or "").strip():
        errors["title"] = [_("This field is required.")]
    if url:
        try:
            URLValidator(schemes=["http", "https"])(url)
        except ValidationError:
            errors["url"] = [_("Enter a valid web address (https://…).")]
    if errors:
        raise ValidationFailed(errors)
    _check_texts(title=(title, False), description=(description, True))
    with transaction.atomic():
        before = audit.snapshot(offer) if offer else None
        offer = offer or Offer(partner=partner)
        offer.kind, offer.title, offer.description = kind, title.strip()[:150], description
        offer.url, offer.public = url, public
        offer.save()
        log_partner_side("partner_offer.saved", offer, member.partner, member=member, before=before)
    return offer


def delete_offer(offer: Offer, *, member: TeamMember) -> None:
    _own(member, offer.partner_id)
    with transaction.atomic():
        audit.record(
            "partner_offer.deleted",
            offer,
            organizer=member.partner.organizer,
            before=audit.snapshot(offer),
        )
        offer.delete()


def answer_task(
    assignment: TaskAssignment,
    *,
    member: TeamMember,
    text: str = "",
    file: UploadedFile | None = None,
    done: bool = False,
) -> TaskAssignment:
    """Answer a task by its kind (text, file, checkbox); an answer completes it. A file is
    checked like the organiser's documents (kind, content, not empty) within MAX_UPLOAD; a
    new file replaces the previous answer's, deleted once the answer is saved."""
    _own(member, assignment.partner_id)
    kind = assignment.task.answer_kind
    if kind == "text":
        if not text.strip():
            raise ValidationFailed({"text": [_("This field is required.")]})
        _check_texts(text=(text, True))
    elif kind == "file":
        if file is None:
            raise ValidationFailed({"file": [_("This field is required.")]})
        if problem := document_problem(file, max_bytes=MAX_UPLOAD):
            raise ValidationFailed({"file": [problem]})
    elif not done:
        raise ValidationFailed({"done": [_("Tick the box to complete the task.")]})
    with transaction.atomic():
        before = audit.snapshot(assignment)
        if kind == "text":
            assignment.answer_text = text
        elif kind == "file" and file is not None:
            replaced = assignment.answer_file.name if assignment.answer_file else ""
            assignment.answer_file.save(file.name or "answer", file, save=False)
            if replaced and replaced != assignment.answer_file.name:
                # the previous answer's file goes once the new answer is stored for good
                storage = assignment.answer_file.storage
                transaction.on_commit(lambda: storage.delete(replaced))
        assignment.done_at = timezone.now()
        assignment.save()
        log_partner_side(
            "partner_task.answered", assignment, member.partner, member=member, before=before
        )
    return assignment


def mark_viewed(assignment: DocumentAssignment, *, member: TeamMember) -> DocumentAssignment:
    """The first view of a document by the partner's team (the organiser sees who, when)."""
    _own(member, assignment.partner_id)
    if assignment.viewed_at is None:
        DocumentAssignment.objects.filter(pk=assignment.pk, viewed_at__isnull=True).update(
            viewed_at=timezone.now(), viewed_by=member
        )
        assignment.refresh_from_db()
    return assignment


def update_hosted_session(
    hosted: HostedSession, *, member: TeamMember, pitch: str, speakers: list[TeamMember]
) -> HostedSession:
    """Complete a hosted session's information and choose its speakers from the team."""
    _own(member, hosted.partner_id)
    if any(s.partner_id != hosted.partner_id for s in speakers):
        raise ValidationFailed({"speakers": [_("Choose speakers from your team.")]})
    _check_texts(pitch=(pitch, True))
    with transaction.atomic():
        before = audit.snapshot(hosted)
        hosted.pitch = pitch
        hosted.save(update_fields=["pitch"])
        hosted.speakers.set(speakers)
        log_partner_side(
            "partner_session.changed", hosted, member.partner, member=member, before=before
        )
    return hosted
