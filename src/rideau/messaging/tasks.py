"""Background tasks of the messaging area."""

from django_tasks import task

from .delivery import deliver_due_messages


@task(queue_name="mail")
def deliver_outbox_now() -> int:
    """Deliver what is due in the outbox now; queued after a commit that wrote messages.

    Idempotent: messages are claimed with a lease, so this task, other workers and the
    worker's periodic scan never send the same message twice (short of a crash).
    """
    return deliver_due_messages().sent
