"""Django e-mail backend that writes to the outbox instead of talking SMTP.

Everything that sends mail through Django (`send_mail`, `EmailMessage.send()`, password
reset) therefore lands in the outbox inside the caller's transaction: a rolled-back
transaction sends nothing, and the worker delivers the rest (DESIGN rule 3).
"""

from django.core.mail.backends.base import BaseEmailBackend

from .services import queue_email_message


class OutboxBackend(BaseEmailBackend):
    def send_messages(self, email_messages) -> int:
        count = 0
        for message in email_messages:
            queue_email_message(message)
            count += 1
        return count
