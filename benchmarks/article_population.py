"""How a change to the engine or its rulebook moves a synthetic population, across versions.

``footcore impact`` compares two rulebooks under one engine; this compares two *versions of
footcore* (engine and shipped rulebook together), so each side runs in its own checkout:

    python benchmarks/article_population.py histories pop.jsonl 1000   # once, any version
    python benchmarks/article_population.py decide pop.jsonl before.jsonl   # in checkout A
    python benchmarks/article_population.py decide pop.jsonl after.jsonl    # in checkout B
    python benchmarks/article_population.py compare before.jsonl after.jsonl

``decide`` writes, per athlete, each decision's date, action, rung and dose step;
``compare`` prints the share of decisions that changed and the days from the start to each
rung (median, p10, p90) on each side. Uses only API that 0.2.0 has.
"""

from __future__ import annotations

import json
import statistics
import sys
from datetime import date

import footcore as fc
import footcore.impact


def histories(out: str, athletes: int) -> None:
    from footcore.testing import population

    fc.impact.write_histories(out, population(athletes, seed=21))


def decide(source: str, out: str) -> None:
    engine = fc.Engine(backend="native")
    with open(out, "w", encoding="utf-8") as file:
        for history in fc.impact.read_histories(source):
            state, checkins = history.load()
            state = _rebased(state, engine)
            steps = []
            for checkin in checkins:
                decision = engine.evaluate(state, checkin)
                state = decision.state
                steps.append([checkin.on.isoformat(), decision.action.value, state.stage,
                              state.dose_level])
            file.write(json.dumps({"athlete": state.athlete_id,
                                   "start": state.started_on.isoformat(),
                                   "steps": steps}) + "\n")


def _rebased(state: fc.AthleteState, engine: fc.Engine) -> fc.AthleteState:
    """The starting state on ``engine``'s rulebook (the histories name the one they were
    drawn under)."""
    data = json.loads(fc.to_json(state))
    data["rulebook_digest"] = engine.rulebook.digest
    return fc.from_json(json.dumps(data), fc.AthleteState)


def _read(path: str) -> dict[str, dict[str, object]]:
    with open(path, encoding="utf-8") as file:
        return {row["athlete"]: row for row in map(json.loads, file)}


def _reached(row: dict[str, object]) -> dict[str, int]:
    """Days from the start to the first decision that left the athlete on each rung."""
    start = date.fromisoformat(str(row["start"]))
    found: dict[str, int] = {}
    for on, _, stage, _ in row["steps"]:  # type: ignore[attr-defined]
        found.setdefault(stage, (date.fromisoformat(on) - start).days)
    return found


def _spread(days: list[int]) -> str:
    if not days:
        return "nobody"
    cuts = statistics.quantiles(days, n=10, method="inclusive") if len(days) > 1 else days * 9
    return f"{statistics.median(days):5.0f} ({cuts[0]:.0f}-{cuts[-1]:.0f}) n={len(days)}"


def compare(before_path: str, after_path: str) -> None:
    before, after = _read(before_path), _read(after_path)
    total = changed = acted = 0
    actions: dict[tuple[str, str], int] = {}
    for athlete, old in before.items():
        new = after[athlete]
        for a, b in zip(old["steps"], new["steps"], strict=True):  # type: ignore[call-overload]
            total += 1
            if a[1:] != b[1:]:
                changed += 1
                acted += a[1] != b[1]
                actions[(a[1], b[1])] = actions.get((a[1], b[1]), 0) + 1
    print(f"{len(before)} athletes, {total} decisions: {changed} changed "
          f"({100 * changed / total:.1f}%: action, rung or dose step), of which {acted} "
          f"({100 * acted / total:.1f}%) took another action; most common:")
    for (a, b), n in sorted(actions.items(), key=lambda kv: -kv[1])[:12]:
        print(f"  {a:>8} -> {b:<8} {n}")
    rungs = list(dict.fromkeys(s[2] for row in after.values()
                               for s in row["steps"]))  # type: ignore[attr-defined]
    print(f"\n{'rung':<12} {'before: median (p10-p90)':<30} after: median (p10-p90)")
    reached_before = [_reached(row) for row in before.values()]
    reached_after = [_reached(row) for row in after.values()]
    for rung in rungs:
        old_days = [r[rung] for r in reached_before if rung in r]
        new_days = [r[rung] for r in reached_after if rung in r]
        print(f"{rung:<12} {_spread(old_days):<30} {_spread(new_days)}")


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    if command == "histories":
        histories(args[0], int(args[1]))
    elif command == "decide":
        decide(args[0], args[1])
    elif command == "compare":
        compare(args[0], args[1])
    else:
        sys.exit(f"unknown command {command!r}: histories, decide or compare")
