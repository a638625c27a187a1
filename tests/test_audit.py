"""The audit log: appends, verification of a tampered log, crash recovery, history, replay."""

from __future__ import annotations

import hashlib
import itertools
import json
import random
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import footcore as fc
import footcore.audit
from footcore import Action, CompensationKind, Engine, Location, SymptomKind
from footcore._audit import AuditLog, AuditLogError
from footcore._audit_records import GENESIS
from footcore._audit_verify import verify_log
from footcore._history import history
from footcore._replay import replay_log
from footcore._rulebook_loading import assemble
from footcore.models import Rulebook

START = date(2026, 1, 5)
GOOD = fc.Metrics(balance_eyes_open_s=45.0, balance_eyes_closed_s=20.0)


def simulated(engine: Engine, count: int, *, athlete: str = "a-1", seed: int = 7,
              goal: fc.Goal = fc.Goal.RUNNER) -> list[fc.Decision]:
    """A deterministic athlete: sessions every two or three days, mostly done, with now and
    then stiffness, irritation, soreness, a compensation in the plan, a layoff, and once a
    sharp pain followed by clearance."""
    draw = random.Random(seed)
    state = engine.new_athlete(athlete, goal=goal, start=START)
    plan = engine.plan(state)
    day, decisions = START, []
    while len(decisions) < count:
        day += timedelta(days=draw.choice((2, 2, 3) if draw.random() > 0.03 else (9, 12)))
        roll = draw.random()
        symptoms: tuple[fc.Symptom, ...] = ()
        compensations: tuple[fc.Compensation, ...] = ()
        if roll < 0.06:
            symptoms = (fc.Symptom(SymptomKind.STIFFNESS, Location.ARCH, draw.randint(2, 5)),)
        elif roll < 0.10:
            symptoms = (fc.Symptom(SymptomKind.IRRITATION, Location.TOES, draw.randint(1, 5)),)
        elif roll < 0.14:
            symptoms = (fc.Symptom(SymptomKind.SORENESS, Location.ARCH, draw.randint(3, 6)),)
        elif roll < 0.18 and plan.sessions:
            item = draw.choice([i for s in plan.sessions for i in s.items])
            compensations = (fc.Compensation(draw.choice(list(CompensationKind)),
                                             item.exercise),)
        elif roll < 0.19:
            symptoms = (fc.Symptom(SymptomKind.SHARP_PAIN, Location.HEEL, 6),)
        checkin = fc.CheckIn(on=day, completed=draw.random() < 0.9, minutes=17,
                             symptoms=symptoms, compensations=compensations, metrics=GOOD,
                             clinician_cleared=state.paused and draw.random() < 0.5)
        decision = engine.evaluate(state, checkin)
        decisions.append(decision)
        state, plan = decision.state, decision.plan
    return decisions


@pytest.fixture(scope="module")
def decisions(engine: Engine) -> list[fc.Decision]:
    return simulated(engine, 8) + simulated(engine, 4, athlete="a-2", seed=3)


@pytest.fixture
def log(tmp_path: Path, decisions: list[fc.Decision]) -> AuditLog:
    log = AuditLog(tmp_path / "decisions.jsonl")
    for decision in decisions:
        log.append(decision)
    return log


def lines(log: AuditLog) -> list[bytes]:
    return log.path.read_bytes().splitlines(keepends=True)


def write(log: AuditLog, content: list[bytes]) -> None:
    log.path.write_bytes(b"".join(content))


def rehashed(record: dict[str, object]) -> bytes:
    """A record line as a forger who knows the format would write it."""
    body = {k: record[k] for k in ("decision", "prev", "seq")}
    encode: Callable[[object], bytes] = lambda v: json.dumps(  # noqa: E731
        v, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    record = {**body, "hash": hashlib.sha256(encode(body)).hexdigest()}
    return encode(record) + b"\n"


def problems(log: AuditLog) -> list[tuple[str, int | None, int | None]]:
    return [(p.kind, p.line, p.seq) for p in verify_log(log.path).problems]


def refuses_to_append(log: AuditLog, decision: fc.Decision) -> None:
    before = log.path.read_bytes()
    with pytest.raises(AuditLogError, match="damaged") as caught:
        AuditLog(log.path).append(decision)
    assert caught.value.report is not None and not caught.value.report.ok
    assert log.path.read_bytes() == before


# ---------------------------------------------------------------- writing and reading


def test_records_read_back_the_decisions_in_a_hash_chain(log: AuditLog,
                                                         decisions: list[fc.Decision]) -> None:
    records = list(log.records())
    assert [r.decision for r in records] == decisions
    assert [r.seq for r in records] == list(range(len(decisions)))
    assert records[0].prev == GENESIS
    assert all(later.prev == earlier.hash for earlier, later in itertools.pairwise(records))
    assert all(line.endswith(b"\n") for line in lines(log))


def test_an_intact_log_verifies_and_its_head_is_the_last_hash(log: AuditLog) -> None:
    report = verify_log(log.path, head=list(log.records())[-1].hash)
    assert report.ok and report.records == len(lines(log))
    assert report.head == list(log.records())[-1].hash
    assert "intact" in str(report)


def test_appends_continue_the_chain_across_instances(log: AuditLog,
                                                     decisions: list[fc.Decision]) -> None:
    head = verify_log(log.path).head
    record = AuditLog(log.path).append(decisions[0])
    assert (record.seq, record.prev) == (len(decisions), head)
    assert verify_log(log.path).ok and verify_log(log.path).head == record.hash


def test_a_new_log_is_empty_until_the_first_append(tmp_path: Path,
                                                   decisions: list[fc.Decision]) -> None:
    log = AuditLog(tmp_path / "new.jsonl")
    assert list(log.records()) == []
    record = log.append(decisions[0])
    assert (record.seq, record.prev) == (0, GENESIS)


# ---------------------------------------------------------------- tampering


def test_an_edited_field_is_named(log: AuditLog, decisions: list[fc.Decision]) -> None:
    content = lines(log)
    record = json.loads(content[4])
    record["decision"]["action"] = "advance"
    content[4] = json.dumps(record, sort_keys=True, separators=(",", ":")).encode() + b"\n"
    write(log, content)
    assert problems(log) == [("edited", 5, 4)]
    refuses_to_append(log, decisions[0])


def test_an_edit_with_its_hash_recomputed_is_named(log: AuditLog) -> None:
    content = lines(log)
    record = json.loads(content[4])
    record["decision"]["checkin"]["minutes"] = 59
    content[4] = rehashed(record)
    write(log, content)
    assert problems(log) == [("edited", 5, 4)]


def test_a_deleted_record_is_named(log: AuditLog, decisions: list[fc.Decision]) -> None:
    content = lines(log)
    del content[6]
    write(log, content)
    assert problems(log) == [("removed", 7, 6)]
    refuses_to_append(log, decisions[0])


def test_a_deleted_first_record_is_named(log: AuditLog) -> None:
    write(log, lines(log)[1:])
    assert problems(log) == [("removed", 1, 0)]


def test_swapped_records_are_named(log: AuditLog, decisions: list[fc.Decision]) -> None:
    content = lines(log)
    content[3], content[4] = content[4], content[3]
    write(log, content)
    report = verify_log(log.path)
    assert [(p.kind, p.line, p.seq) for p in report.problems] == [("reordered", 4, 4)]
    assert "next to record 3 (line 3) and record 4 (line 5)" in str(report)
    refuses_to_append(log, decisions[0])


def test_a_forged_record_inserted_is_named(log: AuditLog, decisions: list[fc.Decision]) -> None:
    content = lines(log)
    forged = json.loads(content[5])
    forged["decision"]["action"] = "advance"
    content.insert(6, rehashed(forged))  # same seq and predecessor as line 6, valid hash
    write(log, content)
    assert problems(log) == [("inserted", 7, 5)]
    refuses_to_append(log, decisions[0])


def test_a_record_moved_far_is_named_alone(log: AuditLog) -> None:
    content = lines(log)
    content.append(content.pop(2))
    write(log, content)
    assert problems(log) == [("reordered", len(content), 2)]


def test_a_copied_record_is_named_where_it_does_not_fit(log: AuditLog) -> None:
    content = lines(log)
    content.insert(2, content[8])
    write(log, content)
    assert problems(log) == [("inserted", 3, 8)]


def test_a_forged_record_chained_after_a_genuine_one_is_named(log: AuditLog) -> None:
    content = lines(log)
    genuine = json.loads(content[5])
    forged = dict(genuine, seq=genuine["seq"] + 1, prev=genuine["hash"])
    content.insert(6, rehashed(forged))
    write(log, content)
    assert problems(log) == [("inserted", 7, 6)]


def test_a_line_that_is_not_a_record_is_named(log: AuditLog) -> None:
    content = lines(log)
    content.insert(2, b'{"hello": "world"}\n')
    write(log, content)
    assert problems(log) == [("invalid", 3, None)]
    with pytest.raises(AuditLogError, match="line 3"):
        list(log.records())


def test_a_record_garbled_in_place_is_named_once(log: AuditLog) -> None:
    content = lines(log)
    content[4] = content[4][:40] + b"\n"
    write(log, content)
    assert problems(log) == [("invalid", 5, None)]


def test_records_removed_from_the_end_are_caught_by_a_stored_head(log: AuditLog) -> None:
    head = list(log.records())[-1].hash
    write(log, lines(log)[:-2])
    assert verify_log(log.path).ok  # the chain alone cannot tell
    report = verify_log(log.path, head=head)
    assert [p.kind for p in report.problems] == ["head"]
    # The start of a hash, as evaluate --log prints it, does as well; too short a one not.
    assert [p.kind for p in verify_log(log.path, head=head[:12]).problems] == ["head"]
    assert verify_log(log.path, head=list(log.records())[-1].hash[:8]).ok
    with pytest.raises(fc.InputError, match="64 hex digits"):
        verify_log(log.path, head=head[:7])


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_any_changed_byte_is_caught_and_verify_never_raises(
        tmp_path_factory: pytest.TempPathFactory, decisions: list[fc.Decision],
        data: st.DataObject) -> None:
    log = AuditLog(tmp_path_factory.mktemp("bytes") / "log.jsonl")
    for decision in decisions[:3]:
        log.append(decision)
    content = bytearray(log.path.read_bytes())
    at = data.draw(st.integers(0, len(content) - 1), label="at")
    content[at] = (content[at] + data.draw(st.integers(1, 255), label="by")) % 256
    log.path.write_bytes(bytes(content))
    assert not verify_log(log.path).ok


# ---------------------------------------------------------------- crashes


def test_a_log_truncated_mid_line_has_a_torn_tail(log: AuditLog,
                                                  decisions: list[fc.Decision]) -> None:
    whole = log.path.read_bytes()
    log.path.write_bytes(whole[:-100])
    assert problems(log) == [("torn", len(decisions), None)]
    assert len(list(log.records())) == len(decisions) - 1
    refuses_to_append(log, decisions[0])


def test_a_crash_mid_append_is_reported_refused_and_repaired(
        log: AuditLog, decisions: list[fc.Decision]) -> None:
    intact = log.path.read_bytes()
    with log.path.open("ab") as handle:  # what an append cut short by a crash leaves
        handle.write(b'{"decision":{"action":"hold","backoff')
    report = verify_log(log.path)
    assert [(p.kind, p.line) for p in report.problems] == [("torn", len(decisions) + 1)]
    assert "repair" in str(report)
    refuses_to_append(log, decisions[0])

    assert log.repair() == len(b'{"decision":{"action":"hold","backoff')
    assert log.path.read_bytes() == intact
    assert log.repair() == 0
    record = log.append(decisions[1])
    assert record.seq == len(decisions)
    assert verify_log(log.path).ok


def test_a_failed_write_leaves_the_log_as_it_was(log: AuditLog, decisions: list[fc.Decision],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    intact = log.path.read_bytes()

    def full_disk(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("os.fsync", full_disk)
    with pytest.raises(OSError, match="No space"):
        log.append(decisions[0])
    monkeypatch.undo()
    assert log.path.read_bytes() == intact
    assert log.append(decisions[0]).seq == len(decisions)
    assert verify_log(log.path).ok


# ---------------------------------------------------------------- bad input


def test_a_missing_file_is_an_input_error(tmp_path: Path, engine: Engine) -> None:
    missing = tmp_path / "nowhere.jsonl"
    for call in (lambda: verify_log(missing), lambda: history(missing, "a-1"),
                 lambda: replay_log(missing, engine), lambda: AuditLog(missing).repair()):
        with pytest.raises(fc.InputError, match="no such file"):
            call()
    assert not missing.exists()


def test_append_takes_only_decisions(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "log.jsonl")
    with pytest.raises(fc.InputError, match="Decision"):
        log.append("hold")  # type: ignore[arg-type]
    assert not log.path.exists()


def test_a_record_with_an_invalid_decision_is_a_clear_error(log: AuditLog) -> None:
    content = lines(log)
    record = json.loads(content[1])
    record["decision"]["action"] = "sprint"
    content[1] = rehashed(record)
    write(log, content)
    before = log.path.read_bytes()
    with pytest.raises(AuditLogError, match=r'line 2: .*"sprint" @ \$\.decision\.action'):
        history(log.path, "a-1")
    assert log.path.read_bytes() == before


# ---------------------------------------------------------------- history


def test_history_is_one_athletes_timeline(log: AuditLog, decisions: list[fc.Decision]) -> None:
    rows = history(log.path, "a-2")
    mine = [d for d in decisions if d.state.athlete_id == "a-2"]
    assert [(r.on, r.stage, r.dose_level, r.action) for r in rows] == [
        (d.checkin.on, d.state.stage, d.state.dose_level, d.action) for d in mine]
    assert [r.seq for r in rows] == list(range(8, 12))
    for row, decision in zip(rows, mine, strict=True):
        if decision.winners:
            assert (row.rule_id, row.reason) == (decision.winners[0].rule_id,
                                                 decision.winners[0].summary)
        else:
            assert row.rule_id is None and "No rule fired" in row.reason
    assert history(log.path, "nobody") == ()
    assert fc.from_json(fc.to_json(rows[0]), type(rows[0])) == rows[0]


# ---------------------------------------------------------------- replay


@pytest.fixture(scope="module")
def long_log(tmp_path_factory: pytest.TempPathFactory, engine: Engine) -> Path:
    path = tmp_path_factory.mktemp("audit") / "long.jsonl"
    log = AuditLog(path)
    for decision in simulated(engine, 200, seed=11):
        log.append(decision)
    return path


def test_a_long_history_covers_every_kind_of_action(long_log: Path) -> None:
    actions = {record.decision.action for record in AuditLog(long_log).records()}
    assert actions >= {Action.PROGRESS, Action.ADVANCE, Action.HOLD, Action.DELOAD,
                       Action.PAUSE}


def test_replay_reproduces_a_long_history_natively(long_log: Path, engine: Engine) -> None:
    report = replay_log(long_log, engine)
    assert report.records == 200 and report.ok, str(report)
    assert report.other_rulebooks == ()


def test_replay_reproduces_records_made_before_thresholds_had_a_direction(
        long_log: Path, engine: Engine, tmp_path: Path) -> None:
    """Decisions logged before ``ParamUse`` recorded the field and comparison load with
    both empty and still replay as reproduced; a changed threshold still shows."""
    old = AuditLog(tmp_path / "old.jsonl")
    for record in AuditLog(long_log).records():
        d = record.decision
        old.append(attrs.evolve(d, firings=tuple(attrs.evolve(f, params=tuple(
            attrs.evolve(p, field="", op="") for p in f.params)) for f in d.firings)))
    assert any(f.params for r in old.records() for f in r.decision.firings)
    assert replay_log(old.path, engine).ok
    lines = old.path.read_text().splitlines()
    edited = next(n for n, line in enumerate(lines) if '"op":""' in line)
    lines[edited] = lines[edited].replace('"value":', '"value":1', 1)
    (tmp_path / "edited.jsonl").write_text("\n".join(lines) + "\n")
    assert not replay_log(tmp_path / "edited.jsonl", engine).ok


def test_replay_reproduces_a_long_history_on_durable(long_log: Path,
                                                     rulebook: Rulebook) -> None:
    pytest.importorskip("durable_rules_engine")
    durable = Engine(rulebook, backend="durable")
    report = replay_log(long_log, durable)
    assert report.records == 200 and report.ok, str(report)
    for record in AuditLog(long_log).records():
        again = durable.evaluate(record.decision.prior_state, record.decision.checkin)
        assert attrs.evolve(again, backend="native") == record.decision


def loosened(rulebook: Rulebook) -> Rulebook:
    """The rulebook with stiffness deloading only from 5/10, and a new version."""
    params = dict(rulebook.params)
    params["stiffness_deload_min"] = attrs.evolve(params["stiffness_deload_min"], value=5)
    return assemble(attrs.evolve(rulebook.meta, version="1.1.0"), params,
                    rulebook.exercises.values(), rulebook.stages, rulebook.rules,
                    location="test")


def test_replay_under_a_changed_rulebook_reports_each_difference(
        tmp_path: Path, engine: Engine, rulebook: Rulebook) -> None:
    stiff = fc.Symptom(SymptomKind.STIFFNESS, Location.ARCH, severity=4)
    state = engine.new_athlete("a-9", goal=fc.Goal.EVERYDAY, start=START)
    log = AuditLog(tmp_path / "log.jsonl")
    first = engine.evaluate(state, fc.CheckIn(on=START, completed=True, symptoms=(stiff,)))
    log.append(first)
    log.append(engine.evaluate(first.state, fc.CheckIn(on=START + timedelta(days=2),
                                                       completed=True)))
    report = replay_log(log.path, Engine(loosened(rulebook), backend="native"))
    assert report.records == 2
    (found,) = [d for d in report.differences if d.seq == 0]
    assert "action deload -> ease" in found.changes
    assert "no longer winning: stiffness-deload" in found.changes
    recorded, replayed = found.explanations
    assert "stiffness-deload" in recorded and "DELOAD" in recorded
    assert "EASE" in replayed and "1.1.0" in replayed
    # every record came from another rulebook, and the report says so
    assert report.other_rulebooks == ((first.rulebook, 2),)
    assert "2 records were made by another rulebook" in str(report)


def test_a_record_the_rulebook_cannot_evaluate_is_reported(
        tmp_path: Path, engine: Engine, decisions: list[fc.Decision]) -> None:
    log = AuditLog(tmp_path / "log.jsonl")
    odd = attrs.evolve(decisions[0], prior_state=attrs.evolve(decisions[0].prior_state,
                                                              stage="retired"),
                       prior_plan=attrs.evolve(decisions[0].prior_plan, stage="retired"))
    log.append(decisions[0])
    log.append(odd)
    report = replay_log(log.path, engine)
    (found,) = report.differences
    assert found.seq == 1 and found.replayed is None
    assert "cannot be replayed" in found.changes[0] and "retired" in found.changes[0]
    assert "cannot be replayed" in found.explanations[1]


# ---------------------------------------------------------------- issue 21 review: a goal change


def test_a_goal_change_and_an_override_are_records_of_a_log(tmp_path: Path) -> None:
    """P12, issue 23: a log holds every kind of plan change, and replay makes each again."""
    engine = fc.Engine(backend="native")
    state = engine.new_athlete("a-1", goal=fc.Goal.RUNNER, start=date(2026, 1, 5))
    first = engine.evaluate(state, fc.CheckIn(on=date(2026, 1, 6), completed=True))
    goal = engine.change_goal(first.state, fc.Goal.STRENGTH, on=date(2026, 1, 9),
                              by="athlete", role="athlete", reason="new-sport")
    held = engine.override(goal.state, on=date(2026, 1, 10), by="coach:maria",
                           role="coach", action=fc.Action.HOLD, reason="travel",
                           comment="away until the 20th", after=goal)
    log = fc.audit.AuditLog(tmp_path / "audit.jsonl")
    for decision in (first, goal, held):
        log.append(decision)
    assert fc.audit.verify_log(log.path).ok
    assert [r.decision for r in log.records()] == [first, goal, held]
    assert [r.decision.kind.value for r in log.records()] == ["checkin", "goal", "override"]
    report = fc.audit.replay_log(log.path, engine)
    assert report.ok and report.records == 3
