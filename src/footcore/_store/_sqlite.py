"""The store in a SQLite file: the embedded default, stdlib only.

WAL mode, so readers never wait for the writer; each write is a ``BEGIN IMMEDIATE``
transaction, which takes the database's one write lock (other writers wait for it up to
the busy timeout). ``sync="normal"`` survives a crash of the app but may lose the last
commits to a power cut. ``sync="full"`` (the default) makes every check-in survive a power
cut before ``check_in`` returns.

SQLite's own ``synchronous=FULL`` flushes the log to disk while it holds the write lock, so
writers queue for each other's flushes. Full durability here is ``synchronous=NORMAL`` plus
a flush (``fdatasync``) of the log by each call after its transaction ends and the lock is
released, so the flushes of several processes overlap. It promises what FULL does: in WAL
mode a commit lives in the log until a checkpoint copies it into the database file, and at
``synchronous=NORMAL`` a checkpoint flushes the database file before the log is reused; so
once the log is flushed after a commit, the commit is on disk, in the log or in the file
(https://sqlite.org/pragma.html#pragma_synchronous; flushing the log to make earlier
commits durable is what https://sqlite.org/forum/forumpost/d1a6bc7c4cd2baca concludes).
A read flushes the log too before it returns, so what a call returns (a state, a stored
decision, a retry's answer) can never be lost to a power cut, even when another process
wrote it a moment before. Where ``os.fdatasync`` is missing (Windows, macOS) or the
database cannot use a WAL, full is SQLite's ``synchronous=FULL``.

A flush that fails raises :class:`StoreError` after the transaction committed: a check-in
may then be recorded though the call failed, and its retry (the same ``CheckIn.id``) gets
the stored decision back once the disk is well again.
"""

from __future__ import annotations

import os
import sqlite3
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from typing import Any

from .._errors import InputError
from ._base import Store
from ._db import StoreError, Tx

if sys.platform != "win32":
    import fcntl

__all__ = ["SYNC_MODES", "SQLiteStore"]

SYNC_MODES = ("full", "normal")


def _text(raw: bytes) -> str:
    """A TEXT value as a str. Bytes that are not UTF-8 (damage: footcore writes none) become
    U+FFFD, which matches no hash or JSON footcore wrote, so the row is reported as damaged
    rather than failing the query that read it."""
    return raw.decode("utf-8", "replace")


class _SQLiteTx:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def one(self, sql: str, params: Sequence[object] = ()) -> tuple[Any, ...] | None:
        row: tuple[Any, ...] | None = self._conn.execute(sql, params).fetchone()
        return row

    def all(self, sql: str, params: Sequence[object] = ()) -> list[tuple[Any, ...]]:
        return self._conn.execute(sql, params).fetchall()

    def stream(self, sql: str, params: Sequence[object] = ()) -> Iterator[tuple[Any, ...]]:
        yield from self._conn.execute(sql, params)

    def run(self, sql: str, params: Sequence[object] = ()) -> int:
        return self._conn.execute(sql, params).rowcount


class SQLiteStore(Store):
    """A store in a SQLite file; made by :func:`open_store` from a path.

    Args:
        path: the database file, created with its tables if missing.
        sync: ``"full"`` (each check-in on disk before it returns) or ``"normal"``.
        timeout: seconds a write waits for another process's write lock.
    """

    def __init__(self, path: str | os.PathLike[str], *, sync: str = "full",
                 timeout: float = 30.0) -> None:
        super().__init__(os.fspath(path))
        if sync not in SYNC_MODES:
            raise InputError(f"sync: got {sync!r}; accepted: {', '.join(SYNC_MODES)}")
        self._timeout = timeout
        self._lock_fd: int | None = None
        # The log this store flushes after each transaction, when it keeps full durability
        # itself (see the module's docstring).
        self._log: str | None = None
        try:
            self._conn = sqlite3.connect(path, timeout=timeout, isolation_level=None,
                                         check_same_thread=False)
        except sqlite3.Error as exc:
            raise StoreError(f"store {self.location}: cannot open it ({exc})") from None
        self._conn.text_factory = _text
        try:
            mode = self._conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            # The file as SQLite resolved it (symbolic links, the working directory, a
            # file: URI), which names its log; empty for a database in memory.
            file = self._conn.execute("PRAGMA database_list").fetchone()[2]
            if sys.platform != "win32" and file:
                self._lock_fd = os.open(f"{file}-lock", os.O_RDWR | os.O_CREAT, 0o644)
            if sync == "full" and mode == "wal" and file and hasattr(os, "fdatasync"):
                self._log, sync = f"{file}-wal", "normal"
            self._conn.execute(f"PRAGMA synchronous = {sync.upper()}")
            self._conn.execute("PRAGMA foreign_keys = ON")
        except (OSError, sqlite3.Error) as exc:
            self.close()
            raise StoreError(f"store {self.location}: cannot open it ({exc})") from None
        self._prepare()

    def close(self) -> None:
        self._conn.close()
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

    @contextmanager
    def _transaction(self, begin: str) -> Iterator[Tx]:
        try:
            self._rollback()  # one a failed ROLLBACK left open
            self._conn.execute(begin)
        except sqlite3.Error as exc:
            raise self._error(exc) from None
        try:
            yield _SQLiteTx(self._conn)
            self._conn.execute("COMMIT")
        except sqlite3.Error as exc:
            self._rollback()
            raise self._error(exc) from None
        except BaseException:
            self._rollback()
            raise

    def _rollback(self) -> None:
        """Roll back the open transaction, if one is. SQLite rolls back by itself after
        some errors (a full disk, an I/O error), and then there is none; a ROLLBACK that
        fails leaves the error that led to it to be the one raised, and the next
        transaction tries again."""
        if self._conn.in_transaction:
            with suppress(sqlite3.Error):
                self._conn.execute("ROLLBACK")

    @contextmanager
    def _read(self) -> Iterator[Tx]:
        with self._transaction("BEGIN DEFERRED") as tx:
            yield tx
        self._settle()

    @contextmanager
    def _write(self) -> Iterator[Tx]:
        with self._queue(), self._transaction("BEGIN IMMEDIATE") as tx:
            yield tx
        self._settle()

    def _settle(self) -> None:
        """At full durability, flush the log: every transaction committed so far, this
        process's or another's, is then on disk."""
        if self._log is None:
            return
        try:
            fd = os.open(self._log, os.O_RDONLY)  # SQLite keeps it while we are connected
            try:
                os.fdatasync(fd)
            finally:
                os.close(fd)
        except OSError as exc:
            raise StoreError(f"store {self.location}: cannot flush its log ({exc})",
                             code="store-io") from None

    @contextmanager
    def _queue(self) -> Iterator[None]:
        """Wait for this file's writers before us. SQLite's own busy handler sleeps ever
        longer (up to 100 ms) between tries, so under contention the write lock sits idle;
        an OS lock on a file beside the database hands it on at once."""
        if self._lock_fd is None:
            yield
            return
        fcntl.flock(self._lock_fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)

    @contextmanager
    def _single(self) -> Iterator[Tx]:
        try:
            yield _SQLiteTx(self._conn)
        except sqlite3.Error as exc:
            raise self._error(exc) from None

    def _error(self, exc: sqlite3.Error) -> StoreError:
        """The StoreError for what SQLite reported, by its result code."""
        code = getattr(exc, "sqlite_errorcode", None)
        primary = code & 0xFF if isinstance(code, int) else None
        if primary in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED) or (
                primary is None and "locked" in str(exc)):
            return StoreError(f"store {self.location}: busy: another process held its write "
                              f"lock for more than {self._timeout:g} s", code="store-busy")
        if primary in (sqlite3.SQLITE_FULL, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_CANTOPEN):
            return StoreError(f"store {self.location}: the disk is full, read-only or failing "
                              f"({exc}); once it is well, retry (a check-in with the same "
                              f"CheckIn.id is recorded once)", code="store-io")
        if primary == sqlite3.SQLITE_READONLY:
            return StoreError(f"store {self.location}: cannot write to it ({exc})",
                              code="store-readonly")
        if primary in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB):
            return StoreError(f"store {self.location}: the database file is damaged ({exc}); "
                              f"restore it from a backup", code="store-damaged")
        return StoreError(f"store {self.location}: {exc}")
