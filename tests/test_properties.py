"""Invariants of the engine, checked with footcore.testing's Hypothesis strategies.

Every property draws an athlete state as of ``TODAY`` and a check-in dated on or up to 30
days after it, so the pair is always a valid input (check-ins come in date order). Half the
inputs come straight from ``athlete_states`` and ``checkins``; the other half tilt those
draws toward athletes who may move up, since the raw strategies almost never produce a
PROGRESS or ADVANCE. Failing examples are printed as JSON (``note``) with ``explain``.
"""

from __future__ import annotations

from datetime import date, timedelta

import attrs
import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from footcore import (
    Action,
    AthleteState,
    BackOff,
    Category,
    CheckIn,
    Decision,
    Engine,
    Goal,
    InputError,
    Location,
    Metrics,
    PlanItem,
    Symptom,
    SymptomKind,
    explain,
    from_json,
    load_rulebook,
    to_json,
)
from footcore.testing import EPOCH, athlete_states, checkins, compensations, symptoms

# Built once for the module: a rulebook and an engine serve every example (engines hold no
# per-athlete data). Deliberately independent of any conftest fixtures.
RULEBOOK = load_rulebook()
NATIVE = Engine(RULEBOOK, backend="native")
# A second engine over a separately loaded copy of the rulebook, for the determinism check.
FRESH_NATIVE = Engine(load_rulebook(), backend="native")

TODAY = EPOCH + timedelta(days=200)
LATER = st.dates(TODAY, TODAY + timedelta(days=30))
STATES = athlete_states(RULEBOOK, today=TODAY)
CHECKINS = checkins(RULEBOOK, on=LATER)
ORDER = {stage.id: stage.order for stage in RULEBOOK.stages}
STEPS = {stage.id: len(stage.steps) for stage in RULEBOOK.stages}


@st.composite
def _ready_states(draw: st.DrawFn) -> AthleteState:
    """A state from ``athlete_states``, tilted toward one that may move up: not paused, no
    back-off window, sessions done every other day lately, a clean streak, days at the dose.

    ``athlete_states`` alone rarely gives such a state (in 3,000 draws with ``CHECKINS``
    no decision was PROGRESS or ADVANCE), so the properties also draw from this one.
    """
    state = draw(STATES)
    started = min(state.started_on, TODAY - timedelta(days=28))
    last = TODAY - timedelta(days=draw(st.integers(1, 3)))
    done = draw(st.integers(3, 6))
    return attrs.evolve(
        state, started_on=started, paused=False, backoff=BackOff.NONE, backoff_until=None,
        last_checkin_on=last, last_session_on=last,
        last_change_on=TODAY - timedelta(days=draw(st.integers(3, 20))),
        recent_sessions=tuple(sorted(last - timedelta(days=2 * i) for i in range(done))),
        clean_streak=draw(st.integers(1, 8)),
        dose_level=draw(st.sampled_from([state.dose_level, STEPS[state.stage] - 1])))


READY_STATES = _ready_states()
# Sessions done, with symptoms mild and short enough to leave progression possible.
MILD = symptoms(severity=st.integers(0, 4)).map(lambda s: attrs.evolve(s, days=s.days % 4))
MILD_CHECKINS = checkins(
    RULEBOOK, on=st.dates(TODAY, TODAY + timedelta(days=3)), symptom=MILD, max_symptoms=2,
    max_compensations=1,
).map(lambda c: attrs.evolve(c, completed=True, minutes=max(c.minutes, 15)))


@st.composite
def _inputs(draw: st.DrawFn) -> tuple[AthleteState, CheckIn]:
    """A (state, check-in) pair: either as the strategies give them, or ready to move up."""
    if draw(st.booleans()):
        return draw(READY_STATES), draw(MILD_CHECKINS)
    return draw(STATES), draw(CHECKINS)


INPUTS = _inputs()

PAIN = (SymptomKind.SHARP_PAIN, SymptomKind.PERSISTENT_PAIN)
# P10: irritation "behind the ball of the foot, under the arch, near the toes".
HOTSPOTS = (Location.BALL_OF_FOOT, Location.ARCH, Location.TOES, Location.PLANTAR_FASCIA)
RISING = (Action.PROGRESS, Action.ADVANCE)

SETTINGS = settings(deadline=None, max_examples=200,
                    suppress_health_check=[HealthCheck.too_slow])

# Symptoms that some back-off rule reacts to (P9, P10).
BACKOFF_SYMPTOMS = st.one_of(
    st.builds(Symptom, kind=st.just(SymptomKind.STIFFNESS),
              location=st.sampled_from(Location),
              severity=st.integers(RULEBOOK.whole("stiffness_deload_min"), 10),
              days=st.integers(0, 21)),
    st.builds(Symptom, kind=st.just(SymptomKind.IRRITATION),
              location=st.sampled_from(HOTSPOTS),
              severity=st.integers(0, 10), days=st.integers(0, 21)),
    symptoms(kinds=st.sampled_from(PAIN)),
)


@st.composite
def _with_extra(draw: st.DrawFn, field: str, extra: st.SearchStrategy[object]
                ) -> tuple[AthleteState, CheckIn, CheckIn]:
    """A state, a check-in, and that check-in with one more symptom or compensation."""
    state, checkin = draw(INPUTS)
    items = list(getattr(checkin, field))
    items.insert(draw(st.integers(0, len(items))), draw(extra))
    more = (attrs.evolve(checkin, symptoms=tuple(items)) if field == "symptoms"
            else attrs.evolve(checkin, compensations=tuple(items)))
    return state, checkin, more


def _show(state: AthleteState, checkin: CheckIn, decision: Decision | None = None) -> None:
    note(f"state:   {to_json(state)}")
    note(f"checkin: {to_json(checkin)}")
    if decision is not None:
        note(f"decision ({decision.action.value}):\n{explain(decision)}")


def _decide(state: AthleteState, checkin: CheckIn, engine: Engine = NATIVE) -> Decision:
    decision = engine.evaluate(state, checkin)
    _show(state, checkin, decision)
    return decision


def _items(decision: Decision) -> list[PlanItem]:
    plan = decision.plan
    return [item for session in plan.sessions for item in session.items] + list(plan.habits)


# ---------------------------------------------------------------- 0. the strategies themselves


def test_athlete_states_sometimes_set_every_optional_field() -> None:
    # A field the strategy never sets is a part of the state no property ever explores
    # (e.g. last_session_on: left None, the layoff rules count from the start date and
    # long-layoff-regress fires on a large share of completed check-ins).
    optional = {f.name for f in attrs.fields(AthleteState) if f.default is None}
    seen: set[str] = set()

    @settings(max_examples=300, database=None, deadline=None)
    @given(STATES)
    def collect(state: AthleteState) -> None:
        seen.update(name for name in optional if getattr(state, name) is not None)

    collect()
    assert seen == optional, f"never set by athlete_states: {sorted(optional - seen)}"


# ---------------------------------------------------------------- 1. pain pauses (P10)


@SETTINGS
@given(_with_extra("symptoms", symptoms(kinds=st.sampled_from(PAIN))))
def test_sharp_or_persistent_pain_always_pauses(
        drawn: tuple[AthleteState, CheckIn, CheckIn]) -> None:
    state, _, checkin = drawn
    decision = _decide(state, checkin)
    assert decision.action is Action.PAUSE
    assert decision.state.paused
    assert decision.plan.mode == "paused"
    assert decision.plan.sessions == ()
    assert not [item for item in _items(decision) if item.loaded]


@SETTINGS
@given(_with_extra("symptoms", symptoms(kinds=st.sampled_from(PAIN))))
def test_pause_plan_carries_the_cue_of_the_pause_rule(
        drawn: tuple[AthleteState, CheckIn, CheckIn]) -> None:
    # The pause rules carry cues ("Stop the session and get the foot checked by a
    # clinician..."); the engine collects them, so the paused plan must show them.
    state, _, checkin = drawn
    decision = _decide(state, checkin)
    cues = {rule.id: rule.cue for rule in RULEBOOK.rules}
    wanted = {cues[f.rule_id] for f in decision.winners if cues[f.rule_id]}
    assert wanted, "a pain pause rule with a cue fired"
    assert wanted <= set(decision.plan.cues)


# ---------------------------------------------------------------- 2. back-off never raises load


@SETTINGS
@given(_with_extra("symptoms", BACKOFF_SYMPTOMS))
def test_backoff_symptom_never_lets_load_rise(
        drawn: tuple[AthleteState, CheckIn, CheckIn]) -> None:
    state, _, checkin = drawn
    decision = _decide(state, checkin)
    new = decision.state
    assert decision.action not in RISING
    # A back-off rule fired, so the winner is at least as conservative as a deload.
    assert RULEBOOK.rank(decision.action) <= RULEBOOK.rank(Action.DELOAD)
    assert ORDER[new.stage] <= ORDER[state.stage]
    if new.stage == state.stage:
        assert new.dose_level <= state.dose_level


# ---------------------------------------------------------------- 3. monotonicity


@SETTINGS
@given(_with_extra("symptoms", symptoms()))
def test_adding_a_symptom_never_makes_the_action_more_aggressive(
        drawn: tuple[AthleteState, CheckIn, CheckIn]) -> None:
    state, base, more = drawn
    before = NATIVE.evaluate(state, base)
    after = NATIVE.evaluate(state, more)
    _show(state, more, after)
    note(f"without the extra symptom: {before.action.value}")
    assert RULEBOOK.rank(after.action) <= RULEBOOK.rank(before.action)


@SETTINGS
@given(_with_extra("compensations", compensations(RULEBOOK)))
def test_adding_a_compensation_never_makes_the_action_more_aggressive(
        drawn: tuple[AthleteState, CheckIn, CheckIn]) -> None:
    state, base, more = drawn
    before = NATIVE.evaluate(state, base)
    after = NATIVE.evaluate(state, more)
    _show(state, more, after)
    note(f"without the extra compensation: {before.action.value}")
    assert RULEBOOK.rank(after.action) <= RULEBOOK.rank(before.action)


# ---------------------------------------------------------------- 4. one rung at most


@SETTINGS
@given(INPUTS)
def test_one_rung_at_most_and_dose_within_the_stage(
        inputs: tuple[AthleteState, CheckIn]) -> None:
    state, checkin = inputs
    decision = _decide(state, checkin)
    new = decision.state
    assert abs(ORDER[new.stage] - ORDER[state.stage]) <= 1
    assert 0 <= new.dose_level <= STEPS[new.stage] - 1
    if ORDER[new.stage] > ORDER[state.stage]:
        assert decision.action is Action.ADVANCE
    if ORDER[new.stage] < ORDER[state.stage]:
        assert decision.action is Action.REGRESS


# ---------------------------------------------------------------- 5. plan shape (P6, P10, P11)


@SETTINGS
@given(INPUTS)
def test_plan_shape(inputs: tuple[AthleteState, CheckIn]) -> None:
    state, checkin = inputs
    decision = _decide(state, checkin)
    new, plan = decision.state, decision.plan
    low = RULEBOOK.number("session_min_minutes")
    high = RULEBOOK.number("session_max_minutes")
    assert plan.stage == new.stage
    assert plan.dose_level == new.dose_level
    assert len(plan.sessions) <= RULEBOOK.whole("sessions_per_week")
    for session in plan.sessions:
        assert low <= session.minutes <= high
        assert len(session.items) >= 3
        assert session.items[0].category is Category.WARM_UP
        assert session.items[-1].category in (Category.COOL_DOWN, Category.MOBILITY)
    if new.prior_foot_ankle_problems and not new.clinician_cleared:
        assert all(item.category is not Category.PLYOMETRIC
                   for item in _items(decision))
    if new.paused:
        assert plan.sessions == ()
        assert plan.mode == "paused"


@SETTINGS
@given(st.one_of(STATES, READY_STATES))
def test_plan_shape_of_any_state(state: AthleteState) -> None:
    note(f"state: {to_json(state)}")
    plan = NATIVE.plan(state)
    low = RULEBOOK.number("session_min_minutes")
    high = RULEBOOK.number("session_max_minutes")
    assert len(plan.sessions) <= RULEBOOK.whole("sessions_per_week")
    for session in plan.sessions:
        assert low <= session.minutes <= high
        assert session.items[0].category is Category.WARM_UP
        assert session.items[-1].category in (Category.COOL_DOWN, Category.MOBILITY)
    items = [i for s in plan.sessions for i in s.items] + list(plan.habits)
    if state.prior_foot_ankle_problems and not state.clinician_cleared:
        assert all(item.category is not Category.PLYOMETRIC for item in items)
    if state.paused:
        assert plan.sessions == () and not [item for item in items if item.loaded]


# ---------------------------------------------------------------- 6. JSON round trip


@SETTINGS
@given(INPUTS)
def test_json_round_trip(inputs: tuple[AthleteState, CheckIn]) -> None:
    state, checkin = inputs
    decision = _decide(state, checkin)
    assert from_json(to_json(state), AthleteState) == state
    assert from_json(to_json(checkin), CheckIn) == checkin
    text = to_json(decision)
    note(f"decision JSON: {text}")
    back = from_json(text, Decision)
    assert to_json(back) == text
    assert back == decision


def test_decision_round_trip_with_fields_read_out_of_alphabetical_order() -> None:
    # Regression example for property 6: a rule whose conditions read fields in
    # non-alphabetical order (lasting-symptom-pause reads kind, then days).
    state = NATIVE.new_athlete("a-1", goal=Goal.RUNNER, start=date(2026, 1, 5))
    checkin = CheckIn(on=date(2026, 1, 7), completed=True, symptoms=(
        Symptom(SymptomKind.SORENESS, Location.ARCH, severity=3, days=6),))
    decision = NATIVE.evaluate(state, checkin)
    assert "lasting-symptom-pause" in {f.rule_id for f in decision.firings}
    assert from_json(to_json(decision), Decision) == decision


# ---------------------------------------------------------------- 7. determinism


@SETTINGS
@given(INPUTS)
def test_same_inputs_give_identical_json(inputs: tuple[AthleteState, CheckIn]) -> None:
    state, checkin = inputs
    first = to_json(_decide(state, checkin))
    assert to_json(NATIVE.evaluate(state, checkin)) == first
    assert to_json(Engine(RULEBOOK, backend="native").evaluate(state, checkin)) == first
    assert to_json(FRESH_NATIVE.evaluate(state, checkin)) == first


# ---------------------------------------------------------------- 8. backends agree

_DURABLE: list[Engine] = []


def _durable() -> Engine:
    if not _DURABLE:
        _DURABLE.append(Engine(RULEBOOK, backend="durable"))
    return _DURABLE[0]


def _edge(name: str, low: float, high: float) -> st.SearchStrategy[float | None]:
    """A metric that is often exactly at, or just either side of, a rule's threshold."""
    at = RULEBOOK.number(name)
    return st.one_of(st.none(), st.sampled_from([at - 0.01, at, at + 0.01, float(int(at))]),
                     st.floats(low, high, allow_nan=False).map(lambda x: round(x, 2)))


EDGY_METRICS = st.builds(
    Metrics,
    balance_eyes_open_s=_edge("balance_open_for_unilateral", 0, 60),
    balance_eyes_closed_s=_edge("balance_closed_for_integration", 0, 30),
    forefoot_symmetry=st.none() | st.floats(0, 1).map(lambda x: round(x, 2)),
    foot_fatigue=_edge("fatigue_hold_min", 0, 10),
)


Step = tuple[int, CheckIn, bool, bool, Metrics | None]


def _tweak(checkin: CheckIn, twin_symptom: bool, twin_compensation: bool,
           metrics: Metrics | None) -> CheckIn:
    return attrs.evolve(
        checkin,
        symptoms=checkin.symptoms + checkin.symptoms[:int(twin_symptom)],
        compensations=checkin.compensations + checkin.compensations[:int(twin_compensation)],
        metrics=metrics if metrics is not None else checkin.metrics)


def _history(drawn: tuple[tuple[AthleteState, CheckIn], Step, list[Step]]
             ) -> tuple[AthleteState, list[CheckIn]]:
    (state, first), (_, _, twin_s, twin_c, metrics), later = drawn
    out = [_tweak(first, twin_s, twin_c, metrics)]
    for gap, checkin, twin_s, twin_c, metrics in later:
        moved = attrs.evolve(checkin, on=out[-1].on + timedelta(days=gap))
        out.append(_tweak(moved, twin_s, twin_c, metrics))
    return state, out


STEP = st.tuples(st.integers(0, 25), st.one_of(CHECKINS, MILD_CHECKINS), st.booleans(),
                 st.booleans(), st.none() | EDGY_METRICS)
# A state and one to four check-ins in date order, each valid after the one before.
# Besides what ``checkins`` draws, this aims at durable_rules' known pitfalls: two equal
# symptoms or compensations in one check-in, metrics exactly at a threshold, layoffs around
# the layoff thresholds. Built from module-level strategies (fast to draw from).
HISTORIES = st.tuples(INPUTS, STEP, st.lists(STEP, max_size=3)).map(_history)


@settings(deadline=None, max_examples=1500, suppress_health_check=[HealthCheck.too_slow])
@given(HISTORIES)
def test_backends_agree(history: tuple[AthleteState, list[CheckIn]]) -> None:
    pytest.importorskip("durable_rules_engine")
    durable = _durable()
    assert durable.backend == "durable"
    state, checkins_ = history
    for checkin in checkins_:
        native = NATIVE.evaluate(state, checkin)
        other = durable.evaluate(state, checkin)
        _show(state, checkin, native)
        note(f"durable fired: {sorted(f.rule_id for f in other.firings)}")
        assert other.backend == "durable"
        assert (to_json(attrs.evolve(other, backend="x"))
                == to_json(attrs.evolve(native, backend="x")))
        state = native.state


# ---------------------------------------------------------------- 9. pause holds


@SETTINGS
@given(st.one_of(STATES, READY_STATES), checkins(RULEBOOK, on=LATER, cleared=st.just(False)))
def test_pause_holds_until_clearance(state: AthleteState, checkin: CheckIn) -> None:
    paused = attrs.evolve(state, paused=True)
    decision = _decide(paused, checkin)
    assert decision.action is Action.PAUSE
    assert decision.state.paused
    assert decision.plan.sessions == ()


# ---------------------------------------------------------------- 10. order of check-ins


@SETTINGS
@given(STATES, st.integers(1, 60), st.data())
def test_checkin_before_the_last_one_is_rejected(state: AthleteState, back: int,
                                                  data: st.DataObject) -> None:
    last = state.last_checkin_on or TODAY
    state = attrs.evolve(state, last_checkin_on=last)
    checkin = data.draw(checkins(RULEBOOK, on=st.just(last - timedelta(days=back))))
    _show(state, checkin)
    with pytest.raises(InputError, match=r"CheckIn\.on"):
        NATIVE.evaluate(state, checkin)


@SETTINGS
@given(STATES, st.integers(1, 60), st.data())
def test_checkin_before_the_start_is_rejected(state: AthleteState, back: int,
                                              data: st.DataObject) -> None:
    state = attrs.evolve(state, last_checkin_on=None)
    checkin = data.draw(checkins(RULEBOOK,
                                 on=st.just(state.started_on - timedelta(days=back))))
    _show(state, checkin)
    with pytest.raises(InputError, match=r"CheckIn\.on"):
        NATIVE.evaluate(state, checkin)
