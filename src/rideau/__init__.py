"""Rideau: ticketing, registration, box office, partner portal and campaigns for organisers."""

__version__ = "0.1.0"
