"""The personal space: one account per person per organiser, and its one-time login codes.

An account belongs to one organiser and is tied to the organiser's contact for that person
(one contact per person per organiser, CORE-2): the e-mail address, the name and the
language live on the contact; the account adds what a login needs. Buyers are not staff
users (`core.User`): their session is separate (see `rideau.accounts.session`).
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rideau.contacts.models import Contact
from rideau.core.models import Organizer


class Account(models.Model):
    organizer = models.ForeignKey(Organizer, on_delete=models.CASCADE, related_name="accounts")
    # one account per contact, hence per e-mail per organiser; erasing the contact erases it
    contact = models.OneToOneField(Contact, on_delete=models.CASCADE, related_name="account")
    # a Django password hash, empty while the person logs in with e-mailed codes only
    password = models.CharField(_("password"), max_length=128, blank=True)
    created = models.DateTimeField(default=timezone.now)
    last_login = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("personal account")
        ordering = ["organizer", "id"]

    def __str__(self) -> str:
        return self.contact.email

    @property
    def email(self) -> str:
        return self.contact.email

    @property
    def has_password(self) -> bool:
        return bool(self.password)


class LoginCode(models.Model):
    """A 6-digit code e-mailed to log in: valid `CODE_MINUTES`, at most `MAX_ATTEMPTS` tries.

    Only a keyed hash of the code is stored. A code is written for every request, whether the
    organiser knows the address or not (`contact` is empty then), so both cases do the same
    work and look the same from outside. `spent_at` is set when the code is used or replaced.
    """

    organizer = models.ForeignKey(Organizer, on_delete=models.CASCADE, related_name="+")
    email = models.EmailField()
    contact = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.CASCADE)
    salt = models.CharField(max_length=32)
    code_hash = models.CharField(max_length=64)
    attempts = models.PositiveSmallIntegerField(default=0)
    created = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    spent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created", "-id"]
        indexes = [models.Index(fields=["organizer", "email", "created"])]

    def __str__(self) -> str:
        return f"{self.email} ({self.created:%Y-%m-%d %H:%M})"
