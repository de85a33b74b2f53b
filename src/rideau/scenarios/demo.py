"""Demo: messages prepared in advance, a segment, a running three-step scenario with
statistics (people and machines), and a journey that starts when an order is paid."""

import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from rideau.contacts.models import Contact
from rideau.core.access import Actor
from rideau.core.models import Organizer, User
from rideau.messaging.models import MessageTemplate, OutboxMessage
from rideau.scenarios import engine, services
from rideau.scenarios.models import Scenario, Segment

SCENARIO = "Ouverture de la saison 2027"


def _template(org: Organizer, actor: Actor, name: str, **texts) -> MessageTemplate:
    found = MessageTemplate.objects.filter(organizer=org, name=name).first()
    if found is not None:
        return found
    from rideau.messaging import templates

    return templates.create_template(org, actor=actor, name=name, **texts)


@transaction.atomic
def load(org: Organizer, *, owner: User, **_context) -> None:
    actor = Actor(user=owner)
    site = settings.SITE_URL  # the demo's links lead to this installation's pages
    opening = _template(
        org,
        actor,
        "Saison 2027 : l'ouverture",
        subject={
            "fr": '{{ first_name | "Bonjour" }}, la saison 2027 ouvre !',
            "en": '{{ first_name | "Hello" }}, the 2027 season opens!',
        },
        body_text={
            "fr": "Bonjour {{ first_name }},\n\nDécouvrez la saison : "
            f"{site}/rideau-demo/\n\nSe désabonner : {{{{ unsubscribe_url }}}}",
            "en": "Hello {{ first_name }},\n\nSee the season: "
            f"{site}/rideau-demo/\n\nUnsubscribe: {{{{ unsubscribe_url }}}}",
        },
        body_html={
            "fr": f'<p>Bonjour {{{{ first_name }}}},</p><p><a href="{site}/'
            'rideau-demo/">Découvrez la saison 2027</a></p><p><small><a href="'
            '{{ unsubscribe_url }}">Se désabonner</a></small></p>',
            "en": f'<p>Hello {{{{ first_name }}}},</p><p><a href="{site}/'
            'rideau-demo/">See the 2027 season</a></p><p><small><a href="'
            '{{ unsubscribe_url }}">Unsubscribe</a></small></p>',
        },
    )
    reminder = _template(
        org,
        actor,
        "SMS : dernières places",
        channel="sms",
        body_text={
            "fr": f"{{{{ first_name }}}}, dernières places pour Cyrano : {site}/rideau-demo/cyrano/"
        },
    )
    thanks = _template(
        org,
        actor,
        "Merci pour votre commande",
        subject={"fr": "Merci {{ first_name }} !", "en": "Thank you {{ first_name }}!"},
        body_text={
            "fr": "Merci pour votre commande, à bientôt au théâtre.",
            "en": "Thank you for your order, see you at the theatre.",
        },
    )
    segment = Segment.objects.filter(organizer=org, name="Abonnés à la lettre").first()
    if segment is None:
        segment = services.create_segment(
            org,
            actor=actor,
            name="Abonnés à la lettre",
            conditions=[{"field": "consent_email", "value": True}],
        )
    if not Scenario.objects.filter(organizer=org, name=SCENARIO).exists():
        _opening_scenario(org, actor, segment, opening, reminder)
    if not Scenario.objects.filter(organizer=org, trigger="order.paid").exists():
        journey = services.create_scenario(
            org, actor=actor, name="Remerciement après achat", trigger="order.paid"
        )
        services.add_step(journey, actor=actor, template_id=thanks.pk)
        services.start_scenario(journey, actor=actor)


def _opening_scenario(org, actor, segment, opening, reminder) -> None:
    scenario = services.create_scenario(org, actor=actor, name=SCENARIO, segment_id=segment.pk)
    services.add_step(scenario, actor=actor, template_id=opening.pk, description="Annonce")
    services.add_step(
        scenario,
        actor=actor,
        template_id=reminder.pk,
        description="Relance SMS des ouvreurs",
        launch="delay",
        delay=2,
        unit="days",
        target="openers",
        target_position=1,
    )
    services.add_step(
        scenario,
        actor=actor,
        template_id=opening.pk,
        description="Second envoi aux non-ouvreurs",
        launch="date",
        launch_at=timezone.now() + datetime.timedelta(days=5),
        target="non_openers",
        target_position=1,
    )
    services.start_scenario(scenario, actor=actor)
    engine.run_due_steps()
    # as if step 1 had gone out an hour ago and been read: statistics to look at
    sent_at = timezone.now() - datetime.timedelta(hours=1)
    messages = list(
        OutboxMessage.objects.filter(reference=scenario.steps.get(position=1).reference).order_by(
            "contact__email"
        )
    )
    for index, message in enumerate(messages):
        message.status = OutboxMessage.Status.SENT
        message.created = sent_at - datetime.timedelta(minutes=1)  # written before it went
        message.sent_at = sent_at
        if index % 2 == 0:
            message.opened_at = sent_at + datetime.timedelta(minutes=12 + index)
        if index == 0:
            message.clicked_at = sent_at + datetime.timedelta(minutes=14)
        if index == 1:
            message.machine_opened_at = sent_at + datetime.timedelta(seconds=2)
        if index == 3:  # a late bounce (a DSN came back): the address is undeliverable
            message.bounced_at = sent_at + datetime.timedelta(minutes=20)
            message.last_error = "bounced: 5.1.1 smtp; 550 5.1.1 User unknown"
            Contact.objects.filter(messages=message).update(
                email_undeliverable_at=message.bounced_at
            )
    OutboxMessage.objects.bulk_update(
        messages,
        [
            "status",
            "created",
            "sent_at",
            "opened_at",
            "clicked_at",
            "machine_opened_at",
            "bounced_at",
            "last_error",
        ],
    )
