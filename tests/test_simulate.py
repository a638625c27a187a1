"""Scenarios: parsing, expansion into check-ins, the shipped stories, and the chart."""

from __future__ import annotations

import sys
import tomllib
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from footcore import Action, Engine, InputError, Observation
from footcore._chart import render_chart
from footcore._simulate import (
    Scenario,
    checkins,
    is_back_off,
    main_reason,
    parse_scenario,
    simulate,
)
from footcore.models import Rulebook

SCENARIOS = Path(__file__).parents[1] / "examples" / "scenarios"
PNG = b"\x89PNG\r\n\x1a\n"


def load(name: str) -> Scenario:
    return parse_scenario(tomllib.loads((SCENARIOS / f"{name}.toml").read_text()))


def scenario(**weeks: Any) -> dict[str, Any]:
    return {"title": "t", "athlete": "a", "goal": "runner", "start": date(2026, 1, 5),
            "week": [weeks]}


# ---------------------------------------------------------------- parsing and expansion


def test_the_shipped_scenarios_are_the_five_stories() -> None:
    assert {p.stem for p in SCENARIOS.glob("*.toml")} == {
        "runner_clean", "runner_arch_irritation", "strength_knee_valgus",
        "everyday_ankle_history", "sharp_pain"}


def test_weeks_repeat_and_sessions_spread_over_the_week() -> None:
    data = scenario(repeat=2, done=2, missed=1)
    found = list(checkins(parse_scenario(data)))
    assert [(week, c.on.isoformat(), c.completed, c.minutes) for week, c in found] == [
        (1, "2026-01-05", True, 18), (1, "2026-01-07", True, 18), (1, "2026-01-09", False, 0),
        (2, "2026-01-12", True, 18), (2, "2026-01-14", True, 18), (2, "2026-01-16", False, 0)]


def test_a_week_without_sessions_is_a_gap() -> None:
    data = scenario()
    data["week"] = [{"done": 1}, {"done": 0}, {"done": 1}]
    assert [c.on for _, c in checkins(parse_scenario(data))] == [
        date(2026, 1, 5), date(2026, 1, 19)]


def test_reports_land_on_their_check_in_and_metrics_on_every_one() -> None:
    data = scenario(report_at=2, clearance=True,
                    symptoms=[{"kind": "irritation", "location": "arch", "severity": 3}],
                    compensations=[{"kind": "heel_lift"}],
                    metrics={"balance_eyes_open_s": 30})
    found = [c for _, c in checkins(parse_scenario(data))]
    assert [len(c.symptoms) for c in found] == [0, 1, 0]
    assert [len(c.compensations) for c in found] == [0, 1, 0]
    assert [c.clinician_cleared for c in found] == [True, False, False]
    assert {c.metrics.balance_eyes_open_s for c in found} == {30.0}


def test_a_week_reports_what_the_awareness_rung_found_and_its_own_minutes(
        engine: Engine) -> None:
    """P1: a scenario can say what the athlete noticed; P2, P6: a week of short sessions
    (under session_counts_min_minutes) does not count towards the next rung."""
    data = scenario(report_at=2, observations=["over_gripping"], minutes=4)
    data["week"].append({"repeat": 3})
    found = [c for _, c in checkins(parse_scenario(data))]
    assert [c.observations for c in found[:3]] == [(), (Observation.OVER_GRIPPING,), ()]
    assert [c.minutes for c in found[:4]] == [4, 4, 4, 18]
    decisions = simulate(engine, parse_scenario(data))
    assert decisions[-1].state.awareness == (Observation.OVER_GRIPPING,)
    assert [d.state.consecutive_completed for d in decisions[:4]] == [0, 0, 0, 1]


@pytest.mark.parametrize(("data", "message"), [
    ({"title": "t", "athlete": "a", "goal": "runner", "start": "2026-01-05"},
     "at least one [[week]]"),
    (scenario(sessions=3), "[[week]] number 1: invalid week: unknown field(s) sessions"),
    (scenario(done=5, missed=3), "at most 7 sessions a week"),
    (scenario(done=2, report_at=3, compensations=[{"kind": "heel_lift"}]), "report_at"),
    (scenario(done=0, clearance=True), "no check-in to bring it"),
    (scenario(done=0), "its weeks hold no check-in"),
    (scenario(done=2, report_at=3, observations=["flattening"]), "report_at"),
    (scenario(observations=["cramping"]), "observations"),
    (scenario(minutes=0), "minutes: got 0; accepted: 1 to 600"),
    (scenario(symptoms=[{"kind": "cramp", "location": "arch", "severity": 2}]),
     "symptoms[0].kind"),
    (scenario(symptoms=[{"kind": "soreness", "location": "arch", "severity": 12}]),
     "Symptom.severity"),
    ({**scenario(), "goal": "swimmer"}, "$.goal"),
    ({**scenario(), "start": "5 Jan"}, "$.start"),
])
def test_mistakes_are_reported_with_where_they_are(data: dict[str, Any], message: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_scenario(data)
    assert message in str(caught.value)


# ---------------------------------------------------------------- the stories


def actions(engine: Engine, name: str) -> list[tuple[Action, str]]:
    return [(d.action, main_reason(d)) for d in simulate(engine, load(name)) if is_back_off(d)]


def test_the_clean_runner_climbs_to_the_top_without_a_back_off(engine: Engine) -> None:
    decisions = simulate(engine, load("runner_clean"))
    assert not [d for d in decisions if is_back_off(d)]
    assert decisions[-1].state.stage == engine.rulebook.stages[-1].id


def test_arch_irritation_deloads_then_rests(engine: Engine) -> None:
    assert actions(engine, "runner_arch_irritation") == [
        (Action.DELOAD, "forefoot-irritation-deload"), (Action.REST, "forefoot-irritation-rest")]


def test_knee_valgus_deloads_in_single_leg_work_and_regresses_in_hops(engine: Engine) -> None:
    assert actions(engine, "strength_knee_valgus") == [
        (Action.DELOAD, "unilateral-compensation-deload"),
        (Action.REGRESS, "hop-compensation-regress")]


def test_sharp_pain_pauses_until_clearance(engine: Engine) -> None:
    decisions = simulate(engine, load("sharp_pain"))
    paused = [d for d in decisions if d.state.paused]
    assert paused and all(not d.checkin.clinician_cleared for d in paused)
    assert actions(engine, "sharp_pain") == [
        (Action.PAUSE, "sharp-pain-pause"), (Action.DELOAD, "resume-after-clearance (+1)")]


def test_the_walker_with_history_waits_for_clearance(engine: Engine,
                                                     rulebook: Rulebook) -> None:
    decisions = simulate(engine, load("everyday_ankle_history"))
    cleared = next(d.checkin.on for d in decisions if d.checkin.clinician_cleared)
    gated = {s.id for s in rulebook.stages if s.needs_clearance_with_history}
    before = [d for d in decisions if d.checkin.on < cleared]
    assert all(d.state.stage not in gated for d in before)
    assert "history-clearance-gate" in {f.rule_id for f in before[-1].winners}
    assert decisions[-1].state.stage == rulebook.stages[-1].id


def test_the_main_reason_is_the_winning_rule(engine: Engine) -> None:
    decisions = simulate(engine, load("runner_clean"))
    assert main_reason(decisions[0]) == "consistency-gate"
    assert main_reason(next(d for d in decisions if not d.winners)) == "(no rule fired)"
    # Several winners: the first, and a count of the others (see test_sharp_pain_...).


# ---------------------------------------------------------------- the chart


@pytest.mark.parametrize("name", ["sharp_pain", "everyday_ankle_history"])
def test_the_chart_is_a_png(engine: Engine, tmp_path: Path, name: str) -> None:
    story = load(name)
    target = tmp_path / "chart.png"
    render_chart(simulate(engine, story), engine.rulebook, target, title=story.title,
                 description=story.description)
    assert target.read_bytes().startswith(PNG)
    assert target.stat().st_size > 20_000


def test_the_chart_needs_decisions(engine: Engine, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no decisions"):
        render_chart((), engine.rulebook, tmp_path / "chart.png", title="empty")


def test_the_chart_says_when_matplotlib_is_missing(engine: Engine, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)  # import fails
    story = load("sharp_pain")
    with pytest.raises(InputError, match=r"pip install 'footcore\[plots\]'"):
        render_chart(simulate(engine, story), engine.rulebook, tmp_path / "c.png", title="t")


def _texts(ax: Any) -> list[str]:
    return [text.get_text() for text in ax.texts]


def test_the_chart_labels_in_plain_words_and_shows_what_caused_no_back_off(
        engine: Engine) -> None:
    from footcore._chart import chart_figure

    decisions = simulate(engine, load("strength_knee_valgus"))
    stage_ax, _ = chart_figure(decisions, engine.rulebook, title="t").axes[:2]
    labels = _texts(stage_ax)
    assert not [rule.id for rule in engine.rulebook.rules
                if any(rule.id in label for label in labels)]
    assert any(label.startswith("REGRESS") and "knee valgus in" in label for label in labels)
    # The heel lift of week 26 held the dose: no back-off, but on the chart.
    (heel,) = [label for label in labels if "heel lift" in label]
    assert heel.startswith("hold 29 Jun")


def test_the_chart_of_a_pause(engine: Engine) -> None:
    from footcore._chart import chart_figure

    decisions = simulate(engine, load("sharp_pain"))
    stage_ax, dose_ax = chart_figure(decisions, engine.rulebook, title="t").axes[:2]
    # The clearance is marked though a back-off (the deload to resume) falls on that day.
    assert any(label.startswith("CLEARED 02 Mar") for label in _texts(stage_ax))
    assert any(line.get_marker() == "*" for line in stage_ax.lines)
    # No dose is drawn while training is paused.
    (dose,) = [line for line in dose_ax.lines if line.get_color() == "#2e8b57"]
    (missed,) = [line for line in dose_ax.lines if line.get_marker() == "x"]
    paused = [decisions[0].prior_state.paused, *(d.state.paused for d in decisions)]
    ys = list(dose.get_ydata())[:len(paused)]
    assert any(paused)
    assert all((y != y) == gone for y, gone in zip(ys, paused, strict=True))  # NaN when paused
    # Missed sessions are marked inside the panel, on the band labelled for them.
    low, high = dose_ax.get_ylim()
    assert len(missed.get_ydata()) == sum(not d.checkin.completed for d in decisions)
    assert all(low < y < high for y in missed.get_ydata())
    assert "missed" in [tick.get_text() for tick in dose_ax.get_yticklabels()]
    # No week after the last: 20 weeks of check-ins, none labelled week 21.
    ticks = [tick.get_text() for tick in dose_ax.get_xticklabels()]
    assert ticks[-1].startswith("week 19") and not any("week 21" in t for t in ticks)


def test_the_chart_names_years_when_a_run_spans_two(engine: Engine) -> None:
    from footcore._chart import chart_figure

    story = parse_scenario({"title": "t", "athlete": "a", "goal": "runner",
                            "start": date(2026, 11, 2), "week": [{"repeat": 12}]})
    dose_ax = chart_figure(simulate(engine, story), engine.rulebook, title="t").axes[1]
    ticks = [tick.get_text() for tick in dose_ax.get_xticklabels()]
    assert ticks[0].endswith("2026") and ticks[-1].endswith("2027")
    plain = parse_scenario({"title": "t", "athlete": "a", "goal": "runner",
                            "start": date(2026, 1, 5), "week": [{"repeat": 12}]})
    dose_ax = chart_figure(simulate(engine, plain), engine.rulebook, title="t").axes[1]
    assert not any("2026" in tick.get_text() for tick in dose_ax.get_xticklabels())
