"""Damaged storage is reported, never raised raw: a full disk, damaged rows, a dropped
PostgreSQL connection. Each gives a StoreError naming the athlete (and the record), verify
reports the damage without raising, and a retry after the fault records a check-in once."""

from __future__ import annotations

import multiprocessing
import resource
import signal
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

import footcore as fc
from footcore import Engine
from store_worker import START, checkins

# ---------------------------------------------------------------- a full disk


def _fill_the_disk(path: str, room: int) -> tuple[list[str], str, str, str]:
    """In a child process: check in until the files may grow no more than ``room`` bytes,
    then give the disk room again and retry the check-in that failed. Returns the ids
    acknowledged before the fault, the failed id, the error's code and its message."""
    engine = fc.Engine(backend="native")
    plan = checkins("a-1", 400)
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails, EFBIG
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    acknowledged: list[str] = []
    with fc.open_store(path) as store:
        largest = max(p.stat().st_size for p in Path(path).parent.iterdir())
        resource.setrlimit(resource.RLIMIT_FSIZE, (largest + room, hard))
        try:
            for checkin in plan:
                store.check_in(engine, "a-1", checkin)
                acknowledged.append(str(checkin.id))
        except fc.StoreError as exc:
            failed, code, message = str(checkin.id), exc.code, str(exc)
        else:
            raise AssertionError("the disk never filled")
        finally:
            resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))  # room again
        again = store.check_in(engine, "a-1", checkin)
        assert again.checkin == checkin
    return acknowledged, failed, code, message


def test_a_full_disk_is_a_store_io_error_and_the_retry_records_once(
        tmp_path: Path, engine: Engine) -> None:
    """The disk fills up under a running store. A real full disk needs a small file
    system (mounting one needs root); instead the child process's file size limit
    (RLIMIT_FSIZE, SIGXFSZ ignored) makes the kernel refuse the write that would grow a file
    past it, with EFBIG, as a full disk refuses one with ENOSPC: SQLite's write of its log
    fails at the commit, SQLite rolls the transaction back itself, and the store's own
    ROLLBACK then had none to roll back ("cannot rollback - no transaction is active")."""
    path = tmp_path / "footcore.db"
    with fc.open_store(path) as store:
        store.add_athlete(engine.new_athlete("a-1", goal=fc.Goal.RUNNER, start=START))
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(1, mp_context=spawn) as pool:
        acknowledged, failed, code, message = pool.submit(
            _fill_the_disk, str(path), 100_000).result(timeout=300)
    assert code == "store-io", message
    record = len(acknowledged) + 1
    assert f"athlete 'a-1', record {record}: the disk is full" in message
    with fc.open_store(path) as store:
        assert store.verify().ok
        # Nothing acknowledged was lost, and the retry recorded the failed check-in once.
        assert [d.checkin.id for d in store.decisions("a-1")] == [*acknowledged, failed]


def test_a_database_at_its_size_limit_is_a_store_io_error(tmp_path: Path,
                                                          engine: Engine) -> None:
    """SQLite's own "database or disk is full" (SQLITE_FULL), from a page limit set on the
    store's connection: the code a full disk gives when SQLite runs out of room itself."""
    plan = checkins("a-1", 50)
    with fc.open_store(tmp_path / "footcore.db") as store:
        store.add_athlete(engine.new_athlete("a-1", goal=fc.Goal.RUNNER, start=START))
        conn = store._conn  # type: ignore[attr-defined]
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        conn.execute(f"PRAGMA max_page_count = {pages + 2}")
        with pytest.raises(fc.StoreError) as caught:
            for checkin in plan:
                store.check_in(engine, "a-1", checkin)
        assert caught.value.code == "store-io"
        assert "athlete 'a-1', record " in str(caught.value)
        conn.execute("PRAGMA max_page_count = 1000000")
        recorded = len(store.decisions("a-1"))
        for checkin in plan[recorded:recorded + 2]:
            store.check_in(engine, "a-1", checkin)
        assert len(store.decisions("a-1")) == recorded + 2 and store.verify().ok
