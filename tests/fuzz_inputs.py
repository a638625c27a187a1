"""Generators of malformed and extreme inputs, and the check every input must pass: only a
FootcoreError escapes, and both backends agree on whatever is accepted. Shared by
tests/test_fuzz.py (a few thousand examples per run), benchmarks/fuzz.py (10^5 or more), and
the tests of from_json and from_dict (test_reading.py, test_dicts.py).

These are footcore's own fuzzing generators, independent of ``footcore.testing``: they
start from valid documents and rulebook files and break them, or build values from pools
of extremes.
"""

from __future__ import annotations

import enum
import json
import math
import re
import shutil
from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import attrs
from hypothesis import strategies as st

import footcore as fc
import footcore.models
from footcore._durable import durable_available
from footcore._limits import EARLIEST_DATE, LATEST_DATE, MAX_INT

RULEBOOK = fc.load_rulebook()
NATIVE = fc.Engine(RULEBOOK, backend="native")
DURABLE = fc.Engine(RULEBOOK, backend="durable") if durable_available() else None
START = date(2026, 1, 5)

EXTREME_NUMBERS = [0, -1, 1, 10, 11, 600, 601, MAX_INT, MAX_INT + 1, -MAX_INT - 1, 2**63,
                   10**20, 0.5, -0.0, 5e-324, 1e-300, 1e308, 2.0**53, 9.999999, 10.000001]
EXTREME_TEXT = ["", " ", "x" * 129, "x" * 2001, "\x00", "a\nb", "é", "\u2028", "2026-W02-3",
                "2026-02-30", "1899-12-31", "9000-12-31", "9001-01-01", "1900-01-01",
                "0001-01-01", "9999-12-31", "2026-01-07", "2026-01-05", "sharp_pain", "arch",
                "control", "runner", "deload", "knee_valgus", "short_foot_hold"]
EXTREME_JSON = ["NaN", "Infinity", "-Infinity", "1e400", "9" * 4301, "[" * 40 + "]" * 40,
                '"\\ud800"', "[]", "{}", "null", "true"]


def _base_documents() -> dict[type, list[dict[str, Any]]]:
    state = NATIVE.new_athlete("a-1", goal=fc.Goal.RUNNER, start=START,
                               prior_foot_ankle_problems=True)
    checkin = fc.CheckIn(
        on=START + timedelta(days=2), completed=True, minutes=18, id="c-1",
        symptoms=(fc.Symptom(fc.SymptomKind.STIFFNESS, fc.Location.ARCH, 4, days=2),
                  fc.Symptom(fc.SymptomKind.SHARP_PAIN, fc.Location.HEEL, 7)),
        compensations=(fc.Compensation(fc.CompensationKind.KNEE_VALGUS, "ankle_toe_rom"),),
        metrics=fc.Metrics(balance_eyes_open_s=31.5, foot_fatigue=6))
    decision = NATIVE.evaluate(state, checkin)
    later = NATIVE.evaluate(decision.state, attrs.evolve(checkin, on=checkin.on + timedelta(
        days=2), id="c-2", symptoms=()))
    docs: dict[type, list[dict[str, Any]]] = {
        fc.CheckIn: [json.loads(fc.to_json(c)) for c in (checkin, later.checkin)],
        fc.AthleteState: [json.loads(fc.to_json(s)) for s in (state, decision.state,
                                                               later.state)],
        fc.Decision: [json.loads(fc.to_json(d)) for d in (decision, later)],
    }
    return docs


BASE = _base_documents()


def json_paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """The path of every value in JSON data ``value``, itself included."""
    found = [prefix]
    if isinstance(value, dict):
        for key, inner in value.items():
            found += json_paths(inner, (*prefix, key))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            found += json_paths(inner, (*prefix, index))
    return found


def changed(data: Any, at: tuple[Any, ...], how: str, value: Any) -> Any:
    """``data`` with the value at ``at`` replaced, removed, or given an extra key."""
    if not at:
        return value if how == "replace" else data
    head, rest = at[0], at[1:]
    copy = dict(data) if isinstance(data, dict) else list(data)
    if rest:
        copy[head] = changed(copy[head], rest, how, value)
    elif how == "replace":
        copy[head] = value
    elif how == "remove":
        del copy[head]
    elif isinstance(copy[head], dict):
        copy[head] = {**copy[head], "extra": value}
    return copy


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**60), 2**60) | st.floats()
    | st.sampled_from([0, -1, 1.5, 2**53, "", " ", "2026-02-30", "2026-01-05", "native",
                       "hold", "normal", "checkin", "ge", "in", "x" * 3000])
    | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner,
                                                                max_size=3),
    max_leaves=6)

_MARK = "\x00MARK\x00"


@st.composite
def json_texts(draw: st.DrawFn, kind: type) -> str:
    """A document for ``kind``, valid to begin with, then broken a few times."""
    doc = json.loads(json.dumps(draw(st.sampled_from(BASE[kind]))))
    raw: str | None = None
    for _ in range(draw(st.integers(1, 3))):
        paths = [p for p in json_paths(doc) if p]
        path = draw(st.sampled_from(paths))
        parent = doc
        for key in path[:-1]:
            parent = parent[key]
        how = draw(st.sampled_from(["number", "text", "drop", "add", "raw", "list", "swap"]))
        key = path[-1]
        if how == "number":
            parent[key] = draw(st.sampled_from(EXTREME_NUMBERS))
        elif how == "text":
            parent[key] = draw(st.sampled_from(EXTREME_TEXT))
        elif how == "drop":
            del parent[key]
        elif how == "add" and isinstance(parent, dict):
            parent[draw(st.sampled_from(["extra", "id", "on", "days"]))] = 1
        elif how == "raw" and raw is None:
            parent[key] = _MARK
            raw = draw(st.sampled_from(EXTREME_JSON))
        elif how == "list":
            parent[key] = [parent[key]] * draw(st.sampled_from([0, 2, 33, 367, 600]))
        elif how == "swap":
            parent[key] = draw(st.sampled_from([None, True, {}, [], "x", 3]))
    text = json.dumps(doc)
    if raw is not None:
        text = text.replace(json.dumps(_MARK), raw)
    if draw(st.integers(0, 9)) == 0:  # a key given twice, or a cut
        text = (text[:-1] + ', "on": "2026-01-07"}') if draw(st.booleans()) else text[
            :draw(st.integers(0, len(text)))]
    return text


_SCALARS = st.one_of(st.sampled_from(EXTREME_NUMBERS), st.sampled_from(EXTREME_TEXT),
                     st.floats(allow_nan=True), st.integers(), st.none(), st.booleans(),
                     st.dates(), st.just(math.inf))


def _argument(kind: Any) -> st.SearchStrategy[Any]:
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        return st.one_of(st.sampled_from(kind), st.sampled_from([m.value for m in kind]))
    if kind is date:
        return st.one_of(st.dates(EARLIEST_DATE - timedelta(days=3),
                                  EARLIEST_DATE + timedelta(days=3)),
                         st.dates(LATEST_DATE - timedelta(days=3),
                                  LATEST_DATE + timedelta(days=3)), st.dates())
    return _SCALARS


@st.composite
def constructor_calls(draw: st.DrawFn) -> tuple[type, dict[str, Any]]:
    """A model and keyword arguments: each a valid value's, or an extreme or wrong one."""
    kind = draw(st.sampled_from([fc.Symptom, fc.Compensation, fc.Metrics, fc.CheckIn,
                                 fc.AthleteState, fc.models.Dose, fc.models.CheckInRef,
                                 fc.models.RulebookRef, fc.models.ParamUse]))
    base = attrs.asdict(_VALID[kind], recurse=False)
    hints = attrs.resolve_types(kind)
    for field in attrs.fields(hints):
        if draw(st.integers(0, 3)) == 0:
            base[field.name] = draw(_argument(field.type))
    return kind, base


_VALID: dict[type, Any] = {
    fc.Symptom: fc.Symptom(fc.SymptomKind.SORENESS, fc.Location.ARCH, 3),
    fc.Compensation: fc.Compensation(fc.CompensationKind.TOE_GRIPPING),
    fc.Metrics: fc.Metrics(foot_fatigue=3.0),
    fc.CheckIn: fc.CheckIn(on=START + timedelta(days=2), completed=True, minutes=18),
    fc.AthleteState: NATIVE.new_athlete("a-1", goal=fc.Goal.RUNNER, start=START),
    fc.models.Dose: fc.models.Dose(3, 10),
    fc.models.CheckInRef: fc.models.CheckInRef("c-1", START),
    fc.models.RulebookRef: RULEBOOK.ref,
    fc.models.ParamUse: fc.models.ParamUse("x", 1, True),
}


# ---------------------------------------------------------------- TOML


def _numbers_and_strings(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in re.finditer(r'(?<=[=,\[] )(-?[0-9][0-9.e+-]*|"[^"\n]*")', text)]


FILES = {p.name: p.read_text(encoding="utf-8")
         for p in sorted(Path(RULEBOOK.location).glob("*.toml"))}
TOML_VALUES = ["inf", "nan", "-inf", "-1", "0", "1e300", str(2**63), "9" * 5000, '""',
               '"  "', '"Baseline"', '"pause"', '"advance"', "[]", "{}", "[" * 20 + "]" * 20,
               "1.5", "true", '"P13"', '"sharp_pain"', str(MAX_INT + 1)]


@st.composite
def toml_edits(draw: st.DrawFn, files: dict[str, str] | None = None) -> tuple[str, str]:
    """One rulebook file (or one of ``files``, by name), with a value or a line changed,
    removed or made extreme."""
    files = FILES if files is None else files
    name = draw(st.sampled_from(sorted(files)))
    text = files[name]
    for _ in range(draw(st.integers(1, 2))):
        how = draw(st.sampled_from(["value", "value", "line", "dup", "deep", "cut"]))
        spans = _numbers_and_strings(text)
        if how == "value" and spans:
            start, end = draw(st.sampled_from(spans))
            text = text[:start] + draw(st.sampled_from(TOML_VALUES)) + text[end:]
        elif how in ("line", "dup") and text:
            lines = text.split("\n")
            at = draw(st.integers(0, len(lines) - 1))
            lines[at:at + 1] = [] if how == "line" else [lines[at], lines[at]]
            text = "\n".join(lines)
        elif how == "deep":
            text += draw(st.sampled_from(["\nx = " + "[" * 1000 + "]" * 1000,
                                          "\n" + ".".join(["a"] * 5000) + " = 1",
                                          '\n[rule]\nid = "x"']))
        elif how == "cut":
            text = text[:draw(st.integers(0, len(text)))]
    return name, text


# ---------------------------------------------------------------- the checks


def _same_on_both(state: fc.AthleteState, checkin: fc.CheckIn, engines: tuple[fc.Engine, ...],
                  outcomes: Counter[str]) -> None:
    answers = set()
    for engine in engines:
        try:
            decision = engine.evaluate(state, checkin)
        except fc.FootcoreError as exc:
            answers.add(f"{type(exc).__name__}: {exc}")
        else:
            answers.add(fc.to_json(attrs.evolve(decision, backend="native")))
    outcomes["disagreed" if len(answers) > 1 else "agreed"] += 1
    if len(answers) > 1:
        raise AssertionError(f"the backends disagree on {state!r} and {checkin!r}: "
                             f"{sorted(answers)}")


def check_json(text: str, kind: type, outcomes: Counter[str]) -> Any:
    """Decode ``text``: a model, or None after a FootcoreError; anything else escapes."""
    try:
        value = fc.from_json(text, kind)
    except fc.FootcoreError:
        outcomes["refused"] += 1
        return None
    except Exception as exc:
        outcomes["escaped"] += 1
        raise AssertionError(f"{type(exc).__name__} escaped from_json({text[:300]!r})") from exc
    outcomes["accepted"] += 1
    return value


def engines() -> tuple[fc.Engine, ...]:
    return (NATIVE,) if DURABLE is None else (NATIVE, DURABLE)


def check_pair(state_text: str, checkin_text: str, outcomes: Counter[str]) -> None:
    """Decode a state and a check-in; evaluate what decodes on both backends."""
    state = check_json(state_text, fc.AthleteState, outcomes)
    checkin = check_json(checkin_text, fc.CheckIn, outcomes)
    if state is not None and checkin is not None:
        _evaluate(state, checkin, outcomes)


def _evaluate(state: fc.AthleteState, checkin: fc.CheckIn, outcomes: Counter[str]) -> None:
    try:
        _same_on_both(state, checkin, engines(), outcomes)
        fc.explain(NATIVE.evaluate(state, checkin))
    except fc.FootcoreError:
        pass
    except AssertionError:
        raise
    except Exception as exc:
        outcomes["escaped"] += 1
        raise AssertionError(f"{type(exc).__name__} escaped evaluate({state!r}, "
                             f"{checkin!r})") from exc


def check_decision(text: str, outcomes: Counter[str]) -> None:
    """Decode a decision; explain and re-encode what decodes."""
    decision = check_json(text, fc.Decision, outcomes)
    if decision is not None:
        try:
            fc.explain(decision)
            fc.diff(decision.prior_plan, decision.plan)
            fc.from_json(fc.to_json(decision), fc.Decision)
        except Exception as exc:
            outcomes["escaped"] += 1
            raise AssertionError(f"{type(exc).__name__} escaped with {text[:300]!r}") from exc


def check_constructor(kind: type, arguments: dict[str, Any], outcomes: Counter[str]) -> None:
    try:
        value = kind(**arguments)
    except fc.FootcoreError:
        outcomes["refused"] += 1
        return
    except Exception as exc:
        outcomes["escaped"] += 1
        raise AssertionError(f"{type(exc).__name__} escaped {kind.__name__}"
                             f"(**{arguments!r})") from exc
    outcomes["accepted"] += 1
    fc.to_json(value)
    if isinstance(value, fc.CheckIn):
        _evaluate(_VALID[fc.AthleteState], value, outcomes)
    elif isinstance(value, fc.AthleteState):
        _evaluate(value, _VALID[fc.CheckIn], outcomes)


def check_toml(root: Path, name: str, text: str, outcomes: Counter[str]) -> None:
    """Load the shipped rulebook with one file replaced by ``text``; a rulebook that loads
    must compile on both backends alike and decide alike."""
    (root / name).write_text(text, encoding="utf-8")
    try:
        try:
            rulebook = fc.load_rulebook(root)
        except fc.FootcoreError:
            outcomes["refused"] += 1
            return
        except Exception as exc:
            outcomes["escaped"] += 1
            raise AssertionError(f"{type(exc).__name__} escaped load_rulebook with {name} "
                                 f"edited") from exc
        outcomes["accepted"] += 1
        built = []
        for backend in ("native", "durable") if DURABLE is not None else ("native",):
            try:
                built.append(fc.Engine(rulebook, backend=backend))
            except fc.RulebookError:
                built.append(None)  # type: ignore[arg-type]
        if len({b is None for b in built}) > 1:
            outcomes["disagreed"] += 1
            raise AssertionError(f"one backend compiles the rulebook, the other not ({name})")
        if built[0] is not None:
            for state, checkin in _RULEBOOK_CASES:
                try:
                    state = built[0].new_athlete(state.athlete_id, goal=state.goal,
                                                 start=state.started_on)
                except fc.FootcoreError:
                    continue
                _same_on_both(state, checkin, tuple(built), outcomes)
    finally:
        (root / name).write_text(FILES[name], encoding="utf-8")


_RULEBOOK_CASES = [(_VALID[fc.AthleteState], c) for c in (
    fc.CheckIn(on=START + timedelta(days=2), completed=True, minutes=18),
    fc.CheckIn(on=START + timedelta(days=2), completed=True, symptoms=(
        fc.Symptom(fc.SymptomKind.SHARP_PAIN, fc.Location.ARCH, 8),)),
    fc.CheckIn(on=START + timedelta(days=30), completed=True, symptoms=(
        fc.Symptom(fc.SymptomKind.STIFFNESS, fc.Location.ARCH, 3, days=6),),
        metrics=fc.Metrics(balance_eyes_open_s=40.0, foot_fatigue=7.0)),
)]


def rules_copy(folder: Path) -> Path:
    """A copy of the shipped rulebook to edit."""
    target = folder / "rules"
    shutil.copytree(RULEBOOK.location, target, dirs_exist_ok=True)
    return target
