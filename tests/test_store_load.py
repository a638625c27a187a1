"""Store.load_histories, the bulk path into a store: what it writes is, row for row and hash
for hash, what adding each athlete and recording their check-ins and changes one at a time
writes (on SQLite here, on PostgreSQL once), in chunks of any size; and what it refuses."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

import attrs
import pytest

import footcore as fc
import footcore.impact
import footcore.store
from footcore import Engine
from footcore._rulebook_loading import assemble
from store_worker import START, checkins

TABLES = ("SELECT athlete_id, state, records, head FROM footcore_athletes ORDER BY athlete_id",
          "SELECT * FROM footcore_decisions ORDER BY athlete_id, seq",
          "SELECT hash, plan FROM footcore_plans ORDER BY hash",
          "SELECT digest, rulebook FROM footcore_rulebooks ORDER BY digest")


def rows(url: str) -> list[list[tuple[Any, ...]]]:
    """Every table a load writes, as the database holds it."""
    if url.startswith("postgresql://"):
        import psycopg

        with psycopg.connect(url, autocommit=True) as conn:
            return [conn.execute(sql).fetchall() for sql in TABLES]
    with closing(sqlite3.connect(url)) as conn:
        return [conn.execute(sql).fetchall() for sql in TABLES]


def one_at_a_time(store: fc.store.Store, engine: Engine) -> list[fc.impact.History]:
    """Athletes added and recorded call by call (check-ins sent by an app, a retry, a goal
    change, an override, one athlete with nothing yet); their histories, as a load takes
    them."""
    histories = []
    for name, count in (("a-1", 14), ("a-2", 9), ("a-3", 0), ("a-4", 12)):
        state = engine.new_athlete(name, goal=fc.Goal.RUNNER, start=START)
        store.add_athlete(state, engine)
        taken, changes = checkins(name, count), []
        for number, checkin in enumerate(taken):
            if name == "a-1" and number == 6:
                made = store.change_goal(engine, name, fc.Goal.STRENGTH, on=checkin.on,
                                         by="athlete", reason="new-sport")
                assert made.change is not None
                changes.append(fc.impact.HistoryChange(number, made.change,
                                                       goal=fc.Goal.STRENGTH))
            if name == "a-2" and number == 4:
                made = store.override(engine, name, on=checkin.on, by="coach:maria",
                                      role="coach", action=fc.Action.HOLD, reason="travel")
                assert made.change is not None
                changes.append(fc.impact.HistoryChange(number, made.change,
                                                       action=fc.Action.HOLD))
            store.check_in(engine, name, checkin, by="app:ios", role="app")
        if name == "a-4":  # a retry: answered from the store, nothing recorded
            store.check_in(engine, name, taken[3], by="app:ios", role="app")
            taken = [*taken, taken[3]]
        histories.append(fc.impact.History.of(state, taken, changes=changes))
    return histories


def same_stores(url: str, other: str, tmp_path: Path) -> None:
    assert rows(url) == rows(other)
    with fc.open_store(url) as one, fc.open_store(other) as two:
        assert one.verify().ok and two.verify().ok
        for name in one.athletes():
            exports = [{**s.export_athlete(name), "source": ""} for s in (one, two)]
            assert exports[0] == exports[1]
        one.export_jsonl(tmp_path / "one.jsonl")
        two.export_jsonl(tmp_path / "two.jsonl")
    assert (tmp_path / "one.jsonl").read_bytes() == (tmp_path / "two.jsonl").read_bytes()


def load(url: str, engine: Engine, histories: list[fc.impact.History],
         chunk: int) -> fc.store.LoadReport:
    with fc.open_store(url) as store:
        return store.load_histories(engine, histories, chunk_athletes=chunk, by="app:ios",
                                    role="app")


def test_a_load_writes_what_check_ins_one_at_a_time_write(engine: Engine,
                                                           tmp_path: Path) -> None:
    single, bulk = str(tmp_path / "single.db"), str(tmp_path / "bulk.db")
    with fc.open_store(single, sync="normal") as store:
        histories = one_at_a_time(store, engine)
    report = load(bulk, engine, histories, 3)
    assert (report.athletes, report.records) == (4, 14 + 1 + 9 + 1 + 12)
    assert str(report) == "loaded 37 records of 4 athletes"
    same_stores(single, bulk, tmp_path)


@pytest.mark.once
def test_a_load_writes_what_check_ins_one_at_a_time_write_on_postgresql(
        engine: Engine, tmp_path: Path, pg_server: str) -> None:
    from conftest import new_database

    single, bulk = new_database(pg_server), new_database(pg_server)
    with fc.open_store(single) as store:
        histories = one_at_a_time(store, engine)
    load(bulk, engine, histories, 2)
    same_stores(single, bulk, tmp_path)


@pytest.mark.once
def test_a_load_after_check_ins_goes_on_beside_them(engine: Engine, tmp_path: Path) -> None:
    """Athletes loaded into a store with others in it, and checked in after the load, end
    as if every record had been made one at a time."""
    single, bulk = str(tmp_path / "single.db"), str(tmp_path / "bulk.db")
    with fc.open_store(single, sync="normal") as store:
        histories = one_at_a_time(store, engine)
        store.check_in(engine, "a-2", checkins("a-2", 10)[-1])
    with fc.open_store(bulk) as store:
        store.add_athlete(engine.new_athlete("b-1", goal=fc.Goal.RUNNER, start=START))
        store.load_histories(engine, histories, by="app:ios", role="app")
        store.check_in(engine, "a-2", checkins("a-2", 10)[-1])
        store.check_in(engine, "b-1", checkins("b-1", 1)[0])
    with fc.open_store(single) as store:
        store.add_athlete(engine.new_athlete("b-1", goal=fc.Goal.RUNNER, start=START))
        store.check_in(engine, "b-1", checkins("b-1", 1)[0])
    same_stores(single, bulk, tmp_path)


# ---------------------------------------------------------------- what a load refuses


def history(engine: Engine, name: str, count: int, **kwargs: Any) -> fc.impact.History:
    state = engine.new_athlete(name, goal=fc.Goal.RUNNER, start=START, **kwargs)
    return fc.impact.History.of(state, checkins(name, count), origin=f"line {name}")


@pytest.mark.once
def test_a_refused_history_leaves_its_chunk_out_and_the_ones_before_in(
        engine: Engine, tmp_path: Path) -> None:
    good = [history(engine, f"a-{n}", 3) for n in range(3)]
    late = history(engine, "late", 3)
    backwards = fc.impact.History(late.state, list(reversed(late.checkins)), "line late")
    with fc.open_store(tmp_path / "s.db") as store:
        with pytest.raises(fc.InputError, match=r"^line late: checkins\[1\]: ") as caught:
            store.load_histories(engine, [*good, backwards], chunk_athletes=2)
        state, taken = backwards.load()
        with pytest.raises(fc.InputError) as direct:
            engine.evaluate(engine.evaluate(state, taken[0]).state, taken[1])
        assert (caught.value.code, caught.value.field) == (direct.value.code,
                                                           direct.value.field)
        assert store.athletes() == ("a-0", "a-1") and store.verify().ok


@pytest.mark.once
def test_a_load_refuses_athletes_the_store_has_or_another_rulebook(
        engine: Engine, rulebook: fc.models.Rulebook, tmp_path: Path) -> None:
    other = Engine(assemble(attrs.evolve(rulebook.meta, version="9.0.0"), rulebook.params,
                            rulebook.exercises.values(), rulebook.stages, rulebook.rules,
                            location="other"), "native")
    with fc.open_store(tmp_path / "s.db") as store:
        store.load_histories(engine, [history(engine, "a-1", 2)])
        with pytest.raises(fc.Conflict, match="'a-1' is in the store already") as caught:
            store.load_histories(engine, [history(engine, "a-1", 2)])
        assert caught.value.code == "athlete-exists"
        with pytest.raises(fc.Conflict, match="twice in the histories"):
            store.load_histories(engine, [history(engine, "b", 1), history(engine, "b", 1)])
        with pytest.raises(fc.InputError,
                           match=r"^line c: AthleteState.rulebook_digest: got") as mismatch:
            store.load_histories(other, [history(engine, "c", 1)])
        assert mismatch.value.code == "rulebook-mismatch"
        changed = history(engine, "d", 2)
        twice = fc.impact.History(changed.state, [changed.checkins[0],
                                                  {**changed.checkins[0], "minutes": 5}])
        with pytest.raises(fc.store.CheckInConflict):
            store.load_histories(engine, [twice])
        for bad in (0, 1.5, True):
            with pytest.raises(fc.InputError, match=r"^chunk_athletes: got") as refused:
                store.load_histories(engine, [], chunk_athletes=bad)  # type: ignore[arg-type]
            assert refused.value.field == "chunk_athletes"
        with pytest.raises(fc.InputError, match="accepted: footcore Histories"):
            store.load_histories(engine, ["a"])  # type: ignore[list-item]
        assert store.athletes() == ("a-1",)


@pytest.mark.once
def test_store_load_loads_a_histories_file_and_says_what_it_refuses(
        engine: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from test_cli import fails, run

    path, store = tmp_path / "athletes.jsonl", tmp_path / "s.db"
    fc.impact.write_histories(path, [history(engine, f"a-{n}", 4) for n in range(3)])
    code, out, _ = run(capsys, "store", "load", store, path, "--chunk", "2", "--json")
    assert code == 0
    assert json.loads(out) == {"athletes": 3, "records": 12, "source": str(store),
                               "created": True}
    with fc.open_store(store, readonly=True) as opened:
        assert opened.athletes() == ("a-0", "a-1", "a-2") and opened.verify().ok
        assert [len(opened.decisions(name)) for name in opened.athletes()] == [4, 4, 4]
    err = fails(capsys, "store", "load", store, path)
    assert "'a-0' is in the store already" in err
    assert "footcore store load STORE" in fails(capsys, "store", "load", path, path)
    # A mistyped or wrong histories file is refused before a new store is made.
    (tmp_path / "bad.jsonl").write_text('{"bad": 1}\n')
    for wrong, said in (("typo.jsonl", "no such file"), ("bad.jsonl", "bad.jsonl line 1")):
        assert said in fails(capsys, "store", "load", tmp_path / "new.db", tmp_path / wrong)
        assert not (tmp_path / "new.db").exists()
