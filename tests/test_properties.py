"""Invariants of the engine, checked with footcore.testing's strategies and checks.

Every property draws an athlete state as of ``TODAY`` and a check-in dated on or after it,
so the pair is always a valid input (check-ins come in date order). ``inputs`` mixes plain
draws with ones tilted toward athletes who may move up (the plain strategies almost never
produce a PROGRESS or ADVANCE), toward thresholds, layoffs and pauses. The invariants
themselves are the kit's checks (``footcore.testing.check_*``), so an app property-testing
its own rulebook runs exactly these; this file adds what is about footcore's own rulebook
(the pause rules' cues, JSON round trips, the order of check-ins) and the 1,500-example
differential test of the two backends. Failing examples are printed as JSON (``note``) with
``explain``.
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
    CheckIn,
    Compensation,
    CompensationKind,
    Decision,
    DuplicateCheckIn,
    Engine,
    Goal,
    InputError,
    Location,
    Metrics,
    Observation,
    Symptom,
    SymptomKind,
    explain,
    from_json,
    load_rulebook,
    to_json,
)
from footcore._engine import INTERPRETER
from footcore._ids import normal_id
from footcore.testing import (
    EPOCH,
    athlete_states,
    backoff_symptoms,
    check_backends_agree,
    check_backoff_never_raises_load,
    check_cues_agree_with_action,
    check_deterministic,
    check_hold_explained,
    check_invariants,
    check_monotone,
    check_no_hops_before_clearance,
    check_no_rise_unless_ready,
    check_one_rung_at_most,
    check_pain_pauses,
    check_pause_holds_until_clearance,
    check_session_shape,
    check_stiffness_never_raises_load,
    checkins,
    compensations,
    inputs,
    mild_checkins,
    pain_symptoms,
    ready_states,
    symptoms,
)
from rerun import examples

# Built once for the module: a rulebook and an engine serve every example (engines hold no
# per-athlete data). Deliberately independent of any conftest fixtures.
RULEBOOK = load_rulebook()
NATIVE = Engine(RULEBOOK, backend="native")
INTERPRETED = Engine(RULEBOOK, backend=INTERPRETER)
RULEBOOK_CUES = {rule.id: rule.cue for rule in RULEBOOK.rules}
# A second engine over a separately loaded copy of the rulebook, for the determinism check.
FRESH_NATIVE = Engine(load_rulebook(), backend="native")

TODAY = EPOCH + timedelta(days=200)
LATER = st.dates(TODAY, TODAY + timedelta(days=30))
STATES = athlete_states(RULEBOOK, today=TODAY)
READY_STATES = ready_states(RULEBOOK, today=TODAY)
CHECKINS = checkins(RULEBOOK, on=LATER)
MILD_CHECKINS = mild_checkins(RULEBOOK, on=st.dates(TODAY, TODAY + timedelta(days=3)))
INPUTS = inputs(RULEBOOK, today=TODAY)

# The reruns draw half as many examples: the draws are Hypothesis's, alike on any
# interpreter, and the safety invariants among these are also proved for every input by the
# prover, which runs whole on every interpreter (test_prove); each rerun checks that
# interpreter decides a sample of the same inputs alike (tests/rerun.py).
SETTINGS = settings(deadline=None, max_examples=examples(200, rerun=100),
                    suppress_health_check=[HealthCheck.too_slow])


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
@given(_with_extra("symptoms", pain_symptoms()))
def test_sharp_or_persistent_pain_always_pauses(
        drawn: tuple[AthleteState, CheckIn, CheckIn]) -> None:
    state, _, checkin = drawn
    _show(state, checkin)
    decision = check_pain_pauses(NATIVE, state, checkin)
    assert decision.action is Action.PAUSE


@SETTINGS
@given(_with_extra("symptoms", pain_symptoms()))
def test_pause_plan_carries_the_cue_of_the_pause_rule(
        drawn: tuple[AthleteState, CheckIn, CheckIn]) -> None:
    # The pause rules carry cues ("Stop the session and get the foot checked by a
    # clinician..."); the engine collects them, so the paused plan must show them.
    state, _, checkin = drawn
    decision = NATIVE.evaluate(state, checkin)
    _show(state, checkin, decision)
    cues = {rule.id: rule.cue for rule in RULEBOOK.rules}
    wanted = {cues[f.rule_id] for f in decision.winners if cues[f.rule_id]}
    assert wanted, "a pain pause rule with a cue fired"
    assert wanted <= set(decision.plan.cues)


@SETTINGS
@given(st.one_of(INPUTS, _with_extra("symptoms", pain_symptoms()).map(lambda d: (d[0], d[2])),
                 _with_extra("compensations", compensations(RULEBOOK)).map(
                     lambda d: (d[0], d[2]))))
def test_plan_cues_agree_with_the_action(drawn: tuple[AthleteState, CheckIn]) -> None:
    # P10: a plan carries the cues of the rules whose action was taken, none of an
    # overridden rise or hold (the kit's cues-agree-with-action).
    state, checkin = drawn
    _show(state, checkin)
    decision = check_cues_agree_with_action(NATIVE, state, checkin)
    lost = {RULEBOOK_CUES[f.rule_id] for f in decision.overridden} - {
        RULEBOOK_CUES[f.rule_id] for f in decision.winners}
    assert not lost & set(decision.plan.cues)


# ---------------------------------------------------------------- 2. back-off never raises load


@SETTINGS
@given(_with_extra("symptoms", backoff_symptoms(RULEBOOK)))
def test_backoff_symptom_never_lets_load_rise(
        drawn: tuple[AthleteState, CheckIn, CheckIn]) -> None:
    state, _, checkin = drawn
    _show(state, checkin)
    decision = check_backoff_never_raises_load(NATIVE, state, checkin)
    assert RULEBOOK.rank(decision.action) <= RULEBOOK.rank(Action.DELOAD)


# ---------------------------------------------------------------- 3. monotonicity


@SETTINGS
@given(_with_extra("symptoms", symptoms()))
def test_adding_a_symptom_never_makes_the_action_more_aggressive(
        drawn: tuple[AthleteState, CheckIn, CheckIn]) -> None:
    state, _, more = drawn
    _show(state, more)
    check_monotone(NATIVE, state, more)


@SETTINGS
@given(_with_extra("compensations", compensations(RULEBOOK)))
def test_adding_a_compensation_never_makes_the_action_more_aggressive(
        drawn: tuple[AthleteState, CheckIn, CheckIn]) -> None:
    state, _, more = drawn
    _show(state, more)
    check_monotone(NATIVE, state, more)


# ---------------------------------------------------------------- 4. one rung at most


@SETTINGS
@given(INPUTS)
def test_one_rung_at_most_and_dose_within_the_stage(
        pair: tuple[AthleteState, CheckIn]) -> None:
    _show(*pair)
    check_one_rung_at_most(NATIVE, *pair)
    check_no_rise_unless_ready(NATIVE, *pair)


STIFFNESS = st.builds(Symptom, kind=st.just(SymptomKind.STIFFNESS),
                      location=st.sampled_from(Location), severity=st.integers(0, 10),
                      days=st.integers(0, 3))
UNNAMED_KNEE_OR_HIP = st.builds(
    Compensation, st.sampled_from([CompensationKind.KNEE_VALGUS, CompensationKind.HIP_ADDUCTION]))
ORDER = {stage.id: stage.order for stage in RULEBOOK.stages}


def _load(state: AthleteState) -> tuple[int, int]:
    return ORDER[state.stage], state.dose_level


@SETTINGS
@given(_with_extra("symptoms", STIFFNESS))
def test_stiffness_never_raises_load(triple: tuple[AthleteState, CheckIn, CheckIn]) -> None:
    """P9: any stiffness after a workout, however mild, eases the week at least (an ease
    or more cautious) and never raises the load."""
    state, _, stiff = triple
    _show(state, stiff)
    decision = check_stiffness_never_raises_load(NATIVE, state, stiff)
    assert RULEBOOK.rank(decision.action) <= RULEBOOK.rank(Action.EASE), decision.action
    assert _load(decision.state) <= _load(state)


@SETTINGS
@given(_with_extra("compensations", UNNAMED_KNEE_OR_HIP))
def test_an_unnamed_knee_or_hip_compensation_scales_back_a_single_leg_week(
        triple: tuple[AthleteState, CheckIn, CheckIn]) -> None:
    """P8: a knee or hip compensation with no exercise named never raises the load, and in a
    week with single-leg work or hops it never holds either: a deload at least."""
    state, _, seen = triple
    _show(state, seen)
    decision = check_backoff_never_raises_load(NATIVE, state, seen)
    week = NATIVE.plan(state)
    single_leg = any(item.category.value == "plyometric"
                     or RULEBOOK.exercises[item.exercise].unilateral
                     for item in (*(i for s in week.sessions for i in s.items), *week.habits))
    floor = Action.DELOAD if single_leg else Action.HOLD
    assert RULEBOOK.rank(decision.action) <= RULEBOOK.rank(floor), decision.action
    assert _load(decision.state) <= _load(state)


@SETTINGS
@given(INPUTS)
def test_every_hold_names_its_rule_or_what_the_next_step_needs(
        pair: tuple[AthleteState, CheckIn]) -> None:
    """P2, P8, P11: a hold is never unexplained."""
    _show(*pair)
    decision = check_hold_explained(NATIVE, *pair)
    if decision.action is Action.HOLD:
        assert decision.winners or any(w.unmet for w in decision.why_not)
    for gate in decision.why_not:
        assert gate.rule_id not in {f.rule_id for f in decision.firings}
        assert gate.unmet and gate.action in (Action.PROGRESS, Action.ADVANCE)


# ---------------------------------------------------------------- 5. plan shape (P6, P10, P11)


@SETTINGS
@given(INPUTS)
def test_plan_shape(pair: tuple[AthleteState, CheckIn]) -> None:
    _show(*pair)
    check_session_shape(NATIVE, *pair)
    check_no_hops_before_clearance(NATIVE, *pair)


@SETTINGS
@given(st.one_of(STATES, READY_STATES))
def test_plan_shape_of_any_state(state: AthleteState) -> None:
    # The plan of a state as it stands (no decision): the same shape as after a decision.
    note(f"state: {to_json(state)}")
    plan = NATIVE.plan(state)
    low = RULEBOOK.number("session_min_minutes")
    high = RULEBOOK.number("session_max_minutes")
    assert len(plan.sessions) <= RULEBOOK.whole("sessions_per_week")
    for session in plan.sessions:
        assert low <= session.minutes <= high
        assert session.items[0].category.value == "warm_up"
        assert session.items[-1].category.value == "cool_down"
    items = [i for s in plan.sessions for i in s.items] + list(plan.habits)
    if state.prior_foot_ankle_problems and not state.clinician_cleared:
        assert all(item.category.value != "plyometric" for item in items)
    if state.paused:
        assert plan.sessions == () and not [item for item in items if item.loaded]


# ---------------------------------------------------------------- 6. JSON round trip


@SETTINGS
@given(INPUTS)
def test_json_round_trip(pair: tuple[AthleteState, CheckIn]) -> None:
    state, checkin = pair
    decision = NATIVE.evaluate(state, checkin)
    _show(state, checkin, decision)
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
def test_same_inputs_give_identical_json(pair: tuple[AthleteState, CheckIn]) -> None:
    # The kit's check: the same engine twice, and one over a freshly assembled copy of the
    # rulebook; here also one over a copy loaded from the files again.
    _show(*pair)
    first = to_json(check_deterministic(NATIVE, *pair))
    assert to_json(FRESH_NATIVE.evaluate(*pair)) == first


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


@pytest.mark.long
# Rerun on a fifth: the histories aim at durable_rules' pitfalls, which are in its Rete engine
# (the same C on any interpreter), which the whole run searches for; a rerun shows
# that both backends, each built for that interpreter, still run and agree.
@settings(deadline=None, max_examples=examples(1500, rerun=300),
          suppress_health_check=[HealthCheck.too_slow])
@given(HISTORIES)
def test_backends_agree(history: tuple[AthleteState, list[CheckIn]]) -> None:
    pytest.importorskip("durable_rules_engine")
    durable = _durable()
    assert durable.backend == "durable"
    state, checkins_ = history
    for checkin in checkins_:
        _show(state, checkin)
        state = check_backends_agree(NATIVE, state, checkin, other=durable).state


@pytest.mark.long
# Rerun on a fifth: the shipped rulebook compiles to one source, run by every example; the
# examples vary the facts it reads, which the whole run searches.
@settings(deadline=None, max_examples=examples(500, rerun=100),
          suppress_health_check=[HealthCheck.too_slow])
@given(HISTORIES)
def test_the_compiled_rulebook_decides_as_the_interpreter(
        history: tuple[AthleteState, list[CheckIn]]) -> None:
    """The native backend runs the rulebook compiled; the reference interpreter stays
    reachable as the engine's private backend name. Their decisions are byte-identical."""
    state, checkins_ = history
    for checkin in checkins_:
        _show(state, checkin)
        decision = NATIVE.evaluate(state, checkin)
        assert to_json(decision) == to_json(INTERPRETED.evaluate(state, checkin))
        state = decision.state


def revalidated(value: object) -> object:
    """``value`` built again through the checking constructors, every part of it."""
    if attrs.has(type(value)):
        return type(value)(**{field.name: revalidated(getattr(value, field.name))
                              for field in attrs.fields(type(value))})
    if isinstance(value, tuple):
        return tuple(revalidated(item) for item in value)
    return value


@SETTINGS
@given(INPUTS)
def test_what_the_engine_builds_unchecked_passes_every_check(
        pair: tuple[AthleteState, CheckIn]) -> None:
    """The engine builds its decisions without re-running the models' checks on values it
    derived from checked inputs; every part of them still passes those checks."""
    _show(*pair)
    decision = NATIVE.evaluate(*pair)
    assert revalidated(decision) == decision
    # a plan kept from before the decision (nothing that shapes it changed) is the plan
    # the new state has
    assert attrs.evolve(decision.plan, cues=()) == NATIVE.plan(decision.state)


# ---------------------------------------------------------------- 9. pause holds


@SETTINGS
@given(st.one_of(STATES, READY_STATES), checkins(RULEBOOK, on=LATER, cleared=False))
def test_pause_holds_until_clearance(state: AthleteState, checkin: CheckIn) -> None:
    paused = attrs.evolve(state, paused=True)
    _show(paused, checkin)
    decision = check_pause_holds_until_clearance(NATIVE, paused, checkin)
    assert decision.action is Action.PAUSE


# ---------------------------------------------------------------- 10. every invariant at once


@SETTINGS
@given(INPUTS)
def test_every_kit_invariant_holds(pair: tuple[AthleteState, CheckIn]) -> None:
    _show(*pair)
    check_invariants(NATIVE, *pair, skip=("backends-agree", "deterministic"))


# ---------------------------------------------------------------- 11. order of check-ins


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
    state = attrs.evolve(state, last_checkin_on=None, last_session_on=None, recent_sessions=(),
                         recent_checkins=())
    checkin = data.draw(checkins(RULEBOOK,
                                 on=st.just(state.started_on - timedelta(days=back))))
    _show(state, checkin)
    with pytest.raises(InputError, match=r"CheckIn\.on"):
        NATIVE.evaluate(state, checkin)


def _is_id(text: str) -> bool:
    try:
        return normal_id(text, "id") == text
    except InputError:
        return False


CHECK_IN_IDS = st.text(min_size=1, max_size=40).filter(_is_id)  # as footcore keeps them


@SETTINGS
@given(INPUTS, CHECK_IN_IDS)
def test_a_check_in_counts_once(pair: tuple[AthleteState, CheckIn], ident: str) -> None:
    """P2: a retried check-in (same id) is refused; another report of the same day adds no
    session, no miss and no clean session to the athlete's record."""
    state, checkin = pair
    first = NATIVE.evaluate(state, attrs.evolve(checkin, id=ident))
    with pytest.raises(DuplicateCheckIn) as caught:
        NATIVE.evaluate(first.state, attrs.evolve(checkin, id=ident))
    assert caught.value.id == ident
    again = NATIVE.evaluate(first.state, attrs.evolve(checkin, id=f"{ident}+"))
    for name in ("recent_sessions", "consecutive_completed", "consecutive_missed",
                 "last_session_on"):
        assert getattr(again.state, name) == getattr(first.state, name), name
    assert again.state.clean_streak <= first.state.clean_streak


# ---------------------------------------------------------------- issue 21: awareness (P1)

FINDINGS = st.sets(st.sampled_from(Observation)).map(
    lambda found: tuple(o for o in Observation if o in found))


def _shape(decision: Decision) -> list[list[tuple[str, bool]]]:
    """Each session's items as (category, one-legged): what a finding must not change."""
    rulebook = RULEBOOK.exercises
    return [[(i.category.value, rulebook[i.exercise].unilateral) for i in s.items]
            for s in decision.plan.sessions]


@SETTINGS
@given(INPUTS, FINDINGS, FINDINGS)
def test_the_awareness_finding_shapes_only_which_drill_leads(
        pair: tuple[AthleteState, CheckIn], found: tuple[Observation, ...],
        observed: tuple[Observation, ...]) -> None:
    """P1: what the awareness rung finds or a check-in observes never changes a decision's
    action or rules, on either backend, nor a session's categories, single-leg work or
    length; the first rung records every observation, later rungs keep the finding as it
    was."""
    state, checkin = pair
    aware = attrs.evolve(state, awareness=found)
    noticed = attrs.evolve(checkin, observations=observed)
    first_rung = state.stage == RULEBOOK.stages[0].id
    for engine in (NATIVE, INTERPRETED):
        plain = engine.evaluate(state, attrs.evolve(checkin, observations=()))
        decision = engine.evaluate(aware, noticed)
        _show(aware, noticed, decision)
        assert (decision.action, decision.firings) == (plain.action, plain.firings)
        assert _shape(decision) == _shape(plain)
        assert [s.minutes for s in decision.plan.sessions] == [
            s.minutes for s in plain.plan.sessions]
        kept = set(decision.state.awareness)
        assert set(found) <= kept
        assert (set(observed) <= kept) if first_rung else kept == set(found)
