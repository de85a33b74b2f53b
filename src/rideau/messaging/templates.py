"""Writes on message templates (SPEC E1): e-mails and SMS prepared in advance.

Each text is checked by the placeholder language (`templating`) when saved, so a template
that is saved renders for every recipient.
"""

from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from rideau.core import audit
from rideau.core.access import Actor, require
from rideau.core.errors import ValidationFailed
from rideau.core.models import Organizer
from rideau.core.roles import Perm
from rideau.core.services import delete_with_audit, save_checked
from rideau.core.text import check_text

from . import templating
from .models import MessageTemplate, OutboxMessage
from .services import queue_email

MAX_SUBJECT = 300
MAX_BODY = 100_000
MAX_SMS = 1_000


def _clean_texts(
    organizer: Organizer,
    name: str,
    texts: Any,
    *,
    max_length: int,
    multiline: bool,
    required: bool,
    errors: dict[str, list[str]],
) -> dict[str, str]:
    """The texts of one part, per language. A problem with one language's text is the
    error of `<name>.<language>` (`subject.fr`: the API's location, the form's field);
    one with the part as a whole, or with a text given without a language, of `name`."""
    if texts in (None, ""):
        texts = {}
    one_text = isinstance(texts, str)
    if one_text:
        texts = {organizer.default_language: texts}
    if not isinstance(texts, dict):
        errors[name] = [_("Give one text per language.")]
        return {}
    cleaned: dict[str, str] = {}
    for language, text in texts.items():
        key = name if one_text else f"{name}.{language}"
        if language not in organizer.languages:
            errors[key] = [_("Use the organiser's languages: %s.") % ", ".join(organizer.languages)]
            continue
        if not isinstance(text, str):
            errors[key] = [_("Enter a text.")]
            continue
        try:
            text = check_text(text, multiline=multiline)
        except ValueError as exc:
            errors[key] = [str(exc)]
            continue
        if len(text) > max_length:
            errors[key] = [_("At most %(n)d characters.") % {"n": max_length}]
            continue
        try:
            templating.compile_text(text)
        except templating.TemplateSyntaxError as exc:
            errors[key] = [str(exc)]
            continue
        if text.strip():
            cleaned[language] = text
    if required and not cleaned and not any(key.split(".")[0] == name for key in errors):
        errors[name] = [_("This field is required.")]
    return cleaned


def _validate(template: MessageTemplate, errors: dict[str, list[str]]) -> None:
    organizer = template.organizer
    name = template.name.strip() if isinstance(template.name, str) else ""
    if not name or len(name) > 200:
        errors["name"] = [_("Enter a name of at most 200 characters.")]
    template.name = name
    if template.channel not in MessageTemplate.Channel.values:
        errors["channel"] = [_("Choose e-mail or SMS.")]
        return
    email = template.channel == MessageTemplate.Channel.EMAIL
    template.subject = _clean_texts(
        organizer,
        "subject",
        template.subject,
        max_length=MAX_SUBJECT,
        multiline=False,
        required=email,
        errors=errors,
    )
    template.body_text = _clean_texts(
        organizer,
        "body_text",
        template.body_text,
        max_length=MAX_BODY if email else MAX_SMS,
        multiline=True,
        required=True,
        errors=errors,
    )
    template.body_html = _clean_texts(
        organizer,
        "body_html",
        template.body_html,
        max_length=MAX_BODY,
        multiline=True,
        required=False,
        errors=errors,
    )
    if not email and (template.subject or template.body_html):
        errors["body_html"] = [_("An SMS has only a text.")]


@transaction.atomic
def create_template(
    organizer: Organizer,
    *,
    actor: Actor,
    name: str,
    channel: str = MessageTemplate.Channel.EMAIL,
    subject: Any = None,
    body_text: Any = None,
    body_html: Any = None,
) -> MessageTemplate:
    require(actor, organizer, Perm.CHANGE_CONTACTS)
    template = MessageTemplate(
        organizer=organizer,
        name=name,
        channel=channel,
        subject=subject or {},
        body_text=body_text or {},
        body_html=body_html or {},
    )
    errors: dict[str, list[str]] = {}
    _validate(template, errors)
    return save_checked(
        template, errors, actor=actor, organizer=organizer, action="message_template.created"
    )


@transaction.atomic
def update_template(template: MessageTemplate, *, actor: Actor, **changes: Any) -> MessageTemplate:
    organizer = template.organizer
    require(actor, organizer, Perm.CHANGE_CONTACTS)
    before = audit.snapshot(template)
    for field in ("name", "subject", "body_text", "body_html"):
        if field in changes:
            setattr(template, field, changes[field])
    errors: dict[str, list[str]] = {}
    _validate(template, errors)
    return save_checked(
        template,
        errors,
        actor=actor,
        organizer=organizer,
        action="message_template.updated",
        before=before,
    )


@transaction.atomic
def delete_template(template: MessageTemplate, *, actor: Actor) -> None:
    from .errors import MessagingError

    delete_with_audit(
        template,
        actor=actor,
        action="message_template.deleted",
        perm=Perm.CHANGE_CONTACTS,
        in_use=MessagingError("template_in_use"),
    )


SAMPLE = {
    "first_name": "Camille",
    "last_name": "Martin",
    "name": "Camille Martin",
    "email": "camille.martin@example.org",
}


def preview(template: MessageTemplate, language: str) -> dict[str, Any]:
    """The template rendered for a sample person as a contact speaking `language` gets it
    (`MessageTemplate.texts_for`), with the SMS length counter."""
    organizer = template.organizer
    subject, text, html = template.texts_for(language, organizer.default_language)
    values = {**SAMPLE, "organizer": organizer.name, "unsubscribe_url": "#unsubscribe"}
    text = templating.render(text, values)
    return {
        "subject": templating.render(subject, values),
        "text": text,
        "html": templating.render(html, values, escape=True),
        "sms": templating.sms_length(text) if template.channel == "sms" else None,
    }


def send_test(
    template: MessageTemplate, *, actor: Actor, to: str, language: str = ""
) -> OutboxMessage:
    """Send the sample rendering to one address (a staff member's), untracked."""
    organizer = template.organizer
    require(actor, organizer, Perm.CHANGE_CONTACTS)
    from django.core.validators import validate_email

    try:
        validate_email(to)
    except Exception:
        raise ValidationFailed({"to": [_("Enter a valid e-mail address.")]}) from None
    content = preview(template, language or organizer.default_language)
    test = _("Test")
    with transaction.atomic():
        return queue_email(
            organizer=organizer,
            to=[to],
            subject=f"[{test}] {content['subject'] or template.name}",
            text=content["text"],
            html=content["html"],
            from_email=settings.DEFAULT_FROM_EMAIL,
            reference=f"template-test:{template.pk}",
        )
