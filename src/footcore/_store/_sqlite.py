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

import errno
import os
import sqlite3
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from .._audit_records import SQLITE_HEADER
from .._errors import InputError
from ._base import Store
from ._db import SCHEMA, StoreError, Tx
from ._packing import pack

if sys.platform != "win32":
    import fcntl

__all__ = ["SYNC_MODES", "SQLiteStore"]

# What a call into SQLite may raise: its errors, and a UnicodeDecodeError where the message
# it writes about a damaged file quotes bytes of that file that are not UTF-8.
_FAILED = (sqlite3.Error, UnicodeDecodeError)

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

    def many(self, sql: str, rows: Sequence[Sequence[object]]) -> None:
        self._conn.executemany(sql, rows)

    pack = staticmethod(pack)


class _Deferring(threading.local):
    """Whether this thread is in a store's :meth:`SQLiteStore._together` block, and whether
    a call in it has left its flush to the block's end."""

    on = False
    asked = False


class _Turn:
    """What :meth:`SQLiteStore._queue` returns; this and :class:`_Single` are classes, not
    generators, as they wrap each check-in's queries (benchmarks/bench_store_overhead.py)."""

    __slots__ = ("_fd",)

    def __init__(self, fd: int | None) -> None:
        self._fd = fd

    def __enter__(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_EX)

    def __exit__(self, *exc: object) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)


class _Single:
    """What :meth:`SQLiteStore._single` returns: statements outside a transaction, SQLite's
    errors raised as StoreError."""

    __slots__ = ("_store",)

    def __init__(self, store: SQLiteStore) -> None:
        self._store = store

    def __enter__(self) -> Tx:
        return _SQLiteTx(self._store._conn)

    def __exit__(self, kind: object, exc: BaseException | None, trace: object) -> None:
        if isinstance(exc, _FAILED):
            raise self._store._error(exc) from None


class SQLiteStore(Store):
    """A store in a SQLite file; made by :func:`open_store` from a path.

    Args:
        path: the database file.
        sync: ``"full"`` (each check-in on disk before it returns) or ``"normal"``.
        timeout: seconds a write waits for another process's write lock.
        create: create the file and its tables if missing; otherwise a path that does not
            exist, or a database without footcore's tables, is refused and left as it was.
        readonly: open the file read-only (it must exist): nothing is written to it.
    """

    _FIND_META = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'footcore_meta'"

    def __init__(self, path: str | os.PathLike[str], *, sync: str = "full",
                 timeout: float = 30.0, create: bool = True, readonly: bool = False) -> None:
        super().__init__(os.fspath(path), readonly=readonly)
        if sync not in SYNC_MODES:
            raise InputError(f"sync: got {sync!r}; accepted: {', '.join(SYNC_MODES)}")
        if not self.location:
            raise InputError("path: empty; accepted: a SQLite file's path")
        self._timeout = timeout
        self._lock_fd: int | None = None
        # The log this store flushes after each transaction, when it keeps full durability
        # itself (see the module's docstring).
        self._log: str | None = None
        # Calls for a flush so far, and how many of them the last flush covered; flushes
        # take turns (see _settle).
        self._asked = self._flushed = 0
        self._flushing = threading.Lock()
        self._deferring = _Deferring()  # the threads in a _together block
        self._closed = False
        create = create and not readonly
        _check_file(self.location, create)
        self._conn = self._connect(create)
        try:
            # The file as SQLite resolved it (symbolic links, the working directory), which
            # names its log; empty for a database in memory.
            file = self._conn.execute("PRAGMA database_list").fetchone()[2]
            if sys.platform != "win32" and file and not readonly:
                self._lock_fd = os.open(f"{file}-lock", os.O_RDWR | os.O_CREAT, 0o644)
        except (OSError, *_FAILED) as exc:
            self.close()
            raise self._error(exc, "cannot open it") from None
        if not create:  # before anything could write to a file that is not a store
            self._prepare(create=False)
        try:
            # The first opens of a new file take turns: switching it to WAL needs the
            # file to itself, and SQLite may answer "locked" at once instead of waiting.
            with self._queue():
                mode = self._conn.execute(
                    "PRAGMA journal_mode" if readonly else "PRAGMA journal_mode = WAL"
                ).fetchone()[0]
            if (sync == "full" and mode == "wal" and file and not readonly
                    and hasattr(os, "fdatasync")):
                self._log, sync = f"{file}-wal", "normal"
            self._conn.execute(f"PRAGMA synchronous = {sync.upper()}")
            self._conn.execute("PRAGMA foreign_keys = ON")
        except (OSError, *_FAILED) as exc:
            self.close()
            raise self._error(exc, "cannot open it") from None
        if create or (not readonly and self.schema < SCHEMA):  # an older schema: upgrade it
            self._prepare()

    def _connect(self, create: bool) -> sqlite3.Connection:
        """The connection: read-write, creating the file with ``create``; read-only
        with ``readonly``. A read-only file in a folder no one can write is opened as
        immutable when no write-ahead log is left beside it: no writer can be at work
        there, as a writer needs the log and its index in that folder."""
        if self.location == ":memory:":
            uri, mode = ":memory:", ""
        else:
            uri = Path(os.path.abspath(self.location)).as_uri()
            mode = "ro" if self.readonly else "rwc" if create else "rw"
        try:
            conn = sqlite3.connect(f"{uri}?mode={mode}" if mode else uri, uri=bool(mode),
                                   timeout=self._timeout, isolation_level=None,
                                   check_same_thread=False)
            if self.readonly:
                try:
                    conn.execute("SELECT 1 FROM sqlite_master").fetchone()
                except sqlite3.OperationalError as exc:
                    wal = f"{self.location}-wal"
                    if not exc.sqlite_errorname.startswith(("SQLITE_READONLY",
                                                            "SQLITE_CANTOPEN")) or (
                            os.path.exists(wal) and os.path.getsize(wal)):
                        raise
                    conn.close()
                    conn = sqlite3.connect(f"{uri}?mode=ro&immutable=1", uri=True,
                                           timeout=self._timeout, isolation_level=None,
                                           check_same_thread=False)
        except _FAILED as exc:
            raise self._error(exc, "cannot open it") from None
        conn.text_factory = _text
        return conn

    def close(self) -> None:
        """Close the connection once the call at work on it, if any, is done, its log
        flushed: a check-in on another thread is recorded whole, or not begun. A call after
        this raises StoreError ``store-closed``."""
        with self._lock, self._flushing:
            try:
                if self._log is not None and self._flushed < self._asked:
                    asked = self._asked
                    self._flush(self._log)
                    self._flushed = asked  # a caller waiting for its flush finds it done
            finally:
                self._closed = True
                self._conn.close()
                if self._lock_fd is not None:
                    os.close(self._lock_fd)
                    self._lock_fd = None

    def _transaction(self, begin: str) -> Iterator[Tx]:
        """The body of :meth:`_read` and :meth:`_write`, which delegate to it (``yield
        from``): a generator, not a context manager of its own, as it wraps each check-in's
        write (benchmarks/bench_store_overhead.py)."""
        try:
            self._rollback()  # one a failed ROLLBACK left open
            self._conn.execute(begin)
        except _FAILED as exc:
            raise self._error(exc) from None
        try:
            yield _SQLiteTx(self._conn)
            self._conn.execute("COMMIT")
        except _FAILED as exc:
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
        yield from self._transaction("BEGIN DEFERRED")
        self._settle()

    @contextmanager
    def _write(self) -> Iterator[Tx]:
        self._writable()
        with self._queue():
            yield from self._transaction("BEGIN IMMEDIATE")
        self._settle()

    def _settle(self) -> None:
        """At full durability, flush the log: every transaction committed so far, this
        process's or another's, is then on disk.

        Called with the store's lock held, after what it read or wrote: it lets the lock go
        while it flushes, so that threads sharing the store go on reading, deciding and
        committing meanwhile; and a flush that began after this call was made has flushed
        all the caller saw, so threads waiting on one flush share the next instead of each
        doing its own (a group commit: benchmarks/bench_serve.py, 8 and 32 clients)."""
        if self._log is None:
            return
        self._asked += 1
        if self._deferring.on:  # flushed once, at the end of the thread's _together block
            self._deferring.asked = True
            return
        asked = self._asked
        self._lock.release()
        try:
            with self._flushing:
                if self._flushed < asked:
                    covered = self._asked  # every call made so far: this flush covers them
                    self._flush(self._log)
                    self._flushed = covered
        finally:
            self._lock.acquire()

    @contextmanager
    def _together(self) -> Iterator[None]:
        """Calls this thread makes in the block leave their log flush to its end, where one
        flush covers them all: at 32 clients a service's thread records the check-ins
        queued for it in turn, then flushes once, instead of a flush (and the threads
        waiting on it) per check-in (benchmarks/bench_serve.py --baseline, 32 clients: CPU
        and context switches per check-in; see footcore._service._threads). What they
        return must not be given out before the block ends; a block left by an error does
        not flush."""
        if self._log is None or self._deferring.on:
            yield
            return
        self._deferring.on, self._deferring.asked = True, False
        try:
            yield
        finally:
            self._deferring.on = False
        with self._lock:
            if self._deferring.asked and not self._closed:  # close() flushed what was asked
                self._settle()

    def _flush(self, log: str) -> None:
        try:
            fd = os.open(log, os.O_RDONLY)  # SQLite keeps it while we are connected
            try:
                os.fdatasync(fd)
            finally:
                os.close(fd)
        except OSError as exc:
            raise StoreError(f"store {self.location}: cannot flush its log ({exc})",
                             code="store-io") from None

    @contextmanager
    def _scrubbing(self) -> Iterator[None]:
        """Delete with ``secure_delete`` on (what a delete frees is overwritten with
        zeros); then rebuild the file (``VACUUM``: SQLite leaves stale copies of cells it
        moved between pages in the unused space of others) and truncate the log to
        nothing, so that no byte of the deleted rows is left in either. Readers of other
        connections keep the log from being truncated; it waits for them up to the
        timeout."""
        with self._single() as tx:
            tx.run("PRAGMA secure_delete = ON")
        try:
            yield
        finally:
            with self._single() as tx:
                tx.run("PRAGMA secure_delete = OFF")
        try:
            with self._queue(), self._single() as tx:
                tx.run("VACUUM")
                busy = tx.one("PRAGMA wal_checkpoint(TRUNCATE)")
        except StoreError as exc:
            busy, why = None, str(exc).removeprefix(f"store {self.location}: ")
        else:
            why = "another connection kept the log from being emptied"
        if busy is None or busy[0]:
            raise StoreError(f"store {self.location}: {why}; the athlete is erased, but "
                             f"copies of their rows may be left in the database's files "
                             f"until the next erasure scrubs them", code="store-unscrubbed")

    def _queue(self) -> _Turn:
        """Wait for this file's writers before us. SQLite's own busy handler sleeps ever
        longer (up to 100 ms) between tries, so under contention the write lock sits idle;
        an OS lock on a file beside the database hands it on at once."""
        return _Turn(self._lock_fd)

    def _single(self) -> _Single:
        return _Single(self)

    def _error(self, exc: sqlite3.Error | UnicodeDecodeError | OSError, doing: str = ""
               ) -> StoreError:
        """The StoreError for what SQLite (or the OS, while opening) reported, by SQLite's
        result code."""
        if self._closed and isinstance(exc, (sqlite3.ProgrammingError, sqlite3.InterfaceError)):
            # "Cannot operate on a closed database", or SQLite's misuse of one closing
            return StoreError(f"store {self.location}: closed; open it again to use it",
                              code="store-closed")
        if isinstance(exc, UnicodeDecodeError):
            return StoreError(f"store {self.location}: the database file is damaged (SQLite "
                              f"reported it in bytes that are not text); restore it from a "
                              f"backup", code="store-damaged")
        if isinstance(exc, OSError) and exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
            return StoreError(f"store {self.location}: {doing} ({exc.strerror}); a store on a "
                              f"disk or in a folder this process may not write opens with "
                              f"readonly=True", code="store-readonly")
        if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
            return StoreError(f"store {self.location}: {doing} ({exc.strerror})",
                              code="store-io")
        code = getattr(exc, "sqlite_errorcode", None)
        primary = code & 0xFF if isinstance(code, int) else None
        if primary in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED) or (
                primary is None and "locked" in str(exc)):
            return StoreError(f"store {self.location}: busy: another process held its write "
                              f"lock for more than {self._timeout:g} s", code="store-busy")
        if primary in (sqlite3.SQLITE_FULL, sqlite3.SQLITE_IOERR):
            return StoreError(f"store {self.location}: the disk is full, read-only or failing "
                              f"({exc}); once it is well, retry (a check-in with the same "
                              f"CheckIn.id is recorded once)", code="store-io")
        if primary == sqlite3.SQLITE_READONLY:
            return StoreError(f"store {self.location}: read-only ({exc}); open it with "
                              f"readonly=True to read it", code="store-readonly")
        if primary == sqlite3.SQLITE_NOTADB and doing:
            return StoreError(f"store {self.location}: not a footcore store (not a SQLite "
                              f"database)", code="store-not-footcore")
        if primary in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB):
            return StoreError(f"store {self.location}: the database file is damaged ({exc}); "
                              f"restore it from a backup", code="store-damaged")
        if primary == sqlite3.SQLITE_CANTOPEN:
            return StoreError(f"store {self.location}: cannot open it ({exc})",
                              code="store-unreachable")
        return StoreError(f"store {self.location}: {doing} ({exc})" if doing
                          else f"store {self.location}: {exc}")


def _check_file(path: str, create: bool) -> None:
    """Refuse a path that is a folder, a file that is not a SQLite database, or, without
    ``create``, a path where there is nothing: before SQLite opens (or creates) it.

    Raises:
        StoreError: ``store-missing`` or ``store-not-footcore``.
    """
    if path == ":memory:":
        return
    try:
        with open(path, "rb") as handle:
            start = handle.read(len(SQLITE_HEADER))
    except FileNotFoundError:
        if create:
            return
        raise StoreError(f"store {path}: no such file; footcore store init {path} creates "
                         f"a store there", code="store-missing") from None
    except IsADirectoryError:
        raise StoreError(f"store {path}: is a folder; expected a SQLite file",
                         code="store-not-footcore") from None
    except OSError as exc:
        raise StoreError(f"store {path}: cannot read it ({exc})") from None
    if start and start != SQLITE_HEADER:
        raise StoreError(f"store {path}: not a footcore store (not a SQLite database)",
                         code="store-not-footcore")
