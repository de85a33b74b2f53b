"""A pass's history in the back office: sentences in the reader's language, never the audit
log's action names."""

import html
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import transaction
from django.urls import reverse

import rideau
from rideau.core.domain_events import process_events
from rideau.orders import services as orders
from rideau.orders.services import Buyer
from rideau.passes import resale, services
from rideau.web.backoffice.passes.history import SENTENCES

pytestmark = pytest.mark.django_db


def _recorded_pass_actions() -> set[str]:
    """Every `pass.…` action name written in Rideau's code (domain event names, the
    `ClassVar` lines, are not audit actions)."""
    found = set()
    for path in Path(rideau.__file__).parent.rglob("*.py"):
        for line in path.read_text().splitlines():
            if "ClassVar" not in line:
                found.update(re.findall(r"[\"'](pass\.[a-z_]+)[\"']", line))
    return found


def test_every_action_recorded_on_a_pass_has_a_sentence():
    recorded = _recorded_pass_actions()

    assert len(recorded) == 10, recorded  # the search finds them (not vacuous)
    assert recorded == set(SENTENCES)


@pytest.fixture
def lived(world, actor):
    """A pass that was sold, credited, put on resale and withdrawn, spent credit, and was
    cancelled with its order."""
    p = services.sell_pass(
        world.organizer,
        rate=world.auto_rate,
        holder=services.HolderInput(last_name="Lopez", first_name="Ana"),
        buyer=Buyer(email="ana@example.net"),
        paid=True,
        provider="cash",
    )
    with transaction.atomic():
        services.add_credit(p, Decimal("12.50"), reason="resale 7")
        services.spend_credit(p, Decimal("2.50"), reason="order ABC12", actor=actor)
    [listing] = resale.list_tickets(p, tickets=[p.tickets.first()], method="credit")
    resale.withdraw(listing)
    orders.cancel_order(p.order, reason="changed mind")
    process_events()
    return p


def _history(client, world, p, language) -> str:
    page = client.get(
        reverse("web:passes-pass", args=[world.organizer.slug, p.pk]),
        HTTP_ACCEPT_LANGUAGE=language,
    ).content.decode()
    return html.unescape(page[page.index('id="history-title"') :])


def test_the_history_reads_as_sentences_in_english(owner_client, world, lived):
    history = _history(owner_client, world, lived, "en")

    for text in (
        "Pass sold (order ",
        "), 3 tickets",
        "Credit added: 12.50 EUR (proceeds of a resold ticket)",
        "Credit spent: 2.50 EUR (order ABC12) · <small>owner@example.org</small>",
        "1 ticket put up for resale; proceeds: credit on the pass",
        "A ticket withdrawn from resale",
        "Pass cancelled: its order was cancelled",
    ):
        assert text in history, text
    assert "pass." not in history


def test_the_history_reads_as_sentences_in_french(owner_client, world, lived):
    history = _history(owner_client, world, lived, "fr")

    for text in (
        "Pass vendu (commande ",
        "), 3 billets",
        "Crédit ajouté\u00a0: 12,50 EUR (produit d'un billet revendu)",
        "Crédit utilisé\u00a0: 2,50 EUR (commande ABC12)",
        "1 billet mis en revente\u00a0; produit\u00a0: crédit sur le pass",
        "Un billet retiré de la revente",
        "Pass annulé\u00a0: sa commande a été annulée",
    ):
        assert text in history, text
    assert "pass." not in history
