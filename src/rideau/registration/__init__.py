"""Session-level registration, personal agendas and waitlists (SPEC A1–A9, ADR 0012).

Places are taken only through the capacity engine: a registration is a confirmed hold on the
session's quotas, a staff override is the engine's overbooking, and a waitlist listens to the
engine's freed-place hook (with its gate) so a freed place goes to the first in line in the
transaction that freed it.
"""
