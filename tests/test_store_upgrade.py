"""Issue 23's upgrades, on a real SQLite file and a real PostgreSQL server alike: the store
keeps every rulebook it used, moves its athletes to a new one (a renamed stage by a
mapping, all refused with nothing written when one has no place), replays every kind of
record under its own rulebook byte for byte, and previews an upgrade with impact."""

from __future__ import annotations

import contextlib
import itertools
import json
import re
import shutil
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import footcore as fc
import footcore.impact
import footcore.store
from footcore import Engine
from footcore._replay import remake
from footcore._rulebook_loading import assemble, rulebook_text
from store_worker import START, checkins
from test_store import sql

RULES = Path(__file__).parents[1] / "rules"
DAY = date(2026, 3, 1)
RENAMED = {"activation": "foundation"}
# With 15 check-ins each, a-1 and a-3 reach activation and a-2 stays on baseline.
ATHLETES = {"a-1": 15, "a-2": 15, "a-3": 15}


def renamed_rules(folder: Path) -> Path:
    """The shipped rules as version 2.0.0, with the stage activation renamed foundation."""
    shutil.copytree(RULES, folder)
    for name, old, new in (("stages.toml", 'id = "activation"', 'id = "foundation"'),
                           ("rules-progression.toml", 'value = "activation"',
                            'value = "foundation"'),
                           ("rulebook.toml", 'version = "1.0.0"', 'version = "2.0.0"')):
        path = folder / name
        text = path.read_text()
        assert old in text
        path.write_text(text.replace(old, new))
    return folder


@pytest.fixture(scope="module")
def new_rules(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return renamed_rules(tmp_path_factory.mktemp("upgrade") / "rules-2")


@pytest.fixture(scope="module")
def new_engine(new_rules: Path) -> Engine:
    return Engine(fc.load_rulebook(new_rules), backend="native")


@pytest.fixture
def store(store_url: str, engine: Engine) -> Any:
    with fc.open_store(store_url) as opened:
        for name, count in ATHLETES.items():
            opened.add_athlete(engine.new_athlete(name, goal=fc.Goal.RUNNER, start=START))
            for checkin in checkins(name, count):
                opened.check_in(engine, name, checkin)
        yield opened


def rows(url: str) -> list[tuple[Any, ...]]:
    """Everything the store's tables hold, to compare before and after."""
    return [*sql(url, "SELECT athlete_id, state, records, head FROM footcore_athletes "
                      "ORDER BY athlete_id"),
            *sql(url, "SELECT athlete_id, seq, hash FROM footcore_decisions "
                      "ORDER BY athlete_id, seq"),
            *sql(url, "SELECT digest FROM footcore_rulebooks ORDER BY digest")]


def byte_identical(store: fc.store.Store) -> None:
    """Every record made again under its own rulebook, from the store's, writes the same
    JSON (the backend's name aside)."""
    books = store.rulebooks()
    for athlete in store.athletes():
        last = None
        for recorded in store.decisions(athlete):
            engine = Engine(books[recorded.rulebook.digest], backend="native")
            again = remake(engine, recorded, last, books)
            assert fc.to_json(attrs.evolve(again, backend=recorded.backend)) == \
                fc.to_json(recorded), (athlete, recorded.kind)
            last = recorded


# ---------------------------------------------------------------- the rulebooks it keeps


def test_the_store_keeps_each_rulebook_it_used_once_loading_back_to_its_digest(
        store: fc.store.Store, store_url: str, engine: Engine, new_engine: Engine) -> None:
    assert store.rulebooks() == {engine.rulebook.digest: engine.rulebook}
    assert store.rulebooks()[engine.rulebook.digest].digest == engine.rulebook.digest
    assert sql(store_url, "SELECT COUNT(*) FROM footcore_rulebooks")[0][0] == 1
    # Given the engine, a new athlete's rulebook is kept before their first check-in.
    store.add_athlete(new_engine.new_athlete("b-1", goal=fc.Goal.EVERYDAY, start=START),
                      new_engine)
    assert set(store.rulebooks()) == {engine.rulebook.digest, new_engine.rulebook.digest}
    with pytest.raises(fc.InputError, match="made under") as caught:
        store.add_athlete(engine.new_athlete("b-2", goal=fc.Goal.EVERYDAY, start=START),
                          new_engine)
    assert caught.value.code == "rulebook-mismatch"
    assert "b-2" not in store.athletes()


def test_a_rulebook_edited_in_the_database_is_damage_not_a_silent_other_rulebook(
        store: fc.store.Store, store_url: str, engine: Engine) -> None:
    sql(store_url, "UPDATE footcore_rulebooks SET rulebook = REPLACE(rulebook, "
                   "'\"value\":4', '\"value\":5')")
    with fc.open_store(store_url) as fresh:
        with pytest.raises(fc.store.StoreError) as caught:
            fresh.rulebooks()
        assert caught.value.code == "store-damaged" and "loads to a rulebook of digest" in \
            str(caught.value)
        report = fresh.verify()
    digest = engine.rulebook.digest[:12]
    assert [(p.kind, p.athlete_id) for p in report.problems] == [("rulebook", None)]
    assert f"store: rulebook: rulebook {digest}: it loads to a rulebook of digest" in str(
        report)
    # A change that leaves the rules alone (the digest recorded beside the version) too.
    sql(store_url, "UPDATE footcore_rulebooks SET rulebook = ?",
        rulebook_text(engine.rulebook).replace('"unsafe":false', '"unsafe":true'))
    with fc.open_store(store_url) as fresh:
        assert "its text is not the one footcore wrote" in str(fresh.verify())


# ---------------------------------------------------------------- upgrading


def test_an_upgrade_with_a_renamed_stage_and_a_mapping_moves_every_athlete(
        store: fc.store.Store, store_url: str, engine: Engine, new_engine: Engine) -> None:
    before = {name: store.state(name) for name in store.athletes()}
    assert {s.stage for s in before.values()} == {"baseline", "activation"}
    report = store.upgrade(new_engine, on=DAY, by="ops:kim", reason="rulebook-release",
                           mapping=RENAMED)
    assert report.moved == ("a-1", "a-2", "a-3") and report.skipped == ()
    assert report.moves == (("activation", "foundation", 2), ("baseline", "baseline", 1))
    assert report.rulebook == new_engine.rulebook.ref and report.on == DAY
    assert "3 athletes moved to rulebook footcore-article 2.0.0" in str(report)
    assert "activation -> foundation: 2 athletes" in str(report)
    for name, old in before.items():
        last = store.decisions(name)[-1]
        assert last.kind is fc.models.ChangeKind.UPGRADE and last.action is fc.Action.UPGRADE
        assert last.prior_state == old and store.state(name) == last.state
        assert last.state.stage == RENAMED.get(old.stage, old.stage)
        assert last.state.dose_level == old.dose_level
        assert last.state.rulebook_digest == new_engine.rulebook.digest
        assert last.change == fc.models.Change(fc.models.ChangeKind.UPGRADE, DAY, "ops:kim",
                                               fc.models.Role.OPERATOR, "rulebook-release")
    assert set(store.rulebooks()) == {engine.rulebook.digest, new_engine.rulebook.digest}
    # Check-ins go on under the new rulebook; a second run moves no one.
    for name in before:
        store.check_in(new_engine, name, fc.CheckIn(on=date(2026, 3, 3), completed=True))
    again = store.upgrade(new_engine, on=DAY, by="ops:kim", mapping=RENAMED)
    assert again.moved == () and again.skipped == ("a-1", "a-2", "a-3")
    assert store.verify().ok
    reproduced = store.reproduce(backend="native")
    assert reproduced.ok and reproduced.own and reproduced.records == 3 * 17
    assert reproduced.rulebook == engine.rulebook.ref
    assert reproduced.other_rulebooks == ((new_engine.rulebook.ref, 6),)
    assert "each under the rulebook that made it" in str(reproduced)
    byte_identical(store)


def test_an_upgrade_refused_for_an_unmappable_stage_writes_nothing(
        store: fc.store.Store, store_url: str, new_engine: Engine) -> None:
    before = rows(store_url)
    with pytest.raises(fc.InputError) as caught:
        store.upgrade(new_engine, on=DAY, by="ops")
    assert caught.value.code == "stage-unmapped"
    message = str(caught.value)
    assert "the stage of 2 athletes has no place in rulebook footcore-article 2.0.0" \
        in message and "a-1 (activation), a-3 (activation)" in message
    assert "nothing was written" in message and "a-2" not in message
    assert rows(store_url) == before
    # A mapping that is no rename (a stage both rulebooks have, a stage the new one lacks)
    # is refused too: a slip must not move athletes to another rung.
    for mapping in ({"baseline": "baseline"}, {"activation": "no-such-stage"},
                    {"baseline": "foundation"}):
        with pytest.raises(fc.InputError) as caught:
            store.upgrade(new_engine, on=DAY, by="ops", mapping=mapping)
        assert caught.value.code == "mapping-not-a-rename", mapping
        assert rows(store_url) == before
    with pytest.raises(fc.InputError, match="on or after the athlete's last check-in"):
        store.upgrade(new_engine, on=START, by="ops", mapping=RENAMED)
    assert rows(store_url) == before


def test_a_store_without_an_athletes_rulebook_is_given_it(
        store_url: str, engine: Engine, new_engine: Engine) -> None:
    """A store written before footcore kept rulebooks: the upgrade names what it lacks,
    writes nothing, and takes the rulebook as an argument."""
    with fc.open_store(store_url) as store:
        store.add_athlete(engine.new_athlete("a-1", goal=fc.Goal.RUNNER, start=START))
        store.check_in(engine, "a-1", checkins("a-1", 1)[0])
    sql(store_url, "DELETE FROM footcore_rulebooks")
    with fc.open_store(store_url) as store:
        with pytest.raises(fc.InputError, match=r"does not hold the rulebook of 1 athlete "
                                                r"\(8ae719d726f5\): a-1 \(baseline\)") as caught:
            store.upgrade(new_engine, on=DAY, by="ops")
        assert caught.value.code == "rulebook-missing"
        assert store.upgrade(new_engine, on=DAY, by="ops",
                             rulebooks=[engine.rulebook]).moved == ("a-1",)
        assert set(store.rulebooks()) == {engine.rulebook.digest, new_engine.rulebook.digest}
        assert store.reproduce(backend="native").ok


def test_replay_under_an_engine_reads_upgrade_records_from_the_store(
        store: fc.store.Store, engine: Engine, new_engine: Engine) -> None:
    store.upgrade(new_engine, on=DAY, by="ops", mapping=RENAMED)
    what_if = store.replay(new_engine)
    assert what_if.records == 48 and not what_if.own
    assert all("cannot be replayed" not in change for d in what_if.differences
               for change in d.changes if d.recorded.kind is fc.models.ChangeKind.UPGRADE)
    assert [d for d in what_if.differences
            if d.recorded.kind is fc.models.ChangeKind.UPGRADE] == []
    assert what_if.other_rulebooks == ((engine.rulebook.ref, 45),)


# ---------------------------------------------------------------- every kind, replayed


def test_every_kind_of_record_replays_byte_identical_under_its_own_rulebook(
        store: fc.store.Store, engine: Engine, new_engine: Engine) -> None:
    store.change_goal(engine, "a-1", fc.Goal.STRENGTH, on=date(2026, 2, 20), by="athlete",
                      reason="new-sport")
    store.override(engine, "a-2", on=date(2026, 2, 20), by="coach:maria", role="coach",
                   action=fc.Action.HOLD, reason="travel", comment="away until the 28th")
    store.upgrade(new_engine, on=DAY, by="ops", mapping=RENAMED)
    store.override(new_engine, "a-3", on=date(2026, 3, 2), by="coach:maria", role="coach",
                   action=fc.Action.DELOAD, reason="schedule")
    store.check_in(new_engine, "a-1", fc.CheckIn(on=date(2026, 3, 4), completed=True),
                   by="app:ios")
    kinds = {d.kind for name in store.athletes() for d in store.decisions(name)}
    assert kinds == set(fc.models.ChangeKind) - {fc.models.ChangeKind.ERASURE}
    assert store.verify().ok
    report = store.reproduce(backend="native")
    assert report.ok and report.records == 45 + 2 + 3 + 2, str(report)
    byte_identical(store)


def test_a_record_whose_rulebook_the_store_lacks_is_reported_not_reproduced(
        store: fc.store.Store, store_url: str, engine: Engine) -> None:
    sql(store_url, "DELETE FROM footcore_rulebooks")
    report = store.reproduce(backend="native")
    assert not report.ok and len(report.differences) == 45
    assert "its rulebook, footcore-article 1.0.0 (8ae719d726f5), is not at hand" in \
        report.differences[0].changes[0]
    assert store.reproduce(rulebooks=[engine.rulebook], backend="native").ok
    with pytest.raises(fc.InputError, match="rulebooks"):
        store.reproduce(rulebooks=engine.rulebook)  # type: ignore[arg-type]


# ---------------------------------------------------------------- histories and impact


def test_histories_carry_goal_changes_and_overrides_and_start_after_an_upgrade(
        store: fc.store.Store, engine: Engine, new_engine: Engine, tmp_path: Path) -> None:
    goal = store.change_goal(engine, "a-1", fc.Goal.STRENGTH, on=date(2026, 2, 20))
    held = store.override(engine, "a-2", on=date(2026, 2, 20), by="coach:maria",
                          role="coach", action=fc.Action.HOLD, reason="travel")
    assert goal.change is not None and held.change is not None
    first = {h.athlete_id: h for h in store.histories()}
    assert first["a-1"].load() == (store.decisions("a-1")[0].prior_state,
                                   tuple(checkins("a-1", 15)))
    assert first["a-1"].load_changes() == (
        fc.impact.HistoryChange(15, goal.change, goal=fc.Goal.STRENGTH),)
    assert first["a-2"].load_changes() == (
        fc.impact.HistoryChange(15, held.change, action=fc.Action.HOLD),)
    path = tmp_path / "histories.jsonl"
    assert fc.impact.write_histories(path, store.histories()) == 3
    for read, written in zip(fc.impact.read_histories(path), store.histories(), strict=True):
        assert (read.load(), read.load_changes()) == (written.load(), written.load_changes())
    # The same rulebook both sides: every check-in, goal change and override reproduces.
    same = fc.impact.impact(engine.rulebook, engine.rulebook, store.histories(), workers=1)
    assert same.changed_decisions == 0 and same.decisions == 45 and not any(
        a.refusals for a in _athletes(engine, store))
    store.upgrade(new_engine, on=DAY, by="ops", mapping=RENAMED)
    later = fc.CheckIn(on=date(2026, 3, 3), completed=True)
    store.check_in(new_engine, "a-3", later)
    after = {h.athlete_id: h for h in store.histories()}
    assert after["a-3"].load() == (store.decisions("a-3")[-2].state, (later,))
    assert after["a-1"].load()[1] == () and after["a-1"].load_changes() == ()


def test_a_change_out_of_place_or_of_a_kind_a_history_cannot_replay_is_refused(
        engine: Engine) -> None:
    state = fc.to_dict(engine.new_athlete("h-1", goal=fc.Goal.RUNNER, start=START))
    change = {"kind": "goal", "on": "2026-01-06", "by": None, "role": None, "reason": None,
              "comment": None}
    for entry, message in (
            ({"change": change, "goal": "strength", "at": 1}, r"at: got 1; accepted: 0 to 0"),
            ({"change": change, "at": 0}, r"goal: given with a goal change, and only then"),
            ({"change": {**change, "kind": "upgrade"}, "at": 0},
             r"change.kind: got 'upgrade'; accepted: goal or override"),
            ({"change": change, "goal": "swim", "at": 0}, r"goal")):
        history = fc.impact.History(state, [], "line 7", [entry])
        with pytest.raises(fc.InputError, match=rf"^line 7: changes\[0\]: .*{message}"):
            history.load_changes()
        with pytest.raises(fc.InputError, match=r"^line 7: changes\[0\]"):
            fc.impact.impact(engine.rulebook, engine.rulebook, [history], workers=1)


_drawn = itertools.count()


@settings(max_examples=20, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(steps=st.lists(st.sampled_from(["checkin", "checkin", "goal", "hold", "deload"]),
                      min_size=1, max_size=14))
def test_any_mix_of_kinds_is_a_history_impact_makes_again_as_recorded(
        store_url: str, engine: Engine, steps: list[str]) -> None:
    """Whatever the order of check-ins, goal changes and overrides, the store's history
    of an athlete, replayed under the rulebook that made it, changes no decision, refuses
    nothing and ends where the athlete is."""
    name = f"p-{next(_drawn)}"
    goals = list(fc.Goal)
    with fc.open_store(store_url) as store:
        store.add_athlete(engine.new_athlete(name, goal=fc.Goal.RUNNER, start=START))
        for step, checkin in zip(steps, checkins(name, len(steps)), strict=True):
            state = store.state(name)
            with contextlib.suppress(fc.Conflict):  # an override a paused athlete refuses
                if step == "checkin":
                    store.check_in(engine, name, checkin)
                elif step == "goal":
                    goal = goals[(goals.index(state.goal) + 1) % len(goals)]
                    store.change_goal(engine, name, goal, on=checkin.on, by="athlete")
                else:
                    store.override(engine, name, on=checkin.on, by="coach:maria",
                                   role="coach", action=step, reason="schedule")
        found = [h for h in store.histories() if h.athlete_id == name]
        final = store.state(name)
        made = store.decisions(name)
    if not made:  # every step refused: no history
        assert not found
        return
    (history,) = found
    assert len(history.checkins) + len(history.changes) == len(made)
    kept: list[fc.impact.AthleteImpact] = []
    fc.impact.impact(engine.rulebook, engine.rulebook, [history], workers=1,
                     on_athlete=kept.append)
    (athlete,) = kept
    assert athlete.changed == 0 and athlete.refusals == ()
    assert (athlete.before.final_stage, athlete.before.final_dose) == (final.stage,
                                                                       final.dose_level)


def _athletes(engine: Engine, store: fc.store.Store) -> list[fc.impact.AthleteImpact]:
    kept: list[fc.impact.AthleteImpact] = []
    fc.impact.impact(engine.rulebook, engine.rulebook, store.histories(), workers=1,
                     on_athlete=kept.append)
    return kept


def test_impact_previews_an_upgrade_with_a_renamed_stage_by_its_mapping(
        store: fc.store.Store, engine: Engine, new_engine: Engine) -> None:
    """Athletes upgraded once have histories that start where the upgrade left them, on
    activation for a-1 and a-3: a preview of the rulebook that renames it moves them by
    the mapping, or refuses their check-ins."""
    book = assemble(attrs.evolve(engine.rulebook.meta, version="1.0.1"), engine.rulebook.params,
                    engine.rulebook.exercises.values(), engine.rulebook.stages,
                    engine.rulebook.rules, location="1.0.1")
    store.upgrade(Engine(book, backend="native"), on=DAY, by="ops")
    for name in ATHLETES:
        for number in range(10):
            store.check_in(Engine(book, backend="native"), name, fc.CheckIn(
                on=DAY + timedelta(days=2 * number + 1), completed=True, minutes=17))
    starts = {h.athlete_id: h.load()[0].stage for h in store.histories()}
    assert starts == {"a-1": "activation", "a-2": "baseline", "a-3": "activation"}
    blind = fc.impact.impact(book, new_engine.rulebook, store.histories(), workers=1)
    mapped = fc.impact.impact(book, new_engine.rulebook, store.histories(), workers=1,
                              mapping=RENAMED)
    assert blind.decisions == mapped.decisions == 30
    assert blind.refused_after == 20 and mapped.refused_after == 0
    assert mapped.refused_before == blind.refused_before == 0
    with pytest.raises(fc.InputError, match="mapping"):
        fc.impact.impact(book, book, [], workers=1, mapping={"a": 1})  # type: ignore[dict-item]


# ---------------------------------------------------------------- the command line


def test_store_upgrade_from_the_command_line(store: fc.store.Store, store_url: str,
                                             new_rules: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    from footcore._cli import main

    before = rows(store_url)
    assert main(["store", "upgrade", store_url, "--rules", str(new_rules), "--by", "ops",
                 "--on", "2026-03-01"]) == 2
    assert "a-1 (activation), a-3 (activation)" in capsys.readouterr().err
    assert rows(store_url) == before
    assert main(["store", "upgrade", store_url, "--rules", str(new_rules), "--by", "ops",
                 "--on", "2026-03-01", "--map", "activation"]) == 2
    assert "--map: got 'activation'; accepted: OLD_STAGE=NEW_STAGE" in capsys.readouterr().err
    assert main(["impact", str(RULES), str(new_rules), store_url, "--workers", "1",
                 "--map", "activation=foundation", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["athletes"] == 3
    assert main(["store", "upgrade", store_url, "--rules", str(new_rules), "--by", "ops",
                 "--on", "2026-03-01", "--reason", "rulebook-release", "--map",
                 "activation=foundation", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["moved"] == ["a-1", "a-2", "a-3"] and data["on"] == "2026-03-01"
    assert data["moves"] == [["activation", "foundation", 2], ["baseline", "baseline", 1]]
    assert main(["store", "upgrade", store_url, "--rules", str(new_rules), "--by", "ops",
                 "--on", "2026-03-01", "--map", "activation=foundation"]) == 0
    assert "0 athletes moved" in capsys.readouterr().out
    assert main(["audit", "replay", "--store", store_url, "--backend", "native"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"48 of 48 decisions reproduced, each under the rulebook that made "
                     r"it", out) and "3 records by footcore-article 2.0.0" in out
