"""`rideau worker`: periodic jobs, outbox delivery and background tasks in one process loop."""

import logging
import signal
import sys
import time
from types import FrameType

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections, connection
from django.db.utils import OperationalError
from django.utils.crypto import get_random_string
from django_tasks import task_backends
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.management.commands.db_worker import Worker as DBTaskWorker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction, is_locked_database_exception

from rideau.core.periodic import Scheduler, discover_jobs
from rideau.messaging.delivery import NOTIFY_CHANNEL, deliver_due_messages

logger = logging.getLogger("rideau.worker")


class TaskRunner:
    """Runs ready django-tasks database tasks, with django-tasks-db's own claim and run."""

    def __init__(self, worker_id: str) -> None:
        self.worker_id = worker_id
        self.workers = [
            DBTaskWorker(
                queue_names=["*"],
                interval=0,
                batch=True,
                backend_name=alias,
                startup_delay=False,
                max_tasks=None,
                worker_id=worker_id,
                excluded_queue_names=[],
            )
            for alias in settings.TASKS
            if isinstance(task_backends[alias], DatabaseBackend)
        ]

    def run_one(self) -> bool:
        """Claim and run one ready task; False when none is ready."""
        for worker in self.workers:
            tasks = DBTaskResult.objects.ready().filter(backend_name=worker.backend_name)
            try:
                with exclusive_transaction(tasks.db):
                    task_result = tasks.get_locked()
                    if task_result is not None:
                        task_result.claim(self.worker_id)
            except OperationalError as exc:
                if not is_locked_database_exception(exc):
                    raise
                continue  # SQLite busy: the next pass will find it
            if task_result is not None:
                worker.run_task(task_result)
                return True
        return False


class Command(BaseCommand):
    help = "Run the background worker: periodic jobs, outbox delivery and queued tasks."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--once",
            action="store_true",
            help="Run the periodic jobs, then deliver and run everything due, then exit.",
        )
        parser.add_argument(
            "--interval",
            type=float,
            default=1.0,
            help="Seconds to sleep when there is nothing to do (default: 1).",
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=None,
            help="Messages claimed per delivery pass (default: RIDEAU_OUTBOX_BATCH).",
        )
        parser.add_argument(
            "--queues",
            default="mail,campaign",
            help="Outbox queues this worker delivers, in priority order (default: "
            "mail,campaign; a dedicated campaign worker: --queues campaign).",
        )

    def handle(
        self, *args, once: bool, interval: float, batch_size: int | None, queues: str, **options
    ) -> None:
        self.running = True
        self.queues = tuple(q.strip() for q in queues.split(",") if q.strip())
        self.listened = None
        self.batch = batch_size
        self.scheduler = Scheduler(discover_jobs())
        self.tasks = TaskRunner(worker_id=f"rideau-{get_random_string(16)}")
        previous = {sig: signal.signal(sig, self.stop) for sig in (signal.SIGTERM, signal.SIGINT)}
        try:
            self.loop(once=once, interval=interval)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def loop(self, *, once: bool, interval: float) -> None:
        logger.info(
            "worker started: %d periodic jobs, %d task backends",
            len(self.scheduler.jobs),
            len(self.tasks.workers),
        )
        while self.running:
            close_old_connections()
            self.guarded("periodic jobs", self.scheduler.run_due)
            busy = True
            while busy and self.running:
                delivered = self.guarded("outbox delivery", self.deliver)
                ran = self.guarded("tasks", self.tasks.run_one)
                busy = bool(delivered or ran)
                if not once:
                    break
            close_old_connections()
            if once:
                break
            if not busy:
                self.sleep(interval)
        logger.info("worker stopped")

    def deliver(self) -> int:
        report = deliver_due_messages(
            limit=self.batch, should_stop=lambda: not self.running, queues=self.queues
        )
        return report.claimed

    def guarded(self, what: str, func):
        """Run one step of the loop; an error is logged and the loop goes on."""
        try:
            return func()
        except Exception:
            logger.exception("worker: %s failed", what)
            return None

    def sleep(self, seconds: float) -> None:
        """Wait up to `seconds`; on PostgreSQL a committed outbox row ends the wait at once
        (the outbox trigger's NOTIFY: messaging migration 0006)."""
        deadline = time.monotonic() + seconds
        listener = self.guarded("listening", self.listening)
        while self.running and time.monotonic() < deadline:
            step = min(0.1, max(0.0, deadline - time.monotonic()))
            if listener is None:
                time.sleep(step)
                continue
            try:
                if any(True for _n in listener.notifies(timeout=step, stop_after=1)):
                    return
            except Exception:  # the raw driver's error (connection lost): sleep instead
                logger.exception("worker: waiting for the outbox failed")
                listener = None

    def listening(self):
        """The raw PostgreSQL connection listening to the outbox channel (None elsewhere).
        LISTEN again whenever the connection was replaced (`close_old_connections`)."""
        if connection.vendor != "postgresql":
            return None
        connection.ensure_connection()
        raw = connection.connection
        if raw is not self.listened:
            with connection.cursor() as cursor:
                cursor.execute(f"LISTEN {NOTIFY_CHANNEL}")
            self.listened = raw
        return raw

    def stop(self, signum: int, frame: FrameType | None) -> None:
        if not self.running:
            logger.warning("second %s: exiting now", signal.strsignal(signum))
            sys.exit(1)
        logger.warning("%s: finishing the current step, then exiting", signal.strsignal(signum))
        self.running = False
