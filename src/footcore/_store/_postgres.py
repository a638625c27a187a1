"""The store in PostgreSQL, for apps on many machines (``pip install 'footcore[postgres]'``).

Each check-in locks its athlete's row (the ``UPDATE`` that moves the chain's head comes
first in its transaction), so check-ins of one athlete wait for each other and those of
different athletes run in parallel. Reads that
span several queries (verify, export, checkpoint) see one snapshot (REPEATABLE READ).

A dropped connection (a server restart, a network cut, an administrator ending the
session) fails the call that meets it with ``store-unreachable``; the next call connects
again. A check-in whose commit the drop hid is safe to retry with the same ``CheckIn.id``:
it is recorded once.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from .._errors import FootcoreError, InputError
from ._base import Store
from ._db import SCHEMA, StoreError, Tx
from ._location import redact

if TYPE_CHECKING:
    import psycopg

__all__ = ["PostgresStore"]

_CREATE_LOCK = 0x666F6F74  # an advisory lock id: one process creates the tables at a time
_cursors = itertools.count()


# SQLSTATEs: the server shutting down or ending the session (class 08 is a connection
# failure); the disk full; a write in a read-only transaction; a lock not granted.
_GONE = frozenset({"57P01", "57P02", "57P03"})
_CODES = {"53100": "store-io", "25006": "store-readonly", "55P03": "store-busy"}


def _oneline(exc: Exception) -> str:
    """A driver's message on one line."""
    return "; ".join(line.strip() for line in str(exc).splitlines() if line.strip())


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
        said = redact(_oneline(exc), location=url)
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

    def many(self, sql: str, rows: Sequence[Sequence[object]]) -> None:
        with self._conn.cursor() as cursor:
            cursor.executemany(_sql(sql), rows)

    def pack(self, text: str) -> object:
        """The text as it is: TOAST compresses a long one (schema 3 packs on SQLite)."""
        return text


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
        self._url = url  # to connect again after a dropped connection
        self._connection()
        if not (create and not readonly):
            self._prepare(create=False)
        if not readonly and (create or self.schema < SCHEMA):  # an older schema: upgrade it
            self._prepare(f"SELECT pg_advisory_xact_lock({_CREATE_LOCK})")

    def _connection(self) -> psycopg.Connection[Any]:
        """The connection, made (again, when the last one dropped) with the session's
        settings: read-only transactions for a read-only store."""
        conn: psycopg.Connection[Any] | None = getattr(self, "_conn", None)
        if conn is not None and not conn.broken:
            return conn
        if conn is not None:
            conn.close()
        self._conn = conn = _connect(self._psycopg, self._url)
        if self.readonly:
            try:
                conn.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
            except self._psycopg.Error as exc:
                conn.close()
                raise self._error(exc) from None
        return conn

    def close(self) -> None:
        self._conn.close()

    def _settle(self) -> None:
        """Nothing to do: the server makes a commit visible only once it is as durable as
        its settings (``synchronous_commit``) ask."""

    @contextmanager
    def _scrubbing(self) -> Iterator[None]:
        """Nothing the store can do: the server keeps deleted rows' bytes until VACUUM
        reuses their space, and in its log and backups (docs/erasure.md)."""
        yield

    @contextmanager
    def _transaction(self, isolation: str | None) -> Iterator[Tx]:
        conn = self._connection()
        try:
            with conn.transaction():
                if isolation:
                    conn.execute(f"SET TRANSACTION ISOLATION LEVEL {isolation}")
                yield _PostgresTx(conn)
        except self._psycopg.Error as exc:
            raise self._error(exc) from None

    def _read(self) -> Any:
        return self._transaction("REPEATABLE READ, READ ONLY")

    def _write(self) -> Any:
        self._writable()
        return self._transaction(None)

    @contextmanager
    def _single(self) -> Iterator[Tx]:
        conn = self._connection()
        try:
            yield _PostgresTx(conn)
        except self._psycopg.Error as exc:
            raise self._error(exc) from None

    def _error(self, exc: Exception) -> StoreError:
        """The StoreError for what the server or the driver reported, by its SQLSTATE."""
        state = getattr(exc, "sqlstate", None) or ""
        said = redact(_oneline(exc), location=self._url)
        if self._conn.broken or state.startswith("08") or state in _GONE:
            return StoreError(f"store {self.location}: the connection dropped "
                              f"({said}); the next call connects again (a check-in "
                              f"retried with the same CheckIn.id is recorded once)",
                              code="store-unreachable")
        return StoreError(f"store {self.location}: {said}", code=_CODES.get(state))
