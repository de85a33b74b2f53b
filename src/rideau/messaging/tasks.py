"""Background tasks of the messaging area."""

from django_tasks import task

from rideau.core.periodic import periodic

from .delivery import deliver_due_messages, prune_journals


@task(queue_name="mail")
def deliver_outbox_now() -> int:
    """Deliver what is due in the outbox now; queued after a commit that wrote messages.

    Idempotent: messages are claimed with a lease, so this task, other workers and the
    worker's periodic scan never send the same message twice (short of a crash).
    """
    return deliver_due_messages().sent


@periodic(every=3600, name="messaging.prune_journals")
def prune_old_journals() -> int:
    """Remove batch journals a killed worker left after its batch was marked sent."""
    return prune_journals()
