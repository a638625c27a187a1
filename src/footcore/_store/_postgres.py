"""The store in PostgreSQL, for apps on many machines (``pip install 'footcore[postgres]'``).

Each check-in locks its athlete's row (the ``UPDATE`` that moves the chain's head comes
first in its transaction), so check-ins of one athlete wait for each other and those of
different athletes run in parallel. Reads that
span several queries (verify, export, checkpoint) see one snapshot (REPEATABLE READ).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from .._errors import FootcoreError, InputError
from ._base import Store
from ._db import StoreError, Tx, redact

if TYPE_CHECKING:
    import psycopg

__all__ = ["PostgresStore"]

_CREATE_LOCK = 0x666F6F74  # an advisory lock id: one process creates the tables at a time
_cursors = itertools.count()


def _sql(text: str) -> str:
    return text.replace("?", "%s")


def _connect(driver: Any, url: str) -> psycopg.Connection[Any]:
    """A connection in autocommit mode to the database at ``url``, made by ``driver`` (the
    psycopg module).

    The driver's messages may quote the URL, or a password in it alone: they are
    redacted, and the driver's exception is not chained to the one raised.

    Raises:
        InputError: libpq cannot read ``url``.
        StoreError: the server cannot be reached or refuses the login (store-unreachable).
    """
    try:
        connection: psycopg.Connection[Any] = driver.connect(url, autocommit=True)
        return connection
    except driver.Error as exc:
        said = redact("; ".join(line.strip() for line in str(exc).splitlines()
                                if line.strip()), location=url)
        unreadable = isinstance(exc, driver.ProgrammingError)
    if unreadable:
        hint = "" if "://" in url else "; a SQLite file named like key=value: write ./NAME"
        failure: FootcoreError = InputError(
            f"store {redact(url)}: not a PostgreSQL URL or connection string that libpq "
            f"can read ({said}){hint}", field="url_or_path")
    else:
        failure = StoreError(f"store {redact(url)}: cannot connect ({said})",
                             code="store-unreachable")
    raise failure


class _PostgresTx:
    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self._conn = conn

    def one(self, sql: str, params: Sequence[object] = ()) -> tuple[Any, ...] | None:
        row: tuple[Any, ...] | None = self._conn.execute(_sql(sql), params).fetchone()
        return row

    def all(self, sql: str, params: Sequence[object] = ()) -> list[tuple[Any, ...]]:
        return self._conn.execute(_sql(sql), params).fetchall()

    def stream(self, sql: str, params: Sequence[object] = ()) -> Iterator[tuple[Any, ...]]:
        with self._conn.cursor(name=f"footcore_{next(_cursors)}") as cursor:
            cursor.itersize = 2000
            cursor.execute(_sql(sql), params)
            yield from cursor

    def run(self, sql: str, params: Sequence[object] = ()) -> int:
        return self._conn.execute(_sql(sql), params).rowcount


class PostgresStore(Store):
    """A store in a PostgreSQL database; made by :func:`open_store` from a
    ``postgresql://`` URL or a libpq ``key=value`` connection string. Its ``location`` and
    every message name the database with its password, if any, as ``***``.

    Args:
        url: the database's URL.
        create: create footcore's tables if missing; otherwise a database without them
            is refused and left as it was.
        readonly: every transaction of the session is read-only (the server refuses
            writes), and the store refuses its own.
    """

    _FIND_META = ("SELECT 1 FROM pg_catalog.pg_tables WHERE tablename = 'footcore_meta' "
                  "AND schemaname = ANY (current_schemas(false))")

    def __init__(self, url: str, *, create: bool = True, readonly: bool = False) -> None:
        super().__init__(redact(url), readonly=readonly)
        try:
            import psycopg
        except ImportError:
            raise StoreError("a PostgreSQL store needs psycopg: pip install "
                             "'footcore[postgres]'", code="store-driver-missing") from None
        self._psycopg = psycopg
        self._conn = _connect(psycopg, url)
        if readonly:
            try:
                with self._single() as tx:
                    tx.run("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
            except StoreError:
                self.close()
                raise
        if create and not readonly:
            self._prepare(f"SELECT pg_advisory_xact_lock({_CREATE_LOCK})")
        else:
            self._prepare(create=False)

    def close(self) -> None:
        self._conn.close()

    def _settle(self) -> None:
        """Nothing to do: the server makes a commit visible only once it is as durable as
        its settings (``synchronous_commit``) ask."""

    @contextmanager
    def _transaction(self, isolation: str | None) -> Iterator[Tx]:
        try:
            with self._conn.transaction():
                if isolation:
                    self._conn.execute(f"SET TRANSACTION ISOLATION LEVEL {isolation}")
                yield _PostgresTx(self._conn)
        except self._psycopg.Error as exc:
            raise self._error(exc) from None

    def _read(self) -> Any:
        return self._transaction("REPEATABLE READ, READ ONLY")

    def _write(self) -> Any:
        self._writable()
        return self._transaction(None)

    @contextmanager
    def _single(self) -> Iterator[Tx]:
        try:
            yield _PostgresTx(self._conn)
        except self._psycopg.Error as exc:
            raise self._error(exc) from None

    def _error(self, exc: Exception) -> StoreError:
        if isinstance(exc, self._psycopg.errors.ReadOnlySqlTransaction):
            return StoreError(f"store {self.location}: read-only ({exc})",
                              code="store-readonly")
        return StoreError(f"store {self.location}: {exc}")
