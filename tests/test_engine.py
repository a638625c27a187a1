"""The Engine as an app embeds it: backends, pickling into worker processes, threads."""

from __future__ import annotations

import pickle
import threading
from concurrent.futures import ProcessPoolExecutor
from datetime import date, timedelta
from multiprocessing import get_context

import pytest

import footcore as fc
from footcore._compiled import CompiledMatcher
from footcore._engine import INTERPRETER, _Interpreter

START = date(2026, 1, 5)
STIFF = fc.Symptom(fc.SymptomKind.STIFFNESS, fc.Location.ARCH, severity=4)


def checkins(count: int) -> list[fc.CheckIn]:
    return [fc.CheckIn(on=START + timedelta(days=2 * n), completed=n % 5 != 3,
                       symptoms=(STIFF,) if n % 7 == 6 else ()) for n in range(count)]


def play(engine: fc.Engine, count: int = 30) -> list[str]:
    """Decisions (as JSON, backend aside) for one athlete over ``count`` check-ins."""
    state = engine.new_athlete("a-1", goal=fc.Goal.STRENGTH, start=START)
    out = []
    for checkin in checkins(count):
        decision = engine.evaluate(state, checkin)
        state = decision.state
        out.append(fc.to_json(decision).replace(f'"{engine.backend}"', '"?"'))
    return out


def test_auto_picks_native_everywhere() -> None:
    """The default is the compiled native backend, whether durable_rules imports or not."""
    for engine in (fc.Engine(), fc.Engine(backend="auto")):
        assert engine.backend == "native"
        assert isinstance(engine._matcher, CompiledMatcher)


def test_native_backend_is_always_there() -> None:
    assert fc.Engine(backend="native").backend == "native"


def test_the_reference_interpreter_is_a_private_backend_name() -> None:
    """The native backend runs the rulebook compiled; the interpreter it is checked against
    stays reachable (its decisions say native: they are the same decisions)."""
    engine = fc.Engine(backend=INTERPRETER)
    assert engine.backend == "native"
    assert isinstance(engine._matcher, _Interpreter)
    assert isinstance(fc.Engine(backend="native")._matcher, CompiledMatcher)
    copy = pickle.loads(pickle.dumps(engine))
    assert isinstance(copy._matcher, _Interpreter)
    assert play(engine) == play(fc.Engine(backend="native"))
    with pytest.raises(fc.InputError) as refused:
        fc.Engine(backend="interpreter")
    assert INTERPRETER not in str(refused.value)


def test_durable_backend_where_it_cannot_import_says_what_to_do() -> None:
    try:
        import durable_rules_engine  # noqa: F401
    except ImportError:
        with pytest.raises(fc.EngineError) as refused:
            fc.Engine(backend="durable")
        assert refused.value.code == "durable-missing"
        assert "footcore[durable]" in str(refused.value)
    else:
        assert fc.Engine(backend="durable").backend == "durable"


@pytest.mark.parametrize("backend", ["native", "auto"])
def test_an_engine_pickles_and_decides_the_same(backend: str) -> None:
    engine = fc.Engine(backend=backend)
    copy = pickle.loads(pickle.dumps(engine))
    assert copy.backend == engine.backend
    assert copy.rulebook.digest == engine.rulebook.digest
    assert play(copy) == play(engine)


def _work(engine: fc.Engine) -> list[str]:
    return play(engine, 12)


def test_an_engine_passed_to_worker_processes_decides_the_same() -> None:
    engine = fc.Engine()
    with ProcessPoolExecutor(2, mp_context=get_context("spawn")) as pool:
        results = list(pool.map(_work, [engine, engine]))
    assert results == [play(engine, 12)] * 2


def test_one_engine_shared_by_threads_decides_as_serial() -> None:
    engine = fc.Engine()
    expected = play(engine)
    results: list[list[str]] = []
    lock = threading.Lock()

    def work() -> None:
        mine = play(engine)
        with lock:
            results.append(mine)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [expected] * 4


def test_states_read_back_from_json_in_turn_decide_as_the_engines_own() -> None:
    """An app reads each state back from JSON, its athletes in turn: the engine remembers
    plans by what they are built from, not by state object, and decides the same."""
    athletes = [f"a-{n}" for n in range(3)]
    expected = play(fc.Engine(backend="native"))  # one athlete's, as the engine made them
    engine = fc.Engine(backend="native")
    texts = {name: fc.to_json(engine.new_athlete(name, goal=fc.Goal.STRENGTH, start=START))
             for name in athletes}
    got: dict[str, list[str]] = {name: [] for name in athletes}
    for checkin in checkins(30):
        for name in athletes:
            decision = engine.evaluate(fc.from_json(texts[name], fc.AthleteState), checkin)
            texts[name] = fc.to_json(decision.state)
            got[name].append(fc.to_json(decision).replace(f'"{name}"', '"a-1"')
                             .replace('"native"', '"?"'))
    assert got == dict.fromkeys(athletes, expected)
    # A plan is remembered once per distinct week, not once per state.
    assert len(engine._plans) < 3 * 30


@pytest.mark.parametrize(("call", "named"), [
    (lambda: fc.Engine("rules/"), "rulebook"),  # type: ignore[arg-type]
    (lambda: fc.load_rulebook(5), "path"),  # type: ignore[arg-type]
    (lambda: fc.explain(None), "decision"),  # type: ignore[arg-type]
    (lambda: fc.diff(None, None), "old"),  # type: ignore[arg-type]
    (lambda: fc.Engine(backend="native").evaluate({}, {}), "state"),  # type: ignore[arg-type]
], ids=["engine-str", "load-int", "explain-none", "diff-none", "evaluate-dicts"])
def test_a_wrong_argument_gets_an_input_error_naming_it(call: object, named: str) -> None:
    with pytest.raises(fc.InputError, match=f"^{named}: got .*; accepted: "):
        call()  # type: ignore[operator]
