"""Consent asked at checkout (SPEC CORE-2, E1): per purpose, never ticked in advance,
recorded with its time and source."""

import pytest

from rideau.contacts.models import ConsentChange, Contact
from rideau.orders.models import Order

from .test_shop import add, checkout_data

pytestmark = pytest.mark.django_db


def test_the_buyer_agrees_to_e_mail_news_at_checkout(client, shop):
    add(client, shop, n=1)
    page = client.get(shop.url("checkout")).content.decode()
    assert (
        'name="consent_email"' in page
        and "checked" not in page.split('name="consent_email"')[1][:40]
    )

    response = client.post(shop.url("checkout"), checkout_data(n=1, consent_email="on"))

    assert response.status_code == 302
    order = Order.objects.get()
    contact = Contact.objects.get(pk=order.contact_id)
    assert contact.consent_email is True and contact.consent_sms is False
    change = ConsentChange.objects.get(contact=contact)
    assert (change.purpose, change.granted, change.source) == ("email", True, "checkout")


def test_no_box_ticked_records_nothing(client, shop):
    add(client, shop, n=1)
    client.post(shop.url("checkout"), checkout_data(n=1))
    assert Contact.objects.get().consent_email is False
    assert ConsentChange.objects.count() == 0
