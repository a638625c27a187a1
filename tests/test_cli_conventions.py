"""What users of Python command lines rely on: ``--version``, ``python -m footcore``, help
when bare, Ctrl-C, ``--json`` on every command that prints a result, standard input, colour
only on a terminal, shell completion, ``footcore init``, and one numbering (1 first)."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import footcore
from footcore._cli import main
from footcore._cli._common import numbered
from footcore._cli._progress import Progress
from footcore._cli._style import paint_for

ROOT = Path(__file__).parents[1]
SCENARIOS = ROOT / "examples" / "scenarios"
CHECKIN = {"on": "2026-01-07", "completed": True, "minutes": 18,
           "symptoms": [{"kind": "stiffness", "location": "arch", "severity": 4}]}
ENV = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}


def run(capsys: pytest.CaptureFixture[str], *argv: str | Path) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def rules_with(tmp_path: Path, name: str, extra: str) -> Path:
    """A copy of the shipped rulebook with ``extra`` appended to its file ``name``."""
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    with (rules / name).open("a") as file:
        file.write(extra)
    return rules


def module(*argv: str | Path, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    """``python -m footcore ARGV`` in a process of its own."""
    return subprocess.run([sys.executable, "-m", "footcore", *map(str, argv)],
                          capture_output=True, text=True, timeout=120, check=False, **kwargs)


@pytest.fixture
def logged(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> tuple[Path, Path, str]:
    """A state, its check-in, and an audit log of two records; the hash evaluate printed
    for the second."""
    state, checkin, log = tmp_path / "state.json", tmp_path / "checkin.json", tmp_path / "a.jsonl"
    run(capsys, "new-athlete", "a-17", "--goal", "runner", "--start", "2026-01-05", "--out",
        state)
    out = ""
    for on in ("2026-01-07", "2026-01-09"):
        checkin.write_text(json.dumps({**CHECKIN, "on": on}))
        code, out, _ = run(capsys, "evaluate", "--state", state, "--checkin", checkin, "--log",
                           log, "--next-state", state)
        assert code == 0
    return state, log, out.split("(hash ")[1].split(")")[0]


# ---------------------------------------------------------------- entry points


def test_version_module_and_bare_help(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--version")
    assert code == 0 and out == f"footcore {footcore.__version__}\n"
    done = module("--version")
    assert done.returncode == 0 and done.stdout == f"footcore {footcore.__version__}\n"
    code, out, err = run(capsys)
    assert code == 0 and out.startswith("usage: footcore") and err == ""
    assert "footcore init my-footcore" in out
    for group, action in (("audit", "verify"), ("store", "export")):
        code, out, _ = run(capsys, group)
        assert code == 0 and out.startswith(f"usage: footcore {group}") and action in out


def _ctrl_c_as_a_terminal_sends_it() -> None:
    """In the child, before footcore starts: Ctrl-C interrupts, even when this test run
    ignores it (a shell starts its background jobs ignoring SIGINT, and children inherit
    that; Python then never turns the signal into KeyboardInterrupt)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_ctrl_c_ends_quietly_with_130(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Interrupted while it waits for its check-in, the command says so on one line."""
    state, fifo = tmp_path / "state.json", tmp_path / "checkin"
    run(capsys, "new-athlete", "a-1", "--goal", "runner", "--start", "2026-01-05", "--out",
        state)
    os.mkfifo(fifo)
    child = subprocess.Popen([sys.executable, "-m", "footcore", "evaluate", "--state",
                              str(state), "--checkin", str(fifo)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             preexec_fn=_ctrl_c_as_a_terminal_sends_it)
    writer = None
    try:
        deadline = time.monotonic() + 60
        while writer is None:  # a writer can open the fifo once the command is reading it
            try:
                writer = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
            except OSError:
                assert time.monotonic() < deadline and child.poll() is None
                time.sleep(0.05)
        time.sleep(0.2)
        child.send_signal(signal.SIGINT)
        out, err = child.communicate(timeout=60)
    finally:
        if writer is not None:
            os.close(writer)
        if child.poll() is None:
            child.kill()
            child.wait()
    assert child.returncode == 130, err
    assert err.strip() == "footcore evaluate: interrupted" and out == ""


# ---------------------------------------------------------------- JSON everywhere


def test_every_result_as_json(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                              logged: tuple[Path, Path, str]) -> None:
    state, log, _ = logged
    out_dir = tmp_path / "out"

    code, out, _ = run(capsys, "simulate", SCENARIOS / "sharp_pain.toml", "--json", "--out",
                       out_dir, "--no-chart")
    timeline = json.loads(out)
    rows = timeline["timeline"]
    assert code == 0 and timeline["scenario"]["athlete"] == "runner-sharp"
    assert [r["number"] for r in rows] == list(range(1, len(rows) + 1))
    assert len(rows) == len((out_dir / "decisions.jsonl").read_text().splitlines())
    pause = next(r for r in rows if r["back_off"])
    assert (pause["action"], pause["rules"]) == ("pause", ["sharp-pain-pause"])

    code, out, _ = run(capsys, "explain", out_dir / "decisions.jsonl", pause["number"], "--json")
    assert code == 0 and json.loads(out)["action"] == "pause"
    assert json.loads(out)["winners"][0]["rule_id"] == "sharp-pain-pause"

    code, out, _ = run(capsys, "plan", "--state", state, "--json")
    plan = json.loads(out)
    assert code == 0 and plan["athlete_id"] == "a-17" and plan["sessions"]

    code, out, _ = run(capsys, "lint", "--json")
    assert code == 0 and json.loads(out) | {"rulebook": ""} == {
        "rulebook": "", "findings": [], "errors": 0, "warnings": 0, "strict": False, "ok": True}

    code, out, _ = run(capsys, "audit", "verify", log, "--json")
    report = json.loads(out)
    assert code == 0 and report["records"] == 2 and report["problems"] == []

    code, out, _ = run(capsys, "audit", "replay", log, "--json", "--backend", "native")
    assert code == 0 and json.loads(out)["records"] == 2

    code, out, _ = run(capsys, "audit", "history", log, "a-17", "--json")
    history = json.loads(out)["rows"]
    assert code == 0 and [(r["seq"], r["record"]) for r in history] == [(0, 1), (1, 2)]


@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=3),
                    lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(st.sampled_from(["seq", "record", "x"]), inner,
                                      max_size=3), max_leaves=12))
def test_json_numbers_records_from_1_beside_the_stored_seq(data: Any) -> None:
    """Every object with a whole ``seq`` gains ``record`` = seq + 1 (unless it has one);
    nothing else changes."""
    def check(before: Any, after: Any) -> None:
        if isinstance(before, dict):
            extra = set(after) - set(before)
            seq = before.get("seq")
            wanted = isinstance(seq, int) and "record" not in before
            assert extra == ({"record"} if wanted else set())
            if wanted:
                assert after["record"] == seq + 1
            for key in before:
                check(before[key], after[key])
        elif isinstance(before, list):
            assert len(after) == len(before)
            for b, a in zip(before, after, strict=True):
                check(b, a)
        else:
            assert after == before and type(after) is type(before)
    check(data, numbered(data))


# ---------------------------------------------------------------- numbering, heads, codes


def test_one_numbering_from_1(capsys: pytest.CaptureFixture[str],
                              logged: tuple[Path, Path, str]) -> None:
    _, log, _ = logged
    code, out, _ = run(capsys, "audit", "history", log, "a-17")
    assert code == 0 and out.splitlines()[0].split()[0] == "record"
    assert [line.split()[0] for line in out.splitlines()[1:]] == ["1", "2"]
    code, out, _ = run(capsys, "explain", "--log", log, "2")
    assert code == 0 and "9 Jan 2026" in out
    lines = log.read_text().splitlines()
    log.write_text(f"{lines[1]}\n{lines[0]}\n")
    code, out, _ = run(capsys, "audit", "verify", log)
    assert code == 1 and "record 1" in out and not re.search(r"\bseq\b", out)


def test_verify_takes_the_hash_evaluate_printed(capsys: pytest.CaptureFixture[str],
                                                logged: tuple[Path, Path, str]) -> None:
    _, log, head = logged
    assert len(head) == 12
    code, out, _ = run(capsys, "audit", "verify", log, "--head", head)
    assert code == 0 and "intact, 2 records" in out
    log.write_text(log.read_text().splitlines()[0] + "\n")  # the last record cut off
    code, out, _ = run(capsys, "audit", "verify", log, "--head", head)
    assert code == 1 and f"no record has the stored head {head}" in out
    code, _, err = run(capsys, "audit", "verify", log, "--head", "abc")
    assert code == 2 and "first 8 or more" in err


def test_exit_codes_are_what_the_docs_say(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                          logged: tuple[Path, Path, str]) -> None:
    _, log, _ = logged
    # A missing or wrong kind of input: 2, on one line naming it.
    for argv, message in ((["lint", tmp_path / "nope"], "no such folder"),
                          (["audit", "verify", tmp_path], "is a folder; expected a file"),
                          (["audit", "replay", tmp_path], "is a folder; expected a file"),
                          (["simulate", tmp_path], "is a folder; expected a file"),
                          (["plan", "--state", tmp_path], "is a folder; expected a file")):
        code, _, err = run(capsys, *argv)
        assert (code, len(err.splitlines())) == (2, 1) and message in err, (argv, err)
    # A damaged log: 1 from every command that reads it, as from verify.
    log.write_text("not a record\n" + log.read_text())
    for argv in (["audit", "verify", log], ["audit", "replay", log],
                 ["audit", "history", log, "a-17"], ["explain", "--log", log, "1"]):
        code, _, _ = run(capsys, *argv)
        assert code == 1, argv


def test_lint_strict_fails_on_warnings(capsys: pytest.CaptureFixture[str],
                                       tmp_path: Path) -> None:
    rules = rules_with(tmp_path, "params.toml",
                       '\n[params.spare]\nvalue = 1\nunit = "x"\ndescription = "x"\n'
                       'source = ["P10"]\n')
    assert run(capsys, "lint", rules)[0] == 0
    code, out, _ = run(capsys, "lint", rules, "--strict")
    assert code == 1 and "warning: param spare" in out
    code, out, _ = run(capsys, "lint", rules, "--strict", "--json")
    found = json.loads(out)
    assert code == 1 and not found["ok"] and found["findings"][0]["code"] == "unused-param"


# ---------------------------------------------------------------- files and input


def test_new_athlete_keeps_an_existing_state(capsys: pytest.CaptureFixture[str],
                                             logged: tuple[Path, Path, str]) -> None:
    state, _, _ = logged
    before = state.read_text()
    code, _, err = run(capsys, "new-athlete", "a-17", "--goal", "runner", "--out", state)
    assert code == 2 and "exists already" in err and "--force" in err
    assert state.read_text() == before
    assert run(capsys, "new-athlete", "a-17", "--goal", "runner", "--start", "2026-02-02",
               "--out", state, "--force")[0] == 0
    assert '"started_on": "2026-02-02"' in state.read_text()


def test_a_check_in_from_standard_input(tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    state = tmp_path / "state.json"
    run(capsys, "new-athlete", "a-1", "--goal", "runner", "--start", "2026-01-05", "--out",
        state)
    done = module("evaluate", "--state", state, "--checkin", "-", "--json",
                  input=json.dumps(CHECKIN))
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["action"] == "deload"
    done = module("evaluate", "--state", state, "--checkin", "-", input="{broken")
    assert done.returncode == 2 and "check-in file -: invalid CheckIn JSON" in done.stderr


def test_simulate_checks_for_the_chart_before_the_run(
        capsys: pytest.CaptureFixture[str], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)  # as if not installed
    out = tmp_path / "out"
    code, stdout, err = run(capsys, "simulate", SCENARIOS / "runner_clean.toml", "--out", out)
    assert code == 2 and stdout == "" and not out.exists()
    assert "pip install 'footcore[plots]'; or give --no-chart" in err
    code, stdout, _ = run(capsys, "simulate", SCENARIOS / "runner_clean.toml", "--out", out,
                          "--no-chart")
    assert code == 0 and sorted(p.name for p in out.iterdir()) == ["decisions.jsonl"]
    assert f"Wrote {out / 'decisions.jsonl'};" in stdout


def test_init_writes_the_rulebook_and_scenarios(capsys: pytest.CaptureFixture[str],
                                                tmp_path: Path) -> None:
    target = tmp_path / "mine"
    code, out, _ = run(capsys, "init", target)
    assert code == 0 and "footcore simulate scenarios/" in out
    assert sorted(p.name for p in (target / "rules").iterdir()) == sorted(
        p.name for p in (ROOT / "rules").glob("*.toml"))
    assert sorted(p.name for p in (target / "scenarios").iterdir()) == sorted(
        p.name for p in SCENARIOS.glob("*.toml"))
    assert footcore.load_rulebook(target / "rules").digest == footcore.load_rulebook().digest
    code, out, _ = run(capsys, "simulate", target / "scenarios" / "runner_clean.toml",
                       "--rules", target / "rules")
    assert code == 0 and "ended on maintenance" in out
    # A second init keeps the user's changes unless told to replace them.
    params = target / "rules" / "params.toml"
    params.write_text(params.read_text() + "\n# mine\n")
    code, _, err = run(capsys, "init", target)
    assert code == 2 and "--force" in err and params.read_text().endswith("# mine\n")
    assert run(capsys, "init", target, "--force")[0] == 0
    assert not params.read_text().endswith("# mine\n")


@pytest.mark.parametrize("where", [".", "rules", "scenarios", "examples"])
def test_init_writes_nothing_where_a_file_stands_for_a_folder(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, where: str) -> None:
    """A file where init writes a folder is refused before anything is written: rules and
    scenarios were written, and then init stopped at the examples."""
    target = tmp_path / "mine"
    mine = target if where == "." else target / where
    mine.parent.mkdir(exist_ok=True)
    mine.write_text("mine\n")
    code, _, err = run(capsys, "init", target)
    assert code == 2 and "a file is there, where init writes a folder" in err
    assert len(err.strip().splitlines()) == 1
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == [mine]
    assert mine.read_text() == "mine\n"


# ---------------------------------------------------------------- terminals and shells


def on_a_terminal(*argv: str | Path, env: dict[str, str]) -> str:
    """What ``python -m footcore ARGV`` prints with its standard output on a terminal."""
    leader, follower = os.openpty()
    try:
        done = subprocess.run([sys.executable, "-m", "footcore", *map(str, argv)],
                              stdout=follower, stderr=subprocess.PIPE, env=env, timeout=120,
                              check=False)
        os.close(follower)
        shown = read_all(leader)
    finally:
        os.close(leader)
    assert done.returncode == 0, done.stderr
    return shown


def read_all(leader: int) -> str:
    """All a terminal shows, once its other end is closed."""
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the other end is closed and all was read
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks).decode()


def test_colour_only_on_a_terminal_without_no_color(capsys: pytest.CaptureFixture[str]) -> None:
    scenario = SCENARIOS / "runner_arch_irritation.toml"
    shown = on_a_terminal("simulate", scenario, "--backend", "native", env=ENV)
    assert "\033[33mDELOAD  \033[0m" in shown and "\033[1m  #  week" in shown
    assert "\033[" not in on_a_terminal("simulate", scenario, "--backend", "native",
                                        env={**ENV, "NO_COLOR": "1"})
    code, out, _ = run(capsys, "simulate", scenario, "--backend", "native")
    assert code == 0 and "\033[" not in out  # piped
    with open(os.devnull, "w") as null:
        assert not paint_for(null).on


def test_progress_shows_on_a_terminal_only_when_asked() -> None:
    leader, follower = os.openpty()
    with os.fdopen(follower, "w") as terminal:
        bar = Progress("simulate", 4, "check-ins", terminal, lines=False)
        for done in range(1, 5):
            bar(done)
        bar.close()
    shown = read_all(leader)
    os.close(leader)
    assert "\rsimulate [##############################] 100%  4 of 4 check-ins" in shown
    with open(os.devnull, "w") as null:
        quiet = Progress("simulate", 4, "check-ins", null, lines=False)
        quiet(4)
        quiet.close()
        assert quiet.shown == -1


@pytest.mark.parametrize("shell", ["bash", "zsh", "tcsh"])
def test_shell_completion(capsys: pytest.CaptureFixture[str], shell: str) -> None:
    code, out, _ = run(capsys, "completion", shell)
    assert code == 0
    for word in ("simulate", "report", "init", "completion"):
        assert word in out
    if shell != "tcsh":  # shtab's tcsh script completes commands only
        assert "--no-chart" in out and "--json" in out
    if shell == "bash":  # the script is valid bash, and completes files where files go
        done = subprocess.run(["bash", "-n"], input=out, text=True, capture_output=True,
                              timeout=60, check=False)
        assert done.returncode == 0, done.stderr
        assert "_shtab_compgen_files" in out


def test_completion_says_which_extra_it_needs(capsys: pytest.CaptureFixture[str],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "shtab", None)
    code, _, err = run(capsys, "completion", "bash")
    assert code == 2 and "pip install 'footcore[cli]'" in err


@pytest.mark.parametrize(("field", "value", "shown"), [
    ("completed", None, "expected true or false, got null @ $.completed"),
    ("minutes", True, "expected a whole number, got true @ $.minutes"),
    ("completed", "yes", 'expected true or false, got "yes" @ $.completed'),
    ("on", None, "expected a date as YYYY-MM-DD, got null @ $.on"),
])
def test_messages_about_json_show_json_values(capsys: pytest.CaptureFixture[str],
                                              tmp_path: Path, field: str, value: Any,
                                              shown: str) -> None:
    checkin = tmp_path / "checkin.json"
    checkin.write_text(json.dumps({**CHECKIN, field: value}))
    state = tmp_path / "state.json"
    run(capsys, "new-athlete", "a-1", "--goal", "runner", "--out", state)
    code, _, err = run(capsys, "evaluate", "--state", state, "--checkin", checkin)
    assert code == 2 and shown in err


def test_lint_names_a_rule_without_an_id_in_words(capsys: pytest.CaptureFixture[str],
                                                  tmp_path: Path) -> None:
    rules = rules_with(tmp_path, "rules-backoff.toml",
                       '\n[[rule]]\naction = "rest"\nfact = "symptom"\nsummary = "x"\n'
                       'source = ["P10"]\nwhen = []\n')
    code, out, _ = run(capsys, "lint", rules)
    assert code == 1 and "rule without an id" in out and "?" not in out
