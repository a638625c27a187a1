"""Plan changes no check-in makes (issue 23): a coach's or clinician's override, a change of
goal (P12) and a move to another rulebook, made by the engine and recorded in the store's
chains on SQLite and PostgreSQL alike."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import attrs
import pytest

import footcore as fc
import footcore.audit
import footcore.models
import footcore.store
from footcore._rulebook_loading import rulebook_data, rulebook_from_data

START = date(2026, 1, 5)
ENGINE = fc.Engine(backend="native")
SHARP = fc.Symptom(kind="sharp_pain", location="arch", severity=6)
STIFF = fc.Symptom(kind="irritation", location="arch", severity=5)


def climbed(days: int = 30) -> list[fc.Decision]:
    """An athlete's decisions over ``days`` of sessions every other day."""
    state = ENGINE.new_athlete("a-17", goal=fc.Goal.RUNNER, start=START)
    made = []
    for n in range(0, days, 2):
        made.append(ENGINE.evaluate(state, fc.CheckIn(on=START + timedelta(n), completed=True,
                                                      minutes=20)))
        state = made[-1].state
    return made


def paused() -> fc.Decision:
    """A decision that paused the athlete (P10: sharp pain)."""
    last = climbed()[-1]
    decision = ENGINE.evaluate(last.state, fc.CheckIn(on=last.on + timedelta(1),
                                                      completed=True, symptoms=(SHARP,)))
    assert decision.action is fc.Action.PAUSE
    return decision


def renamed() -> fc.models.Rulebook:
    """The shipped rulebook with its first stage called ``foundation``."""
    data = json.loads(json.dumps(rulebook_data(ENGINE.rulebook)).replace('"baseline"',
                                                                         '"foundation"'))
    data["meta"].pop("digest", None)
    return rulebook_from_data(data, location="renamed")


# ---------------------------------------------------------------- overrides, in the engine


def test_a_coach_holds_the_plan_and_the_days_at_the_dose_count_again() -> None:
    last = climbed()[-1]
    on = last.on + timedelta(1)
    held = ENGINE.override(last.state, on=on, by="coach:maria", role="coach",
                           action=fc.Action.HOLD, reason="travel",
                           comment="away until the 20th", after=last)
    assert held.kind is fc.models.ChangeKind.OVERRIDE and held.checkin is None
    assert held.on == on and held.action is fc.Action.HOLD
    assert held.change == fc.models.Change("override", on, "coach:maria", "coach", "travel",
                                           "away until the 20th")
    assert (held.state.stage, held.state.dose_level) == (last.state.stage,
                                                         last.state.dose_level)
    assert held.state.last_change_on == on
    assert held.state.last_checkin_on == last.state.last_checkin_on
    matched = dict(held.firings[0].matched)
    assert matched["rules_decided"] == last.action.value
    assert held.plan.sessions == ENGINE.plan(last.state).sessions
    with pytest.raises(fc.InputError) as caught:
        held.answered  # noqa: B018
    assert caught.value.code == "not-a-checkin-decision"


@pytest.mark.parametrize("action", [a for a in fc.Action if a not in (
    fc.Action.RETARGET, fc.Action.UPGRADE)])
def test_an_override_moves_the_athlete_as_the_rules_own_action_would(
        action: fc.Action) -> None:
    """An override is applied as the rules apply the same action: a coach's deload drops a
    step and opens the deload window a rule's deload would."""
    last = climbed()[-1]
    on = last.on + timedelta(1)
    made = ENGINE.override(last.state, on=on, by="coach:maria", role="coach", action=action,
                           reason="clinical-judgement")
    from footcore._transition import _moved
    stage, dose, backoff, until, _ = _moved(ENGINE.rulebook, last.state,
                                            ENGINE.rulebook.stage(last.state.stage), on,
                                            action)
    assert (made.state.stage, made.state.dose_level, made.state.backoff,
            made.state.backoff_until, made.state.paused) == (
        stage, dose, backoff, until, action is fc.Action.PAUSE)


def test_a_paused_athlete_stays_paused_unless_a_clinician_clears_them() -> None:
    """P10: only a clinician's clearance ends a pause; a coach may not lift it, nor clear."""
    pause = paused()
    on = pause.on + timedelta(2)
    for action in (fc.Action.HOLD, fc.Action.PROGRESS, fc.Action.DELOAD):
        with pytest.raises(fc.Conflict) as caught:
            ENGINE.override(pause.state, on=on, by="coach:maria", role="coach",
                            action=action, reason="athlete-request")
        assert caught.value.code == "override-unsafe"
    with pytest.raises(fc.Conflict) as caught:
        ENGINE.override(pause.state, on=on, by="coach:maria", role="coach", clearance=True,
                        reason="assessed-cleared")
    assert caught.value.code == "clearance-needs-clinician"
    with pytest.raises(fc.Conflict) as caught:
        ENGINE.override(pause.state, on=on, by="clinician:dr-lee", role="clinician",
                        action=fc.Action.HOLD, reason="clinical-judgement")
    assert caught.value.code == "override-unsafe"
    kept = ENGINE.override(pause.state, on=on, by="coach:maria", role="coach",
                           action=fc.Action.PAUSE, reason="injury-concern")
    assert kept.state.paused


def test_a_clinicians_clearance_resumes_as_the_rules_resume() -> None:
    """P10: cleared by a clinician and free of pain, training resumes a step lower, and the
    clearance the rulebook's gates need is recorded."""
    pause = paused()
    on = pause.on + timedelta(3)
    resumed = ENGINE.override(pause.state, on=on, by="clinician:dr-lee", role="clinician",
                              clearance=True, reason="assessed-cleared")
    by_rules = ENGINE.evaluate(pause.state, fc.CheckIn(on=on, completed=False,
                                                       clinician_cleared=True))
    assert resumed.action is by_rules.action is fc.Action.DELOAD
    assert not resumed.state.paused and resumed.state.clinician_cleared
    assert (resumed.state.stage, resumed.state.dose_level, resumed.state.backoff,
            resumed.state.backoff_until) == (by_rules.state.stage, by_rules.state.dose_level,
                                             by_rules.state.backoff,
                                             by_rules.state.backoff_until)
    assert dict(resumed.firings[0].matched)["clearance"] is True


def test_a_rise_over_a_back_off_of_the_same_day_is_refused_naming_the_rule() -> None:
    last = climbed()[-1]
    on = last.on + timedelta(1)
    backed = ENGINE.evaluate(last.state, fc.CheckIn(on=on, completed=True, minutes=20,
                                                    symptoms=(STIFF,)))
    assert backed.action in (fc.Action.DELOAD, fc.Action.REST)
    with pytest.raises(fc.Conflict) as caught:
        ENGINE.override(backed.state, on=on, by="coach:maria", role="coach",
                        action=fc.Action.PROGRESS, reason="athlete-request", after=backed)
    assert caught.value.code == "override-conflict"
    assert backed.winners[0].rule_id in str(caught.value)
    later = ENGINE.override(backed.state, on=on + timedelta(1), by="coach:maria",
                            role="coach", action=fc.Action.PROGRESS,
                            reason="athlete-request", after=backed)
    assert later.action is fc.Action.PROGRESS


@pytest.mark.parametrize(("change", "code"), [
    ({"reason": "bored"}, "unknown-reason"),
    ({"role": "athlete"}, "override-who"),
    ({"action": None}, "override-empty"),
    ({"on": START - timedelta(1)}, None),
    ({"action": "retarget"}, None),
])
def test_an_override_names_what_is_wrong(change: dict[str, Any], code: str | None) -> None:
    last = climbed()[-1]
    given: dict[str, Any] = {"on": last.on, "by": "coach:maria", "role": "coach",
                             "action": "hold", "reason": "travel", **change}
    with pytest.raises(fc.InputError) as caught:
        ENGINE.override(last.state, **given)
    assert caught.value.code == (code or "invalid-input")


# ---------------------------------------------------------------- goal and upgrade


def test_a_goal_change_records_who_and_why() -> None:
    """P12: the plan adapts to changing demands; the record says who changed it and why."""
    last = climbed()[-1]
    made = ENGINE.change_goal(last.state, fc.Goal.STRENGTH, on=last.on, by="athlete",
                              role="athlete", reason="new-sport", comment="took up lifting")
    assert made.kind is fc.models.ChangeKind.GOAL and made.action is fc.Action.RETARGET
    assert made.change is not None and made.change.comment == "took up lifting"
    assert fc.from_json(fc.to_json(made), fc.Decision) == made
    assert fc.from_dict(fc.to_dict(made), fc.Decision) == made


def test_an_upgrade_carries_the_rung_by_id_or_by_mapping() -> None:
    state = ENGINE.new_athlete("a-1", goal=fc.Goal.RUNNER, start=START)
    new = fc.Engine(renamed(), backend="native")
    with pytest.raises(fc.InputError) as caught:
        new.upgrade(state, ENGINE.rulebook, on=START)
    assert caught.value.code == "stage-unmapped" and "'baseline'" in str(caught.value)
    moved = new.upgrade(state, ENGINE.rulebook, on=START, mapping={"baseline": "foundation"},
                        by="ops", role="operator", reason="rulebook-release")
    assert moved.action is fc.Action.UPGRADE and moved.kind.value == "upgrade"
    assert moved.state.stage == "foundation" and moved.state.dose_level == 0
    assert moved.state.rulebook_digest == new.rulebook.digest == moved.rulebook.digest
    assert moved.prior_plan == ENGINE.plan(state) and moved.plan == new.plan(moved.state)
    with pytest.raises(fc.InputError) as caught:
        ENGINE.upgrade(moved.state, ENGINE.rulebook, on=START)
    assert caught.value.code == "rulebook-mismatch"
    back = ENGINE.upgrade(moved.state, new.rulebook, on=START,
                          mapping={"foundation": "baseline"})
    assert attrs.evolve(back.state, last_change_on=None) == state


# ---------------------------------------------------------------- in the store


@pytest.fixture
def store(store_url: str) -> Any:
    with fc.open_store(store_url) as opened:
        yield opened


def test_every_kind_is_recorded_verified_and_replayed(store: fc.store.Store) -> None:
    store.add_athlete(ENGINE.new_athlete("a-17", goal=fc.Goal.RUNNER, start=START))
    first = store.check_in(ENGINE, "a-17", fc.CheckIn(on=START, completed=True, minutes=20,
                                                      id="c-1"), by="app:ios")
    assert first.change is not None and first.change.role is fc.models.Role.ATHLETE
    goal = store.change_goal(ENGINE, "a-17", fc.Goal.STRENGTH, on=START + timedelta(1),
                             by="athlete", reason="new-sport")
    held = store.override(ENGINE, "a-17", on=START + timedelta(2), by="coach:maria",
                          role="coach", action=fc.Action.HOLD, reason="travel",
                          comment="away until the 20th")
    assert dict(held.firings[0].matched)["rules_decided"] == "retarget"
    after = store.check_in(ENGINE, "a-17", fc.CheckIn(on=START + timedelta(3),
                                                      completed=True, minutes=20))
    assert after.prior_state == held.state
    assert store.decisions("a-17") == (first, goal, held, after)
    assert [d.kind.value for d in store.decisions("a-17")] == ["checkin", "goal", "override",
                                                               "checkin"]
    assert store.state("a-17") == after.state
    assert store.verify().ok
    assert store.replay(ENGINE).ok
    # a retry of the signed check-in is answered from the store
    again = store.check_in(ENGINE, "a-17", fc.CheckIn(on=START, completed=True, minutes=20,
                                                      id="c-1"))
    assert again == first


def test_a_refused_override_writes_nothing(store: fc.store.Store) -> None:
    store.add_athlete(ENGINE.new_athlete("a-1", goal=fc.Goal.RUNNER, start=START))
    decision = store.check_in(ENGINE, "a-1", fc.CheckIn(on=START, completed=True,
                                                        symptoms=(SHARP,)))
    assert decision.action is fc.Action.PAUSE
    with pytest.raises(fc.Conflict):
        store.override(ENGINE, "a-1", on=START + timedelta(1), by="coach:maria",
                       role="coach", action="hold", reason="athlete-request")
    assert len(store.decisions("a-1")) == 1 and store.state("a-1").paused
    resumed = store.override(ENGINE, "a-1", on=START + timedelta(2), by="clinician:dr-lee",
                             role="clinician", clearance=True, reason="assessed-cleared")
    assert not store.state("a-1").paused and resumed.state.clinician_cleared
    with pytest.raises(fc.NotFound):
        store.override(ENGINE, "nobody", on=START, by="coach:maria", role="coach",
                       action="hold", reason="travel")
    assert store.verify().ok


def test_an_export_with_every_kind_imports_hash_for_hash(store: fc.store.Store,
                                                         tmp_path: Any) -> None:
    store.add_athlete(ENGINE.new_athlete("a-2", goal=fc.Goal.RUNNER, start=START))
    store.check_in(ENGINE, "a-2", fc.CheckIn(on=START, completed=True, minutes=20))
    store.change_goal(ENGINE, "a-2", "everyday", on=START + timedelta(1), by="athlete")
    store.override(ENGINE, "a-2", on=START + timedelta(2), by="coach:maria", role="coach",
                   action="deload", reason="illness")
    log = tmp_path / "out.jsonl"
    assert store.export_jsonl(log) == 3
    assert fc.audit.verify_log(log).ok and fc.audit.replay_log(log, ENGINE).ok
    with fc.open_store(tmp_path / "copy.db") as copy:
        copy.import_jsonl(log)
        assert copy.decisions("a-2") == store.decisions("a-2")
        assert copy.verify().ok


def test_an_override_or_goal_change_asked_again_is_a_retry(store: fc.store.Store) -> None:
    """Review: an app retrying an override after a timeout recorded the coach's action
    twice, and a retried goal change was refused as the same goal. The same change asked
    right after it is answered from the store, as a check-in's id is."""
    store.add_athlete(ENGINE.new_athlete("a-3", goal=fc.Goal.RUNNER, start=START))
    store.check_in(ENGINE, "a-3", fc.CheckIn(on=START, completed=True, minutes=20))
    asked: dict[str, Any] = {"on": START + timedelta(1), "by": "coach:maria", "role": "coach",
                             "action": "hold", "reason": "travel", "comment": "away"}
    first, recorded = store.record_override(ENGINE, "a-3", **asked)
    assert recorded
    assert store.record_override(ENGINE, "a-3", **asked) == (first, False)
    changed, recorded = store.record_override(ENGINE, "a-3", **{**asked, "comment": "back"})
    assert recorded and changed != first
    goal = store.change_goal(ENGINE, "a-3", "strength", on=START + timedelta(2), by="athlete")
    assert store.record_goal_change(ENGINE, "a-3", fc.Goal.STRENGTH, on=START + timedelta(2),
                                    by="athlete") == (goal, False)
    assert len(store.decisions("a-3")) == 4 and store.verify().ok
