"""Speed of the engine against footcore 0.1.0 and a hand-written floor, measured in one run.

Usage::

    python benchmarks/bench_speed.py [--athletes 40] [--rounds 5] [--passes 3]
                                     [--baseline v0.1.0]

Each round runs two worker processes, in alternating order: one on the working tree, one on
footcore 0.1.0, checked out beside it (``git archive`` of the tag into a temporary folder,
first on ``sys.path``). Both play the same everyday trajectories (benchmarks/trajectories.py:
the same check-ins, drawn from a seed), each on its own shipped rulebook, which differ (0.1.0
has fewer rules and no "why not"), so each version makes its own decisions from them.

The working tree's worker times, per decision (a loop over the trajectories' inputs, the
best of ``--passes`` loops, divided by the count): ``evaluate`` on the native backend
(compiled), on the reference interpreter and on the durable backend; the hand-written
if-chain of benchmarks/handwritten.py; ``to_json`` of each decision just made, in trajectory
order (a decision's prior state is the state written just before it, as when a store or an
audit log writes them one by one), and of decisions read back from JSON (nothing of them
written before); ``from_json``; ``pickle`` dumps and loads; and, on the same facts as the
durable backend, durable_rules used directly: through its own API (a ``Host`` with the same
ruleset, one ``assert_fact`` per fact, the session deleted after) and through its bare C
driver with the payloads written beforehand (the engine's own time, a floor). It checks
that compiled, interpreted and durable decisions are the same JSON, and that the floor
agrees with the engine.

Figures are printed as the median, min and max over the rounds, and ratios are taken within
each round (both versions measured minutes apart on the same machine) before the median.
"""

from __future__ import annotations

import argparse
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
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


# ---------------------------------------------------------------- timing


CHUNK = 50


def chunked(items: Sequence[Any], call: Callable[[Any], object]) -> list[float]:
    """Seconds spent on each run of CHUNK consecutive items."""
    clock = time.perf_counter
    spent = []
    for start in range(0, len(items), CHUNK):
        began = clock()
        for item in items[start:start + CHUNK]:
            call(item)
        spent.append(clock() - began)
    return spent


def per_call(items: Callable[[], Sequence[Any]], call: Callable[[Any], object],
             passes: int) -> float:
    """Microseconds per call: each chunk of CHUNK items timed in ``passes`` passes (after
    one to warm up), its fastest pass kept, the chunks summed. On a shared machine the
    fastest pass of a short chunk is the one least disturbed. ``items`` gives the items of
    each pass (new objects where a pass must not see what the one before made)."""
    best: list[float] | None = None
    for number in range(passes + 1):
        batch = items()
        spent = chunked(batch, call)
        if number == 0:
            continue  # the warm-up
        best = spent if best is None else [min(a, b) for a, b in zip(best, spent, strict=True)]
    assert best is not None
    return sum(best) / len(batch) * 1e6


# ---------------------------------------------------------------- workers


def baseline_worker(athletes: int, passes: int) -> dict[str, Any]:
    """Footcore 0.1.0 (first on sys.path): evaluate on the native backend."""
    import trajectories

    import footcore as fc

    engine = fc.Engine(backend="native")
    pairs = trajectories.inputs(fc, engine, athletes)
    return {"version": fc.__version__, "checkins": len(pairs),
            "evaluate": per_call(lambda: pairs, lambda pair: engine.evaluate(*pair), passes)}


def played(engine: Any, fc: Any, athletes: int) -> list[Any]:
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


def current_worker(athletes: int, passes: int) -> dict[str, Any]:
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

    out["evaluate"] = per_call(lambda: pairs, lambda pair: native.evaluate(*pair), passes)
    out["evaluate, interpreter"] = per_call(
        lambda: pairs, lambda pair: interpreted.evaluate(*pair), passes)
    out["hand-written floor"] = per_call(
        lambda: pairs, lambda pair: handwritten.decide(weeks, *pair), passes)

    # to_json of decisions never written before: each pass writes new ones.
    out["to_json, in trajectory order"] = per_call(lambda: played(native, fc, athletes),
                                                   fc.to_json, passes)
    out["to_json, read-back decisions"] = per_call(
        lambda: [fc.from_json(text, fc.Decision) for text in texts[::4]], fc.to_json, passes)
    sample = texts[::4]
    out["from_json"] = per_call(lambda: sample, lambda text: fc.from_json(text, fc.Decision),
                                passes)
    pickles = [pickle.dumps(d) for d in decisions]
    out["pickle.dumps"] = per_call(lambda: decisions, pickle.dumps, passes)
    out["pickle.loads"] = per_call(lambda: pickles, pickle.loads, passes)
    out["pickle bytes"] = statistics.mean(map(len, pickles))
    out["json bytes"] = statistics.mean(len(text.encode()) for text in texts)
    out.update(durable_figures(fc, rulebook, pairs, texts, passes))
    return out


def durable_figures(fc: Any, rulebook: Any, pairs: list[Any], texts: list[str],
                    passes: int) -> dict[str, Any]:
    from footcore import _durable

    if not _durable.durable_available():
        return {"durable": "durable-rules does not import here"}
    from durable.engine import Host

    from footcore._facts import build_facts

    engine = fc.Engine(rulebook, backend="durable")
    out: dict[str, Any] = {"same (durable)": sum(
        fc.to_json(engine.evaluate(*pair)).replace('"durable"', '"native"') == text
        for pair, text in zip(pairs, texts, strict=True))}
    out["durable evaluate"] = per_call(lambda: pairs, lambda pair: engine.evaluate(*pair),
                                       passes)
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

    out["durable_rules directly (its API)"] = per_call(lambda: facts, direct, passes)

    # The bare C driver, payloads written beforehand: the time spent inside durable_rules.
    matcher = engine._matcher
    c_engine = _durable._engine()

    def payloads(evaluation: Any, sid: str) -> list[str]:
        made = [matcher._sentinel(sid, 0, None)]
        for kind, write in matcher._writers.items():
            made.extend(write(sid, index, fact)
                        for index, fact in enumerate(evaluation.get(kind, ())))
        return made

    sids = iter(range(10**8, 10**9))

    def prepared() -> list[tuple[str, list[str]]]:  # each pass its own sessions
        return [(sid, payloads(f, sid)) for f in facts for sid in [str(next(sids))]]

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

    out["durable_rules C driver, payloads ready"] = per_call(prepared, bare, passes)
    return out


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


def run_worker(src: Path, kind: str, args: argparse.Namespace) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, __file__, "--worker", kind, "--src", str(src),
         "--athletes", str(args.athletes), "--passes", str(args.passes)],
        capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{kind} worker failed:\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    return result


def spread(values: Iterable[float]) -> str:
    ordered = sorted(values)
    return (f"{statistics.median(ordered):9.2f} {ordered[0]:9.2f} {ordered[-1]:9.2f}")


RATIOS: list[tuple[str, str, str]] = [
    ("speed-up over 0.1.0 (0.1.0 evaluate / evaluate)", "0.1.0 evaluate", "evaluate"),
    ("evaluate / hand-written floor", "evaluate", "hand-written floor"),
    ("interpreter evaluate / compiled evaluate", "evaluate, interpreter", "evaluate"),
    ("to_json / evaluate (trajectory order)", "to_json, in trajectory order", "evaluate"),
    ("to_json / evaluate (read-back decisions)", "to_json, read-back decisions", "evaluate"),
    ("from_json / evaluate", "from_json", "evaluate"),
    ("pickle dumps + loads / evaluate", "pickle", "evaluate"),
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
    parser.add_argument("--worker", choices=["current", "baseline"], help=argparse.SUPPRESS)
    parser.add_argument("--src", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker:
        sys.path[:0] = [args.src, str(HERE)]
        work = current_worker if args.worker == "current" else baseline_worker
        print(json.dumps(work(args.athletes, args.passes)))
        return 0

    with tempfile.TemporaryDirectory() as folder:
        baseline = baseline_tree(args.baseline, Path(folder))
        rounds = []
        for number in range(args.rounds):
            order = ["current", "baseline"] if number % 2 == 0 else ["baseline", "current"]
            found: dict[str, dict[str, Any]] = {}
            for kind in order:
                if kind == "baseline" and baseline is None:
                    continue
                found[kind] = run_worker(ROOT / "src" if kind == "current" else baseline,
                                         kind, args)
            figures = dict(found["current"])
            figures["pickle"] = figures["pickle.dumps"] + figures["pickle.loads"]
            if "baseline" in found:
                figures["0.1.0 evaluate"] = found["baseline"]["evaluate"]
                figures["0.1.0 check-ins"] = found["baseline"]["checkins"]
            rounds.append(figures)
            print(f"round {number + 1} of {args.rounds} done", file=sys.stderr)

    first = rounds[0]
    print(f"the working tree (footcore {first['version']}) against {args.baseline}; Python "
          f"{platform.python_version()}; {args.rounds} rounds of {args.passes} passes; "
          f"{args.athletes} athletes, {first['checkins']} check-ins "
          f"({first.get('0.1.0 check-ins', '-')} decisions under 0.1.0's rulebook)")
    checks = [key for key in first if key.startswith(("same", "floor"))]
    for key in checks:
        print(f"  {key}: {min(r[key] for r in rounds)} of {first['checkins']}")
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
