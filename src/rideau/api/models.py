"""What the API remembers between requests: the answers to idempotent creations."""

from django.db import models
from django.utils import timezone

from rideau.core.models import Organizer


class IdempotentRequest(models.Model):
    """One `Idempotency-Key` of one caller: the request's fingerprint and, once done, the
    answer a replay gets. A row without `status` is a request still in flight."""

    organizer = models.ForeignKey(
        Organizer, on_delete=models.CASCADE, related_name="idempotent_requests"
    )
    # who may replay it: "shop", "token:<id>" or "user:<id>", then the client's key
    key = models.CharField(max_length=160)
    fingerprint = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField(null=True, blank=True)
    # the answer's exact JSON text (a JSON column would reorder its keys)
    response = models.TextField(blank=True)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organizer", "key"], name="idempotent_request_unique")
        ]

    def __str__(self) -> str:
        return self.key
