"""The command line's contract on the files that broke it: deep nesting, huge numbers and
long lines in the files each command reads, folders the user may not enter, and terminal
escape sequences in the text of files and rulebooks."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

import footcore as fc
import footcore.audit
import footcore.impact
from cli_inputs import CONTROL, UNSAFE, Run, broken_contract, make_workspace, run
from footcore._cli import _commands
from footcore._cli._files import read_model
from footcore._cli._style import Paint, shown
from footcore._limits import limit
from permissions import as_an_ordinary_user

DEEP = "[" * 100_000 + "]" * 100_000
HUGE = '{"prior_state": ' + "9" * 5000 + "}"


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_workspace(tmp_path_factory.mktemp("contract") / "valid")


def refused(done: Run, *expected: str) -> str:
    """The run exited 2 with one line on stderr holding each of ``expected``."""
    assert done.code == 2 and broken_contract(done) is None, done
    for text in expected:
        assert text in done.err, done.err
    return done.err


@pytest.mark.parametrize("content", [DEEP, HUGE, DEEP + "\n" + DEEP],
                         ids=["deep", "5000 digits", "deep lines"])
def test_explain_and_report_refuse_a_hostile_decision_file(tmp_path: Path,
                                                           content: str) -> None:
    path = tmp_path / "decision.json"
    path.write_text(content)
    limit_name = "integer_digits" if "9" in content else "json_depth"
    refused(run(["explain", str(path)] + (["2"] if "\n" in content else [])), limit_name)
    refused(run(["report", str(path), "a-1", "--no-chart", "--out", str(tmp_path)]),
            limit_name)


def test_a_decision_line_longer_than_the_limit_is_refused(workspace: Path,
                                                          tmp_path: Path) -> None:
    path = tmp_path / "decisions.jsonl"
    valid = (workspace / "decisions.jsonl").read_bytes()
    path.write_bytes(valid + b"[" + b" " * limit("document_bytes") + b"]\n" + valid)
    assert run(["explain", str(path), "3"]).code == 0  # read a line at a time
    refused(run(["explain", str(path), str(valid.count(b"\n") + 1)]), "(document_bytes)")
    big = tmp_path / "state.json"
    big.write_bytes(b" " * (limit("document_bytes") + 1))
    refused(run(["plan", "--state", str(big)]), "state file", "(document_bytes)")


@pytest.mark.parametrize("line", [1, 2])
def test_impact_refuses_a_deep_line_in_a_histories_file(workspace: Path, tmp_path: Path,
                                                        line: int) -> None:
    path = tmp_path / "athletes.jsonl"
    valid = (workspace / "athletes.jsonl").read_text()
    path.write_text(valid + DEEP + "\n" if line == 2 else DEEP + "\n" + valid)
    rules = str(workspace / "rules")
    refused(run(["impact", rules, rules, str(path), "--workers", "1"]), f"line {line}",
            "(json_depth)")


def test_histories_refuse_a_line_too_long_to_read(tmp_path: Path) -> None:
    """Before, such a line was skipped without a word, and an audit log's histories
    stopped there."""
    path = tmp_path / "athletes.jsonl"
    path.write_bytes(b"[" + b" " * limit("document_bytes") + b"]\n")
    for read in (fc.impact.read_histories, fc.impact.decision_histories, fc.impact.log_histories):
        with pytest.raises(fc.InputError, match="line 1: longer than"):
            list(read(path))


@pytest.mark.parametrize("content", ["x = " + "[" * 100_000, "a." * 5000 + "a = 1",
                                     "x = " + "9" * 5000, "title = \"\\ud800\""],
                         ids=["deep", "long key", "5000 digits", "surrogate"])
def test_simulate_refuses_a_hostile_scenario(tmp_path: Path, content: str) -> None:
    path = tmp_path / "scenario.toml"
    path.write_text(content)
    refused(run(["simulate", str(path)]), f"scenario {path}: ")


# ---------------------------------------------------------------- unreadable paths


@pytest.fixture
def locked() -> Iterator[Path]:
    """A folder others may read, holding ``locked/``, a folder no one but root may enter,
    with files in it."""
    root = Path(tempfile.mkdtemp(prefix="footcore-locked-"))
    root.chmod(0o755)
    inside = root / "locked"
    (inside / "rules").mkdir(parents=True)
    for name in ("decision.json", "audit.jsonl", "state.json", "scenario.toml", "key.pem"):
        (inside / name).write_text("{}")
    inside.chmod(0o000)
    try:
        yield root
    finally:
        inside.chmod(0o755)
        shutil.rmtree(root)


def as_another_user(*argv: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``footcore ARGV`` run as a user who may not enter ``locked/``: root enters any
    folder whatever its mode, so a child of root first gives up that power."""
    return subprocess.run([sys.executable, "-m", "footcore", *argv], cwd=cwd,
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, "NO_COLOR": "1"},
                          preexec_fn=as_an_ordinary_user)


@pytest.mark.parametrize("argv", [
    ["explain", "locked/decision.json"],
    ["explain", "--log", "locked/audit.jsonl", "1"],
    ["report", "locked/audit.jsonl", "a-1", "--no-chart", "--out", "pages"],
    ["impact", "locked/rules", "locked/rules", "locked/audit.jsonl"],
    ["lint", "locked/rules"],
    ["plan", "--state", "locked/state.json"],
    ["simulate", "locked/scenario.toml"],
    ["new-athlete", "a-1", "--goal", "runner", "--out", "locked/new.json"],
    ["init", "locked/project"],
    ["audit", "history", "locked/audit.jsonl", "a-1"],
    ["store", "checkpoint", "footcore.db", "--key", "locked/key.pem"],
], ids=" ".join)
def test_a_path_in_a_folder_the_user_may_not_enter(locked: Path, argv: list[str]) -> None:
    """A subprocess that permissions bind, because the tests run as root, whom no
    permission stops (see ``permissions.as_an_ordinary_user``)."""
    done = as_another_user(*argv, cwd=locked)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr and len(done.stderr.splitlines()) == 1, done.stderr
    assert re.search(r"locked/\S*: cannot read it \(permission denied\)", done.stderr), \
        done.stderr


def test_reading_errors_carry_file_codes(tmp_path: Path) -> None:
    with pytest.raises(fc.InputError) as missing:
        list(fc.impact.read_histories(tmp_path / "nothing.jsonl"))
    with pytest.raises(fc.InputError) as folder:
        fc.audit.AuditLog(tmp_path).records().__next__()
    assert (missing.value.code, folder.value.code) == ("file-missing", "file-unreadable")
    binary = tmp_path / "state.json"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00")
    with pytest.raises(fc.InputError) as info:
        read_model(str(binary), fc.AthleteState, "state file")
    assert info.value.code == "file-unreadable" and "not text" in str(info.value)
    binary.write_text('{"athlete_id": 3}')
    with pytest.raises(fc.InputError) as info:
        read_model(str(binary), fc.AthleteState, "state file")
    assert info.value.code == "invalid-input" and info.value.field  # kept from inside


# ---------------------------------------------------------------- terminal escapes


@pytest.fixture(scope="module")
def escaping_rules(workspace: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped rulebook with terminal escapes in every rule summary, exercise name,
    cue and note."""
    rules = tmp_path_factory.mktemp("escapes") / "rules"
    shutil.copytree(workspace / "rules", rules)
    for file in rules.glob("*.toml"):
        text = re.sub(r'^((?:summary|name|note|notes|cues|rationale) = \[?\s*)"',
                      lambda m: m.group(1) + '"' + json.dumps(CONTROL)[1:-1],
                      file.read_text(), flags=re.MULTILINE)
        file.write_text(text)
    return rules


def printed_safely(done: Run) -> str:
    assert done.code in (0, 1) and broken_contract(done) is None, done
    assert "\\u001b]0;owned\\u0007" in done.out  # shown, escaped
    return done.out


def test_text_from_a_rulebook_is_printed_escaped(workspace: Path, escaping_rules: Path,
                                                 tmp_path: Path) -> None:
    rules = str(escaping_rules)
    state, checkin = workspace / "state.json", workspace / "checkin.json"
    log = tmp_path / "audit.jsonl"
    printed_safely(run(["evaluate", "--rules", rules, "--state", str(state), "--checkin",
                        str(checkin), "--log", str(log)]))
    printed_safely(run(["evaluate", "--rules", rules, "--state", str(state), "--checkin",
                        str(checkin), "--json"]))
    printed_safely(run(["plan", "--rules", rules, "--state", str(state)]))
    printed_safely(run(["plan", "--rules", rules, "--state", str(state), "--json"]))
    printed_safely(run(["simulate", "--rules", rules, str(workspace / "scenario.toml")]))
    printed_safely(run(["audit", "history", str(log), "a-1"]))
    printed_safely(run(["explain", "--log", str(log), "1"]))


def test_text_from_a_decision_file_is_printed_escaped(workspace: Path,
                                                      tmp_path: Path) -> None:
    decision = json.loads((workspace / "decision.json").read_text())
    for firing in decision["firings"]:
        firing["summary"] = CONTROL
    path = tmp_path / "decision.json"
    path.write_text(json.dumps(decision))
    out = printed_safely(run(["explain", str(path)]))
    assert "\\u202eevil\\u2066" in out
    as_json = printed_safely(run(["explain", str(path), "--json"]))
    assert json.dumps(CONTROL)[1:-1] in json.dumps(json.loads(as_json))  # the same text


def test_error_lines_are_escaped_too(tmp_path: Path) -> None:
    path = tmp_path / "checkin.json"
    path.write_text(json.dumps({"on": "2026-01-07", "completed": CONTROL}))
    refused(run(["plan", "--state", str(path)]))


def test_warnings_are_shown_escaped(monkeypatch: pytest.MonkeyPatch, workspace: Path) -> None:
    """A chart's font warns of a glyph it lacks, naming the character: raw, before."""
    def plan(*args: object) -> None:
        warnings.warn(f"Glyph 27 ({CONTROL}) missing from font(s) DejaVu Sans.",
                      UserWarning, stacklevel=1)

    monkeypatch.setattr(_commands.Engine, "plan", plan)
    done = run(["plan", "--state", str(workspace / "state.json"), "--json"])
    assert "Glyph 27 (\\u001b]0;owned" in done.err and not UNSAFE.search(done.err)


def test_footcores_own_colour_still_works() -> None:
    painted = Paint(True)("PAUSE", "bad") + CONTROL
    on, off = shown(painted, colour=True), shown(painted)
    assert on.startswith("\x1b[31mPAUSE\x1b[0m") and not UNSAFE.search(on.replace(
        "\x1b[31m", "").replace("\x1b[0m", ""))
    assert off.startswith("PAUSE\\u001b]0;owned") and not UNSAFE.search(off)


def test_explain_for_apps_keeps_the_text_as_it_is(workspace: Path) -> None:
    """``fc.explain`` returns text for an app to render; escaping is the printer's job."""
    decision = fc.from_json((workspace / "decision.json").read_text(), fc.Decision)
    winner = decision.winners[0]
    changed = fc.from_json(fc.to_json(decision).replace(
        json.dumps(winner.summary), json.dumps(CONTROL)), fc.Decision)
    assert CONTROL in fc.explain(changed)


# ---------------------------------------------------------------- a bug is a bug


def test_a_bug_is_one_distinct_line_with_exit_code_70(monkeypatch: pytest.MonkeyPatch,
                                                      workspace: Path) -> None:
    def broken(*args: object) -> None:
        raise TypeError("a bug" if not args[0].endswith("url") else
                        "no postgresql://app:s3cret@db/fc")

    monkeypatch.setattr(_commands, "read_model", broken)
    monkeypatch.delenv("FOOTCORE_DEBUG", raising=False)
    done = run(["plan", "--state", str(workspace / "state.json")])
    assert done.code == 70 and done.out == ""
    assert done.err.startswith("footcore plan: internal error: TypeError: a bug (a bug in "
                               "footcore") and len(done.err.splitlines()) == 1
    # A bug's message may quote a store location: its password is hidden there too.
    done = run(["plan", "--state", str(workspace / "url")])
    assert done.code == 70 and "s3cret" not in done.err and "app:***@db" in done.err
    monkeypatch.setenv("FOOTCORE_DEBUG", "1")
    with pytest.raises(TypeError):
        run(["plan", "--state", str(workspace / "state.json")])
