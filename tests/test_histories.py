"""Histories from where they live: JSON Lines of athletes, decisions files and audit logs,
read as streams, grouped by athlete, with the order they need checked."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import footcore as fc
import footcore.audit
import footcore.impact
import footcore.models
from footcore import Engine
from footcore.impact import History
from footcore.testing import athlete_states, mild_checkins, population


def decisions_of(engine: Engine, history: History) -> list[fc.Decision]:
    state, taken = history.load()
    out = []
    for checkin in taken:
        decision = engine.evaluate(state, checkin)
        out.append(decision)
        state = decision.state
    return out


def interleaved(engine: Engine, histories: list[History]) -> list[fc.Decision]:
    """Every athlete's decisions, round robin, as an app serving them all would log them."""
    runs = [decisions_of(engine, h) for h in histories]
    return [d for step in range(max(map(len, runs))) for run in runs if step < len(run)
            for d in [run[step]]]


@settings(max_examples=30, deadline=None)
@given(data=st.data())
def test_a_history_keeps_its_models(rulebook: fc.models.Rulebook, data: st.DataObject) -> None:
    state = data.draw(athlete_states(rulebook))
    taken = data.draw(st.lists(mild_checkins(rulebook), max_size=4))
    history = History.of(state, taken, "here")
    assert history.load() == (state, tuple(taken))
    assert history.athlete_id == state.athlete_id
    # compact: a default field is not written out
    assert all("clinician_cleared" not in c for c, m in zip(history.checkins, taken,
                                                            strict=True)
               if not m.clinician_cleared)


def test_histories_round_trip_through_json_lines(tmp_path: Path) -> None:
    path = tmp_path / "athletes.jsonl"
    histories = list(population(5, seed=4, checkins=12))
    assert fc.impact.write_histories(path, iter(histories)) == 5
    back = list(fc.impact.read_histories(path))
    assert [h.load() for h in back] == [h.load() for h in histories]
    assert [h.origin for h in back] == [f"{path} line {n}" for n in range(1, 6)]


def test_reading_json_lines_is_a_stream(tmp_path: Path) -> None:
    """A broken line is found when it is reached, not before: nothing is read ahead."""
    path = tmp_path / "athletes.jsonl"
    fc.impact.write_histories(path, population(2, seed=1, checkins=3))
    with path.open("a") as out:
        out.write("\n{\"state\": {}, \"checkins\": \"nope\"}\n")
    reader = fc.impact.read_histories(path)
    assert next(reader).athlete_id == "s-0" and next(reader).athlete_id == "s-1"
    with pytest.raises(fc.InputError, match=r"line 4: expected \{\"state\""):
        next(reader)


@pytest.mark.parametrize(("line", "message"), [
    ("not json", "line 1: invalid history JSON"),
    ('{"state": {}}', "line 1: expected"),
    ('{"state": {}, "checkins": [1]}', "line 1: expected"),
])
def test_a_bad_line_names_itself(tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "athletes.jsonl"
    path.write_text(line + "\n")
    with pytest.raises(fc.InputError, match=message):
        list(fc.impact.read_histories(path))
    with pytest.raises(fc.InputError, match="no such file"):
        list(fc.impact.read_histories(tmp_path / "missing.jsonl"))


@pytest.mark.parametrize("group_bytes", [fc._population._histories.GROUP_BYTES, 20_000])
def test_interleaved_decisions_group_into_each_athletes_history(
        engine: Engine, tmp_path: Path, group_bytes: int) -> None:
    histories = list(population(4, seed=9, checkins=15))
    path = tmp_path / "decisions.jsonl"
    path.write_text("".join(fc.to_json(d) + "\n" for d in interleaved(engine, histories)))
    back = list(fc.impact.decision_histories(path, group_bytes=group_bytes))
    if group_bytes < path.stat().st_size:  # split through temporary files, by athlete
        back.sort(key=lambda h: int(h.athlete_id.split("-")[1]))
    assert [h.load() for h in back] == [h.load() for h in histories]
    assert back[0].origin == f"decisions file {path} line 1"


def test_an_audit_log_gives_each_athletes_history(engine: Engine, tmp_path: Path) -> None:
    histories = list(population(3, seed=2, checkins=10))
    log = fc.audit.AuditLog(tmp_path / "audit.jsonl")
    for decision in interleaved(engine, histories):
        log.append(decision)
    with log.path.open("a") as out:
        out.write('{"decision": {"torn')  # an append cut short: not a record
    for group_bytes in (10**9, 50_000):
        back = sorted(fc.impact.log_histories(log.path, group_bytes=group_bytes),
                      key=lambda h: h.athlete_id)
        assert [h.load() for h in back] == [h.load() for h in histories]


def test_decisions_out_of_order_or_missing_are_refused(engine: Engine, tmp_path: Path) -> None:
    (history,) = population(1, seed=0, checkins=6)
    lines = [fc.to_json(d) for d in decisions_of(engine, history)]
    path = tmp_path / "decisions.jsonl"
    for broken in ([*lines[:2], *lines[3:]], [lines[0], lines[2], lines[1], *lines[3:]]):
        path.write_text("\n".join(broken) + "\n")
        for group_bytes in (10**9, 1000):
            with pytest.raises(fc.InputError, match=r"line \d: athlete s-0's decision does not "
                                                    r"start from the state their decision on "
                                                    r"line \d left"):
                list(fc.impact.decision_histories(path, group_bytes=group_bytes))
    path.write_text('{"action": "hold"}\n')
    with pytest.raises(fc.InputError, match="line 1: expected a decision"):
        list(fc.impact.decision_histories(path))
    record = json.loads(lines[0])
    record["state"]["athlete_id"] = "someone-else"
    path.write_text(json.dumps(record) + "\n")
    with pytest.raises(fc.InputError, match="same athlete_id"):
        list(fc.impact.decision_histories(path))
    with pytest.raises(fc.InputError, match="group_bytes"):
        fc.impact.decision_histories(path, group_bytes=0)


def test_arguments_in_the_wrong_order_are_named_not_a_type_error(tmp_path: Path) -> None:
    histories = population(1)
    with pytest.raises(fc.InputError, match=r"^path: got generator; accepted: a file path"):
        fc.impact.write_histories(histories, tmp_path / "h.jsonl")  # type: ignore[arg-type]
    with pytest.raises(fc.InputError, match=r"^histories\[0\]: got str; accepted: a footcore"):
        fc.impact.write_histories(tmp_path / "h.jsonl", ["not a history"])  # type: ignore[list-item]
    for read in (fc.impact.read_histories, fc.impact.decision_histories, fc.impact.log_histories):
        with pytest.raises(fc.InputError, match=r"^path: got list"):
            list(read([]))  # type: ignore[arg-type]


# ---------------------------------------------------------------- issue 23: every kind


def test_a_goal_change_among_decisions_is_carried_and_one_without_its_record_named(
        tmp_path: Path) -> None:
    """P12, issue 23: a change of goal is a record of its own kind, which a history carries
    between the check-ins around it (for impact to make again); a retarget that does not
    record the change (``change`` null) cannot be placed and is refused by name."""
    engine = Engine(backend="native")
    state = engine.new_athlete("a-1", goal=fc.Goal.RUNNER, start=date(2026, 1, 5))
    checked = engine.evaluate(state, fc.CheckIn(on=date(2026, 1, 6), completed=True))
    changed = engine.change_goal(checked.state, fc.Goal.STRENGTH, on=date(2026, 1, 7),
                                 by="athlete", reason="new-sport")
    after = engine.evaluate(changed.state, fc.CheckIn(on=date(2026, 1, 9), completed=True))
    path = tmp_path / "decisions.jsonl"
    path.write_text("".join(fc.to_json(d) + "\n" for d in (checked, changed, after)))
    assert changed.change is not None
    (history,) = fc.impact.decision_histories(path)
    assert history.load() == (state, (checked.answered, after.answered))
    assert history.load_changes() == (
        fc.impact.HistoryChange(1, changed.change, goal=fc.Goal.STRENGTH),)
    unrecorded = {**json.loads(fc.to_json(changed)), "change": None}
    path.write_text(fc.to_json(checked) + "\n" + json.dumps(unrecorded) + "\n")
    with pytest.raises(fc.InputError, match="line 2: a retarget decision") as caught:
        list(fc.impact.decision_histories(path))
    assert caught.value.code == "not-a-checkin-decision"
