"""Damaged storage is reported, never raised raw: a full disk, damaged rows, a dropped
PostgreSQL connection. Each gives a StoreError naming the athlete (and the record), verify
reports the damage without raising, and a retry after the fault records a check-in once."""

from __future__ import annotations

import contextlib
import itertools
import json
import multiprocessing
import re
import resource
import shutil
import signal
import subprocess
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, reject, settings
from hypothesis import strategies as st

import footcore as fc
import footcore.audit
import footcore.store
from conftest import new_database
from footcore import Engine
from rerun import examples
from store_worker import START, checkins
from test_store import KEY, fill, kinds, sql

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
        except fc.store.StoreError as exc:
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
        with pytest.raises(fc.store.StoreError) as caught:
            for checkin in plan:
                store.check_in(engine, "a-1", checkin)
        assert caught.value.code == "store-io"
        assert "athlete 'a-1', record " in str(caught.value)
        conn.execute("PRAGMA max_page_count = 1000000")
        recorded = len(store.decisions("a-1"))
        for checkin in plan[recorded:recorded + 2]:
            store.check_in(engine, "a-1", checkin)
        assert len(store.decisions("a-1")) == recorded + 2 and store.verify().ok


@contextlib.contextmanager
def read_only_view(folder: Path) -> Iterator[Path]:
    """``folder`` seen through a read-only bind mount, as a store on a disk mounted
    read-only is (the tests run as root, who may mount; root's power over file modes does
    not reach past a read-only mount)."""
    view = folder.parent / f"{folder.name}-read-only"
    view.mkdir()
    subprocess.run(["mount", "--bind", str(folder), str(view)], check=True)
    try:
        subprocess.run(["mount", "-o", "remount,bind,ro", str(view)], check=True)
        yield view
    finally:
        subprocess.run(["umount", str(view)], check=True)


def test_a_store_on_a_read_only_disk_is_refused_writes_and_read_with_readonly(
        tmp_path: Path, engine: Engine) -> None:
    folder = tmp_path / "disk"
    folder.mkdir()
    with fc.open_store(folder / "footcore.db") as store:
        made = fill(store, engine, {"a-1": 3})["a-1"]
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    with read_only_view(folder) as view:
        with pytest.raises(fc.store.StoreError) as caught:
            fc.open_store(view / "footcore.db")
        assert caught.value.code == "store-readonly" and "readonly=True" in str(caught.value)
        with fc.open_store(view / "footcore.db", readonly=True) as store:
            assert store.verify().ok and store.decisions("a-1") == tuple(made)
            with pytest.raises(fc.store.StoreError) as caught:
                store.check_in(engine, "a-1", checkins("a-1", 4)[3])
            assert caught.value.code == "store-readonly"
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before


def test_a_damaged_schema_that_sqlite_reports_in_bytes_is_store_damaged(
        tmp_path: Path, engine: Engine) -> None:
    """SQLite names the damaged part of its schema in its message, bytes of the file that
    may not be UTF-8; the sqlite3 module then raises UnicodeDecodeError instead of its own
    error (found by benchmarks/fuzz.py). Every command over such a file says it is damaged."""
    path = tmp_path / "footcore.db"
    with fc.open_store(path) as store:
        fill(store, engine, {"a-1": 2})
    data = bytearray(path.read_bytes())
    data[data.index(b"CREATE TABLE footcore_plans") + 3] = 0x94
    path.write_bytes(bytes(data))
    for readonly in (True, False):
        with pytest.raises(fc.store.StoreError) as caught:
            fc.open_store(path, readonly=readonly)
        assert caught.value.code == "store-damaged"


def test_a_checkpoint_refuses_to_sign_a_damaged_head(store_url: str, engine: Engine,
                                                     tmp_path: Path) -> None:
    """Found by benchmarks/fuzz.py: a text where the record count belongs made checkpoint
    raise TypeError. Signing a damaged row would anchor the damage, so it is refused."""
    damage = [("head", "x" * 64)]
    if not store_url.startswith("postgresql"):  # SQLite keeps a text in an integer column
        damage.append(("records", "many"))
    for column, value in damage:
        url = store_url if store_url.startswith("postgresql") else str(tmp_path / f"{column}.db")
        with fc.open_store(url) as store:
            if not store.athletes():
                fill(store, engine, {"a-1": 2})
            before = sql(url, f"SELECT {column} FROM footcore_athletes")[0][0]
            sql(url, f"UPDATE footcore_athletes SET {column} = ?", value)
            with pytest.raises(fc.store.StoreError) as caught:
                store.checkpoint(KEY)
            assert caught.value.code == "store-damaged" and "'a-1'" in str(caught.value)
            assert sql(url, "SELECT COUNT(*) FROM footcore_checkpoints")[0][0] == 0
            sql(url, f"UPDATE footcore_athletes SET {column} = ?", before)


# ---------------------------------------------------------------- damaged rows

DEEP = "[" * 100_000 + "]" * 100_000
HUGE = "9" * 5000


def _swapped(text: str, old: str, new: str) -> str:
    assert old in text
    return text.replace(old, new, 1)


# How a decision's stored text is damaged: not JSON, nested deep, a value of the wrong
# type, a number too large to read.
DAMAGE = {
    "invalid JSON": lambda text: text[: len(text) // 2],
    "deep nesting": lambda text: DEEP,
    "wrong type": lambda text: _swapped(text, '"minutes":17', '"minutes":"17"'),
    "huge number": lambda text: _swapped(text, '"minutes":17', f'"minutes":{HUGE}'),
    "not an object": lambda text: "[1, 2]",
}


@pytest.fixture
def small(store_url: str, engine: Engine) -> str:
    """A store with two athletes: a-1 with 4 decisions, a-2 with 2."""
    with fc.open_store(store_url) as store:
        fill(store, engine, {"a-1": 4, "a-2": 2})
    return store_url


def reads(store: fc.store.Store, engine: Engine, tmp_path: Path) -> dict[str, Callable[[], object]]:
    """Every call that reads a-1's records back."""
    return {
        "decisions": lambda: store.decisions("a-1"),
        "history": lambda: store.history("a-1"),
        "replay": lambda: store.replay(engine),
        "export": lambda: store.export_jsonl(tmp_path / "export.jsonl"),
        "retry": lambda: store.check_in(engine, "a-1", checkins("a-1", 4)[2]),
    }


@pytest.mark.parametrize("damage", DAMAGE)
def test_a_damaged_decision_is_a_store_error_naming_its_record_and_verify_reports_it(
        small: str, engine: Engine, tmp_path: Path, damage: str) -> None:
    text = sql(small, "SELECT unpacked(decision) FROM footcore_decisions "
                      "WHERE athlete_id = 'a-1' AND seq = 2")[0][0]
    sql(small, "UPDATE footcore_decisions SET decision = ? WHERE athlete_id = 'a-1' AND "
               "seq = 2", DAMAGE[damage](text))
    with fc.open_store(small) as store:
        report = store.verify()
        assert ("damaged", "a-1", 2) in kinds(report) or ("edited", "a-1", 2) in kinds(report)
        assert not report.ok
        for name, call in reads(store, engine, tmp_path).items():
            with pytest.raises(fc.store.StoreError) as caught:
                call()
            assert caught.value.code == "store-damaged", name
            if name != "export":  # export refuses with the verification's report
                assert "athlete 'a-1', record 3: damaged" in str(caught.value), name
        # Histories are JSON data for impact, which reads each check-in as a model: JSON
        # that does not read is damage here, a field of the wrong type an error there.
        with pytest.raises((fc.store.StoreError, fc.InputError),
                           match=r"athlete '?a-1'?(, record 3: damaged|: checkins\[2\])"):
            [history.load() for history in store.histories()]
        assert len(store.decisions("a-2")) == 2  # other athletes read on


@pytest.mark.parametrize("damage", DAMAGE)
def test_a_damaged_state_is_a_store_error_naming_the_athlete(
        small: str, engine: Engine, damage: str) -> None:
    text = sql(small, "SELECT state FROM footcore_athletes WHERE athlete_id = 'a-1'")[0][0]
    if damage in ("wrong type", "huge number"):
        text = text.replace('"paused":false', '"paused":false,"minutes":17')
    sql(small, "UPDATE footcore_athletes SET state = ? WHERE athlete_id = 'a-1'",
        DAMAGE[damage](text))
    with fc.open_store(small) as store:
        assert ("state", "a-1", None) in kinds(store.verify())
        for call in (lambda: store.state("a-1"),
                     lambda: store.check_in(engine, "a-1", checkins("a-1", 5)[4])):
            with pytest.raises(fc.store.StoreError, match="athlete 'a-1': damaged") as caught:
                call()
            assert caught.value.code == "store-damaged"
        assert len(store.decisions("a-1")) == 4


def test_a_record_missing_in_the_middle_is_damage_not_a_shorter_history(
        small: str, engine: Engine) -> None:
    sql(small, "DELETE FROM footcore_decisions WHERE athlete_id = 'a-1' AND seq = 1")
    with fc.open_store(small) as store:
        for call in (lambda: store.decisions("a-1"), lambda: list(store.histories())):
            with pytest.raises(fc.store.StoreError, match="athlete 'a-1', record 2: damaged: the "
                                                          "record is missing"):
                call()


def test_a_missing_plan_is_damage_not_a_missing_decision(small: str) -> None:
    """The plans are joined to the decisions: a deleted plan once made its decisions
    vanish from ``decisions`` without a word."""
    plan = sql(small, "SELECT plan FROM footcore_decisions WHERE athlete_id = 'a-2' "
                      "AND seq = 1")[0][0]
    if small.startswith("postgresql://"):
        sql(small, "ALTER TABLE footcore_decisions DROP CONSTRAINT "
                   "footcore_decisions_plan_fkey")
    sql(small, "DELETE FROM footcore_plans WHERE hash = ?", plan)
    with fc.open_store(small) as store:
        with pytest.raises(fc.store.StoreError, match=r"athlete 'a-2', record \d: damaged: "
                                                      "the plan it names is missing"):
            store.decisions("a-2")
        assert not store.verify().ok


def test_the_report_command_says_the_store_is_damaged(small: str, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]
                                                      ) -> None:
    sql(small, "UPDATE footcore_decisions SET decision = ? WHERE athlete_id = 'a-1' AND "
               "seq = 0", DEEP)
    from footcore._cli import main

    assert main(["report", small, "a-1", "--out", str(tmp_path / "page")]) != 0
    err = capsys.readouterr().err
    assert "athlete 'a-1', record 1: damaged" in err and "Traceback" not in err


# ---------------------------------------------------------------- a dropped connection


@pytest.fixture
def pg_url(pg_server: str) -> str:
    return new_database(pg_server)


def drop_connections(url: str) -> int:
    """End every other session on the store's database, as an administrator (or a server
    restart) would; how many were ended."""
    return sum(ended for (ended,) in sql(
        url, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
             "WHERE datname = current_database() AND pid <> pg_backend_pid()"))


def test_after_a_dropped_connection_the_store_connects_again(pg_url: str,
                                                             engine: Engine) -> None:
    with fc.open_store(pg_url) as store:
        fill(store, engine, {"a-1": 1})
        assert drop_connections(pg_url) == 1
        with pytest.raises(fc.store.StoreError,
                           match="athlete 'a-1': the connection dropped") as caught:
            store.state("a-1")
        assert caught.value.code == "store-unreachable"
        assert store.state("a-1") == store.decisions("a-1")[-1].state


def test_a_check_in_that_met_a_dropped_connection_is_recorded_once_on_retry(
        pg_url: str, engine: Engine) -> None:
    plan = checkins("a-1", 4)
    with fc.open_store(pg_url) as store:
        fill(store, engine, {"a-1": 1})
        drop_connections(pg_url)
        with pytest.raises(fc.store.StoreError, match="athlete 'a-1'") as caught:
            store.check_in(engine, "a-1", plan[1])
        assert caught.value.code == "store-unreachable"
        first = store.check_in(engine, "a-1", plan[1])  # the retry goes through
        drop_connections(pg_url)
        # Acknowledged, then the connection dropped: the retry gets the stored decision.
        with pytest.raises(fc.store.StoreError):
            store.check_in(engine, "a-1", plan[1])
        assert store.check_in(engine, "a-1", plan[1]) == first
        store.check_in(engine, "a-1", plan[2])
        assert [d.checkin.id for d in store.decisions("a-1")] == [c.id for c in plan[:3]]
        assert store.verify().ok


# ---------------------------------------------------------------- what verify reports


@pytest.mark.parametrize("deleted", [[2], [1], [2, 3]])
def test_a_checkpoint_deleted_from_the_sequence_is_reported(small: str,
                                                            deleted: list[int]) -> None:
    with fc.open_store(small) as store:
        for _ in range(4):
            store.checkpoint(KEY)
    for number in deleted:
        sql(small, "DELETE FROM footcore_checkpoints WHERE number = ?", number)
    gap = (f"checkpoint {deleted[0]} is missing" if len(deleted) == 1
           else f"checkpoints {deleted[0]}-{deleted[-1]} are missing")
    with fc.open_store(small) as store:
        for key in (None, KEY.public_key()):
            report = store.verify(public_key=key)
            assert kinds(report) == [("checkpoint", None, None)]
            assert f"{gap}: the checkpoints go on at {deleted[-1] + 1}" in str(report)


def _log_with(tmp_path: Path, engine: Engine, middle: object) -> Path:
    """A log of three records whose second one's decision is ``middle``, every hash
    computed as footcore computes it: intact as far as the chain goes."""
    from footcore._audit_records import GENESIS, _encode, _hash

    state, decisions = engine.new_athlete("a-1", goal=fc.Goal.RUNNER, start=START), []
    for checkin in checkins("a-1", 3):
        decisions.append(engine.evaluate(state, checkin))
        state = decisions[-1].state
    data = [json.loads(fc.to_json(d)) for d in decisions]
    data[1] = middle
    lines, prev = [], GENESIS
    for seq, decision in enumerate(data):
        digest = _hash(seq, prev, decision)
        lines.append(_encode({"decision": decision, "hash": digest, "prev": prev,
                              "seq": seq}) + b"\n")
        prev = digest
    path = tmp_path / "log.jsonl"
    path.write_bytes(b"".join(lines))
    return path


@pytest.mark.parametrize(("middle", "why"), [
    ({}, "lacks action, state, plan"),
    ({"decision": 1}, "has unknown field(s) decision"),
    ("state", "is not a JSON dict"),
    ("firings", "firings is not a JSON list"),
    ("athlete", "its states name no athlete"),
])
def test_verify_log_reports_a_record_whose_decision_is_not_a_decision(
        tmp_path: Path, engine: Engine, middle: object, why: str) -> None:
    good = json.loads(fc.to_json(engine.evaluate(
        engine.new_athlete("a-1", goal=fc.Goal.RUNNER, start=START), checkins("a-1", 1)[0])))
    if middle == "state":
        middle = good | {"state": []}
    elif middle == "firings":
        middle = good | {"firings": {}}
    elif middle == "athlete":
        middle = good | {"prior_state": good["prior_state"] | {"athlete_id": 7}}
    path = _log_with(tmp_path, engine, middle)
    report = fc.audit.verify_log(path)
    assert [(p.kind, p.line, p.seq) for p in report.problems] == [("invalid", 2, 1)]
    assert why in str(report) and "its decision is not a decision" in str(report)
    with pytest.raises(fc.audit.AuditLogError):
        fc.audit.AuditLog(path).append(engine.evaluate(
            engine.new_athlete("a-2", goal=fc.Goal.RUNNER, start=START), checkins("a-2", 1)[0]))


# ---------------------------------------------------------------- any damage, any read

# Each table's columns, its key, and the columns PostgreSQL lets an UPDATE change (the
# others are referenced by a foreign key); on SQLite every column can be damaged.
TABLES = {
    "footcore_athletes": (("athlete_id", "state", "records", "head"), ("athlete_id",)),
    "footcore_decisions": (("athlete_id", "seq", "prev", "hash", "checkin_id", "plan",
                            "prior_plan", "decision"), ("athlete_id", "seq")),
    "footcore_plans": (("hash", "plan"), ("hash",)),
    "footcore_checkpoints": (("number", "body", "signature"), ("number",)),
    "footcore_rulebooks": (("digest", "rulebook"), ("digest",)),
}
PG_FIXED = {("footcore_athletes", "athlete_id"), ("footcore_plans", "hash"),
            ("footcore_decisions", "athlete_id")}
PG_INTEGERS = {"records", "seq", "number"}
_copies = itertools.count()


@st.composite
def damaged_text(draw: st.DrawFn, text: str) -> str:
    """A stored text damaged: cut, a character changed, a JSON value swapped for one of
    another type, nested deep or a huge number, or other text entirely."""
    how = draw(st.sampled_from(["cut", "character", "value", "other"]))
    if how == "cut" and text:
        return text[:draw(st.integers(0, len(text) - 1))]
    if how == "character" and text:
        at = draw(st.integers(0, len(text) - 1))
        return text[:at] + draw(st.characters(codec="utf-8")) + text[at + 1:]
    if how == "value":
        # Swap the value of one key (each key of the text in turn is a candidate).
        keys = [m.end() for m in re.finditer(r'"[a-z_]+":', text)]
        if keys:
            at = draw(st.sampled_from(keys))
            end = _value_end(text, at)
            raw = draw(st.sampled_from([DEEP, HUGE, '"x"', "[]", "{}", "null", "true",
                                        "-1", "1e308", "0.5"]))
            return text[:at] + raw + text[end:]
    return draw(st.one_of(st.sampled_from([DEEP, HUGE, "{}", "[]", "null", '"x"']),
                          st.text(max_size=50)))


def _value_end(text: str, start: int) -> int:
    """Where the JSON value starting at ``start`` ends."""
    depth, inside, escaped = 0, False, False
    for at in range(start, len(text)):
        char = text[at]
        if inside:
            escaped, inside = (not escaped and char == "\\"), inside and (escaped or char != '"')
            continue
        if char == '"':
            inside = True
        elif char in "[{":
            depth += 1
        elif char in "]}":
            if depth == 0:
                return at
            depth -= 1
        elif char == "," and depth == 0:
            return at
    return len(text)


def _damage(draw: st.DrawFn, original: object, column: str, postgres: bool) -> object:
    if postgres and column in PG_INTEGERS:
        return draw(st.integers(-(2**31), 2**31 - 1))
    text = damaged_text(original) if isinstance(original, str) else st.text(max_size=20)
    if postgres:
        return draw(text)
    return draw(st.one_of(text, st.none(), st.integers(), st.binary(max_size=20),
                          st.floats(allow_nan=False)))


def every_read(store: fc.store.Store, engine: Engine, tmp_path: Path) -> None:
    """Call every reading method; each may raise a StoreError (or NotFound, for an
    athlete whose id was damaged), nothing else. Histories go on to impact, which reads
    each check-in as a model and may find one invalid (InputError)."""
    calls: list[Callable[[], object]] = [store.athletes, lambda: store.replay(engine),
                                         lambda: store.reproduce(backend="native"),
                                         store.rulebooks,
                                         lambda: store.export_jsonl(tmp_path / "out.jsonl")]
    for name in ("a-1", "a-2"):
        calls += [lambda name=name: store.state(name),
                  lambda name=name: store.decisions(name),
                  lambda name=name: store.history(name)]
    for call in calls:
        with contextlib.suppress(fc.store.StoreError, fc.NotFound):
            call()
    with contextlib.suppress(fc.store.StoreError, fc.InputError):
        [history.load() for history in store.histories()]


@pytest.fixture
def damageable(store_url: str, engine: Engine) -> str:
    """A store with records before and after two signed checkpoints."""
    with fc.open_store(store_url) as store:
        fill(store, engine, {"a-1": 3, "a-2": 2})
        store.checkpoint(KEY)
        for checkin in checkins("a-1", 5)[3:]:
            store.check_in(engine, "a-1", checkin)
        store.checkpoint(KEY)
    return store_url


# The reruns try a quarter as many damages: which byte is damaged is Hypothesis's draw, alike
# on any interpreter; each rerun shows the store's readers report a sample of them alike.
@settings(max_examples=examples(60, rerun=15), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_any_damage_to_any_column_is_reported_and_never_raised_raw(
        damageable: str, engine: Engine, tmp_path: Path, data: st.DataObject) -> None:
    postgres = damageable.startswith("postgresql://")
    table = data.draw(st.sampled_from(sorted(TABLES)), label="table")
    columns, key = TABLES[table]
    column = data.draw(st.sampled_from([c for c in columns
                                        if not (postgres and (table, c) in PG_FIXED)]),
                       label="column")
    rows = sql(damageable, f"SELECT {', '.join(key)}, {column} FROM {table} "
                           f"ORDER BY {', '.join(key)}")
    *where, original = data.draw(st.sampled_from(rows), label="row")
    value = _damage(data.draw, original, column, postgres)
    url = damageable
    if not postgres:  # damage a copy: any column, any type
        url = str(tmp_path / f"copy-{next(_copies)}.db")
        shutil.copy(damageable, url)
    match = " AND ".join(f"{k} = ?" for k in key)
    try:
        sql(url, f"UPDATE {table} SET {column} = ? WHERE {match}", value, *where)
    except Exception:  # a constraint refused it: not damage the database lets happen
        reject()
    after = [value if k == column else w for k, w in zip(key, where, strict=True)]
    now = sql(url, f"SELECT {column} FROM {table} WHERE {match}", *after)
    try:
        assume(now and now[0][0] != original)
        with fc.open_store(url) as store:
            report = store.verify(public_key=KEY.public_key())
            assert not report.ok, (table, column, value)
            every_read(store, engine, tmp_path)
    finally:
        if postgres:
            sql(url, f"UPDATE {table} SET {column} = ? WHERE {match}", original, *after)


@pytest.mark.parametrize(("table", "column"), [("footcore_decisions", "decision"),
                                               ("footcore_athletes", "state"),
                                               ("footcore_plans", "plan")])
def test_text_that_is_not_utf8_is_reported_not_a_failed_query(
        tmp_path: Path, engine: Engine, table: str, column: str) -> None:
    """SQLite keeps whatever bytes a TEXT value is given; reading ones that are not UTF-8
    failed the whole query, verify's included."""
    path = str(tmp_path / "footcore.db")
    with fc.open_store(path) as store:
        fill(store, engine, {"a-1": 2})
    sql(path, f"UPDATE {table} SET {column} = CAST(? AS TEXT)", b'{"\xff')
    with fc.open_store(path) as store:
        assert not store.verify().ok
        read = store.state if column == "state" else store.decisions
        with pytest.raises(fc.store.StoreError, match=r"athlete 'a-1'.*: damaged") as caught:
            read("a-1")
        assert caught.value.code == "store-damaged"
