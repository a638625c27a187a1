"""Rulebook change impact, and the digest that says a rulebook changed."""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from pathlib import Path

import attrs
import pytest

import footcore as fc
from footcore import Engine, Location, Rulebook, SymptomKind
from footcore._impact import decision_changes, impact
from footcore._rulebook import assemble, default_rules_dir

START = date(2026, 1, 5)


def changed(rulebook: Rulebook, *, version: str = "1.1.0", stages: tuple[fc.Stage, ...] = (),
            **values: float) -> Rulebook:
    """``rulebook`` with some params set to new values and some stages replaced."""
    params = {name: attrs.evolve(param, value=values[name]) if name in values else param
              for name, param in rulebook.params.items()}
    swapped = {stage.id: stage for stage in stages}
    return assemble(attrs.evolve(rulebook.meta, version=version), params,
                    rulebook.exercises.values(),
                    [swapped.get(stage.id, stage) for stage in rulebook.stages],
                    rulebook.rules, location="test")


def stiffness_cases(engine: Engine) -> list[tuple[fc.AthleteState, fc.CheckIn]]:
    """Stiffness 0-7/10 under the arch, at a new athlete's first session and for one well
    into control."""
    fresh = engine.new_athlete("a-1", goal=fc.Goal.RUNNER, start=START)
    seasoned = attrs.evolve(fresh, athlete_id="a-2", stage="control", dose_level=2,
                            recent_sessions=tuple(START + timedelta(days=2 * n)
                                                  for n in range(5)),
                            last_checkin_on=START + timedelta(days=8),
                            last_session_on=START + timedelta(days=8), clean_streak=4)
    return [(state, fc.CheckIn(on=on, completed=True,
                               symptoms=(fc.Symptom(SymptomKind.STIFFNESS, Location.ARCH,
                                                    severity),)))
            for state, on in ((fresh, START + timedelta(days=2)),
                              (seasoned, START + timedelta(days=10)))
            for severity in range(8)]


# ---------------------------------------------------------------- digests


def test_the_same_files_give_the_same_digest_wherever_they_are(tmp_path: Path,
                                                               rulebook: Rulebook) -> None:
    copy = tmp_path / "rules"
    shutil.copytree(Path(str(default_rules_dir())), copy)
    assert fc.load_rulebook(copy).digest == fc.load_rulebook().digest == rulebook.digest


def test_a_changed_threshold_changes_the_digest(tmp_path: Path, rulebook: Rulebook) -> None:
    copy = tmp_path / "rules"
    shutil.copytree(Path(str(default_rules_dir())), copy)
    params = copy / "params.toml"
    text = params.read_text(encoding="utf-8")
    marker = "[params.stiffness_deload_min]\nvalue = 3\n"
    assert marker in text
    params.write_text(text.replace(marker, marker.replace("3", "5")), encoding="utf-8")
    edited = fc.load_rulebook(copy)
    assert edited.digest != rulebook.digest
    assert edited.digest == changed(rulebook, version=rulebook.version,
                                    stiffness_deload_min=5).digest


def test_a_new_version_alone_changes_the_digest(rulebook: Rulebook) -> None:
    assert changed(rulebook).digest != rulebook.digest


# ---------------------------------------------------------------- impact


def test_a_raised_threshold_shows_up_grouped_by_action_and_rule(engine: Engine,
                                                                rulebook: Rulebook) -> None:
    cases = stiffness_cases(engine)
    report = impact(rulebook, changed(rulebook, stiffness_deload_min=5), cases)
    # stiffness 3 and 4 deloaded under the old threshold (3) and no longer do under 5
    assert (report.cases, report.changed) == (16, 4)
    assert [(g.key, g.count) for g in report.by_action] == [("deload -> hold", 4)]
    assert [(g.key, g.count) for g in report.by_rule] == [
        ("stiffness-deload no longer wins", 4),
        ("stiffness-hold now wins", 4),  # P9: milder stiffness still holds the load
        ("consistency-gate now wins", 2),  # the new athlete's sessions are too few to progress
    ]
    (group,) = report.by_action
    assert len(group.examples) == 3
    for case in group.examples:
        assert case.checkin.symptoms[0].severity in (3, 4)
        assert (case.before.action, case.after.action) == (fc.Action.DELOAD, fc.Action.HOLD)
        assert "action deload -> hold" in case.changes
        assert case.after.rulebook.version == "1.1.0"
    text = str(report)
    assert "4 of 16 decisions change" in text and "deload -> hold: 4" in text
    assert report.failures == ()


def test_the_same_rulebook_changes_nothing(engine: Engine, rulebook: Rulebook) -> None:
    report = impact(rulebook, fc.load_rulebook(), stiffness_cases(engine), examples=1)
    assert (report.cases, report.changed, report.by_action, report.by_rule) == (16, 0, (), ())


def test_a_dose_change_shows_up_with_the_same_rules_winning(engine: Engine,
                                                            rulebook: Rulebook) -> None:
    report = impact(rulebook, changed(rulebook, deload_volume_factor=0.5),
                    stiffness_cases(engine), examples=0)
    assert report.changed == 10  # every deload plans fewer reps
    assert [g.key for g in report.by_rule] == ["same rules win; the plan or state differs"]
    assert [g.key for g in report.by_action] == ["deload -> deload"]
    assert report.by_action[0].examples == ()


def test_a_case_the_new_rulebook_cannot_take_is_a_failure_not_a_crash(
        engine: Engine, rulebook: Rulebook) -> None:
    control = rulebook.stage("control")
    shorter = changed(rulebook, stages=(attrs.evolve(control, steps=control.steps[:1]),))
    report = impact(rulebook, shorter, stiffness_cases(engine))
    assert [(f.index, f.rulebook) for f in report.failures] == [(i, "new") for i in range(8, 16)]
    assert "dose_level" in report.failures[0].error
    assert "8 case(s) could not be evaluated" in str(report)


def test_impact_refuses_what_is_not_a_case(engine: Engine, rulebook: Rulebook) -> None:
    with pytest.raises(fc.InputError, match=r"cases\[0\]"):
        impact(rulebook, rulebook, [("state", "checkin")])  # type: ignore[list-item]
    with pytest.raises(fc.InputError, match="examples"):
        impact(rulebook, rulebook, [], examples=-1)


def test_decision_changes_ignore_who_made_the_decision(engine: Engine) -> None:
    state, checkin = stiffness_cases(engine)[4]
    decision = engine.evaluate(state, checkin)
    other = attrs.evolve(decision, backend="durable", footcore_version="9.9")
    assert decision_changes(decision, other) == ()
    held = attrs.evolve(decision, action=fc.Action.HOLD, firings=tuple(
        attrs.evolve(f, won=f.action is fc.Action.HOLD,
                     overridden_by=None if f.action is fc.Action.HOLD else fc.Action.HOLD)
        for f in decision.firings))
    assert decision_changes(decision, held)[0] == "action deload -> hold"
