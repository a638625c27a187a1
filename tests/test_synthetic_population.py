"""The synthetic population of ``footcore.testing``: reproducible from a seed, valid, and as
mixed as real histories are."""

from __future__ import annotations

import itertools
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import footcore as fc
from footcore._simulate import is_back_off
from footcore.testing import POPULATION_START, population


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 2**32), size=st.integers(1, 6), checkins=st.integers(1, 90))
def test_a_seed_gives_the_same_valid_athletes(seed: int, size: int, checkins: int) -> None:
    first = list(population(size, seed=seed, checkins=checkins))
    assert first == list(population(size, seed=seed, checkins=checkins))
    # athlete n does not depend on how many are drawn
    assert first[:1] == list(population(1, seed=seed, checkins=checkins))
    for number, history in enumerate(first):
        state, taken = history.load()
        assert state.athlete_id == f"s-{number}" and state.stage == "baseline"
        assert len(taken) == checkins
        assert all(a.on <= b.on for a, b in itertools.pairwise(taken))
        assert POPULATION_START <= state.started_on <= taken[0].on


def test_different_seeds_give_different_athletes() -> None:
    assert list(population(3, seed=1, checkins=20)) != list(population(3, seed=2, checkins=20))


def test_a_population_is_as_mixed_as_real_histories(engine: fc.Engine) -> None:
    athletes = [h.load() for h in population(150, seed=0, checkins=78)]
    states = [s for s, _ in athletes]
    taken = [c for _, cs in athletes for c in cs]
    assert set(Counter(s.goal for s in states)) == set(fc.Goal)
    assert 0 < sum(s.prior_foot_ankle_problems for s in states) < len(states) / 2
    assert any(s.clinician_cleared for s in states)
    assert 0.05 < sum(not c.completed for c in taken) / len(taken) < 0.4
    gaps = [(b.on - a.on).days for _, cs in athletes for a, b in itertools.pairwise(cs)]
    assert max(gaps) >= 8  # weeks away
    kinds = Counter(s.kind for c in taken for s in c.symptoms)
    assert set(kinds) == set(fc.SymptomKind)
    assert sum(bool(c.symptoms) for c in taken) < len(taken) / 3  # they come and go
    assert any(c.compensations for c in taken) and any(c.clinician_cleared for c in taken)
    # Played through the shipped rulebook, they meet every kind of decision.
    actions: Counter[fc.Action] = Counter()
    back_offs = 0
    for state, checkins in athletes:
        for checkin in checkins:
            decision = engine.evaluate(state, checkin)
            actions[decision.action] += 1
            back_offs += is_back_off(decision)
            state = decision.state
    assert set(actions) == set(fc.Action) - {fc.Action.RETARGET, fc.Action.UPGRADE}  # no
    # check-in retargets or upgrades
    assert actions[fc.Action.HOLD] < sum(actions.values()) * 0.9
    assert back_offs > 0


def test_bad_sizes_are_refused() -> None:
    with pytest.raises(fc.InputError, match="athletes"):
        list(population(-1))
    with pytest.raises(fc.InputError, match="checkins"):
        list(population(1, checkins=0))
