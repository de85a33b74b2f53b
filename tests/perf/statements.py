"""Recording what one request sends to the database: every statement, and the commits."""

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.db import connection


@dataclass
class Recorded:
    statements: list[str] = field(default_factory=list)
    commits: int = 0

    @property
    def round_trips(self) -> int:
        """Statements plus COMMITs (a BEGIN rides with the transaction's first statement on
        psycopg; on SQLite it is a statement of its own, counted in `statements`)."""
        return len(self.statements) + self.commits

    def summary(self) -> str:
        return "\n".join(s[:160] for s in self.statements) + f"\n+ {self.commits} COMMIT"


@contextlib.contextmanager
def recorded() -> Iterator[Recorded]:
    """Every statement the default connection executes (whatever the DEBUG setting and
    across requests, unlike `CaptureQueriesContext`), and how many times it commits."""
    found = Recorded()

    def record(execute, sql, params, many, context):
        found.statements.append(sql)
        return execute(sql, params, many, context)

    connection.ensure_connection()
    original = connection.commit

    def commit():
        if not connection.get_autocommit() or connection.in_atomic_block:
            found.commits += 1
        return original()

    connection.commit = commit  # type: ignore[method-assign]
    try:
        with connection.execute_wrapper(record):
            yield found
    finally:
        del connection.commit
