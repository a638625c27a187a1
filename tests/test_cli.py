"""The ``footcore`` command line, run in-process through ``main(argv)``: every command, its
``--help``, and its answers to missing and invalid files (one line, exit code 2)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from footcore import (
    AthleteState,
    CheckIn,
    Decision,
    Engine,
    Goal,
    from_json,
    load_rulebook,
    to_json,
)
from footcore._cli import main
from signing import write_key_pair

ROOT = Path(__file__).parents[1]
SCENARIOS = ROOT / "examples" / "scenarios"
PNG = b"\x89PNG\r\n\x1a\n"
CHECKIN = {"on": "2026-01-07", "completed": True, "minutes": 18,
           "symptoms": [{"kind": "stiffness", "location": "arch", "severity": 4}]}


def run(capsys: pytest.CaptureFixture[str], *argv: str | Path) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def fails(capsys: pytest.CaptureFixture[str], *argv: str | Path) -> str:
    """Run a command that must fail on its input: exit 2, one line on stderr, no traceback."""
    code, out, err = run(capsys, *argv)
    assert code == 2, out + err
    assert len(err.strip().splitlines()) == 1, err
    assert "Traceback" not in err
    return err


@pytest.fixture
def athlete(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> tuple[Path, Path]:
    state, checkin = tmp_path / "state.json", tmp_path / "checkin.json"
    code, out, _ = run(capsys, "new-athlete", "a-17", "--goal", "runner", "--start",
                       "2026-01-05", "--out", state)
    assert code == 0 and out == f"Wrote {state}: a-17 starts on baseline on 2026-01-05.\n"
    checkin.write_text(json.dumps(CHECKIN))
    return state, checkin


# ---------------------------------------------------------------- help


COMMANDS = [["simulate"], ["evaluate"], ["plan"], ["explain"], ["new-athlete"], ["lint"],
            ["audit"], ["audit", "verify"], ["audit", "replay"], ["audit", "history"],
            ["impact"], ["store"], ["store", "verify"], ["store", "state"], ["store", "history"],
            ["store", "export"], ["store", "import"], ["store", "checkpoint"], ["store", "init"],
            ["store", "upgrade"], ["store", "checkpoints"]]


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_has_help_with_an_example(capsys: pytest.CaptureFixture[str],
                                                command: list[str]) -> None:
    code, out, _ = run(capsys, *command, "--help")
    assert code == 0
    assert "example:" in out and "footcore " in out.split("example:")[1]


def test_help_runs_as_a_module() -> None:
    done = subprocess.run([sys.executable, "-m", "footcore", "--help"], capture_output=True,
                          text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    for command in ("simulate", "evaluate", "plan", "explain", "new-athlete", "lint", "audit",
                    "impact", "store"):
        assert command in done.stdout


def test_a_usage_mistake_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "new-athlete", "a-1", "--goal", "swimmer")
    assert code == 2 and "invalid choice" in err
    code, _, err = run(capsys, "new-athlete", "a-1", "--goal", "runner", "--start", "5 Jan")
    assert code == 2 and "YYYY-MM-DD" in err


# ---------------------------------------------------------------- simulate


def test_simulate_prints_the_timeline(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "simulate", SCENARIOS / "runner_arch_irritation.toml",
                       "--backend", "native")
    assert code == 0
    assert "#  week  date        session  stage        dose  action    reason" in out
    assert "DELOAD    forefoot-irritation-deload" in out
    assert "REST      forefoot-irritation-rest" in out
    assert "ended on maintenance" in out and "2 back-offs" in out


def test_simulate_writes_the_chart_and_the_decisions(capsys: pytest.CaptureFixture[str],
                                                     tmp_path: Path) -> None:
    out_dir = tmp_path / "out"
    code, out, _ = run(capsys, "simulate", SCENARIOS / "sharp_pain.toml", "--out", out_dir)
    assert code == 0
    assert (out_dir / "chart.png").read_bytes().startswith(PNG)
    lines = (out_dir / "decisions.jsonl").read_text().splitlines()
    rows = [line for line in out.splitlines() if re.match(r"\s*\d+\s+\d+\s+\d{4}-", line)]
    assert len(lines) == len(rows)
    decisions = [from_json(line, Decision) for line in lines]
    assert any(d.state.paused for d in decisions)
    # A row of the timeline, explained by its number.
    pause = next(n for n, row in enumerate(rows, 1) if "PAUSE" in row)
    code, out, _ = run(capsys, "explain", out_dir / "decisions.jsonl", pause)
    assert code == 0 and "PAUSE" in out and "sharp-pain-pause" in out


def test_simulate_with_another_rulebook(capsys: pytest.CaptureFixture[str],
                                        tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    (rules / "rulebook.toml").write_text(
        (rules / "rulebook.toml").read_text().replace('version = "1.0.0"', 'version = "9.9.9"'))
    code, out, _ = run(capsys, "simulate", SCENARIOS / "runner_clean.toml", "--rules", rules)
    assert code == 0 and "footcore-article 9.9.9" in out


def test_simulate_reports_a_bad_scenario_on_one_line(capsys: pytest.CaptureFixture[str],
                                                     tmp_path: Path) -> None:
    assert "no such file" in fails(capsys, "simulate", tmp_path / "nope.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text("title = 'x\n")
    assert f"scenario {broken}: not valid TOML" in fails(capsys, "simulate", broken)
    wrong = tmp_path / "wrong.toml"
    wrong.write_text((SCENARIOS / "runner_clean.toml").read_text().replace("done = 3",
                                                                           "done = 'three'", 1))
    err = fails(capsys, "simulate", wrong)
    assert str(wrong) in err and "[[week]] number 1" in err and "done" in err


def test_simulate_needs_a_check_in(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    empty = tmp_path / "empty.toml"
    empty.write_text('title = "t"\nathlete = "a"\ngoal = "runner"\nstart = 2026-01-05\n'
                     "[[week]]\ndone = 0\n")
    assert "hold no check-in" in fails(capsys, "simulate", empty)


def test_output_cut_short_by_the_reader_is_no_error() -> None:
    done = subprocess.run(f"{sys.executable} -m footcore simulate "
                          f"{SCENARIOS / 'runner_clean.toml'} | head -1", shell=True,
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.stdout.startswith("Runner, clean record")
    assert done.stderr == ""


def test_simulate_reports_a_bad_rulebook_or_output_folder(capsys: pytest.CaptureFixture[str],
                                                          tmp_path: Path) -> None:
    scenario = SCENARIOS / "runner_clean.toml"
    err = fails(capsys, "simulate", scenario, "--rules", tmp_path / "missing")
    assert "rulebook" in err and "missing" in err
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    assert "cannot create its folder" in fails(capsys, "simulate", scenario, "--out", blocker)


# ---------------------------------------------------------------- new-athlete, evaluate, plan


def test_new_athlete_prints_a_state(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "new-athlete", "w-3", "--goal", "everyday", "--start",
                       "2026-02-02", "--history")
    assert code == 0
    state = from_json(out, AthleteState)
    assert (state.athlete_id, state.goal.value, state.stage) == ("w-3", "everyday", "baseline")
    assert state.prior_foot_ankle_problems and not state.clinician_cleared


def test_evaluate_explains_and_moves_the_state_on(capsys: pytest.CaptureFixture[str],
                                                  athlete: tuple[Path, Path]) -> None:
    state, checkin = athlete
    code, out, _ = run(capsys, "evaluate", "--state", state, "--checkin", checkin,
                       "--next-state", state)
    assert code == 0
    assert "DELOAD" in out and "stiffness-deload" in out and "New state written" in out
    assert from_json(state.read_text(), AthleteState).last_checkin_on is not None
    code, out, _ = run(capsys, "plan", "--state", state)
    assert code == 0
    assert "mode deload" in out and "Session 1 of 3" in out and "Daily habits" in out


def test_evaluate_json_is_a_decision(capsys: pytest.CaptureFixture[str],
                                     athlete: tuple[Path, Path], tmp_path: Path) -> None:
    state, checkin = athlete
    code, out, _ = run(capsys, "evaluate", "--state", state, "--checkin", checkin, "--json",
                       "--backend", "native")
    assert code == 0
    decision = from_json(out, Decision)
    assert decision.action.value == "deload" and decision.backend == "native"
    saved = tmp_path / "decision.json"
    saved.write_text(out)
    code, out, _ = run(capsys, "explain", saved)
    assert code == 0 and "stiffness-deload" in out


def test_evaluate_reports_bad_files_on_one_line(capsys: pytest.CaptureFixture[str],
                                                athlete: tuple[Path, Path],
                                                tmp_path: Path) -> None:
    state, checkin = athlete
    err = fails(capsys, "evaluate", "--state", tmp_path / "none.json", "--checkin", checkin)
    assert "state file" in err and "none.json: no such file" in err
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({**CHECKIN, "completed": "yes"}))
    err = fails(capsys, "evaluate", "--state", state, "--checkin", bad)
    assert f"check-in file {bad}" in err and "$.completed" in err
    bad.write_text("{not json")
    assert "invalid CheckIn JSON" in fails(capsys, "evaluate", "--state", state,
                                           "--checkin", bad)
    old = tmp_path / "old.json"
    old.write_text(json.dumps({**CHECKIN, "on": "2025-12-31"}))
    assert "CheckIn.on" in fails(capsys, "evaluate", "--state", state, "--checkin", old)
    assert "no such file" in fails(capsys, "plan", "--state", tmp_path / "none.json")


# ---------------------------------------------------------------- explain


def test_explain_says_which_decision_it_needs(capsys: pytest.CaptureFixture[str],
                                              tmp_path: Path) -> None:
    out_dir = tmp_path / "out"
    assert run(capsys, "simulate", SCENARIOS / "runner_clean.toml", "--out", out_dir)[0] == 0
    log = out_dir / "decisions.jsonl"
    assert "holds 66 decisions; say which" in fails(capsys, "explain", log)
    assert "no decision number 67" in fails(capsys, "explain", log, "67")
    assert "numbered from 1" in fails(capsys, "explain", log, "0")
    assert "no such file" in fails(capsys, "explain", tmp_path / "none.json")
    assert run(capsys, "explain")[0] == 2
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"action": "hold"}\n{"action": "hold"}\n')
    assert "line 2" in fails(capsys, "explain", broken, "2")


def test_a_coach_reads_exercise_ids_cues_and_why_not(capsys: pytest.CaptureFixture[str],
                                                    athlete: tuple[Path, Path],
                                                    tmp_path: Path) -> None:
    """The plan, the explanation and the timeline name each exercise by the id a
    compensation report uses, with its cues; explain says what the next step still needs."""
    state, _ = athlete
    code, out, _ = run(capsys, "plan", "--state", state)
    assert code == 0
    assert re.search(r"^  seated_toe_curl +Seated toe curl with hold +activation", out, re.M)
    assert "Exercise cues (report a compensation by the exercise id)" in out
    assert "  plantar_fascia_stretch: Plantar fascia stretch\n      Pull the toes back" in out

    clean = tmp_path / "clean.json"
    clean.write_text(json.dumps({"on": "2026-01-07", "completed": True, "minutes": 18}))
    decision = tmp_path / "decision.json"
    code, out, _ = run(capsys, "evaluate", "--state", state, "--checkin", clean, "--json")
    assert code == 0
    decision.write_text(out)
    code, out, _ = run(capsys, "explain", decision)
    assert code == 0
    assert "What stands between the athlete and the next step:" in out
    assert "clean sessions in a row: 1, needs at least 2 (footcore default)" in out
    assert "  - seated_toe_curl: Seated toe curl with hold, 3 x 10 reps, 10 s hold." in out

    code, out, _ = run(capsys, "simulate", SCENARIOS / "runner_clean.toml", "--backend",
                       "native")
    assert "Exercises planned in this run (report a compensation by the exercise id)" in out
    assert "  toe_off_drill: Toe-off drill\n      Roll through the foot" in out


def test_an_unknown_exercise_lists_the_ids_of_the_week(capsys: pytest.CaptureFixture[str],
                                                       athlete: tuple[Path, Path]) -> None:
    state, checkin = athlete
    checkin.write_text(json.dumps({**CHECKIN, "compensations": [
        {"kind": "toe_gripping", "exercise": "seated toe curl"}]}))
    err = fails(capsys, "evaluate", "--state", state, "--checkin", checkin)
    assert "CheckIn.compensations[0].exercise: got 'seated toe curl'" in err
    assert "this week: ankle_toe_rom, single_leg_awareness, seated_toe_curl" in err


# ---------------------------------------------------------------- lint


def rules_copy(tmp_path: Path) -> Path:
    target = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", target)
    return target


def stamp(capsys: pytest.CaptureFixture[str], rules: Path) -> None:
    """Record an edited copy's digest, so its lint shows the edit's own findings only."""
    run(capsys, "lint", rules, "--stamp")


def test_lint_passes_the_shipped_rulebook(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "lint")
    assert code == 0 and "0 errors, 0 warnings" in out
    code, out, _ = run(capsys, "lint", ROOT / "rules")
    assert code == 0


def test_lint_fails_on_static_errors(capsys: pytest.CaptureFixture[str],
                                     tmp_path: Path) -> None:
    rules = rules_copy(tmp_path)
    with (rules / "rules-backoff.toml").open("a") as extra:
        extra.write('\n[[rule]]\nid = "never"\naction = "rest"\nfact = "symptom"\n'
                    'summary = "x"\nsource = ["P10"]\nwhen = [\n'
                    '  { field = "severity", op = "ge", value = 7 },\n'
                    '  { field = "severity", op = "le", value = 2 },\n]\n')
    code, out, _ = run(capsys, "lint", rules)
    assert code == 1
    assert "error: rule never: can never fire" in out and "1 error" in out


def test_lint_lists_warnings_but_passes(capsys: pytest.CaptureFixture[str],
                                        tmp_path: Path) -> None:
    rules = rules_copy(tmp_path)
    with (rules / "params.toml").open("a") as extra:
        extra.write('\n[params.spare]\nvalue = 1\nunit = "x"\ndescription = "x"\n'
                    'source = ["P10"]\n')
    stamp(capsys, rules)
    code, out, _ = run(capsys, "lint", rules)
    assert code == 0 and "warning: param spare" in out and "1 warning" in out


def test_lint_proves_safety_and_reports_an_unsafe_edit_with_its_smallest_counterexample(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    rules = rules_copy(tmp_path)
    backoff = rules / "rules-backoff.toml"
    edited = backoff.read_text().replace('id = "gripping-hold"\naction = "hold"',
                                         'id = "gripping-hold"\naction = "progress"')
    backoff.write_text(edited)
    stamp(capsys, rules)
    code, out, _ = run(capsys, "lint", rules)
    assert code == 1 and "1 error, 0 warnings" in out
    assert ("error: invariant monotone: adding the compensation toe_gripping in an exercise "
            "not named made the action more aggressive: hold without it, progress with it"
            in out)
    assert "[unsafe]\n  counterexample: {" in out
    example = json.loads(out.split("counterexample: ", 1)[1].splitlines()[0])
    state = from_json(json.dumps(example["state"]), AthleteState)
    checkin = from_json(json.dumps(example["checkin"]), CheckIn)
    engine = Engine(load_rulebook(rules), backend="native")
    assert engine.evaluate(state, checkin).action.value == example["action"] == "progress"

    code, out, _ = run(capsys, "lint", rules, "--json")
    findings = json.loads(out)["findings"]
    assert code == 1 and [f["code"] for f in findings] == ["unsafe"]
    assert findings[0]["counterexample"] == example


def test_lint_warns_when_a_safety_invariant_cannot_be_proved(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    # Without persistent_symptom_days the invariants about lasting pain have no threshold
    # to read: not proved, said as a warning (the lint still passes).
    rules = rules_copy(tmp_path)
    params = (rules / "params.toml").read_text()
    start = params.index("[params.persistent_symptom_days]")
    (rules / "params.toml").write_text(params[:start] + params[params.index(
        "[params.irritation_rest_min]"):])
    backoff = (rules / "rules-backoff.toml").read_text()
    start = backoff.index('[[rule]]\nid = "lasting-symptom-pause"')
    (rules / "rules-backoff.toml").write_text(backoff[:start] + backoff[backoff.index(
        '[[rule]]\nid = "paused-awaiting-clearance"'):])
    code, out, _ = run(capsys, "lint", rules)
    assert code == 0, out
    assert ("warning: invariant pain-pauses: not decided: it needs param "
            "'persistent_symptom_days'") in out
    assert "warning: invariant backoff-never-raises-load" in out and "[not-proved]" in out


def test_lint_reports_schema_errors(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    rules = rules_copy(tmp_path)
    text = (rules / "rules-backoff.toml").read_text()
    (rules / "rules-backoff.toml").write_text(text.replace('source = ["P9"]\n', "", 1))
    code, out, _ = run(capsys, "lint", rules)
    assert code == 1
    assert "rules-backoff.toml" in out and "stiffness-deload" in out and "source" in out
    assert "no such folder" in fails(capsys, "lint", tmp_path / "nowhere")


# ---------------------------------------------------------------- audit and impact


def test_the_audit_log_round_trip(capsys: pytest.CaptureFixture[str],
                                  athlete: tuple[Path, Path], tmp_path: Path) -> None:
    state, checkin = athlete
    log = tmp_path / "audit.jsonl"
    code, out, _ = run(capsys, "evaluate", "--state", state, "--checkin", checkin,
                       "--log", log)
    assert code == 0 and f"Logged to {log} as record 1" in out
    code, out, _ = run(capsys, "audit", "verify", log)
    assert code == 0 and "intact, 1 record," in out
    code, out, _ = run(capsys, "audit", "replay", log)
    assert code == 0 and "1 of 1 decision reproduced" in out
    code, out, _ = run(capsys, "audit", "history", log, "a-17")
    assert code == 0 and "deload    stiffness-deload" in out
    assert run(capsys, "audit", "history", log, "nobody")[0] == 1
    code, out, _ = run(capsys, "explain", "--log", log, "1")
    assert code == 0 and "stiffness-deload" in out
    assert "no record 5; it holds 1" in fails(capsys, "explain", "--log", log, "5")
    assert "numbered from 1" in fails(capsys, "explain", "--log", log, "0")
    assert run(capsys, "explain", "--log", log)[0] == 2
    log.write_text(log.read_text().replace("stiffness", "soreness", 1))
    code, out, _ = run(capsys, "audit", "verify", log)
    assert code == 1 and "edited" in out


def test_a_damaged_log_refuses_the_decision_and_keeps_the_state(
        capsys: pytest.CaptureFixture[str], athlete: tuple[Path, Path], tmp_path: Path) -> None:
    state, checkin = athlete
    log = tmp_path / "audit.jsonl"
    log.write_text("not a record\n")
    before = state.read_text()
    code, _, err = run(capsys, "evaluate", "--state", state, "--checkin", checkin, "--log", log,
                       "--next-state", state)
    assert code == 1, err  # a damaged log is a problem found, as audit verify reports it
    assert "damaged log" in err and "line 1" in err and len(err.splitlines()) == 1
    assert state.read_text() == before


def test_a_state_file_that_cannot_be_written_leaves_the_log_alone(
        capsys: pytest.CaptureFixture[str], athlete: tuple[Path, Path], tmp_path: Path) -> None:
    state, checkin = athlete
    log = tmp_path / "audit.jsonl"
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    err = fails(capsys, "evaluate", "--state", state, "--checkin", checkin, "--log", log,
                "--next-state", blocker / "state.json")
    assert "state file" in err and not log.exists()


def test_a_re_run_does_not_log_the_decision_twice(
        capsys: pytest.CaptureFixture[str], athlete: tuple[Path, Path], tmp_path: Path) -> None:
    """As after a run that logged the decision but did not get to write the state."""
    state, checkin = athlete
    log = tmp_path / "audit.jsonl"
    code, out, _ = run(capsys, "evaluate", "--state", state, "--checkin", checkin, "--log", log)
    assert code == 0 and "as record 1" in out
    code, out, _ = run(capsys, "evaluate", "--state", state, "--checkin", checkin, "--log", log,
                       "--next-state", state)
    assert code == 0 and f"Already in {log} as record 1 (a re-run): not logged again" in out
    assert fc_records(log) == 1
    assert from_json(state.read_text(), AthleteState).last_checkin_on is not None
    checkin.write_text(json.dumps({**CHECKIN, "on": "2026-01-09"}))
    code, out, _ = run(capsys, "evaluate", "--state", state, "--checkin", checkin, "--log", log)
    assert code == 0 and "as record 2" in out and fc_records(log) == 2


def fc_records(log: Path) -> int:
    return len(log.read_text().splitlines())


def test_the_store_round_trip(capsys: pytest.CaptureFixture[str], athlete: tuple[Path, Path],
                              tmp_path: Path) -> None:
    state, checkin = athlete
    db = tmp_path / "footcore.db"
    checkin.write_text(json.dumps({**CHECKIN, "id": "c-1"}))
    code, out, _ = run(capsys, "evaluate", "--store", db, "--state", state, "--checkin", checkin)
    assert code == 0 and f"Added athlete a-17 to {db}. Recorded in {db}." in out
    code, out, _ = run(capsys, "evaluate", "--store", db, "--athlete", "a-17",
                       "--checkin", checkin)
    assert code == 0 and "Check-in c-1 was recorded before (a retry)" in out
    later = tmp_path / "later.json"
    later.write_text(json.dumps({"on": "2026-01-09", "completed": True, "minutes": 18}))
    code, out, _ = run(capsys, "evaluate", "--store", db, "--athlete", "a-17", "--checkin",
                       later, "--next-state", tmp_path / "now.json", "--json")
    assert code == 0 and from_json(out, Decision).prior_state.last_checkin_on is not None
    assert "another state" in fails(capsys, "evaluate", "--store", db, "--state", state,
                                    "--checkin", later)
    assert "no athlete 'nobody'" in fails(capsys, "evaluate", "--store", db, "--athlete",
                                          "nobody", "--checkin", later)
    code, out, _ = run(capsys, "audit", "history", "--store", db, "a-17")
    assert code == 0 and len(out.splitlines()) == 3 and "deload" in out
    code, out, _ = run(capsys, "audit", "replay", "--store", db, "--backend", "native")
    assert code == 0 and "2 of 2 decisions reproduced" in out

    private, public = write_key_pair(tmp_path)
    code, out, _ = run(capsys, "store", "checkpoint", db, "--key", private)
    assert code == 0 and "checkpoint 1 signs the chain heads of 1 athlete (key" in out
    code, out, _ = run(capsys, "audit", "verify", "--store", db, "--public-key", public)
    assert code == 0 and "matching 1 signed checkpoint;" in out
    assert "not an unencrypted Ed25519 public key" in fails(
        capsys, "audit", "verify", "--store", db, "--public-key", private)

    export = tmp_path / "export.jsonl"
    code, out, _ = run(capsys, "store", "export", db, export)
    assert code == 0 and "Wrote 2 records" in out
    assert run(capsys, "audit", "verify", export)[0] == 0
    code, out, _ = run(capsys, "store", "import", tmp_path / "copy.db", export)
    assert code == 0 and "imported 2 records of 1 athlete" in out
    assert "'a-17' is in the store already" in fails(capsys, "store", "import", db, export)

    from test_store import sql
    sql(str(db), "UPDATE footcore_decisions SET decision = packed(REPLACE(unpacked("
                 "decision), '\"minutes\":18', '\"minutes\":5')) WHERE seq = 0")
    code, out, _ = run(capsys, "audit", "verify", "--store", db)
    assert code == 1 and "athlete a-17, record 1: edited" in out
    code, _, err = run(capsys, "store", "export", db, export)
    assert code == 1 and "refusing to export a damaged store" in err


@pytest.mark.parametrize("argv", [
    ["audit", "verify"], ["audit", "verify", "x.jsonl", "--store", "s.db"],
    ["audit", "history", "--store", "s.db"], ["audit", "verify", "x.jsonl", "--public-key", "k"],
    ["audit", "verify", "--store", "s.db", "--head", "ab"],
    ["evaluate", "--checkin", "c.json"], ["evaluate", "--checkin", "c.json", "--athlete", "a"],
    ["evaluate", "--checkin", "c.json", "--store", "s.db", "--log", "x.jsonl"],
])
def test_log_and_store_options_that_do_not_go_together_are_usage_errors(
        capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    code, _, err = run(capsys, *argv)
    assert code == 2 and "usage:" in err


def test_audit_commands_report_a_missing_log(capsys: pytest.CaptureFixture[str],
                                             tmp_path: Path) -> None:
    missing = tmp_path / "none.jsonl"
    for command in (["audit", "verify", missing], ["audit", "replay", missing],
                    ["audit", "history", missing, "a"], ["explain", "--log", missing, "1"]):
        assert "no such file" in fails(capsys, *command)


def arch_change(tmp_path: Path) -> tuple[Path, Path]:
    """The arch-irritation scenario's decisions, and the rulebook with irritation_rest_min
    lowered from 4 to 3."""
    out_dir = tmp_path / "out"
    assert main(["simulate", str(SCENARIOS / "runner_arch_irritation.toml"), "--out",
                 str(out_dir), "--backend", "native"]) == 0
    rules = rules_copy(tmp_path)
    params = rules / "params.toml"
    params.write_text(params.read_text().replace(
        "[params.irritation_rest_min]\nvalue = 4", "[params.irritation_rest_min]\nvalue = 3"))
    return out_dir / "decisions.jsonl", rules


def test_impact_replays_the_whole_history(capsys: pytest.CaptureFixture[str],
                                          tmp_path: Path) -> None:
    decisions, rules = arch_change(tmp_path)
    capsys.readouterr()
    code, out, err = run(capsys, "impact", ROOT / "rules", rules, decisions, "--workers", "1",
                         "--backend", "native")
    assert code == 0
    assert re.search(r"(\d+) of 72 decisions change, for 1 of 1 athlete\b", out)
    assert "deload -> rest" in out and "forefoot-irritation-rest now wins" in out
    assert err == "impact: 72 of 72 check-ins (100%), 1 athlete\n"  # piped: plain lines
    code, out, _ = run(capsys, "impact", ROOT / "rules", rules, decisions, "--workers", "1",
                       "--json", "--report", tmp_path / "review")
    assert code == 0
    report = json.loads(out)
    assert report["athletes"] == 1 and report["decisions"] == 72
    assert 1 < report["changed_decisions"] <= 72 and report["changed_athletes"] == 1
    review = tmp_path / "review"
    assert (review / "chart.png").read_bytes().startswith(PNG)
    assert json.loads((review / "report.json").read_text()) == report
    (athlete,) = [json.loads(line) for line in (review / "athletes.jsonl").read_text()
                  .splitlines()]
    assert athlete["changed"] == report["changed_decisions"]
    assert athlete["first_divergence"]["action_after"] == "rest"
    assert "decisions change" in (review / "report.txt").read_text()


def test_impact_reads_an_audit_log_and_athletes(capsys: pytest.CaptureFixture[str],
                                                athlete: tuple[Path, Path],
                                                tmp_path: Path) -> None:
    state, checkin = athlete
    log = tmp_path / "audit.jsonl"
    for _ in range(2):
        assert run(capsys, "evaluate", "--state", state, "--checkin", checkin, "--log", log,
                   "--next-state", state)[0] == 0
    code, out, _ = run(capsys, "impact", ROOT / "rules", ROOT / "rules", log, "--workers", "1")
    assert code == 0 and "0 of 2 decisions change, for 0 of 1 athlete." in out
    histories = tmp_path / "athletes.jsonl"
    histories.write_text(json.dumps({"state": json.loads(state.read_text()), "checkins": []})
                         + "\n")
    code, out, err = run(capsys, "impact", ROOT / "rules", ROOT / "rules", histories,
                         "--workers", "1")
    assert code == 0 and "0 of 0 decisions change, for 0 of 1 athlete." in out
    assert "1 of 1 athletes" in err


def test_impact_refuses_a_source_it_cannot_read(capsys: pytest.CaptureFixture[str],
                                                tmp_path: Path) -> None:
    rules = ROOT / "rules"
    bad = tmp_path / "cases.jsonl"
    for text, message in (('{"state": {}}\n', "line 1: expected an athlete's history"),
                          ("nope\n", "line 1: not JSON"), ("\n", "empty"),
                          ('{"state": {}, "checkins": []}\n', "invalid state")):
        bad.write_text(text)
        assert message in fails(capsys, "impact", rules, rules, bad, "--workers", "1")
    assert "no such file" in fails(capsys, "impact", rules, rules, tmp_path / "none.jsonl")
    code, _, err = run(capsys, "impact", rules, rules, bad, "--workers", "2", "--scheduler",
                       "tcp://127.0.0.1:1")
    assert code == 2 and "not allowed with" in err
    assert run(capsys, "impact", rules, rules, bad, "--workers", "0")[0] == 2


def test_impact_draws_a_progress_bar_on_a_terminal() -> None:
    from footcore._cli._progress import Progress

    leader, follower = os.openpty()
    with os.fdopen(follower, "w") as terminal:
        progress = Progress("impact", 200, "athletes", terminal)
        progress(50)
        progress(50)  # the same figure: not drawn again
        progress(200)
        progress.close()
    chunks = []
    while True:  # what the terminal shows, until the pty reports its other end closed
        try:
            chunk = os.read(leader, 4096)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    shown = b"".join(chunks).decode()
    assert shown.count("\rimpact [########                      ]  25%  50 of 200 athletes") == 1
    assert "100%  200 of 200 athletes" in shown and shown.endswith("\n")


# ---------------------------------------------------------------- issue 21: a goal change


def test_explain_reads_a_goal_change(capsys: pytest.CaptureFixture[str],
                                     tmp_path: Path) -> None:
    """P12: a RETARGET decision, written as JSON, explains like any other."""
    engine = Engine(backend="native")
    state = engine.new_athlete("a-17", goal=Goal.RUNNER, start=date(2026, 1, 5))
    saved = tmp_path / "decision.json"
    saved.write_text(to_json(engine.change_goal(state, Goal.STRENGTH, on=date(2026, 1, 9))))
    code, out, _ = run(capsys, "explain", saved)
    assert code == 0 and out.startswith("9 Jan 2026, athlete a-17: RETARGET: ")
    assert "goal-change (article P12)" in out and "goal now: strength" in out
    code, out, _ = run(capsys, "explain", saved, "--json")
    assert code == 0 and json.loads(out)["winners"][0]["rule_id"] == "goal-change"


def test_the_timeline_marks_a_session_too_short_to_count(capsys: pytest.CaptureFixture[str],
                                                        tmp_path: Path) -> None:
    """P2, P6: a row said 'done' for a session under session_counts_min_minutes, beside a
    hold for too few sessions; it says 'short', and a session of the minimum says 'done'."""
    least = load_rulebook().whole("session_counts_min_minutes")
    rows = {}
    for minutes in (least - 1, least):
        scenario = tmp_path / f"s{minutes}.toml"
        scenario.write_text(f'title = "t"\nathlete = "a-1"\ngoal = "runner"\n'
                            f'start = 2026-01-05\nminutes = {minutes}\n\n[[week]]\n')
        code, out, _ = run(capsys, "simulate", scenario)
        assert code == 0
        rows[minutes] = [line.split()[3] for line in out.splitlines()
                         if re.match(r"\s+\d+\s+1\s+2026-", line)]
    assert rows[least - 1] == ["short"] * 3 and rows[least] == ["done"] * 3
