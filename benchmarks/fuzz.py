"""Fuzz footcore with 10^5 or more generated inputs and count the outcomes.

The generators of tests/fuzz_inputs.py (malformed and extreme JSON texts for states,
check-ins and decisions; arbitrary text; constructor arguments; edited rulebook files) and
of tests/cli_inputs.py (every command of the command line with one of its files made
hostile; SQLite stores damaged row by row or byte by byte, read through ``open_store``,
``verify``, ``state``, ``decisions`` and ``history``), run far longer than the suite runs
them. Prints, per generator and in total, how many inputs were accepted (a command: exit
code 0 or 1), refused (a FootcoreError; a command: exit code 2 on one line), evaluated
with both backends agreeing, and how many escaped (another exception; a command: another
exit code, a traceback, several error lines or a raw control character printed) or made
the backends disagree: both must be 0.

    python benchmarks/fuzz.py            # 100,000 inputs
    python benchmarks/fuzz.py 300000
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parents[1] / "tests"))

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import footcore as fc
from cli_inputs import check_cli, check_store, damaged_stores, fresh, hostile_runs, make_workspace
from fuzz_inputs import (
    DURABLE,
    check_constructor,
    check_decision,
    check_json,
    check_pair,
    check_toml,
    constructor_calls,
    json_texts,
    rules_copy,
    toml_edits,
)

# Share of the inputs each generator gets (a pair of JSON texts counts as two inputs).
SHARES = {"json state+checkin": 0.32, "json decision": 0.04, "arbitrary text": 0.20,
          "constructor": 0.20, "rulebook file": 0.04, "command line": 0.10,
          "store readers": 0.10}


def run(name: str, count: int, strategy: Any, check: Any) -> Counter[str]:
    seen: Counter[str] = Counter()

    @settings(max_examples=count, deadline=None, database=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(strategy)
    def fuzz(example: Any) -> None:
        try:
            check(example, seen)
        except AssertionError as exc:  # count it and go on: the totals are the report
            print(f"  {name}: {str(exc)[:300]}", file=sys.stderr)

    fuzz()
    return seen


def _command(data: st.DataObject, seen: Counter[str], valid: Path, root: Path) -> None:
    """One command run with one of its files made hostile, in a fresh copy of ``valid``."""
    arguments, _ = data.draw(hostile_runs(fresh(valid, root)))
    check_cli(arguments, seen)


def _store(data: st.DataObject, seen: Counter[str], valid: Path, root: Path) -> None:
    """The store of a fresh copy of ``valid``, damaged, then read."""
    store = fresh(valid, root) / "footcore.db"
    data.draw(damaged_stores(store))
    check_store(store, seen)


def main(total: int) -> None:
    folder = Path(tempfile.mkdtemp())
    rules = rules_copy(folder)
    valid = make_workspace(folder / "valid")
    plans = {
        "json state+checkin": (st.tuples(json_texts(fc.AthleteState), json_texts(fc.CheckIn)),
                               lambda e, s: check_pair(*e, s), 2),
        "json decision": (json_texts(fc.Decision), check_decision, 1),
        "arbitrary text": (st.tuples(st.text(max_size=300), st.sampled_from(
            [fc.CheckIn, fc.AthleteState, fc.Decision])), lambda e, s: check_json(*e, s), 1),
        "constructor": (constructor_calls(), lambda e, s: check_constructor(*e, s), 1),
        "rulebook file": (toml_edits(), lambda e, s: check_toml(rules, *e, s), 1),
        "command line": (st.data(), lambda e, s: _command(e, s, valid, folder / "run"), 1),
        "store readers": (st.data(), lambda e, s: _store(e, s, valid, folder / "run"), 1),
    }
    print(f"footcore {fc.__version__}; backends: native"
          + (", durable" if DURABLE is not None else " (durable does not import here)"))
    grand: Counter[str] = Counter()
    started = time.perf_counter()
    for name, share in SHARES.items():
        strategy, check, per = plans[name]
        began = time.perf_counter()
        seen = run(name, round(total * share / per), strategy, check)
        inputs = seen["accepted"] + seen["refused"] + seen["escaped"]
        grand.update(seen)
        print(f"{name:>20}: {inputs:>7} inputs, {seen['accepted']:>6} accepted, "
              f"{seen['refused']:>6} refused, {seen['agreed']:>6} evaluated alike, "
              f"{seen['escaped']} escaped, {seen['disagreed']} disagreed "
              f"({time.perf_counter() - began:.0f} s)")
    inputs = grand["accepted"] + grand["refused"] + grand["escaped"]
    print(f"{'total':>20}: {inputs:>7} inputs, {grand['accepted']:>6} accepted, "
          f"{grand['refused']:>6} refused, {grand['agreed']:>6} evaluated alike, "
          f"{grand['escaped']} escaped, {grand['disagreed']} disagreed "
          f"({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
