"""Issue 9's reproducers, each a regression test: inputs, rulebooks and audit logs that once
escaped the error contract, overflowed, made the backends disagree, or were accepted
silently. Each now gets a FootcoreError naming the field (or file) and the limit."""

from __future__ import annotations

import json
import shutil
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import attrs
import pytest

import footcore as fc
import footcore.audit
import footcore.models
from footcore import AthleteState, CheckIn, Decision, InputError, RulebookError, _durable
from footcore._limits import EARLIEST_DATE, LATEST_DATE, LIMITS, MAX_INT, limit
from footcore.testing import check_backends_agree

START = date(2026, 1, 5)
DAY = date(2026, 1, 7)
SHIPPED = Path(fc.load_rulebook().location)


def refused(call: Any, *args: Any, kind: type[Exception] = InputError, **kwargs: Any) -> str:
    with pytest.raises(kind) as info:
        call(*args, **kwargs)
    return str(info.value)


@pytest.fixture(scope="module")
def engines() -> tuple[fc.Engine, ...]:
    rulebook = fc.load_rulebook()
    backends = ["native"] + (["durable"] if fc.Engine(rulebook).backend == "durable" else [])
    return tuple(fc.Engine(rulebook, backend=b) for b in backends)


@pytest.fixture
def state(engine: fc.Engine) -> AthleteState:
    return engine.new_athlete("a-1", goal=fc.Goal.RUNNER, start=START)


def state_json(state: AthleteState, **changes: Any) -> str:
    return json.dumps({**json.loads(fc.to_json(state)), **changes})


# ---------------------------------------------------------------- JSON input


@pytest.mark.parametrize("kind", [CheckIn, AthleteState, Decision])
def test_deep_nesting_is_refused_before_parsing(kind: type) -> None:
    message = refused(fc.from_json, "[" * 1000 + "]" * 1000, kind)
    assert "nested 1000 levels deep; at most 32 (json_depth)" in message


def test_a_long_integer_anywhere_is_refused_by_its_digits() -> None:
    text = json.dumps({"on": "2026-01-07", "completed": True, "minutes": 1})
    message = refused(fc.from_json, text.replace(" 1}", " " + "7" * 4301 + "}"), CheckIn)
    assert "4301 digits; at most 16 (integer_digits)" in message


def test_from_json_of_a_dict_names_what_it_takes() -> None:
    message = refused(fc.from_json, {"on": "2026-01-07", "completed": True}, CheckIn)
    assert "expected JSON text (str or bytes), got dict" in message
    assert "footcore model class" in refused(fc.from_json, "{}", dict)


@pytest.mark.parametrize("text", ["2026-W02-3", "20260107", "2026-01-07T00:00", "2026-1-7"])
def test_dates_are_yyyy_mm_dd_only(text: str) -> None:
    message = refused(fc.from_json, json.dumps({"on": text, "completed": True}), CheckIn)
    assert "YYYY-MM-DD" in message and "$.on" in message


def test_a_key_given_twice_is_refused() -> None:
    text = '{"on": "2026-01-07", "completed": true, "completed": false}'
    assert "'completed' appears twice" in refused(fc.from_json, text, CheckIn)


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e400"])
def test_numbers_are_finite(number: str) -> None:
    text = '{"on": "2026-01-07", "completed": true, "metrics": {"foot_fatigue": N}}'.replace(
        "N", number)
    assert "finite" in refused(fc.from_json, text, CheckIn)


def test_a_lone_surrogate_is_not_text() -> None:
    text = '{"on": "2026-01-07", "completed": true, "id": "\\ud800x"}'
    assert "surrogate" in refused(fc.from_json, text, CheckIn)
    paired = '{"on": "2026-01-07", "completed": true, "id": "\\ud83d\\ude00"}'
    assert fc.from_json(paired, CheckIn).id == "\U0001f600"


def test_a_document_over_the_size_limit_is_refused_before_parsing() -> None:
    text = " " * (limit("document_bytes") + 1)
    assert "(document_bytes)" in refused(fc.from_json, text, CheckIn)


def test_a_long_list_is_refused_before_any_object_is_built() -> None:
    symptom = {"kind": "soreness", "location": "arch", "severity": 1}
    text = json.dumps({"on": "2026-01-07", "completed": True, "symptoms": [symptom] * 40000})
    message = refused(fc.from_json, text, CheckIn)
    assert "40000 items; at most 32 @ $.symptoms" in message


# ---------------------------------------------------------------- constructors


def test_a_huge_metric_is_an_input_error_not_an_overflow() -> None:
    message = refused(fc.Metrics, foot_fatigue=10**400)
    assert "Metrics.foot_fatigue" in message


@pytest.mark.parametrize(("make", "field"), [
    (lambda: fc.Symptom(fc.SymptomKind.SORENESS, fc.Location.ARCH, 1, days=2**53 + 1),
     "Symptom.days"),
    (lambda: fc.Symptom(fc.SymptomKind.SORENESS, fc.Location.ARCH, 1, days=2**53),
     "Symptom.days"),
    (lambda: fc.CheckIn(on=date(9001, 1, 1), completed=True), "CheckIn.on"),
    (lambda: fc.CheckIn(on=date(1899, 12, 31), completed=True), "CheckIn.on"),
    (lambda: fc.CheckIn(on=DAY, completed=True, symptoms=[
        fc.Symptom(fc.SymptomKind.SORENESS, fc.Location.ARCH, 1)] * 33), "CheckIn.symptoms"),
    (lambda: fc.Compensation(fc.CompensationKind.TOE_GRIPPING, exercise="x" * 129),
     "Compensation.exercise"),
])
def test_constructors_hold_the_limits(make: Any, field: str) -> None:
    assert field in refused(make)


@pytest.mark.parametrize(("source", "matched", "message"), [
    (("P1", "x" * 2001), (), "Firing.source[1]: got 'xxx"),
    (("P1",), (("a", 1), ("b", 2**53)),
     "Firing.matched[1][1]: got 9007199254740992; accepted: a whole number within"),
    (("P1",), (("a", 1), ("b", "x\ud800")), "Firing.matched[1][1]: got 'x\\ud800'"),
])
def test_an_item_over_the_limits_is_named_by_its_place(source: tuple[str, ...],
                                                       matched: tuple[tuple[str, Any], ...],
                                                       message: str) -> None:
    """Items are checked without their paths; the path is written once one fails."""
    assert refused(lambda: fc.models.Firing("r", fc.Action.HOLD, source, "s", "checkin", matched,
                                            won=True)).startswith(message)


def test_the_limits_are_at_their_documented_values() -> None:
    values = {item.name: item.value for item in LIMITS}
    assert values["integer"] == MAX_INT == 2**53 - 1
    assert (date(1900, 1, 1), date(9000, 12, 31)) == (EARLIEST_DATE, LATEST_DATE)
    page = (Path(__file__).parents[1] / "docs" / "limits.md").read_text()
    for item in LIMITS:
        assert f"`{item.name}`" in page, item.name


# ---------------------------------------------------------------- decoded states and decisions


@pytest.mark.parametrize(("changes", "field"), [
    ({"recent_sessions": ["2026-01-09"], "last_session_on": "2026-01-07",
      "last_checkin_on": "2026-01-07"}, "recent_sessions"),  # a session after the last one
    ({"recent_sessions": ["2026-01-06", "2026-01-06"], "last_session_on": "2026-01-06",
      "last_checkin_on": "2026-01-06"}, "recent_sessions"),  # the same day twice
    ({"last_checkin_on": "2026-01-01"}, "last_checkin_on"),  # before the start
    ({"last_session_on": "2026-01-06"}, "last_session_on"),  # a session with no check-in
    ({"rulebook_digest": "not-a-sha256"}, "rulebook_digest"),
    ({"clean_streak": 2**53}, "clean_streak"),
])
def test_a_state_read_back_keeps_the_engines_invariants(state: AthleteState,
                                                       changes: dict[str, Any],
                                                       field: str) -> None:
    message = refused(fc.from_json, state_json(state, **changes), AthleteState)
    assert f"AthleteState.{field}" in message


def test_a_decision_read_back_keeps_the_engines_invariants(engine: fc.Engine,
                                                          state: AthleteState) -> None:
    stiff = fc.Symptom(fc.SymptomKind.STIFFNESS, fc.Location.ARCH, 4)
    data = json.loads(fc.to_json(engine.evaluate(state, CheckIn(on=DAY, completed=True,
                                                                 symptoms=(stiff,)))))
    assert fc.from_json(json.dumps(data), Decision)

    def changed(path: str, value: Any) -> str:
        copy = json.loads(json.dumps(data))
        *parents, last = path.split(".")
        target = copy
        for key in parents:
            target = target[int(key)] if key.isdigit() else target[key]
        target[int(last) if last.isdigit() else last] = value
        return json.dumps(copy)

    assert "finite" in refused(fc.from_json, changed("firings.0.matched.severity", 1e999),
                               Decision)
    assert "Session.minutes" in refused(fc.from_json, changed("plan.sessions.0.minutes", -5),
                                        Decision)
    assert "Decision.plan" in refused(fc.from_json, changed("plan.stage", "control"), Decision)
    flipped = not data["firings"][0]["won"]
    assert "Decision.firings[0]" in refused(fc.from_json, changed("firings.0.won", flipped),
                                            Decision)
    assert "firings[0].matched" in refused(
        fc.from_json, changed("firings.0.matched.severity", "4"), Decision)
    assert "firings[0].fact" in refused(fc.from_json, changed("firings.0.fact", "symptom[7]"),
                                        Decision)
    assert "RulebookRef.digest" in refused(fc.from_json, changed("rulebook.digest", "abc"),
                                           Decision)


def test_an_unmet_condition_read_back_names_an_operator() -> None:
    """Explanations word an unmet condition by its operator: one that is none (the fuzz run
    found an empty one) is refused when read, not a KeyError when explained."""
    unmet = {"field": "clean_streak", "op": "ge", "needed": 3, "actual": 1}
    assert fc.from_json(json.dumps(unmet), fc.models.Unmet).op == "ge"
    for op in ("", "GE", ">="):
        assert "Unmet.op" in refused(fc.from_json, json.dumps({**unmet, "op": op}), fc.models.Unmet)


def test_a_list_of_needed_values_is_read_back_and_checked_item_by_item() -> None:
    unmet = fc.models.Unmet("goal", "in", ("runner", "strength"), "everyday")
    assert fc.from_json(fc.to_json(unmet), fc.models.Unmet) == unmet
    assert "Unmet.needed[1]" in refused(fc.models.Unmet, "goal", "in", ("runner", ["x"]), None)


# ---------------------------------------------------------------- evaluate: both backends


@pytest.mark.parametrize("start", [EARLIEST_DATE, LATEST_DATE])
def test_dates_at_the_ends_of_the_range_evaluate_on_both_backends(
        engines: tuple[fc.Engine, ...], start: date) -> None:
    irritated = fc.Symptom(fc.SymptomKind.IRRITATION, fc.Location.ARCH, 6)
    made = set()
    for engine in engines:
        state = engine.new_athlete("a-1", goal=fc.Goal.RUNNER, start=start)
        decision = engine.evaluate(state, CheckIn(on=start, completed=True,
                                                  symptoms=(irritated,)))
        assert decision.action is fc.Action.REST
        assert decision.state.backoff_until == start + timedelta(days=7)  # rest, then deload
        made.add(fc.to_json(attrs.evolve(decision, backend="native")))
    assert len(made) == 1


def test_a_deload_after_the_last_supported_date_cannot_be_asked_for() -> None:
    assert "CheckIn.on" in refused(CheckIn, on=date(9999, 12, 25), completed=True)


def test_a_counter_at_the_integer_limit_gets_the_same_answer_on_both_backends(
        engines: tuple[fc.Engine, ...]) -> None:
    answers = set()
    for engine in engines:
        state = attrs.evolve(engine.new_athlete("a-1", goal=fc.Goal.RUNNER, start=START),
                             clean_streak=MAX_INT)
        with pytest.raises(InputError) as info:
            engine.evaluate(state, CheckIn(on=DAY, completed=True))
        answers.add(str(info.value))
    assert len(answers) == 1 and "clean_streak" in answers.pop()


def test_the_engine_keeps_the_latest_check_in_ids_within_the_limit(engine: fc.Engine,
                                                                   state: AthleteState) -> None:
    most = limit("recent_checkins")
    refs = tuple(fc.models.CheckInRef(f"c-{n}", DAY) for n in range(most))
    full = attrs.evolve(state, last_checkin_on=DAY, recent_checkins=refs)
    after = engine.evaluate(full, CheckIn(on=DAY, completed=False, id="new")).state
    assert len(after.recent_checkins) == most
    assert after.recent_checkins[-1].id == "new" and after.recent_checkins[0].id == "c-1"


# ---------------------------------------------------------------- rulebooks


def edited(tmp_path: Path, filename: str, old: str, new: str) -> Path:
    root = tmp_path / "rules"
    if not root.exists():
        shutil.copytree(SHIPPED, root)
    text = (root / filename).read_text(encoding="utf-8")
    assert old in text, f"{old!r} is no longer in {filename}"
    (root / filename).write_text(text.replace(old, new, 1), encoding="utf-8")
    return root


def load_error(path: Path, *needles: str) -> str:
    message = refused(fc.load_rulebook, path, kind=RulebookError)
    for needle in needles:
        assert needle in message, message
    return message


STIFF = 'id = "stiffness-deload"'


@pytest.mark.parametrize("written", ['["a", "b"]', '{ a = 1 }'])
def test_an_id_written_as_a_list_or_table(tmp_path: Path, written: str) -> None:
    load_error(edited(tmp_path, "rules-backoff.toml", STIFF, f"id = {written}"),
               "rules-backoff.toml", "expected a string")


def test_toml_nested_a_thousand_deep(tmp_path: Path) -> None:
    deep = "x = " + "[" * 1000 + "]" * 1000 + "\n"
    load_error(edited(tmp_path, "params.toml", "[params.window_days]",
                      deep + "[params.window_days]"), "params.toml", "(toml_depth)")


def test_a_long_dotted_key_is_refused_before_parsing(tmp_path: Path) -> None:
    dotted = ".".join(["a"] * 20000) + " = 1\n"
    load_error(edited(tmp_path, "params.toml", "[params.window_days]",
                      dotted + "[params.window_days]"), "params.toml", "(toml_key_parts)")


def test_a_file_over_the_size_limit_is_refused_before_parsing(tmp_path: Path) -> None:
    root = edited(tmp_path, "params.toml", "[params.window_days]", "[params.window_days]")
    (root / "zzz.toml").write_text("x = [" + "1," * 300000 + "]\n")
    load_error(root, "zzz.toml", "(rulebook_file_bytes)")


def test_a_huge_integer_in_toml(tmp_path: Path) -> None:
    load_error(edited(tmp_path, "params.toml", "value = 14", "value = " + "9" * 5000),
               "params.toml", "not valid TOML")


@pytest.mark.parametrize(("old", "new", "param"), [
    ("value = 7\nunit = \"days\"\ndescription = \"How long a deload",
     "value = 3000000\nunit = \"days\"\ndescription = \"How long a deload", "deload_days"),
    ("value = 14", "value = 1e300", "window_days"),
    ("value = 3\nunit = \"days\"", f"value = {2**63 - 1}\nunit = \"days\"", "rest_days"),
    ("value = 22", "value = -1", "long_layoff_days"),
    ("value = 14", "value = 14.5", "window_days"),
])
def test_parameters_are_bounded_where_they_are_loaded(tmp_path: Path, old: str, new: str,
                                                      param: str) -> None:
    load_error(edited(tmp_path, "params.toml", old, new), "params.toml", f"param {param}")


@pytest.mark.parametrize("constant", ["inf", "nan", "-inf", str(2**60)])
def test_a_condition_against_a_non_finite_or_huge_constant(tmp_path: Path,
                                                           constant: str) -> None:
    old = '{ field = "severity", op = "ge", param = "stiffness_deload_min" }'
    load_error(edited(tmp_path, "rules-backoff.toml", old,
                      f'{{ field = "severity", op = "ge", value = {constant} }}'),
               "rules-backoff.toml", "stiffness-deload")


def test_past_the_per_fact_condition_limit_native_decides_and_durable_refuses(
        tmp_path: Path) -> None:
    """600 conditions side by side on symptom facts: past durable_rules' 511 (docs/limits.md),
    so the durable backend refuses the rulebook, naming why; native fires the wide rule."""
    many = ", ".join(str(n) for n in range(600))
    old = '{ field = "kind", op = "eq", value = "stiffness" }'
    rulebook = fc.load_rulebook(edited(tmp_path, "rules-backoff.toml", old,
                                       f'{{ field = "days", op = "in", value = [{many}] }}'))
    engine = fc.Engine(rulebook)
    assert engine.backend == "native"
    state = engine.new_athlete("a-1", goal=fc.Goal.RUNNER, start=START)
    for days, fires in ((599, True), (600, False)):
        symptom = fc.Symptom(fc.SymptomKind.SORENESS, fc.Location.ARCH, severity=3, days=days)
        checkin = CheckIn(on=DAY, completed=True, minutes=18, symptoms=(symptom,))
        decision = engine.evaluate(state, checkin)
        assert ("stiffness-deload" in {f.rule_id for f in decision.firings}) is fires
    # The kit's backends-agree check leaves a rulebook durable refuses out, as it says.
    assert check_backends_agree(engine, state, checkin) == decision
    available = _durable.durable_available()  # else the extra is missing: that is said
    with pytest.raises(RulebookError if available else fc.EngineError) as refused:
        fc.Engine(rulebook, backend="durable")
    assert refused.value.code == ("durable-limit" if available else "durable-missing")
    assert ("511" if available else "footcore[durable]") in str(refused.value)


@pytest.mark.parametrize(("stage_id", "needle"), [('""', "got ''"), ('"  "', "got '  '"),
                                                  ('"Activation"', "but for case")])
def test_stage_ids_are_non_empty_and_unique_regardless_of_case(tmp_path: Path, stage_id: str,
                                                               needle: str) -> None:
    load_error(edited(tmp_path, "stages.toml", 'id = "baseline"', f"id = {stage_id}"),
               "stages.toml", needle)


# ---------------------------------------------------------------- the safety floor


UNSAFE = [
    pytest.param("rules-backoff.toml", None, None, "sharp_pain", id="backoff-rules-deleted"),
    pytest.param("rulebook.toml",
                 '["pause", "regress", "rest", "deload", "ease", "hold", "progress", "advance"]',
                 '["advance", "progress", "hold", "ease", "deload", "rest", "regress", "pause"]',
                 "precedence", id="precedence-reversed"),
    pytest.param("rulebook.toml", 'default_action = "hold"', 'default_action = "advance"',
                 "default_action", id="default-advance"),
    pytest.param("rules-backoff.toml", 'action = "pause"\nfact = "symptom"\nsummary = "Sharp',
                 'action = "hold"\nfact = "symptom"\nsummary = "Sharp', "sharp_pain",
                 id="sharp-pain-holds"),
]


def unsafe_copy(tmp_path: Path, filename: str, old: str | None, new: str | None) -> Path:
    if old is None:
        root = edited(tmp_path, "params.toml", "[params.window_days]", "[params.window_days]")
        # the progression rules alone, with no back-off rule at all
        (root / filename).unlink()
        return root
    return edited(tmp_path, filename, old, new or "")


@pytest.mark.parametrize(("filename", "old", "new", "needle"), UNSAFE)
def test_an_unsafe_rulebook_does_not_load(tmp_path: Path, filename: str, old: str | None,
                                          new: str | None, needle: str) -> None:
    load_error(unsafe_copy(tmp_path, filename, old, new), "safety floor", needle,
               "allow_unsafe=True")


@pytest.mark.parametrize(("filename", "old", "new", "needle"), UNSAFE)
def test_allow_unsafe_loads_it_and_every_decision_says_so(
        tmp_path: Path, filename: str, old: str | None, new: str | None, needle: str) -> None:
    rulebook = fc.load_rulebook(unsafe_copy(tmp_path, filename, old, new), allow_unsafe=True)
    assert rulebook.unsafe and any(needle in breach for breach in rulebook.unsafe)
    engine = fc.Engine(rulebook, backend="native")
    state = engine.new_athlete("a-1", goal=fc.Goal.RUNNER, start=START)
    decision = engine.evaluate(state, CheckIn(on=DAY, completed=True))
    assert decision.rulebook.unsafe == rulebook.unsafe
    assert "WARNING: an unsafe rulebook" in fc.explain(decision)
    assert fc.explain(decision, format="dict")["rulebook"]["unsafe"] == list(rulebook.unsafe)
    assert fc.from_json(fc.to_json(decision), Decision).rulebook.unsafe == rulebook.unsafe


def test_the_shipped_rulebook_meets_the_floor_and_its_decisions_say_nothing(
        engine: fc.Engine, state: AthleteState) -> None:
    assert engine.rulebook.unsafe == ()
    assert "unsafe" not in fc.explain(engine.evaluate(state, CheckIn(on=DAY, completed=True)))


def test_a_pain_pause_split_by_severity_still_covers_every_pain(tmp_path: Path) -> None:
    split = ('{ field = "kind", op = "eq", value = "sharp_pain" },\n'
             '  { field = "severity", op = "ge", value = 5 },')
    root = edited(tmp_path, "rules-backoff.toml",
                  '{ field = "kind", op = "eq", value = "sharp_pain" },', split)
    load_error(root, "sharp_pain symptom does not pause", "severity")


# ---------------------------------------------------------------- the audit log


def test_verify_log_reports_a_line_nested_100000_deep(tmp_path: Path) -> None:
    path = tmp_path / "log.jsonl"
    path.write_bytes(b"[" * 100000 + b"]" * 100000 + b"\n")
    report = fc.audit.verify_log(path)
    assert [p.kind for p in report.problems] == ["invalid"]
    assert "json_depth" in report.problems[0].detail


def test_append_notices_a_same_size_edit_of_the_last_record(tmp_path: Path, engine: fc.Engine,
                                                            state: AthleteState) -> None:
    log = fc.audit.AuditLog(tmp_path / "log.jsonl")
    log.append(engine.evaluate(state, CheckIn(on=DAY, completed=True, minutes=18)))
    text = log.path.read_bytes()
    assert b'"minutes":18' in text
    log.path.write_bytes(text.replace(b'"minutes":18', b'"minutes":19'))
    assert log.path.stat().st_size == len(text)
    with pytest.raises(fc.audit.AuditLogError, match="edited"):
        log.append(engine.evaluate(state, CheckIn(on=DAY, completed=True)))
