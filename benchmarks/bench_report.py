"""The history page of one athlete with 1,600 decisions, chart included, against evaluating
those decisions, measured in the same run.

Usage::

    python benchmarks/bench_report.py [--decisions 1600] [--runs 5] [--seed 0]

Makes one synthetic athlete's history (``footcore.testing.population``) and writes its
decisions as JSON Lines once. Then, each run, in a fresh child process (so no memo or font
cache carries over from the run before): the CPU seconds of evaluating the check-ins one
by one (the baseline), of drawing the chart and of building the page from decisions in
memory (matplotlib imported and one small figure drawn first, as a warm-up every process
pays once), and of the whole ``footcore report`` command on the decisions file, start-up,
imports and reading included, in a process of its own. Reports the median and range over
the runs of each, in CPU seconds, and page plus chart over the baseline.

Issue 20 asks for 1,600 decisions with the chart in under 2 s of CPU (it measured 11.5 s).
On the 2-core machine this was written on, shared with other work, the code before the
change took 2.05 s for the chart (a labelled annotation per event: 118 here) and 0.12 s for
the page, and 3.6 s for the whole command; after it, about 0.55 s, 0.04 s and 2.1 s, of
which about 0.3 s is importing footcore, 0.5 s matplotlib and 0.6 s reading the 21 MB of
decisions.
"""

from __future__ import annotations

import argparse
import io
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

import footcore as fc  # noqa: E402


def _history(count: int, seed: int) -> tuple[fc.AthleteState, tuple[fc.CheckIn, ...]]:
    from footcore.testing import population

    (history,) = population(1, checkins=count, seed=seed)
    return history.load()


def _child(count: int, seed: int, decisions_file: Path) -> dict[str, float]:
    """One run's in-process timings, in CPU seconds."""
    from matplotlib.figure import Figure

    from footcore._chart import plain_text, render_chart
    from footcore._page import Verification, history_page

    state, checkins = _history(count, seed)
    engine = fc.Engine()
    start = time.process_time()
    decisions = []
    for checkin in checkins:
        decisions.append(engine.evaluate(state, checkin))
        state = decisions[-1].state
    evaluate = time.process_time() - start
    with plain_text():  # the warm-up: fonts found and loaded once per process
        Figure().savefig(io.BytesIO(), format="png")
    read = [fc.from_json(line, fc.Decision) for line in decisions_file.read_text().splitlines()]
    assert read == decisions, "the decisions file is not what this run evaluated"
    start = time.process_time()
    png = io.BytesIO()
    render_chart(decisions, engine.rulebook, png, title="Athlete")
    chart = time.process_time() - start
    start = time.process_time()
    history_page(list(enumerate(decisions, 1)), word="row",
                 verification=Verification(None, "no chain"), chart=png.getvalue())
    page = time.process_time() - start
    return {"evaluate": evaluate, "chart": chart, "page": page}


def _command(decisions_file: Path, athlete: str, out: Path) -> float:
    """CPU seconds of ``footcore report`` in a process of its own."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([sys.executable, "-m", "footcore", "report", str(decisions_file), athlete,
                    "--out", str(out)], check=True, capture_output=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def _spread(values: list[float]) -> str:
    return (f"{statistics.median(values):7.3f}  ({min(values):.3f} to {max(values):.3f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--decisions", type=int, default=1600)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--child", metavar="FILE", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_child(args.decisions, args.seed, Path(args.child))))
        return

    state, checkins = _history(args.decisions, args.seed)
    engine = fc.Engine()
    with tempfile.TemporaryDirectory(prefix="bench-report-") as folder:
        decisions_file = Path(folder) / "decisions.jsonl"
        lines = []
        for checkin in checkins:
            decision = engine.evaluate(state, checkin)
            lines.append(fc.to_json(decision) + "\n")
            state = decision.state
        decisions_file.write_text("".join(lines))
        runs: dict[str, list[float]] = {"evaluate": [], "chart": [], "page": [],
                                        "command": []}
        for _ in range(args.runs):
            child = subprocess.run(
                [sys.executable, __file__, "--decisions", str(args.decisions), "--seed",
                 str(args.seed), "--child", str(decisions_file)],
                check=True, capture_output=True, text=True)
            for name, seconds in json.loads(child.stdout).items():
                runs[name].append(seconds)
            runs["command"].append(_command(decisions_file, state.athlete_id,
                                            Path(folder) / "pages"))
    both = [c + p for c, p in zip(runs["chart"], runs["page"], strict=True)]
    ratio = [b / e for b, e in zip(both, runs["evaluate"], strict=True)]
    print(f"{args.decisions} decisions of one athlete, {args.runs} runs; CPU seconds, "
          f"median (min to max):")
    print(f"  evaluate the check-ins (baseline)  {_spread(runs['evaluate'])}")
    print(f"  chart                              {_spread(runs['chart'])}")
    print(f"  page                               {_spread(runs['page'])}")
    print(f"  page and chart                     {_spread(both)}")
    print(f"  footcore report, whole command     {_spread(runs['command'])}")
    print(f"  page and chart / evaluate          {_spread(ratio)}")


if __name__ == "__main__":
    main()
