"""The app's round trip against one evaluate, measured in one run.

Usage::

    python benchmarks/bench_app.py [--athletes 1100] [--checkins 24] [--rounds 5]
                                   [--passes 3]

An app keeps each athlete's state as JSON (in its store or database). For every check-in
it reads the state (``from_json``), evaluates, and writes the decision and the next state
(``to_json`` of each). Its athletes check in in turn: one athlete's next check-in comes
after everyone else's, not right after their own last one. This times, per check-in, over
the same trajectories (benchmarks/trajectories.py: ``--athletes`` athletes, their first
``--checkins`` check-ins each, on the native backend):

- ``evaluate`` with the athletes one after another (each athlete's check-ins in a row),
  and in turn (round-robin: the first check-in of every athlete, then the second...);
- the round trip, one after another and in turn, with ``CheckIn.id`` unset and set (as the
  store docs recommend: a retry is then recognised);
- the parts of the round trip in turn with ids set (``from_json`` of the state;
  ``evaluate`` of the state read back; ``to_json`` of the decision and of the state), to
  say where the time goes.

Timing as in bench_speed.py: chunks of 50 side by side, each chunk's fastest pass; each
round a fresh process; the ratios taken within each round, then their median, min and max.
"""

from __future__ import annotations

import argparse
import gc
import json
import platform
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench_speed import Figure, interleaved, spread

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def trajectories_of(fc: Any, athletes: int, checkins: int,
                    ids: bool) -> list[tuple[dict[str, Any], list[Any]]]:
    """Each athlete's ``new_athlete`` keywords and first ``checkins`` check-ins, with an id
    each where ``ids``."""
    import attrs
    import trajectories

    out = []
    for profile, made in trajectories.athletes(fc, athletes):
        kept = made[:checkins]
        if ids:
            kept = [attrs.evolve(c, id=f"{profile['athlete_id']}-{n}")
                    for n, c in enumerate(kept)]
        out.append((profile, kept))
    return out


def steps_of(trajectories: list[tuple[dict[str, Any], list[Any]]],
             in_turn: bool) -> list[tuple[int, Any]]:
    """(athlete number, profile or check-in) in the order the app meets them: every start
    first, then the check-ins, one athlete after another or in turn."""
    steps: list[tuple[int, Any]] = [(n, profile) for n, (profile, _) in enumerate(trajectories)]
    if in_turn:
        longest = max(len(checkins) for _, checkins in trajectories)
        steps.extend((n, checkins[k]) for k in range(longest)
                     for n, (_, checkins) in enumerate(trajectories) if k < len(checkins))
    else:
        steps.extend((n, checkin) for n, (_, checkins) in enumerate(trajectories)
                     for checkin in checkins)
    return steps


def serving(fc: Any, engine: Any, steps: list[tuple[int, Any]], *, as_json: bool,
            upto: int = 4) -> Figure:
    """A figure over ``steps``, each athlete's state kept (as JSON where ``as_json``) from
    one check-in to the next. The step timed is the evaluate; or, as JSON, the round trip's
    first ``upto`` parts of 4 (read the state, evaluate, write the decision, write the next
    state), the rest done untimed right before the next step."""
    states: dict[int, Any] = {}
    pending: list[Any] = []  # the round trip timed last, to finish

    def trip(item: list[Any], parts: range) -> None:
        number, checkin, value = item
        for part in parts:
            if part == 0:
                value = fc.from_json(value, fc.AthleteState)
            elif part == 1:
                value = engine.evaluate(value, checkin)
            elif part == 2:
                fc.to_json(value)
            else:
                states[number] = fc.to_json(value.state)
        item[2] = value

    def finish() -> None:
        if pending:
            trip(pending.pop(), range(upto, 4))

    def prepare(item: tuple[int, Any]) -> Any:
        finish()
        number, value = item
        if isinstance(value, dict):
            profile = dict(value)
            state = engine.new_athlete(profile.pop("athlete_id"), **profile)
            states[number] = fc.to_json(state) if as_json else state
            return None
        if not as_json:
            return item
        pending.append([number, value, states[number]])
        return pending[-1]

    def evaluate(item: tuple[int, Any]) -> None:
        number, checkin = item
        states[number] = engine.evaluate(states[number], checkin).state

    if not as_json:
        return Figure(lambda: steps, evaluate, prepare)
    return Figure(lambda: steps, lambda item: trip(item, range(upto)), prepare)


def worker(athletes: int, checkins: int, passes: int) -> dict[str, Any]:
    import footcore as fc

    rulebook = fc.load_rulebook()

    def engine() -> Any:  # one per figure, as one per app: the figures share no engine memo
        return fc.Engine(rulebook, backend="native")

    plain = trajectories_of(fc, athletes, checkins, ids=False)
    with_ids = trajectories_of(fc, athletes, checkins, ids=True)
    row, turn = steps_of(plain, in_turn=False), steps_of(plain, in_turn=True)
    turn_ids = steps_of(with_ids, in_turn=True)
    parts = {1: "from_json(state)", 2: "from_json + evaluate",
             3: "from_json + evaluate + to_json(decision)"}
    figures = {
        "evaluate, one after another": serving(fc, engine(), row, as_json=False),
        "evaluate, in turn": serving(fc, engine(), turn, as_json=False),
        "evaluate, in turn, ids": serving(fc, engine(), turn_ids, as_json=False),
        "round trip, one after another": serving(fc, engine(), row, as_json=True),
        "round trip, in turn": serving(fc, engine(), turn, as_json=True),
        "round trip, in turn, ids": serving(fc, engine(), turn_ids, as_json=True),
        **{f"in turn, ids, part: {name}": serving(fc, engine(), turn_ids, as_json=True, upto=upto)
           for upto, name in parts.items()},
    }
    out: dict[str, Any] = {"version": fc.__version__, "checkins": len(row) - athletes}
    # The inputs are the bench's, not the app's (which reads them from its database): out of
    # the collector's sight, so its full collections do not scan them.
    gc.freeze()
    out.update(interleaved(figures, passes))
    return out


RATIOS: list[tuple[str, str, str]] = [
    ("evaluate in turn / one after another", "evaluate, in turn",
     "evaluate, one after another"),
    ("evaluate in turn, ids / no ids", "evaluate, in turn, ids", "evaluate, in turn"),
    ("round trip one after another / evaluate", "round trip, one after another",
     "evaluate, one after another"),
    ("round trip in turn / evaluate", "round trip, in turn", "evaluate, one after another"),
    ("round trip in turn, ids / evaluate (goal <= 3)", "round trip, in turn, ids",
     "evaluate, one after another"),
    ("round trip in turn, ids / no ids (goal <= 1.1)", "round trip, in turn, ids",
     "round trip, in turn"),
]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--athletes", type=int, default=1100)
    parser.add_argument("--checkins", type=int, default=24, help="per athlete, at most")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--passes", type=int, default=3)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker:
        sys.path[:0] = [str(ROOT / "src"), str(HERE)]
        print(json.dumps(worker(args.athletes, args.checkins, args.passes)))
        return 0

    command = [sys.executable, __file__, "--worker", "--athletes", str(args.athletes),
               "--checkins", str(args.checkins), "--passes", str(args.passes)]
    rounds = []
    for number in range(args.rounds):
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise SystemExit(f"the worker failed:\n{done.stderr}")
        rounds.append(json.loads(done.stdout.splitlines()[-1]))
        print(f"round {number + 1} of {args.rounds} done", file=sys.stderr)

    first = rounds[0]
    print(f"footcore {first['version']}, native backend; Python {platform.python_version()}; "
          f"{args.rounds} rounds of {args.passes} passes; {args.athletes} athletes, "
          f"{first['checkins']} check-ins")
    print(f"\n{'microseconds per check-in':<52} {'median':>9} {'min':>9} {'max':>9}")
    for key, value in first.items():
        if isinstance(value, float):
            print(f"{key:<52} {spread(r[key] for r in rounds)}")
    print(f"\n{'ratio (within each round)':<52} {'median':>9} {'min':>9} {'max':>9}")
    for label, top, bottom in RATIOS:
        print(f"{label:<52} {spread(r[top] / r[bottom] for r in rounds)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
