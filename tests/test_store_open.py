"""Opening a store: only a caller that means to create one does (``create``); a read-only
store for auditors (``readonly``); many processes opening a new SQLite file at once."""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

import footcore as fc
import footcore.store
from footcore import Engine
from permissions import as_an_ordinary_user
from store_worker import START, checkins

SQLITE_HEADER = b"SQLite format 3\x00"


def fill(url: str | Path, engine: Engine, athlete: str = "a-1", count: int = 3) -> None:
    with fc.open_store(url) as store:
        store.add_athlete(engine.new_athlete(athlete, goal=fc.Goal.RUNNER, start=START))
        for checkin in checkins(athlete, count):
            store.check_in(engine, athlete, checkin)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ---------------------------------------------------------------- create or not


def test_an_empty_path_is_refused() -> None:
    """``open_store("")`` opened SQLite's temporary database."""
    with pytest.raises(fc.InputError, match="url_or_path: empty") as err:
        fc.open_store("")
    assert err.value.code == "invalid-input"
    with pytest.raises(fc.InputError, match="path: empty"):
        fc.store.SQLiteStore("")
    with pytest.raises(fc.InputError, match="create: got 'no'"):
        fc.open_store("x.db", create="no")  # type: ignore[arg-type]


def test_a_store_in_memory_still_opens(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                       engine: Engine) -> None:
    """``":memory:"`` is SQLite's database in memory, as it was: no file of that name."""
    monkeypatch.chdir(tmp_path)
    fill(":memory:", engine)
    assert list(tmp_path.iterdir()) == []


def test_a_path_with_characters_a_uri_reserves_opens(tmp_path: Path, engine: Engine) -> None:
    """Stores are opened through SQLite URIs: ``?``, ``#``, ``%`` and spaces in a path
    are the file's name, not parts of the URI."""
    path = tmp_path / "a ?b#c%20d.db"
    fill(path, engine)
    with fc.open_store(path, readonly=True) as store:
        assert store.verify().records == 3
    names = {p.name for p in tmp_path.iterdir()}
    assert path.name in names
    assert names <= {path.name + end for end in ("", "-lock", "-wal", "-shm")}


def test_without_create_a_missing_store_is_refused_and_nothing_is_made(
        store_url: str) -> None:
    """A SQLite path with nothing there is ``store-missing`` and stays absent (no database,
    no lock file); a PostgreSQL database without footcore's tables is not a store, and
    none is created in it."""
    for options in ({"create": False}, {"readonly": True}, {"create": True, "readonly": True}):
        with pytest.raises(fc.store.StoreError) as err:
            fc.open_store(store_url, **options)
        if store_url.startswith("postgresql://"):
            assert err.value.code == "store-not-footcore"
            assert "footcore store init creates one" in str(err.value)
        else:
            assert err.value.code == "store-missing"
            assert f"store {store_url}: no such file" in str(err.value)
            assert not list(Path(store_url).parent.glob("*"))
    with fc.open_store(store_url) as store:  # the default creates, as it always did
        assert store.created and store.athletes() == ()
    with fc.open_store(store_url, create=False) as store:
        assert not store.created and store.verify().ok


def test_without_create_a_database_of_another_kind_is_left_byte_for_byte(
        tmp_path: Path) -> None:
    """An empty file, another program's SQLite database and a text file are refused as
    not footcore stores, and not written to (no tables, no WAL switch)."""
    import sqlite3
    from contextlib import closing

    other, empty, text = tmp_path / "app.db", tmp_path / "empty.db", tmp_path / "notes.txt"
    with closing(sqlite3.connect(other)) as conn:
        conn.execute("CREATE TABLE notes (body TEXT)")
        conn.commit()
    empty.write_bytes(b"")
    text.write_text('{"decision": {}}\n')
    for path in (other, empty, text):
        before = digest(path)
        for options in ({"create": False}, {"readonly": True}):
            with pytest.raises(fc.store.StoreError) as err:
                fc.open_store(path, **options)
            assert err.value.code == "store-not-footcore", err.value
            assert digest(path) == before
    with pytest.raises(fc.store.StoreError) as err:
        fc.open_store(tmp_path, create=False)
    assert err.value.code == "store-not-footcore" and "is a folder" in str(err.value)


def test_creating_says_so_once(store_url: str, engine: Engine) -> None:
    with fc.open_store(store_url, create=True) as store:
        assert store.created
    fill(store_url, engine)
    with fc.open_store(store_url, create=True) as store:
        assert not store.created and store.athletes() == ("a-1",)


# ---------------------------------------------------------------- read-only


def test_a_readonly_store_reads_everything_and_writes_nothing(
        store_url: str, engine: Engine, tmp_path: Path) -> None:
    """verify, state, history, decisions, histories, replay and export work; every write
    raises ``store-readonly``; on SQLite the database file is byte for byte as it was and
    no lock file is made beside it."""
    fill(store_url, engine)
    sqlite = not store_url.startswith("postgresql://")
    if sqlite:
        Path(f"{store_url}-lock").unlink()
        before = digest(Path(store_url))
    with fc.open_store(store_url, readonly=True) as store:
        assert store.readonly and not store.created
        assert store.verify().ok and store.verify().records == 3
        assert store.state("a-1").last_checkin_on is not None
        assert len(store.history("a-1")) == len(store.decisions("a-1")) == 3
        assert len(list(store.histories())) == 1
        assert store.replay(engine).ok
        assert store.export_jsonl(tmp_path / "out.jsonl") == 3
        new = engine.new_athlete("a-2", goal=fc.Goal.RUNNER, start=START)
        later = fc.CheckIn(on=date(2027, 1, 1), completed=True, minutes=17, id="later")
        writes = [lambda: store.add_athlete(new),
                  lambda: store.check_in(engine, "a-1", later),
                  lambda: store.import_jsonl(tmp_path / "out.jsonl")]
        for write in writes:
            with pytest.raises(fc.store.StoreError) as err:
                write()
            assert err.value.code == "store-readonly", err.value
            assert "opened read-only" in str(err.value)
        if not sqlite:  # the server itself refuses a write in the session
            with pytest.raises(fc.store.StoreError) as err, store._single() as tx:
                tx.run("DELETE FROM footcore_checkpoints")
            assert err.value.code == "store-readonly"
        assert store.state("a-1") == store.decisions("a-1")[-1].state
    if sqlite:
        assert digest(Path(store_url)) == before
        assert not Path(f"{store_url}-lock").exists()
    with fc.open_store(store_url, create=False) as store:
        assert store.athletes() == ("a-1",) and store.verify().records == 3


def test_a_readonly_store_refuses_signing(store_url: str, engine: Engine) -> None:
    pytest.importorskip("cryptography")
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    fill(store_url, engine)
    with fc.open_store(store_url, readonly=True) as store, \
            pytest.raises(fc.store.StoreError) as err:
        store.checkpoint(Ed25519PrivateKey.generate())
    assert err.value.code == "store-readonly"


_CHILD = """
import json, sys
import footcore as fc
import footcore.store
out = {}
for readonly in (False, True):
    try:
        with fc.open_store(sys.argv[1], readonly=readonly) as store:
            report = store.verify()
            out[str(readonly)] = [report.ok, report.records, store.athletes()]
            try:
                store.add_athlete(store.state("a-1"))
            except fc.FootcoreError as exc:
                out[str(readonly)].append(exc.code)
    except fc.store.StoreError as exc:
        out[str(readonly)] = exc.code
print(json.dumps(out))
"""


@pytest.fixture
def readonly_folder(tmp_path: Path, engine: Engine) -> Iterator[Path]:
    """A store with 3 records, its file 0444, in a folder 0555 (given back 0755 after)."""
    folder = tmp_path / "ro"
    folder.mkdir()
    db = folder / "footcore.db"
    fill(db, engine)
    db.chmod(0o444)
    folder.chmod(0o555)
    try:
        yield db
    finally:
        folder.chmod(0o755)
        db.chmod(0o644)


@pytest.mark.parametrize("folder_writable", [False, True])
def test_a_read_only_database_file_can_be_verified(
        readonly_folder: Path, folder_writable: bool) -> None:
    """The issue's case: a database file the auditor may not write (0444), in a folder they
    may or may not write. The tests run as root, whom permissions do not bind, so the
    child that opens the store gives up root's power over files first (see
    ``permissions.as_an_ordinary_user``). Opened writable in a read-only folder, the store cannot be
    opened at all (``store-readonly``: SQLite cannot put its WAL index there); opened
    ``readonly=True`` it verifies, whether SQLite can put that index beside the file (a
    writable folder) or not (opened immutable: no writer can work in that folder either).
    Writes raise ``store-readonly`` either way. The CLI's reading commands open stores
    read-only (see test_cli_store.py), so ``footcore store verify`` works here too."""
    db = readonly_folder
    if folder_writable:
        db.parent.chmod(0o755)
    before = digest(db)
    done = subprocess.run([sys.executable, "-c", _CHILD, str(db)], capture_output=True,
                          text=True, timeout=120, preexec_fn=as_an_ordinary_user,
                          check=False)
    assert done.returncode == 0, done.stderr
    readable = [True, 3, ["a-1"], "store-readonly"]
    assert json.loads(done.stdout) == {"False": readable if folder_writable
                                       else "store-readonly", "True": readable}
    cli = subprocess.run([sys.executable, "-m", "footcore", "store", "verify", str(db)],
                         capture_output=True, text=True, timeout=120,
                         preexec_fn=as_an_ordinary_user, check=False)
    assert cli.returncode == 0 and "chains intact" in cli.stdout, cli.stderr
    assert digest(db) == before


# ---------------------------------------------------------------- concurrent first opens


def _open_in_rounds(folder: str, rounds: int, barrier: object, failures: object) -> None:
    for number in range(rounds):
        barrier.wait()  # type: ignore[attr-defined]
        try:
            fc.open_store(Path(folder) / f"s{number}.db").close()
        except fc.FootcoreError as exc:
            failures.put(f"round {number}: {exc}")  # type: ignore[attr-defined]


def test_processes_opening_a_new_store_at_the_same_instant_all_succeed(
        tmp_path: Path) -> None:
    """4 processes open a new SQLite file at the same instant, 60 times over. Before the
    first opens took turns on the lock file, about 1 open in 40 failed at once with
    "database is locked" (so 240 opens all succeeding was about a 0.2% chance)."""
    processes, rounds = 4, 60
    context = multiprocessing.get_context("spawn")  # fork in a threaded xdist worker can hang
    barrier, failures = context.Barrier(processes), context.Queue()
    workers = [context.Process(target=_open_in_rounds,
                               args=(str(tmp_path), rounds, barrier, failures))
               for _ in range(processes)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=600)
    assert [worker.exitcode for worker in workers] == [0] * processes
    found = []
    while not failures.empty():
        found.append(failures.get())
    assert found == []
    for number in range(rounds):
        path = tmp_path / f"s{number}.db"
        assert path.read_bytes()[:16] == SQLITE_HEADER
        with fc.open_store(path, readonly=True) as store:
            assert store.verify().ok and store.athletes() == ()
