"""Speed of the engine against footcore 0.1.0 and a hand-written floor, measured in one run.

Usage::

    python benchmarks/bench_speed.py [--athletes 40] [--rounds 5] [--passes 5]
                                     [--baseline v0.1.0] [--in-turn 1100]
                                     [--in-turn-checkins 12] [--clock wall|cpu] [--app-only]

footcore 0.1.0 is checked out beside the working tree (``git archive`` of the tag into a
temporary folder) and imported in the same process under another package name
(``footcore_baseline``; footcore imports itself only relatively), so both are timed side by
side. Both play the same everyday trajectories (benchmarks/trajectories.py: the same
check-ins, drawn from a seed), each on its own shipped rulebook, which differ (0.1.0 has
fewer rules and no "why not"), so each version makes its own decisions from them.

Timed, per decision: ``evaluate`` as the trajectories are played (each check-in from the
state the previous decision made), on 0.1.0's native backend, on the working tree's native
backend (the compiled rulebook), its reference interpreter and its durable backend; the
hand-written if-chain of benchmarks/handwritten.py (the floor) on the same inputs;
``to_json`` of decisions just made, in trajectory order (a decision's prior state is the
state written just before it, as when a store or an audit log writes them one by one) and
of decisions read back from JSON (nothing of them written before); ``pickle`` dumps and
loads; on the durable backend's facts, durable_rules used directly, through its own API (a
``Host`` with the same ruleset, one ``assert_fact`` per fact, the session deleted after)
and through its bare C driver with the payloads written beforehand (the engine's own time,
a floor); and ``from_json``. The run checks that compiled, interpreted and durable
decisions are the same JSON and that the floor agrees with the engine. ``to_dict`` and
``from_dict`` are timed against the string round trip they replace (``json.loads(to_json(x))``
and ``from_json(json.dumps(data))``): the generated builders of ``footcore/_data.py`` are
kept only while ``to_dict`` stays well under it.

The app's round trip (issue 25): the athlete's state read with ``from_json`` from the text
last written for it, ``evaluate``, then ``to_json`` of the decision and of the new state;
athlete after athlete, with every check-in's ``id`` set, and with ids for ``--in-turn``
athletes served in turn (check-in k of each before check-in k + 1 of any; their first
``--in-turn-checkins``), compared with ``evaluate`` on those athletes in turn and one after
another; and in turn with each state's text as another process would have written it
(compact; the same data), which the process reading it has not seen. ``--app-only`` times
only these and ``evaluate``.

The machine is shared and noisy, so every figure is taken the same way: the inputs are cut
into chunks of 50; in each pass every figure's chunk k is timed right after the others'
chunk k; each chunk keeps its fastest pass; a figure is the sum of its chunks. Where an item
needs preparing (an athlete's start; the evaluate before a to_json), that is done untimed
right before the item's call, which is timed alone. Ratios are
taken within each round, then the median, min and max over the rounds (each round a fresh
process) are printed. ``--clock cpu`` reads the thread's CPU time instead of the wall
clock, for a machine busy with other work.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import pickle
import platform
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CHUNK = 50

@dataclass
class Figure:
    """What one figure times: ``call`` on each item ``make`` gives for a pass (new objects
    where a pass must not see what the one before made). With ``prepare``, each item is
    first prepared untimed, right before its call (None: no call for this item)."""

    make: Callable[[], Sequence[Any]]
    call: Callable[[Any], object]
    prepare: Callable[[Any], Any] | None = None


# The clock every figure is read on: wall time by default; with --clock cpu, this thread's
# CPU time, which other processes on a busy shared machine do not add to.
CLOCKS = {"wall": time.perf_counter, "cpu": time.thread_time}
_clock = [CLOCKS["wall"]]


def _run(figure: Figure, part: Sequence[Any]) -> tuple[float, int]:
    """Seconds spent calling ``figure`` on ``part``, and how many calls."""
    clock, call = _clock[0], figure.call
    if figure.prepare is None:
        began = clock()
        for item in part:
            call(item)
        return clock() - began, len(part)
    spent, calls = 0.0, 0
    for item in part:
        ready = figure.prepare(item)
        if ready is not None:
            began = clock()
            call(ready)
            spent += clock() - began
            calls += 1
    return spent, calls


def interleaved(figures: dict[str, Figure], passes: int) -> dict[str, float]:
    """Microseconds per call of each figure, timed chunk by chunk side by side."""
    best: dict[str, list[float]] = {}
    calls: dict[str, int] = {}
    for number in range(passes + 1):  # the first pass warms up
        batches = {name: figure.make() for name, figure in figures.items()}
        chunks = max(len(batch) for batch in batches.values()) // CHUNK + 1
        for k in range(chunks):
            for name, figure in figures.items():
                spent, made = _run(figure, batches[name][k * CHUNK:(k + 1) * CHUNK])
                if number == 1:
                    best.setdefault(name, []).append(spent)
                    calls[name] = calls.get(name, 0) + made
                elif number > 1:
                    best[name][k] = min(best[name][k], spent)
    return {name: sum(best[name]) / calls[name] * 1e6 for name in figures}


# ---------------------------------------------------------------- what is timed


def played(engine: Any, fc: ModuleType, athletes: int) -> list[Any]:
    """The decisions of the trajectories, each state the previous decision's."""
    import trajectories

    out = []
    for profile, checkins in trajectories.athletes(fc, athletes):
        profile = dict(profile)
        state = engine.new_athlete(profile.pop("athlete_id"), **profile)
        for checkin in checkins:
            out.append(engine.evaluate(state, checkin))
            state = out[-1].state
    return out


def playing(engine: Any, fc: ModuleType, athletes: int, then: Callable[[Any], object] | None
            = None) -> Figure:
    """``evaluate`` as the trajectories are played, each check-in from the state the
    engine's previous decision for that athlete made; or, given ``then``, ``then`` of each
    decision just made (the evaluate untimed)."""
    import trajectories

    steps: list[tuple[str, Any]] = []
    for profile, checkins in trajectories.athletes(fc, athletes):
        steps.append(("start", profile))
        steps.extend(("checkin", checkin) for checkin in checkins)
    state: list[Any] = [None]

    def prepare(item: tuple[str, Any]) -> Any:
        kind, value = item
        if kind == "start":
            profile = dict(value)
            state[0] = engine.new_athlete(profile.pop("athlete_id"), **profile)
            return None
        if then is None:
            return value
        decision = engine.evaluate(state[0], value)
        state[0] = decision.state
        return decision

    def evaluate(checkin: Any) -> None:
        state[0] = engine.evaluate(state[0], checkin).state

    return Figure(lambda: steps, evaluate if then is None else then, prepare)


def _app_steps(fc: ModuleType, athletes: int, in_turn: bool, ids: bool,
               most: int | None = None) -> list[tuple[int, Any]]:
    """The trajectories' steps as (athlete number, profile or check-in): each athlete's
    start, then its check-ins (the first ``most``), athlete after athlete or, ``in_turn``,
    check-in k of every athlete before check-in k + 1 of any. With ``ids``, every check-in
    has an id, as the store docs recommend."""
    import attrs
    import trajectories

    plays = []
    for number, (profile, checkins) in enumerate(trajectories.athletes(fc, athletes)):
        checkins = checkins[:most]
        if ids:
            checkins = [attrs.evolve(checkin, id=f"{profile['athlete_id']}-{k}")
                        for k, checkin in enumerate(checkins)]
        plays.append([(number, profile), *((number, checkin) for checkin in checkins)])
    if not in_turn:
        return [step for play in plays for step in play]
    longest = max(map(len, plays))
    return [play[k] for k in range(longest) for play in plays if k < len(play)]


def served(engine: Any, fc: ModuleType, steps: list[tuple[int, Any]], app: bool,
           elsewhere: bool = False) -> Figure:
    """``evaluate`` on the steps, each athlete's check-in from the state of its previous
    decision; or, with ``app``, the app's round trip: the athlete's state read from the
    JSON text last written for it, evaluated, the decision and the new state written.
    ``elsewhere``: the state's text as another process would have written it (the same
    data, compact: untimed), which this one has not seen."""
    states: dict[int, Any] = {}

    def prepare(step: tuple[int, Any]) -> Any:
        number, value = step
        if isinstance(value, dict):
            profile = dict(value)
            state = engine.new_athlete(profile.pop("athlete_id"), **profile)
            states[number] = fc.to_json(state) if app else state
            return None
        if elsewhere:
            states[number] = json.dumps(json.loads(states[number]), separators=(",", ":"),
                                        ensure_ascii=False)
        return step

    def evaluate(step: tuple[int, Any]) -> None:
        number, checkin = step
        states[number] = engine.evaluate(states[number], checkin).state

    def round_trip(step: tuple[int, Any]) -> None:
        number, checkin = step
        decision = engine.evaluate(fc.from_json(states[number], fc.AthleteState), checkin)
        fc.to_json(decision)
        states[number] = fc.to_json(decision.state)

    return Figure(lambda: steps, round_trip if app else evaluate, prepare)


def app_figures(fc: ModuleType, engine: Any, athletes: int, in_turn: int,
                most: int) -> dict[str, Figure]:
    """The app's round trip (``served``) athlete after athlete, with check-in ids, and with
    ids for ``in_turn`` athletes served in turn (their first ``most`` check-ins); and
    ``evaluate`` on those athletes in turn and one after another."""
    def steps(count: int, turn: bool, ids: bool, first: int | None = None) -> list[Any]:
        return _app_steps(fc, count, turn, ids, first)

    return {
        "app path": served(engine, fc, steps(athletes, False, False), app=True),
        "app path, ids": served(engine, fc, steps(athletes, False, True), app=True),
        "app path, ids, athletes in turn": served(
            engine, fc, steps(in_turn, True, True, most), app=True),
        "app path, ids, in turn, states from elsewhere": served(
            engine, fc, steps(in_turn, True, True, most), app=True, elsewhere=True),
        "evaluate, athletes in turn": served(engine, fc, steps(in_turn, True, False, most),
                                             app=False),
        "evaluate, same athletes one by one": served(
            engine, fc, steps(in_turn, False, False, most), app=False),
    }


def app_worker(athletes: int, passes: int, in_turn: int, most: int) -> dict[str, Any]:
    """Only the app's figures (``app_figures``) and the evaluate they are compared with."""
    import footcore as fc

    native = fc.Engine(fc.load_rulebook(), backend="native")
    figures = {"evaluate": playing(native, fc, athletes),
               **app_figures(fc, native, athletes, in_turn, most)}
    out: dict[str, Any] = {"version": fc.__version__,
                           "checkins": len(played(native, fc, athletes))}
    out.update(interleaved(figures, passes))
    return out


def worker(baseline_src: str | None, athletes: int, passes: int, in_turn: int,
           most: int) -> dict[str, Any]:
    import handwritten

    import footcore as fc
    from footcore._engine import INTERPRETER

    rulebook = fc.load_rulebook()
    native = fc.Engine(rulebook, backend="native")
    interpreted = fc.Engine(rulebook, backend=INTERPRETER)
    decisions = played(native, fc, athletes)
    pairs = [(d.prior_state, d.checkin) for d in decisions]
    texts = [fc.to_json(d) for d in decisions]
    weeks = handwritten.Weeks(native)
    out: dict[str, Any] = {"version": fc.__version__, "checkins": len(pairs)}
    out["same (compiled, interpreter)"] = sum(
        fc.to_json(interpreted.evaluate(*pair)) == text
        for pair, text in zip(pairs, texts, strict=True))
    out["floor agrees"] = sum(
        handwritten.decide(weeks, *pair)[:3] == (d.action, d.state.stage, d.state.dose_level)
        for pair, d in zip(pairs, decisions, strict=True))

    figures: dict[str, Figure] = {
        "evaluate": playing(native, fc, athletes),
        "evaluate, interpreter": playing(interpreted, fc, athletes),
        "hand-written floor": Figure(lambda: pairs,
                                     lambda pair: handwritten.decide(weeks, *pair)),
        "to_json, in trajectory order": playing(native, fc, athletes, then=fc.to_json),
        "to_json, read-back decisions": Figure(
            lambda: [fc.from_json(text, fc.Decision) for text in texts[::8]], fc.to_json),
        "to_dict, in trajectory order": playing(native, fc, athletes, then=fc.to_dict),
        "json.loads(to_json), in trajectory order": playing(
            native, fc, athletes, then=lambda decision: json.loads(fc.to_json(decision))),
        "pickle.dumps": Figure(lambda: decisions, pickle.dumps),
        "pickle.loads": Figure(lambda: [pickle.dumps(d) for d in decisions], pickle.loads),
        **app_figures(fc, native, athletes, in_turn, most),
    }
    if baseline_src is not None:
        old = baseline(baseline_src)
        old_engine = old.Engine(old.load_rulebook(Path(baseline_src).parent / "rules"),
                                backend="native")
        figures["0.1.0 evaluate"] = playing(old_engine, old, athletes)
    durable = durable_figures(fc, rulebook, pairs, texts, athletes)
    if isinstance(durable, str):
        out["durable"] = durable
    else:
        same, extra = durable
        out["same (durable)"] = same
        figures.update(extra)
    out.update(interleaved(figures, passes))
    sample = texts[::16]
    data = [json.loads(text) for text in sample]
    out.update(interleaved({
        "from_json": Figure(lambda: sample, lambda text: fc.from_json(text, fc.Decision)),
        "from_dict": Figure(lambda: data, lambda item: fc.from_dict(item, fc.Decision)),
        "from_json(json.dumps(data))": Figure(
            lambda: data, lambda item: fc.from_json(json.dumps(item), fc.Decision)),
    }, passes))
    out["pickle"] = out["pickle.dumps"] + out["pickle.loads"]
    out["pickle bytes"] = statistics.mean(len(pickle.dumps(d)) for d in decisions)
    out["json bytes"] = statistics.mean(len(text.encode()) for text in texts)
    return out


def baseline(src: str) -> ModuleType:
    """footcore as found in ``src``, imported as the package ``footcore_baseline``."""
    init = Path(src) / "footcore" / "__init__.py"
    spec = importlib.util.spec_from_file_location(
        "footcore_baseline", init, submodule_search_locations=[str(init.parent)])
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["footcore_baseline"] = module
    spec.loader.exec_module(module)
    return module


def durable_figures(fc: ModuleType, rulebook: Any, pairs: list[Any], texts: list[str],
                    athletes: int) -> str | tuple[int, dict[str, Figure]]:
    from footcore import _durable

    if not _durable.durable_available():
        return "durable-rules does not import here"
    from durable.engine import Host

    from footcore._facts import build_facts

    engine = fc.Engine(rulebook, backend="durable")
    same = sum(fc.to_json(engine.evaluate(*pair)).replace('"durable"', '"native"') == text
               for pair, text in zip(pairs, texts, strict=True))
    facts = [build_facts(rulebook, *pair) for pair in pairs]

    # durable_rules through its own API: the same ruleset and facts (strings as the hex
    # the ruleset compares), one assert_fact per fact, the session deleted after.
    rules = rulebook.compiled
    entries = {f"r{n}": _durable._pattern(rule)[0] for n, rule in enumerate(rules)}
    definition = json.loads(_durable._ruleset(entries))
    fired: list[tuple[str, int]] = []
    for name, rule in definition.items():
        rule["run"] = lambda c, name=name: fired.append((name, c.m["_index"]))
    host = Host({"direct": definition})
    read = {kind: sorted({t.field for r in rules if r.fact is kind for t in r.tests})
            for kind in {r.fact for r in rules}}
    sessions = iter(range(10**9))

    def hexed(value: Any) -> Any:
        return value.encode("utf-8", "surrogatepass").hex() if isinstance(value, str) else value

    def direct(evaluation: Any) -> None:
        sid = str(next(sessions))
        host.assert_fact("direct", {"sid": sid, "id": "s", "_type": "sentinel", "_index": 0})
        for kind, names in read.items():
            for index, fact in enumerate(evaluation.get(kind, ())):
                host.assert_fact("direct", {"sid": sid, "id": f"{kind.value}{index}",
                                            "_type": kind.value, "_index": index,
                                            **{name: hexed(fact[name]) for name in names}})
        host.delete_state("direct", sid)
        fired.clear()

    # The bare C driver, payloads written beforehand: the time spent inside durable_rules.
    matcher = engine._matcher
    c_engine = _durable._engine()
    sids = iter(range(10**9, 2 * 10**9))

    def prepared() -> list[tuple[str, list[str]]]:  # each pass its own sessions
        made = []
        for evaluation in facts:
            sid = str(next(sids))
            texts_ = [matcher._sentinel(sid, 0, None)]
            for kind, write in matcher._writers.items():
                texts_.extend(write(sid, index, fact)
                              for index, fact in enumerate(evaluation.get(kind, ())))
            made.append((sid, texts_))
        return made

    def bare(item: tuple[str, list[str]]) -> None:
        sid, texts_ = item
        handle = matcher._handle
        state = c_engine.assert_fact(handle, texts_[0])[1]
        for text in texts_[1:]:
            c_engine.assert_fact(handle, text)
        result = c_engine.start_action_for_state(handle, state)
        message = result and result[1]
        while message:
            message = c_engine.complete_and_start_action(handle, state)
        c_engine.delete_state(handle, sid)

    return same, {
        "durable evaluate": playing(engine, fc, athletes),
        "durable_rules directly (its API)": Figure(lambda: facts, direct),
        "durable_rules C driver, payloads ready": Figure(prepared, bare),
    }


# ---------------------------------------------------------------- the run


def baseline_tree(ref: str, into: Path) -> Path | None:
    """Footcore at ``ref`` (its src and rules), extracted into ``into``; None without git."""
    try:
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", "--format=tar", ref,
                                  "src", "rules"], capture_output=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError) as exc:
        print(f"(no baseline: git archive {ref} failed: {exc})")
        return None
    with tempfile.NamedTemporaryFile(suffix=".tar") as file:
        file.write(archive)
        file.flush()
        with tarfile.open(file.name) as tar:
            tar.extractall(into, filter="data")
    return into / "src"


def spread(values: Iterable[float]) -> str:
    ordered = sorted(values)
    return f"{statistics.median(ordered):9.2f} {ordered[0]:9.2f} {ordered[-1]:9.2f}"


RATIOS: list[tuple[str, str, str]] = [
    ("speed-up over 0.1.0 (0.1.0 evaluate / evaluate)", "0.1.0 evaluate", "evaluate"),
    ("evaluate / hand-written floor", "evaluate", "hand-written floor"),
    ("interpreter evaluate / compiled evaluate", "evaluate, interpreter", "evaluate"),
    ("to_json / evaluate (trajectory order)", "to_json, in trajectory order", "evaluate"),
    ("to_json / evaluate (read-back decisions)", "to_json, read-back decisions", "evaluate"),
    ("from_json / evaluate", "from_json", "evaluate"),
    ("to_dict / json.loads(to_json)", "to_dict, in trajectory order",
     "json.loads(to_json), in trajectory order"),
    ("from_dict / from_json(json.dumps(data))", "from_dict", "from_json(json.dumps(data))"),
    ("pickle dumps + loads / evaluate", "pickle", "evaluate"),
    ("app path / evaluate", "app path", "evaluate"),
    ("app path with ids / app path", "app path, ids", "app path"),
    ("app path with ids, athletes in turn / evaluate", "app path, ids, athletes in turn",
     "evaluate, same athletes one by one"),
    ("... states written elsewhere / evaluate",
     "app path, ids, in turn, states from elsewhere",
     "evaluate, same athletes one by one"),
    ("evaluate, athletes in turn / one by one", "evaluate, athletes in turn",
     "evaluate, same athletes one by one"),
    ("durable evaluate / durable_rules directly (its API)", "durable evaluate",
     "durable_rules directly (its API)"),
    ("durable evaluate / durable_rules C driver", "durable evaluate",
     "durable_rules C driver, payloads ready"),
]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--athletes", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--passes", type=int, default=5)
    parser.add_argument("--baseline", default="v0.1.0", help="git ref of the baseline")
    parser.add_argument("--in-turn", type=int, default=1100,
                        help="athletes served in turn (the app path's last figures)")
    parser.add_argument("--in-turn-checkins", type=int, default=12,
                        help="check-ins of each athlete served in turn")
    parser.add_argument("--clock", choices=tuple(CLOCKS), default="wall")
    parser.add_argument("--app-only", action="store_true",
                        help="only the app path's figures and evaluate")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--baseline-src", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker:
        sys.path[:0] = [str(ROOT / "src"), str(HERE)]
        _clock[0] = CLOCKS[args.clock]
        if args.app_only:
            out = app_worker(args.athletes, args.passes, args.in_turn, args.in_turn_checkins)
        else:
            out = worker(args.baseline_src, args.athletes, args.passes, args.in_turn,
                         args.in_turn_checkins)
        print(json.dumps(out))
        return 0

    rounds = []
    with tempfile.TemporaryDirectory() as folder:
        src = baseline_tree(args.baseline, Path(folder))
        command = [sys.executable, __file__, "--worker", "--athletes", str(args.athletes),
                   "--passes", str(args.passes), "--in-turn", str(args.in_turn),
                   "--in-turn-checkins", str(args.in_turn_checkins), "--clock", args.clock,
                   *(["--app-only"] if args.app_only else [])]
        if src is not None:
            command += ["--baseline-src", str(src)]
        for number in range(args.rounds):
            done = subprocess.run(command, capture_output=True, text=True, check=False)
            if done.returncode != 0:
                raise SystemExit(f"the worker failed:\n{done.stderr}")
            rounds.append(json.loads(done.stdout.splitlines()[-1]))
            print(f"round {number + 1} of {args.rounds} done", file=sys.stderr)

    first = rounds[0]
    print(f"the working tree (footcore {first['version']}) against {args.baseline}; Python "
          f"{platform.python_version()}; {args.rounds} rounds of {args.passes} passes; "
          f"{args.athletes} athletes, {first['checkins']} check-ins; {args.in_turn} athletes "
          f"in turn, {args.in_turn_checkins} check-ins each; {args.clock} clock")
    for key in first:
        if key.startswith(("same", "floor")):
            print(f"  {key}: {min(r[key] for r in rounds)} of {first['checkins']}")
    if "json bytes" in first:
        print(f"  bytes per decision: JSON {first['json bytes']:.0f}, pickle "
              f"{first['pickle bytes']:.0f}")
    print(f"\n{'microseconds per decision':<52} {'median':>9} {'min':>9} {'max':>9}")
    for key, value in first.items():
        if isinstance(value, float) and "bytes" not in key:
            print(f"{key:<52} {spread(r[key] for r in rounds)}")
    print(f"\n{'ratio (within each round)':<52} {'median':>9} {'min':>9} {'max':>9}")
    for label, top, bottom in RATIOS:
        if top in first and bottom in first:
            print(f"{label:<52} {spread(r[top] / r[bottom] for r in rounds)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
