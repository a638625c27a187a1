"""The rulebook loader: the shipped rulebook, its digest, and every validation error.

Broken rulebooks are made by copying the shipped ``rules/`` into ``tmp_path`` and editing the
text; each error must be a :class:`footcore.RulebookError` naming the file, the item and the
field.
"""

from __future__ import annotations

import re
import shutil
from datetime import date
from pathlib import Path

import attrs
import pytest

import footcore
import footcore.models
from footcore import Action, RulebookError
from footcore._rulebook_loading import rulebook_data, rulebook_from_data
from footcore.models import Rulebook

STAGES = ["baseline", "activation", "control", "unilateral", "integration", "maintenance"]
PRECEDENCE = [Action.PAUSE, Action.REGRESS, Action.REST, Action.DELOAD, Action.EASE,
              Action.HOLD, Action.PROGRESS, Action.ADVANCE]
# The exercises the article names, by the paragraph that names them.
ARTICLE_EXERCISES = {
    "P1": ["single_leg_awareness", "arch_awareness_walk"],
    "P2": ["seated_toe_curl", "banded_toe_curl", "toe_draw_in", "single_leg_stand_cushioned"],
    "P3": ["short_foot_hold", "toe_splay_breathing", "slow_weight_shift", "gentle_squat"],
    "P4": ["toe_off_drill", "heel_to_toe_transition", "soft_landing_hops",
           "balance_squat_min_heel_lift", "barefoot_texture_walk"],
    "P6": ["ankle_toe_rom", "plantar_fascia_stretch"],
    "P8": ["single_leg_stand_compliant_eyes_closed", "single_leg_stand_compliant_fixed_gaze",
           "slow_controlled_hops"],
    "P9": ["plantar_fascia_stretch", "soft_tissue_release", "toe_spread_arch_work"],
    "P11": ["desk_toe_curls", "footwear_toe_splay", "tired_foot_balance"],
}
PARAGRAPH = re.compile(r"^P([1-9]|1[0-2])$")
# Where a new rule is inserted, just before the first rule of the back-off file.
ANCHOR = '[[rule]]\nid = "sharp-pain-pause"\n'
EXTRA_EXERCISE = {
    "id": '"extra_exercise"',
    "name": '"An extra exercise"',
    "category": '"activation"',
    "loaded": "false",
    "surface": '"firm"',
    "unilateral": "false",
    "source": '["P2"]',
    "cues": '["Curl the toes."]',
    "dose": "{ sets = 1, reps = 10 }",
}
EXTRA_RULE = {
    "id": '"extra-rule"',
    "action": '"hold"',
    "fact": '"symptom"',
    "summary": '"An extra rule for a test."',
    "source": '["P9"]',
    "when": '[{ field = "kind", op = "eq", value = "stiffness" }]',
}


# ---------------------------------------------------------------- helpers


def copied(tmp_path: Path) -> Path:
    """A copy of the shipped rules directory (made once per test)."""
    target = tmp_path / "rules"
    if not target.exists():
        shutil.copytree(Path(footcore.load_rulebook().location), target)
    return target


def broken(tmp_path: Path, filename: str, old: str, new: str) -> Path:
    """A copy of the shipped rules with ``old`` replaced by ``new`` in ``filename``."""
    path = copied(tmp_path) / filename
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} is no longer in {filename}: update the test"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path.parent


def table(header: str, fields: dict[str, str | None]) -> str:
    """A TOML table from TOML literals; a None value leaves its key out."""
    lines = "".join(f"{key} = {value}\n" for key, value in fields.items() if value is not None)
    return f"{header}\n{lines}\n"


def with_rule(tmp_path: Path, **fields: str | None) -> Path:
    """A copy of the shipped rules plus EXTRA_RULE with ``fields`` changed."""
    extra = table("[[rule]]", {**EXTRA_RULE, **fields})
    return broken(tmp_path, "rules-backoff.toml", ANCHOR, extra + ANCHOR)


def with_exercise(tmp_path: Path, **fields: str | None) -> Path:
    """A copy of the shipped rules plus EXTRA_EXERCISE with ``fields`` changed."""
    extra = table("[[exercise]]", {**EXTRA_EXERCISE, **fields})
    return broken(tmp_path, "exercises.toml", '[[exercise]]\nid = "ankle_toe_rom"\n',
                  extra + '[[exercise]]\nid = "ankle_toe_rom"\n')


def load_error(path: Path) -> str:
    with pytest.raises(RulebookError) as info:
        footcore.load_rulebook(path)
    return str(info.value)


def cut_table(text: str, header: str, ident: str | None = None) -> tuple[str, str]:
    """Split the table ``header`` (with ``id = "ident"`` when given) out of ``text``."""
    marker = f'{header}\nid = "{ident}"\n' if ident else f"{header}\n"
    start = text.index(marker)
    following = header if header.startswith("[[") else "[params."
    end = text.find(f"\n{following}", start + len(marker))
    end = len(text) if end < 0 else end + 1
    return text[:start] + text[end:], text[start:end]


def moved(tmp_path: Path, filename: str, header: str, ident: str | None, target: str) -> Path:
    """A copy of the shipped rules with one table moved from ``filename`` to a new file."""
    root = copied(tmp_path)
    rest, cut = cut_table((root / filename).read_text(encoding="utf-8"), header, ident)
    (root / filename).write_text(rest, encoding="utf-8")
    (root / target).write_text(cut, encoding="utf-8")
    return root


# ---------------------------------------------------------------- the shipped rulebook


def test_default_rulebook_has_the_article_ladder(rulebook: Rulebook) -> None:
    assert [stage.id for stage in rulebook.stages] == STAGES
    assert [stage.order for stage in rulebook.stages] == list(range(len(STAGES)))


def test_precedence_is_most_conservative_first(rulebook: Rulebook) -> None:
    assert list(rulebook.meta.precedence) == PRECEDENCE
    assert [rulebook.rank(action) for action in PRECEDENCE] == list(range(len(PRECEDENCE)))
    assert rulebook.meta.default_action is Action.HOLD


def test_every_rule_has_a_source(rulebook: Rulebook) -> None:
    assert rulebook.rules
    for rule in rulebook.rules:
        assert rule.source, rule.id
        for entry in rule.source:
            assert entry == "default" or PARAGRAPH.match(entry), (rule.id, entry)
        if "default" in rule.source:
            assert rule.rationale and rule.rationale.strip(), rule.id


def test_every_param_has_a_source_and_defaults_a_rationale(rulebook: Rulebook) -> None:
    for name, param in rulebook.params.items():
        assert param.source, name
        if param.is_default:
            assert param.rationale, name


@pytest.mark.parametrize("paragraph", sorted(ARTICLE_EXERCISES))
def test_every_exercise_the_article_names_exists(rulebook: Rulebook, paragraph: str) -> None:
    for exercise_id in ARTICLE_EXERCISES[paragraph]:
        assert exercise_id in rulebook.exercises
        assert paragraph in rulebook.exercises[exercise_id].source, exercise_id


def test_every_exercise_is_used_in_some_stage(rulebook: Rulebook) -> None:
    used = {name for stage in rulebook.stages for s in stage.session for name in s.items}
    used |= {name for stage in rulebook.stages for name in stage.habits}
    used |= {e.substitute for e in rulebook.exercises.values() if e.substitute}
    used |= {name for stage in rulebook.stages  # P1: what an awareness finding leads with
             for _, name in stage.emphasis.leads(footcore.Observation)}
    assert set(rulebook.exercises) == used


# ---------------------------------------------------------------- the digest


def test_loading_twice_gives_the_same_digest(rulebook: Rulebook, tmp_path: Path) -> None:
    again = footcore.load_rulebook()
    assert again.digest == rulebook.digest
    assert again == rulebook
    assert footcore.load_rulebook(copied(tmp_path)).digest == rulebook.digest
    assert re.fullmatch(r"[0-9a-f]{64}", rulebook.digest)


def test_changing_one_number_changes_the_digest(rulebook: Rulebook, tmp_path: Path) -> None:
    value = rulebook.whole("stiffness_deload_min")
    old = f"[params.stiffness_deload_min]\nvalue = {value}\n"
    changed = footcore.load_rulebook(broken(
        tmp_path, "params.toml", old, old.replace(f"= {value}", f"= {value + 1}")))
    assert changed.number("stiffness_deload_min") == value + 1
    assert changed.digest != rulebook.digest
    assert changed != rulebook


def test_a_comment_does_not_change_the_digest(rulebook: Rulebook, tmp_path: Path) -> None:
    path = broken(tmp_path, "params.toml", "[params.window_days]\n",
                  "# a new comment\n[params.window_days]  # and another\n")
    assert footcore.load_rulebook(path).digest == rulebook.digest


@pytest.mark.parametrize(("filename", "header", "ident"), [
    ("params.toml", "[params.window_days]", None),
    ("exercises.toml", "[[exercise]]", "toe_draw_in"),
    ("stages.toml", "[[stage]]", "baseline"),
    ("rules-progression.toml", "[[rule]]", "advance-integration"),
])
def test_which_file_holds_a_table_does_not_change_the_digest(
        rulebook: Rulebook, tmp_path: Path, filename: str, header: str,
        ident: str | None) -> None:
    """docs/rulebook-format.md: it does not matter which file holds which table."""
    path = moved(tmp_path, filename, header, ident, "0-moved.toml")
    assert footcore.load_rulebook(path).digest == rulebook.digest


def test_renaming_the_files_does_not_change_the_digest(rulebook: Rulebook,
                                                       tmp_path: Path) -> None:
    """docs/rulebook-format.md: the split into files is a convenience, not content."""
    root = copied(tmp_path)
    for number, path in enumerate(sorted(root.glob("*.toml"), reverse=True)):
        path.rename(root / f"{number}-{path.name}")
    assert footcore.load_rulebook(root).digest == rulebook.digest


def test_one_file_holding_everything_gives_the_same_digest(rulebook: Rulebook,
                                                           tmp_path: Path) -> None:
    """A rulebook may be one TOML file; the split into files is not content."""
    root = copied(tmp_path)
    whole = "\n".join(p.read_text(encoding="utf-8") for p in sorted(root.glob("*.toml")))
    single = tmp_path / "rulebook.toml"
    single.write_text(whole, encoding="utf-8")
    assert footcore.load_rulebook(single).digest == rulebook.digest


# ---------------------------------------------------------------- validation errors


def test_invalid_toml(tmp_path: Path) -> None:
    message = load_error(broken(tmp_path, "params.toml", "[params.window_days]\n",
                                "[params.window_days\n"))
    assert "params.toml" in message
    assert "TOML" in message


def test_unknown_top_level_table(tmp_path: Path) -> None:
    message = load_error(broken(tmp_path, "params.toml", "[params.window_days]\n",
                                "[paramz.window_days]\n"))
    assert "params.toml" in message
    assert "paramz" in message


def test_duplicate_rule_id(tmp_path: Path) -> None:
    message = load_error(broken(tmp_path, "rules-backoff.toml", 'id = "persistent-pain-pause"',
                                'id = "sharp-pain-pause"'))
    assert "rules-backoff.toml" in message
    assert "rule sharp-pain-pause" in message
    assert "'id'" in message


def test_duplicate_exercise_id(tmp_path: Path) -> None:
    message = load_error(broken(tmp_path, "exercises.toml", 'id = "toe_draw_in"',
                                'id = "seated_toe_curl"'))
    assert "exercises.toml" in message
    assert "exercise seated_toe_curl" in message
    assert "'id'" in message


def test_an_extra_rule_loads(rulebook: Rulebook, tmp_path: Path) -> None:
    """The baseline for the rule cases below: EXTRA_RULE itself is valid, and new content."""
    loaded = footcore.load_rulebook(with_rule(tmp_path))
    assert [r.id for r in loaded.rules if r.id == "extra-rule"] == ["extra-rule"]
    assert loaded.digest != rulebook.digest


# Each: the `when` of an extra rule (fact, when) and what the message must name besides the
# file, the rule and when[0].
CONDITION_CASES = {
    "unknown field": ("symptom", '[{ field = "severty", op = "ge", value = 3 }]', "severty"),
    "bad operator": ("symptom", '[{ field = "severity", op = "gte", value = 3 }]', "gte"),
    "ordering a string": ("symptom", '[{ field = "kind", op = "ge", value = "stiffness" }]',
                          "kind"),
    "in without a list": ("symptom", '[{ field = "kind", op = "in", value = "stiffness" }]',
                          "list"),
    "unknown param": ("symptom", '[{ field = "severity", op = "ge", param = "stiff_min" }]',
                      "stiff_min"),
    "unknown stage": ("checkin", '[{ field = "stage", op = "eq", value = "kontrol" }]',
                      "kontrol"),
    "unknown enum value": ("symptom", '[{ field = "kind", op = "eq", value = "ouch" }]', "ouch"),
    "unknown location": ("symptom", '[{ field = "location", op = "in", value = ["arch", "shin"] }]',
                         "shin"),
    "wrong type": ("symptom", '[{ field = "severity", op = "ge", value = "three" }]', "number"),
    "value and param": (
        "symptom", '[{ field = "severity", op = "ge", value = 3, param = "rest_days" }]',
        "param"),
    "field of another fact": ("symptom", '[{ field = "completed", op = "eq", value = true }]',
                              "completed"),
}


@pytest.mark.parametrize("case", sorted(CONDITION_CASES))
def test_bad_condition(tmp_path: Path, case: str) -> None:
    fact, when, named = CONDITION_CASES[case]
    message = load_error(with_rule(tmp_path, fact=f'"{fact}"', when=when))
    assert "rules-backoff.toml" in message
    assert "rule extra-rule" in message
    assert "when[0]" in message
    assert named in message


@pytest.mark.parametrize(("fields", "field", "named"), [
    ({"source": None}, "source", "missing"),
    ({"source": "[]"}, "'source'", "source"),
    ({"source": '["default"]'}, "'rationale'", "default"),
    ({"source": '["default"]', "rationale": '"  "'}, "'rationale'", "default"),
    ({"source": '["P13"]'}, "'source'", "P13"),
    ({"source": '["p9"]'}, "'source'", "p9"),
    ({"priority": "3"}, "priority", "unknown"),
    ({"action": '"skip"'}, "action", "skip"),
    ({"fact": '"weather"'}, "fact", "weather"),
])
def test_bad_rule_table(tmp_path: Path, fields: dict[str, str | None], field: str,
                        named: str) -> None:
    message = load_error(with_rule(tmp_path, **fields))
    assert "rules-backoff.toml" in message
    assert "rule extra-rule" in message
    assert field in message
    assert named in message


def test_an_extra_exercise_loads(tmp_path: Path) -> None:
    """The baseline for the exercise cases below: EXTRA_EXERCISE itself is valid."""
    loaded = footcore.load_rulebook(with_exercise(tmp_path))
    assert loaded.exercises["extra_exercise"].cues == ("Curl the toes.",)


@pytest.mark.parametrize(("fields", "field", "named"), [
    ({"category": '"ouch"'}, "category", "ouch"),
    ({"loaded": '"yes"'}, "loaded", "yes"),
    ({"dose": "{ sets = 1, reps = 10.5 }"}, "reps", "10.5"),
    ({"dose": "{ sets = 1 }"}, "reps", "missing"),
    ({"source": '["default"]'}, "'source'", "paragraph"),
    ({"tempo": '"slow"'}, "tempo", "unknown"),
])
def test_bad_exercise_table(tmp_path: Path, fields: dict[str, str | None], field: str,
                            named: str) -> None:
    message = load_error(with_exercise(tmp_path, **fields))
    assert "exercises.toml" in message
    assert "exercise extra_exercise" in message
    assert field in message
    assert named in message


def test_a_string_where_a_list_belongs_is_rejected_whole(tmp_path: Path) -> None:
    """A string is not a list of its characters: the converter is strict (see _convert.py)."""
    message = load_error(with_rule(tmp_path, source='"P9"'))
    assert "rule extra-rule" in message
    assert "source" in message
    assert "'P'" not in message
    assert "P9" in message


def test_a_string_where_a_list_of_cues_belongs_is_rejected(tmp_path: Path) -> None:
    """A string is not a list of its characters: cues = "..." must not load as ('C', 'u', ...)."""
    message = load_error(with_exercise(tmp_path, cues='"Curl the toes."'))
    assert "exercise extra_exercise" in message
    assert "cues" in message


def test_unknown_exercise_in_a_session(tmp_path: Path) -> None:
    message = load_error(broken(tmp_path, "stages.toml", '"slow_weight_shift"',
                                '"slow_weight_shiftt"'))
    assert "stages.toml" in message
    assert "stage control" in message
    assert "session[0].items" in message
    assert "slow_weight_shiftt" in message


def test_unknown_exercise_as_a_habit(tmp_path: Path) -> None:
    message = load_error(broken(tmp_path, "stages.toml", 'habits = ["single_leg_awareness",',
                                'habits = ["single_leg_awarenes",'))
    assert "stage baseline" in message
    assert "'habits'" in message
    assert "single_leg_awarenes" in message


def test_session_without_a_warm_up_first(tmp_path: Path) -> None:
    first = '"single_leg_awareness", "seated_toe_curl"'
    message = load_error(broken(tmp_path, "stages.toml", f'items = ["ankle_toe_rom", {first}',
                                f"items = [{first}"))
    assert "stage baseline" in message
    assert "session[0].items" in message
    assert "warm_up" in message


def test_session_without_a_cool_down_last(tmp_path: Path) -> None:
    message = load_error(broken(
        tmp_path, "stages.toml", '"seated_toe_curl", "arch_awareness_walk",\n         '
        '"plantar_fascia_stretch"]', '"seated_toe_curl", "arch_awareness_walk"]'))
    assert "stage baseline" in message
    assert "session[0].items" in message
    assert "cool_down" in message


def test_neighbouring_main_items_of_one_category(tmp_path: Path) -> None:
    message = load_error(broken(tmp_path, "stages.toml",
                                '"single_leg_awareness", "seated_toe_curl"',
                                '"toe_draw_in", "seated_toe_curl"'))
    assert "stage baseline" in message
    assert "session[0].items" in message
    assert "activation" in message


@pytest.mark.parametrize("minutes", [14, 21])
def test_session_minutes_outside_the_bounds(rulebook: Rulebook, tmp_path: Path,
                                            minutes: int) -> None:
    assert not (rulebook.number("session_min_minutes") <= minutes
                <= rulebook.number("session_max_minutes"))
    message = load_error(broken(tmp_path, "stages.toml", 'minutes = 20\ngoals = ["everyday"]',
                                f'minutes = {minutes}\ngoals = ["everyday"]'))
    assert "stages.toml" in message
    assert "stage integration" in message
    assert "session[7].minutes" in message


def test_wrong_number_of_sessions_for_a_goal(tmp_path: Path) -> None:
    message = load_error(broken(tmp_path, "stages.toml", 'minutes = 20\ngoals = ["everyday"]',
                                'minutes = 20\ngoals = ["everyday", "runner"]'))
    assert "stage integration" in message
    assert "'session'" in message
    assert "runner" in message


STEPS = "  { reps = 1.0, hold = 1.0 },\n  { reps = 1.1, hold = 1.1 },\n]"


def test_dose_step_rising_more_than_allowed(rulebook: Rulebook, tmp_path: Path) -> None:
    too_far = round(1 + rulebook.number("max_dose_step_increase") + 0.05, 3)
    message = load_error(broken(tmp_path, "stages.toml", STEPS, STEPS.replace(
        "{ reps = 1.1,", f"{{ reps = {too_far},")))
    assert "stages.toml" in message
    assert "stage baseline" in message
    assert "steps[1].reps" in message
    assert "max_dose_step_increase" in message


def test_dose_step_going_down(tmp_path: Path) -> None:
    message = load_error(broken(tmp_path, "stages.toml", STEPS,
                                STEPS.replace("hold = 1.1 }", "hold = 0.9 }")))
    assert "stage baseline" in message
    assert "steps[1].hold" in message


def test_stage_with_no_way_forward(tmp_path: Path) -> None:
    message = load_error(broken(tmp_path, "rules-progression.toml",
                                'id = "advance-control"\naction = "advance"',
                                'id = "advance-control"\naction = "hold"'))
    assert "stages.toml" in message
    assert "stage control" in message
    assert "advance" in message


def test_gap_in_stage_order(tmp_path: Path) -> None:
    message = load_error(broken(tmp_path, "stages.toml", 'id = "maintenance"\norder = 5',
                                'id = "maintenance"\norder = 6'))
    assert "stages.toml" in message
    assert "'order'" in message
    assert "stage maintenance" in message


def test_repeated_stage_order(tmp_path: Path) -> None:
    message = load_error(broken(tmp_path, "stages.toml", 'id = "maintenance"\norder = 5',
                                'id = "maintenance"\norder = 4'))
    assert "stages.toml" in message
    assert "'order'" in message
    assert "stage maintenance" in message


def test_missing_required_param(tmp_path: Path) -> None:
    message = load_error(broken(tmp_path, "params.toml", "[params.rest_days]\n",
                                "[params.rest_dayz]\n"))
    assert "param rest_days" in message
    assert "[params]" in message


def test_param_value_of_the_wrong_type(tmp_path: Path) -> None:
    message = load_error(broken(tmp_path, "params.toml", "[params.rest_days]\nvalue = ",
                                '[params.rest_days]\nvalue = "three" # '))
    assert "params.toml" in message
    assert "param rest_days" in message
    assert "value" in message


def test_plyometric_exercise_without_a_substitute(tmp_path: Path) -> None:
    message = load_error(broken(tmp_path, "exercises.toml",
                                'substitute = "slow_weight_shift"\n', ""))
    assert "exercises.toml" in message
    assert "exercise slow_controlled_hops" in message
    assert "'substitute'" in message


def test_unknown_substitute(tmp_path: Path) -> None:
    message = load_error(broken(tmp_path, "exercises.toml", 'substitute = "slow_weight_shift"\n',
                                'substitute = "slow_weight_shove"\n'))
    assert "exercise slow_controlled_hops" in message
    assert "'substitute'" in message
    assert "slow_weight_shove" in message


def test_two_rulebook_tables(tmp_path: Path) -> None:
    root = copied(tmp_path)
    shutil.copy(root / "rulebook.toml", root / "zz-rulebook.toml")
    message = load_error(root)
    assert "rulebook.toml" in message
    assert "zz-rulebook.toml" in message
    assert "[rulebook]" in message


def test_directory_with_no_toml(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("not a rulebook\n", encoding="utf-8")
    message = load_error(tmp_path)
    assert str(tmp_path) in message
    assert ".toml" in message


def test_nonexistent_path(tmp_path: Path) -> None:
    message = load_error(tmp_path / "nowhere")
    assert str(tmp_path / "nowhere") in message


def test_rulebook_error_is_a_footcore_error(tmp_path: Path) -> None:
    with pytest.raises(footcore.FootcoreError):
        footcore.load_rulebook(tmp_path / "nowhere")


# ---------------------------------------------------------------- compiled conditions


def extra_rule_fires(path: Path, checkin: footcore.CheckIn) -> bool:
    engine = footcore.Engine(footcore.load_rulebook(path), backend="native")
    state = engine.new_athlete("a-1", goal=footcore.Goal.RUNNER, start=checkin.on)
    return "extra-rule" in {f.rule_id for f in engine.evaluate(state, checkin).firings}


@pytest.mark.parametrize(("op", "value", "firing_severities"), [
    ("eq", "3", {3}), ("ne", "3", {2, 4}), ("lt", "3", {2}), ("le", "3", {2, 3}),
    ("gt", "3", {4}), ("ge", "3", {3, 4}), ("in", "[2, 4]", {2, 4}), ("not_in", "[2, 4]", {3}),
])
def test_each_operator_compares_as_written(tmp_path: Path, op: str, value: str,
                                           firing_severities: set[int]) -> None:
    path = with_rule(tmp_path, when=f'[{{ field = "severity", op = "{op}", value = {value} }}]')
    fired = set()
    for severity in (2, 3, 4):
        symptom = footcore.Symptom(footcore.SymptomKind.FATIGUE, footcore.Location.ARCH, severity)
        checkin = footcore.CheckIn(on=date(2026, 1, 5), completed=True, symptoms=(symptom,))
        if extra_rule_fires(path, checkin):
            fired.add(severity)
    assert fired == firing_severities


@pytest.mark.parametrize(("measured", "fires"), [(None, False), (0.4, True), (0.6, False)])
def test_a_condition_on_an_unmeasured_metric_never_holds(tmp_path: Path, measured: float | None,
                                                         fires: bool) -> None:
    """A missing metric cannot be assessed: even `lt` does not hold on it."""
    path = with_rule(tmp_path, fact='"checkin"',
                     when='[{ field = "forefoot_symmetry", op = "lt", value = 0.5 }]')
    checkin = footcore.CheckIn(on=date(2026, 1, 5), completed=True,
                               metrics=footcore.Metrics(forefoot_symmetry=measured))
    assert extra_rule_fires(path, checkin) is fires


# ---------------------------------------------------------------- nothing executes


CODE = "__import__('os').system('touch {marker}')"


def test_code_in_a_text_value_is_only_text(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    code = CODE.format(marker=marker)
    path = with_rule(tmp_path, summary=f'"{code}"')
    loaded = footcore.load_rulebook(path)
    assert next(r for r in loaded.rules if r.id == "extra-rule").summary == code
    assert not marker.exists()


def test_code_as_a_condition_field_is_rejected(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    code = CODE.format(marker=marker)
    when = f'[{{ field = "{code}", op = "eq", value = 1 }}]'
    message = load_error(with_rule(tmp_path, when=when))
    assert "rule extra-rule" in message
    assert "__import__" in message
    assert not marker.exists()


def test_code_as_a_key_is_rejected(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    message = load_error(with_rule(tmp_path, **{f'"{CODE.format(marker=marker)}"': "1"}))
    assert "rule extra-rule" in message
    assert "unknown field" in message
    assert not marker.exists()


def test_code_as_a_number_is_rejected(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    message = load_error(broken(tmp_path, "params.toml", "[params.rest_days]\nvalue = ",
                                f'[params.rest_days]\nvalue = "{CODE.format(marker=marker)}" # '))
    assert "param rest_days" in message
    assert not marker.exists()


def test_too_many_in_groups_for_durable_is_rejected_on_every_backend(tmp_path: Path) -> None:
    """durable_rules compiles at most MAX_SET_GROUPS multi-value `in` conditions in a rule;
    the loader refuses more, so a rulebook loads the same way whichever backend runs it."""
    group = '{ field = "kind", op = "in", value = ["stiffness", "soreness"] }'
    ok = with_rule(tmp_path / "ok", when="[" + ", ".join([group] * 14) + "]")
    assert footcore.load_rulebook(ok)
    message = load_error(with_rule(tmp_path / "bad", when="[" + ", ".join([group] * 15) + "]"))
    assert "extra-rule" in message and "'when'" in message and "15" in message


def test_rounding_may_not_sneak_in_a_bigger_step(tmp_path: Path) -> None:
    """Step factors rise 10%, but 15 reps x 1.1 rounds to 17: a 13% jump, refused. A rise of
    one rep (10 x 1.1 = 11, 5 x 1.1 -> 6) is allowed, as whole reps cannot rise by less."""
    message = load_error(broken(tmp_path, "exercises.toml",
                                "dose = { sets = 3, reps = 10, hold_s = 10 }",
                                "dose = { sets = 3, reps = 15, hold_s = 10 }"))
    assert "stages.toml" in message and "steps[1].reps" in message
    assert "seated_toe_curl" in message and "15 -> 17" in message
    fine = broken(tmp_path / "fine", "exercises.toml",
                  "dose = { sets = 3, reps = 10, hold_s = 10 }",
                  "dose = { sets = 3, reps = 5, hold_s = 10 }")
    assert footcore.load_rulebook(fine)


# ---------------------------------------------------------------- issue 21: retarget is no rule's


def test_a_rule_may_not_propose_a_goal_change(tmp_path: Path) -> None:
    """RETARGET is the engine's answer to Engine.change_goal (P12), never a rule's."""
    message = load_error(with_rule(tmp_path, action='"retarget"'))
    assert "rule extra-rule" in message and "field 'action'" in message
    assert "Engine.change_goal" in message and "accepted: advance, progress" in message


def test_precedence_and_default_action_leave_retarget_out(tmp_path: Path) -> None:
    listed = broken(tmp_path, "rulebook.toml", '"progress", "advance"]',
                    '"progress", "advance", "retarget"]')
    assert "field 'precedence'" in load_error(listed)
    default = broken(tmp_path / "other", "rulebook.toml", 'default_action = "hold"',
                     'default_action = "retarget"')
    message = load_error(default)
    assert "field 'default_action'" in message and "got 'retarget'" in message


def test_a_precedence_written_before_ease_says_where_it_goes(tmp_path: Path) -> None:
    """0.x: a rulebook whose precedence predates P9's ease is refused by name, with the place
    the action goes."""
    old = broken(tmp_path, "rulebook.toml", '"deload", "ease", "hold"', '"deload", "hold"')
    message = load_error(old)
    assert "field 'precedence'" in message and "lacks 'ease'" in message
    assert "between 'deload' and 'hold'" in message


# ---------------------------------------------------------------- issue 21: P6's blocks, P3's gates

INTRINSIC_GATES = ('gated = [\n  { item = "arch_awareness_walk", last_step = 0 },\n'
                   '  { item = "slow_weight_shift", first_step = 1 },\n]')


def test_a_block_without_one_of_the_three_kinds_is_refused(tmp_path: Path) -> None:
    """P6: each block alternates activation drills, static holds and dynamic transitions;
    the activation rung's first block without its walk holds no dynamic transition."""
    message = load_error(broken(
        tmp_path, "stages.toml", '"banded_toe_curl",\n         "arch_awareness_walk", '
        '"plantar_fascia_stretch"]', '"banded_toe_curl",\n         "plantar_fascia_stretch"]'))
    assert "stages.toml" in message and "stage activation" in message
    assert "session[0].items" in message
    assert "no dynamic transition" in message and "P6" in message


def test_a_goals_block_without_a_kind_is_refused_naming_the_goal(tmp_path: Path) -> None:
    """P4, P6: an everyday walker's balance block without its toe draw-in holds no
    activation drill; the error names the stage, the session and its goal."""
    old = ('goals = ["everyday"]\nitems = ["ankle_toe_rom", "barefoot_texture_walk", '
           '"single_leg_stand_compliant_eyes_closed",\n         "toe_draw_in", ')
    path = broken(tmp_path, "stages.toml", old, old.replace('"toe_draw_in", ', ""))
    message = load_error(path)
    assert "stage integration" in message and "session[7].items" in message
    assert "for everyday: the main items hold no activation drill" in message


def test_a_block_that_loses_a_kind_when_hops_are_substituted_is_refused(
        tmp_path: Path) -> None:
    """P6, P10: an athlete who may not hop yet gets each hop's substitute; the block must
    still hold all three kinds (here the hop's substitute becomes an activation drill)."""
    message = load_error(broken(tmp_path, "exercises.toml", 'substitute = "slow_weight_shift"',
                                'substitute = "toe_spread_arch_work"'))
    assert "stage unilateral" in message and "session[2].items" in message
    assert "with hops substituted" in message and "no dynamic transition" in message


def test_a_block_that_lacks_a_kind_at_one_dose_step_is_refused(tmp_path: Path) -> None:
    """P3, P6: the walk leaves after step 0 and the weight shift now comes only at step 2,
    so at step 1 the block has no dynamic transition; the error names the step."""
    message = load_error(broken(tmp_path, "stages.toml", INTRINSIC_GATES,
                                INTRINSIC_GATES.replace("first_step = 1", "first_step = 2")))
    assert "stage control" in message and "session[0].items" in message
    assert "at dose step 1:" in message and "no dynamic transition" in message


def test_gating_the_warm_up_is_refused_at_the_step_that_loses_it(tmp_path: Path) -> None:
    message = load_error(broken(tmp_path, "stages.toml", INTRINSIC_GATES, INTRINSIC_GATES.replace(
        "\n]", '\n  { item = "ankle_toe_rom", first_step = 1 },\n]')))
    assert "stage control" in message and "session[0].items" in message
    assert "at dose step 0: must start with a warm_up" in message


@pytest.mark.parametrize(("old", "new", "field", "words"), [
    ('{ item = "slow_weight_shift", first_step = 1 },\n]',
     '{ item = "gentle_squat", first_step = 1 },\n]', "session[0].gated[1].item",
     "'gentle_squat' is not an item in this session"),
    ('{ item = "slow_weight_shift", first_step = 1 },\n]',
     '{ item = "slow_weight_shift", first_step = 4 },\n]', "session[0].gated[1].first_step",
     "got 4; accepted: a dose step of this stage, 0 to 3"),
    ('{ item = "arch_awareness_walk", last_step = 0 },\n  { item = "slow_weight_shift", '
     'first_step = 1 },\n]', '{ item = "arch_awareness_walk", last_step = -1 },\n  '
     '{ item = "slow_weight_shift", first_step = 1 },\n]', "session[0].gated[0].last_step",
     "got -1"),
    ('{ item = "slow_weight_shift", first_step = 1, last_step = 1 }',
     '{ item = "slow_weight_shift", first_step = 2, last_step = 1 }',
     "session[1].gated[1].last_step", "first_step 2 comes after last_step 1"),
    ('{ item = "slow_weight_shift", first_step = 1 },\n]',
     '{ item = "slow_weight_shift", first_step = 1 },\n'
     '  { item = "slow_weight_shift", first_step = 2 },\n]', "session[0].gated[2].item",
     "'slow_weight_shift' has two gates"),
], ids=["not-an-item", "no-such-step", "negative-step", "first-after-last", "two-gates"])
def test_a_bad_gate_is_refused_naming_its_field(tmp_path: Path, old: str, new: str,
                                                field: str, words: str) -> None:
    message = load_error(broken(tmp_path, "stages.toml", old, new))
    assert "stages.toml" in message and "stage control" in message
    assert f"'{field}'" in message and words in message


def test_a_gate_on_an_item_listed_twice_is_refused(tmp_path: Path) -> None:
    message = load_error(broken(
        tmp_path, "stages.toml", '"toe_splay_breathing", "arch_awareness_walk", '
        '"slow_weight_shift",\n', '"toe_splay_breathing", "arch_awareness_walk", '
        '"slow_weight_shift", "toe_draw_in", "slow_weight_shift",\n'))
    assert "session[0].gated[1].item" in message
    assert "'slow_weight_shift' is listed 2 times in this session" in message


def test_a_misspelt_gate_field_is_refused(tmp_path: Path) -> None:
    message = load_error(broken(tmp_path, "stages.toml", INTRINSIC_GATES,
                                INTRINSIC_GATES.replace("first_step = 1", "from_step = 1")))
    assert "stage control" in message and "from_step" in message


def test_a_session_that_gates_nothing_is_hashed_as_before(rulebook: Rulebook) -> None:
    """A rulebook that does not use gates keeps its digest: a session without them has no
    ``gated`` key in the rulebook's data, one with them has it and reads back the same."""
    data = rulebook_data(rulebook)
    sessions = {stage["id"]: stage["session"] for stage in data["stages"]}
    assert all("gated" not in s for s in sessions["baseline"])
    assert all(s["gated"] for s in sessions["control"])
    again = rulebook_from_data(data, location="copy")
    assert again.digest == rulebook.digest
    assert again.stage("control").session == rulebook.stage("control").session


# ---------------------------------------------------------------- issue 21: P1, P11


@pytest.mark.parametrize(("lead", "problem"), [
    ('"long_toe_sprea"', "unknown exercise 'long_toe_sprea'"),
    ('"single_leg_stand_cushioned"', "cannot lead a session's work"),  # one-legged
    ('"plantar_fascia_stretch"', "cannot lead a session's work"),  # the cool-down
    ('"toe_off_drill"', "cannot lead a session's work"),  # a goal's own drill
])
def test_an_emphasis_names_two_footed_main_work(tmp_path: Path, lead: str,
                                                problem: str) -> None:
    """P1: the drill that leads for a finding takes the place of a session item of its
    kind, so it must be one every goal does, on two feet, between warm-up and cool-down."""
    message = load_error(broken(tmp_path, "stages.toml",
                                'over_gripping = "long_toe_spread"', f"over_gripping = {lead}"))
    assert "stage activation" in message and "emphasis.over_gripping" in message
    assert problem in message


def test_an_emphasis_names_a_finding(tmp_path: Path) -> None:
    message = load_error(broken(tmp_path, "stages.toml", 'over_gripping = "long_toe_spread"',
                                'gripping = "long_toe_spread"'))
    assert "gripping" in message and "stage activation" in message


def test_a_daily_habit_is_not_session_work(tmp_path: Path) -> None:
    """P11: a habit done so many times a day, or a plain instruction, is no session item."""
    message = load_error(broken(tmp_path, "stages.toml", '"toe_draw_in", "arch_awareness_walk"',
                                '"toe_draw_in", "desk_toe_curls"'))
    assert "stage activation" in message and "session[1].items" in message
    assert "'daily'" in message


# ---------------------------------------------------------------- issue 21 review: emphasis


@pytest.mark.parametrize(("lead", "problem"), [
    ('""', "got an empty string; accepted: an exercise id"),  # was read as no emphasis
    # gated on control's steps 1 and up: leading at step 0 would skip its gate (P3)
    ('"slow_weight_shift"', "slow_weight_shift is gated on dose steps"),
])
def test_an_emphasis_leads_at_every_step(tmp_path: Path, lead: str, problem: str) -> None:
    """P1, P3: an emphasis names an exercise, and one the stage plans at every dose step;
    an empty name or gated work was taken without a word, the gated item then planned
    before the step its gate waits for."""
    message = load_error(broken(tmp_path, "stages.toml", 'flattening = "short_foot_hold"',
                                f"flattening = {lead}"))
    assert "stage control" in message and "emphasis.flattening" in message
    assert problem in message


@pytest.mark.parametrize(("old", "new", "path"), [
    ('emphasis = { flattening = "short_foot_hold", over_gripping = "toe_splay_breathing" }',
     'emphasis = "short_foot_hold"', "$.emphasis"),
    ('{ item = "arch_awareness_walk", last_step = 0 },\n  { item = "slow_weight_shift", '
     'first_step = 1 },\n]', '"arch_awareness_walk", "slow_weight_shift"]',
     "$.session[0].gated[0]"),
])
def test_a_table_written_as_a_value_is_named_in_footcore_words(
        tmp_path: Path, old: str, new: str, path: str) -> None:
    """An emphasis or a gate written as a string, not a table, was refused in Python's
    words ("'str' object has no attribute 'keys'")."""
    message = load_error(broken(tmp_path, "stages.toml", old, new))
    assert "stage control" in message and path in message
    assert "expected an object of named fields (a table in TOML)" in message
    assert "attribute" not in message


@pytest.mark.parametrize("value", ["1.5", "-0.1"])
def test_a_symmetry_param_lies_within_the_measure(tmp_path: Path, value: str) -> None:
    """P7, P11: forefoot symmetry runs 0 to 1; a bar of 1.5 held every athlete who measures
    it at the top dose for good, and -0.1 never held anyone, both loaded without a word."""
    message = load_error(broken(tmp_path, "params.toml",
                                "[params.forefoot_symmetry_min]\nvalue = 0.8",
                                f"[params.forefoot_symmetry_min]\nvalue = {value}"))
    assert "param forefoot_symmetry_min" in message
    assert f"got {value}; accepted: a number from 0 to 1" in message


def test_a_session_done_as_planned_counts(tmp_path: Path) -> None:
    """P2, P6: a session_counts_min_minutes above a planned session's minutes loaded, and
    an athlete who did exactly the planned 15 minutes was never credited and never rose."""
    message = load_error(broken(tmp_path, "params.toml",
                                "[params.session_counts_min_minutes]\nvalue = 10",
                                "[params.session_counts_min_minutes]\nvalue = 16"))
    assert "stage baseline" in message and "session[0].minutes" in message
    assert "planned for 15 minutes" in message and "session_counts_min_minutes is 16" in message
    again = broken(tmp_path / "again", "params.toml",
                   "[params.session_counts_min_minutes]\nvalue = 10",
                   "[params.session_counts_min_minutes]\nvalue = 15")
    assert footcore.load_rulebook(again).whole("session_counts_min_minutes") == 15


def test_an_instruction_has_no_count_for_a_step_to_scale(tmp_path: Path) -> None:
    """P11: a rung whose steps reach 1.5 x reps loaded, then planning its top step raised
    'Dose.form: an instruction has no count' (1.5 x 1 rep rounds to 2) from inside the
    engine, blamed on the input; the instruction is planned as it is at every step."""
    rules = broken(tmp_path, "stages.toml", "  { reps = 1.3, hold = 1.3 },\n]",
                   "  { reps = 1.3, hold = 1.3 },\n  { reps = 1.4, hold = 1.4 },\n"
                   "  { reps = 1.5, hold = 1.5 },\n]")
    engine = footcore.Engine(footcore.load_rulebook(rules), backend="native")
    state = engine.new_athlete("a-1", goal=footcore.Goal.RUNNER, start=date(2026, 1, 5))
    top = engine.plan(attrs.evolve(state, stage="control", dose_level=5))
    habits = {item.exercise: item.dose for item in top.habits}
    assert habits["footwear_toe_splay"] == footcore.models.Dose(1, 1, form="instruction")
    assert habits["desk_toe_curls"].reps > engine.rulebook.exercises["desk_toe_curls"].dose.reps


def test_a_wrong_precedence_is_told_the_order_and_that_retarget_is_no_rules(
        tmp_path: Path) -> None:
    """The message said 'most conservative first: advance, progress, ... pause', the order
    backwards; and a precedence naming retarget was told to list every action, which it had
    done, instead of that retarget is no rule's action."""
    twice = broken(tmp_path, "rulebook.toml", '"deload", "ease", "hold"',
                   '"deload", "ease", "ease", "hold"')
    assert ("most conservative first (as footcore ranks them: pause, regress, rest, deload, "
            "ease, hold, progress, advance)") in load_error(twice)
    listed = broken(tmp_path / "other", "rulebook.toml", '"progress", "advance"]',
                    '"progress", "advance", "retarget"]')
    message = load_error(listed)
    assert "field 'precedence'" in message and "got 'retarget'" in message
    assert "which no rule proposes" in message
