"""Issue 23 on the command line: ``footcore store override|goal`` record a coach's or
clinician's override and a change of goal in a store (SQLite and PostgreSQL), refuse an
unsafe override with exit code 2 and nothing recorded; ``explain``, ``store history`` and
``report`` say every kind of change in plain words."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

import footcore as fc
import footcore.audit
from footcore._page import page_name
from seasons import COMMENT, renamed_engine, season
from test_cli import fails, run
from test_cli_store import recorded

Run = Callable[..., tuple[int, str, str]]
HOLD = ["--on", "2026-01-10", "--by", "coach:maria", "--role", "coach", "--action", "hold",
        "--reason", "travel", "--comment", COMMENT]



@pytest.fixture(scope="module")
def renamed(tmp_path_factory: pytest.TempPathFactory) -> fc.Engine:
    return renamed_engine(tmp_path_factory.mktemp("renamed"))


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Run:
    return lambda *argv: run(capsys, *argv)


def test_an_override_and_a_goal_change_are_recorded_explained_and_replayed(
        cli: Run, tmp_path: Path, store_url: str) -> None:
    recorded(cli, tmp_path, store_url)  # a-17, check-ins of 7 and 9 Jan 2026
    code, out, err = cli("store", "override", store_url, "a-17", *HOLD)
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == "10 Jan 2026, athlete a-17: HOLD: keeps the plan as it is."
    assert lines[1] == f"Held by coach:maria (coach): travel, {COMMENT}."
    assert lines[2].startswith("The rules had decided ") and "9 Jan 2026" in lines[2]
    assert lines[-1].startswith("Recorded in ")

    code, out, err = cli("store", "goal", store_url, "a-17", "strength", "--on", "2026-01-11",
                         "--by", "athlete:a-17", "--role", "athlete", "--reason",
                         "new-sport", "--json")
    assert code == 0, err
    goal = fc.from_json(out, fc.Decision)
    assert (goal.kind.value, goal.state.goal, goal.change.by if goal.change else None) == (
        "goal", fc.Goal.STRENGTH, "athlete:a-17")

    with fc.open_store(store_url, create=False) as store:
        kinds = [d.kind.value for d in store.decisions("a-17")]
        assert store.state("a-17") == goal.state
    assert kinds == ["checkin", "checkin", "override", "goal"]

    code, out, _ = cli("store", "history", store_url, "a-17")
    assert code == 0
    assert f"override: Held by coach:maria (coach): travel, {COMMENT}." in out
    assert "goal-change: Goal changed from runner to strength by athlete:a-17 (athlete): " \
           "new-sport." in out
    code, out, _ = cli("store", "history", store_url, "a-17", "--json")
    rows = json.loads(out)["rows"]
    assert [r["kind"] for r in rows] == kinds
    assert rows[2]["change"] == {"kind": "override", "on": "2026-01-10", "by": "coach:maria",
                                 "role": "coach", "reason": "travel", "comment": COMMENT}
    assert rows[0]["change"] is None and rows[2]["record"] == 3
    assert cli("store", "verify", store_url)[0] == 0
    code, out, err = cli("audit", "replay", "--store", store_url, "--backend", "native")
    assert code == 0, out + err


def test_a_clinicians_clearance_ends_a_coachs_pause(cli: Run, tmp_path: Path) -> None:
    """P10: a coach may pause; only a clinician's clearance resumes training."""
    store = tmp_path / "footcore.db"
    recorded(cli, tmp_path, store)
    pause = ["--by", "coach:maria", "--role", "coach", "--reason", "injury-concern"]
    assert cli("store", "override", store, "a-17", "--on", "2026-01-10", "--action", "pause",
               *pause)[0] == 0
    code, out, err = cli("store", "override", store, "a-17", "--on", "2026-01-12", "--by",
                         "clinician:dr-lee", "--role", "clinician", "--clearance", "yes",
                         "--reason", "assessed-cleared")
    assert code == 0, err
    assert ("by clinician:dr-lee (clinician): assessed-cleared, clearing the athlete to "
            "train.") in out.splitlines()[1]
    with fc.open_store(store, create=False) as opened:
        state = opened.state("a-17")
    assert not state.paused and state.clinician_cleared


def test_an_unsafe_override_is_refused_with_exit_2_and_nothing_recorded(
        cli: Run, capsys: pytest.CaptureFixture[str], tmp_path: Path, store_url: str) -> None:
    recorded(cli, tmp_path, store_url)
    assert cli("store", "override", store_url, "a-17", "--on", "2026-01-10", "--by",
               "coach:maria", "--role", "coach", "--action", "pause", "--reason",
               "injury-concern")[0] == 0
    with fc.open_store(store_url, create=False) as store:
        before = store.decisions("a-17")
    # A coach's hold of a paused athlete, and a coach's clearance: refused.
    err = fails(capsys, "store", "override", store_url, "a-17", *HOLD[:-2])
    assert "paused until a clinician clears them (P10)" in err
    err = fails(capsys, "store", "override", store_url, "a-17", "--on", "2026-01-10", "--by",
                "coach:maria", "--role", "coach", "--clearance", "yes", "--reason", "other")
    assert "a clinician's only" in err
    with fc.open_store(store_url, create=False) as store:
        assert store.decisions("a-17") == before


def test_a_rise_on_the_day_the_rules_backed_off_names_the_rule(
        cli: Run, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    store = tmp_path / "footcore.db"
    recorded(cli, tmp_path, store)  # the check-ins report stiffness: a back-off or ease
    with fc.open_store(store, create=False) as opened:
        last = opened.decisions("a-17")[-1]
    assert last.action.value in ("deload", "rest", "regress", "pause", "ease")
    err = fails(capsys, "store", "override", store, "a-17", "--on", "2026-01-09", "--by",
                "coach:maria", "--role", "coach", "--action", "progress", "--reason",
                "athlete-request")
    assert f"answered with {last.action.value} ({last.winners[0].rule_id}" in err


@pytest.mark.parametrize(("argv", "message"), [
    (["override", "{store}", "nobody", *HOLD], "no athlete 'nobody'"),
    (["override", "{store}", "a-17", *HOLD[:6], "--reason", "travel"],
     "got neither; accepted: an action, a clinician's clearance"),
    (["override", "{store}", "a-17", "--on", "2026-01-08", *HOLD[2:]],
     "on or after the athlete's last check-in, 2026-01-09"),
    (["goal", "{store}", "a-17", "runner", "--on", "2026-01-10", "--by", "x"],
     "the athlete's goal already"),
    (["override", "{log}", "a-17", *HOLD], "an audit log, not a footcore store"),
    (["override", "{missing}", "a-17", *HOLD], "no such file"),
    (["goal", "{missing}", "a-17", "strength", "--on", "2026-01-10", "--by", "x"],
     "no such file"),
])
def test_what_cannot_be_recorded_is_one_line_with_exit_2(
        argv: list[str], message: str, cli: Run, capsys: pytest.CaptureFixture[str],
        tmp_path: Path) -> None:
    store = tmp_path / "footcore.db"
    recorded(cli, tmp_path, store)
    log = tmp_path / "audit.jsonl"
    with fc.open_store(store, create=False) as opened:
        opened.export_jsonl(log)
        before = opened.decisions("a-17")
    places = {"{store}": str(store), "{log}": str(log), "{missing}": str(tmp_path / "no.db")}
    err = fails(capsys, "store", *[places.get(a, a) for a in argv])
    assert message in err
    assert not (tmp_path / "no.db").exists()  # a store is never created to record in
    with fc.open_store(store, create=False) as opened:
        assert opened.decisions("a-17") == before


@pytest.mark.parametrize("argv", [
    [*HOLD[:6], "--action", "hold", "--reason", "bored"],  # not a reason code
    [*HOLD[:4], "--role", "athlete", *HOLD[6:]],  # only a coach or clinician overrides
    ["--on", "10 Jan", *HOLD[2:]],  # not a date
    [*HOLD, "--clearance", "maybe"],
])
def test_bad_options_are_refused_before_anything_opens(
        argv: list[str], cli: Run, tmp_path: Path) -> None:
    code, _, err = cli("store", "override", tmp_path / "none.db", "a-17", *argv)
    assert code == 2 and "error: argument --" in err and not (tmp_path / "none.db").exists()


# ---------------------------------------------------------------- explain and the page


def test_explain_reads_a_decision_of_every_kind(cli: Run, tmp_path: Path, engine: fc.Engine,
                                               renamed: fc.Engine) -> None:
    for number, decision in enumerate(season(engine, renamed)):
        saved = tmp_path / f"{number}.json"
        saved.write_text(fc.to_json(decision))
        code, out, err = cli("explain", saved)
        assert code == 0 and "Traceback" not in err
        assert out.rstrip("\n") == fc.explain(decision)
        code, out, _ = cli("explain", saved, "--json")
        data = json.loads(out)
        assert code == 0 and data["kind"] == decision.kind.value
        assert data["said"] == fc.explain(decision, format="dict")["said"]


def test_the_page_of_a_log_shows_every_kind_with_its_chart(
        cli: Run, tmp_path: Path, engine: fc.Engine, renamed: fc.Engine) -> None:
    """The page refused a goal change ("answers no check-in"); it shows every kind now, and
    the chart is drawn over them."""
    log = fc.audit.AuditLog(tmp_path / "audit.jsonl")
    decisions = season(engine, renamed)
    for decision in decisions:
        log.append(decision)
    # The chart needs a rulebook that knows both the old and the new first stage's name:
    # drawn with the old one, it names the stage it lacks.
    code, _, err = cli("report", log.path, "a-17", "--out", tmp_path / "pages")
    assert code == 2 and "'awareness', which the rulebook" in err
    code, out, err = cli("report", log.path, "a-17", "--out", tmp_path / "pages",
                         "--no-chart")
    assert code == 0, err
    assert f"{len(decisions)} decisions of athlete a-17, chain intact" in out
    page = (tmp_path / "pages" / page_name("a-17")).read_text()
    assert f"Held by coach:maria (coach): travel, {COMMENT}." in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script" not in page
    for kind in ("override", "goal change", "new rulebook"):
        assert f"<td>{kind}</td>" in page


def test_the_chart_draws_changes_among_check_ins(cli: Run, tmp_path: Path,
                                                 engine: fc.Engine) -> None:
    state = engine.new_athlete("a-17", goal=fc.Goal.RUNNER, start=date(2026, 1, 5))
    first = engine.evaluate(state, fc.CheckIn(on=date(2026, 1, 7), completed=False))
    paused = engine.override(first.state, on=date(2026, 1, 8), by="coach:maria",
                             role="coach", action="pause", reason="injury-concern",
                             after=first)
    goal = engine.change_goal(paused.state, fc.Goal.STRENGTH, on=date(2026, 1, 9))
    rows = tmp_path / "decisions.jsonl"
    rows.write_text("".join(fc.to_json(d) + "\n" for d in (first, paused, goal)))
    code, _, err = cli("report", rows, "a-17", "--out", tmp_path / "pages")
    assert code == 0, err
    page = (tmp_path / "pages" / page_name("a-17")).read_text()
    assert 'src="data:image/png;base64,' in page
    assert "paused on 8 Jan 2026 (Paused by coach:maria (coach): injury-concern)" in page
    assert "still paused at the last change, 9 Jan 2026" in page
