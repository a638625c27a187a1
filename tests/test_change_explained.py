"""Issue 23, explanations everywhere: an override, a change of goal, an upgrade and a
check-in someone sent, said in plain words by ``explain`` (text and dict), the audit history
and the history page; an override's explanation says what the rules had decided."""

from __future__ import annotations

import unicodedata
from datetime import date, timedelta
from html import escape
from pathlib import Path

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import footcore as fc
import footcore.audit
from footcore._history import history_row
from footcore._page import Verification, history_page
from footcore.models import REASONS, Change, ChangeKind, Role
from seasons import COMMENT, renamed_engine, season

START = date(2026, 1, 5)


@pytest.fixture(scope="module")
def renamed(tmp_path_factory: pytest.TempPathFactory) -> fc.Engine:
    return renamed_engine(tmp_path_factory.mktemp("renamed"))


@pytest.fixture(scope="module")
def decisions(engine: fc.Engine, renamed: fc.Engine) -> list[fc.Decision]:
    return season(engine, renamed)


# ---------------------------------------------------------------- explain


def test_an_override_says_who_held_the_plan_and_what_the_rules_had_decided(
        decisions: list[fc.Decision]) -> None:
    """The issue's example: "held by coach:maria: travel, away until the 20th", and what
    the rules had decided at the check-in it overrode (why_not after an override)."""
    first, held = decisions[:2]
    rules = [f.rule_id for f in first.winners]
    text = fc.explain(held)
    lines = text.splitlines()
    assert lines[0].endswith(": HOLD: keeps the plan as it is.")
    assert lines[1] == f"Held by coach:maria (coach): travel, {COMMENT}."
    default = "the rulebook's default"
    assert first.on == date(2026, 1, 12)
    assert lines[2] == (f"The rules had decided {first.action.value} "
                        f"({', '.join(rules) or default}) at the check-in of 12 Jan 2026.")
    assert "Why:" not in text and "No rule fired" not in text  # no rule chose it
    data = fc.explain(held, format="dict")
    assert data["kind"] == "override" and data["action"] == "hold"
    assert data["change"] == {"kind": "override", "on": held.on.isoformat(),
                              "by": "coach:maria", "role": "coach", "reason": "travel",
                              "comment": COMMENT}
    assert data["overrode"] == {"action": first.action.value, "rules": rules,
                                "by_rules": True, "on": first.on.isoformat()}
    assert data["said"] == lines[1:3]


def test_a_clinicians_clearance_says_so_and_names_the_override_it_follows(
        decisions: list[fc.Decision]) -> None:
    paused, cleared = decisions[4:6]
    data = fc.explain(cleared, format="dict")
    assert data["action"] == cleared.action.value and not cleared.state.paused
    assert cleared.action is fc.Action.DELOAD  # a clearance alone resumes as the rules do
    assert data["said"] == [
        "Deloaded by clinician:dr-lee (clinician): assessed-cleared, clearing the athlete "
        "to train.",
        "The decision before it was an override by a coach or clinician (pause), not the "
        "rules'."]
    assert data["overrode"] == {"action": "pause", "rules": ["override"], "by_rules": False,
                                "on": None}
    assert paused.kind is ChangeKind.OVERRIDE and fc.explain(paused).splitlines()[1] == (
        "Paused by coach:<b>x</b> (coach): injury-concern, <script>alert(1)</script> & sore.")


def test_an_override_with_nothing_before_it_says_only_who_and_why(engine: fc.Engine) -> None:
    state = engine.new_athlete("a-1", goal=fc.Goal.RUNNER, start=START)
    first = engine.override(state, on=START, by="coach:maria", role="coach",
                            action="ease", reason="schedule")
    data = fc.explain(first, format="dict")
    assert data["said"] == ["Eased by coach:maria (coach): schedule."]
    assert data["overrode"] is None


def test_a_change_of_goal_says_who_and_why_and_keeps_its_paragraph(
        decisions: list[fc.Decision]) -> None:
    """P12: the goal change reads "Goal changed from runner to strength by ...", and still
    cites the paragraph it follows."""
    goal = decisions[2]
    text = fc.explain(goal)
    assert text.splitlines()[1] == ("Goal changed from runner to strength by athlete:a-17 "
                                    "(athlete): new-sport, took up climbing.")
    assert "goal-change (article P12)" in text
    data = fc.explain(goal, format="dict")
    assert data["kind"] == "goal" and data["change"]["reason"] == "new-sport"
    assert data["overrode"] is None


def test_a_goal_change_with_nobody_named_says_only_what_changed(engine: fc.Engine) -> None:
    state = engine.new_athlete("a-1", goal=fc.Goal.RUNNER, start=START)
    changed = engine.change_goal(state, fc.Goal.EVERYDAY, on=START)
    assert fc.explain(changed).splitlines()[1] == "Goal changed from runner to everyday."


def test_an_upgrade_names_both_rulebooks_and_where_the_athlete_moved(
        decisions: list[fc.Decision], engine: fc.Engine, renamed: fc.Engine) -> None:
    moved = decisions[3]
    before, after = moved.prior_state, moved.state
    text = fc.explain(moved)
    lines = text.splitlines()
    assert lines[0].endswith("UPGRADE: moves to another rulebook, keeping the rung and "
                             "dose step where it can.")
    assert lines[1] == (f"Moved to rulebook {renamed.rulebook.id} "
                        f"{renamed.rulebook.version} by ops (operator): rulebook-release.")
    assert lines[2] == (f"From the rulebook of digest {engine.rulebook.digest[:12]}: stage "
                        f"{before.stage}, dose step {before.dose_level} became stage "
                        f"{after.stage}, dose step {after.dose_level}.")
    assert (before.stage, after.stage) == ("baseline", "awareness")
    assert "Why:" not in text
    assert fc.explain(moved, format="dict")["kind"] == "upgrade"
    same = engine.upgrade(before, engine.rulebook, on=moved.on)
    assert fc.explain(same).splitlines()[2].endswith(
        f"the same stage ({before.stage}) and dose step ({before.dose_level}).")


def test_a_check_in_says_who_sent_it_only_when_someone_is_named(
        decisions: list[fc.Decision]) -> None:
    first = decisions[0]
    plain = fc.explain(first, format="dict")
    assert (plain["kind"], plain["change"], plain["said"], plain["overrode"]) == (
        "checkin", None, [], None)
    sent = attrs.evolve(first, change=Change(ChangeKind.CHECKIN, first.on, "app:ios", "app"))
    text = fc.explain(sent)
    assert text.splitlines()[1] == "Check-in sent by app:ios (app)."
    assert text.replace("Check-in sent by app:ios (app).\n", "") == fc.explain(first)
    assert fc.explain(sent, format="dict")["change"]["by"] == "app:ios"


def test_every_kind_explains_alike_read_back_from_json(decisions: list[fc.Decision]) -> None:
    for decision in decisions:
        again = fc.from_json(fc.to_json(decision), fc.Decision)
        assert fc.explain(again) == fc.explain(decision)
        assert fc.explain(again, format="dict") == fc.explain(decision, format="dict")
        assert fc.explain(decision, format="dict")["kind"] == decision.kind.value


@settings(max_examples=60, deadline=None)
@given(action=st.sampled_from([a for a in fc.Action
                               if a not in (fc.Action.RETARGET, fc.Action.UPGRADE)]),
       reason=st.sampled_from(REASONS[ChangeKind.OVERRIDE]),
       by=st.text(st.characters(categories=("L", "N", "P", "S")), min_size=1, max_size=20),
       comment=st.none() | st.text(st.characters(codec="utf-8", exclude_categories=(
           "Cc", "Cs", "Cn")) | st.sampled_from("\n\t"), min_size=1, max_size=40)
       .filter(str.strip),
       role=st.sampled_from([Role.COACH, Role.CLINICIAN]))
def test_any_override_is_said_with_who_why_and_their_words(
        engine: fc.Engine, action: fc.Action, reason: str, by: str, comment: str | None,
        role: Role) -> None:
    """Whatever a coach or clinician chose and wrote, explain, the history and the page
    say it: who, in which role, the reason code and the comment, escaped on the page."""
    state = engine.new_athlete("a-1", goal=fc.Goal.RUNNER, start=START)
    first = engine.evaluate(state, fc.CheckIn(on=START, completed=True, minutes=20))
    made = engine.override(first.state, on=START + timedelta(days=1), by=by, role=role,
                           action=action, reason=reason, comment=comment, after=first)
    said = fc.explain(made, format="dict")["said"][0]
    # on one line, whatever line breaks the free text held
    who = unicodedata.normalize("NFC", by)  # an id is kept in Unicode NFC
    assert f" by {' '.join(who.split())} ({role.value}): {reason}" in said
    assert comment is None or " ".join(comment.split()).rstrip(". ") in said
    assert fc.explain(made).splitlines()[1] == said
    assert history_row(1, made).reason == " ".join(fc.explain(made, format="dict")["said"])
    page = history_page([(1, first), (2, made)], word="record",
                        verification=Verification(None, "no chain"), chart=None)
    shown = escape(said.replace("dose step", "load level"))
    assert shown in page
    assert comment is None or "<" not in comment or comment not in page


# ---------------------------------------------------------------- the audit history


def test_history_rows_say_each_kind_who_and_why(decisions: list[fc.Decision],
                                                tmp_path: Path) -> None:
    log = fc.audit.AuditLog(tmp_path / "audit.jsonl")
    for decision in decisions:
        log.append(decision)
    rows = fc.audit.history(log.path, "a-17")
    assert [r.kind for r in rows] == [d.kind for d in decisions]
    assert [r.change for r in rows] == [d.change for d in decisions]
    assert [r.on for r in rows] == [d.on for d in decisions]
    first, held = rows[:2]
    main = decisions[0].winners[0] if decisions[0].winners else None
    assert first.reason == (main.summary if main else
                            f"No rule fired: the rulebook's default, {decisions[0].action}.")
    assert first.change is None
    assert held.rule_id == "override"
    assert held.reason == " ".join(fc.explain(decisions[1], format="dict")["said"])
    assert held.reason.startswith(f"Held by coach:maria (coach): travel, {COMMENT}.")
    assert rows[2].rule_id == "goal-change" and rows[2].reason.startswith("Goal changed from")
    assert rows[3].rule_id == "rulebook-upgrade" and "Moved to rulebook" in rows[3].reason
    sent = attrs.evolve(decisions[0], change=Change(ChangeKind.CHECKIN, decisions[0].on,
                                                    "app:ios", "app"))
    log2 = fc.audit.AuditLog(tmp_path / "sent.jsonl")
    log2.append(sent)
    (row,) = fc.audit.history(log2.path, "a-17")
    assert row.reason == f"{first.reason} Check-in sent by app:ios (app)."
    assert row.kind is ChangeKind.CHECKIN and row.change == sent.change


# ---------------------------------------------------------------- the history page


def test_the_page_shows_every_kind_in_plain_words(decisions: list[fc.Decision]) -> None:
    page = history_page(list(enumerate(decisions, 1)), word="record",
                        verification=Verification(None, "no chain"), chart=None)
    assert "<script" not in page
    for number, decision in enumerate(decisions, 1):
        said = " ".join(fc.explain(decision, format="dict")["said"])
        assert escape(said.replace("dose step", "load level")) in page, said
        assert f'id="record-{number}"' in page and f'id="record-{number}-why"' in page
    table = page[page.index("<table>"):page.index("</table>")]
    for kind in ("override", "goal change", "new rulebook"):
        assert f"<td>{kind}</td>" in table
    summary = page[page.index('<ul class="summary">'):page.index("<h2>Check-in by")]
    assert "<b>Check-ins:</b> 1 check-in from" in summary
    changes = summary[summary.index("Changes made by a coach, clinician, the athlete or the "
                                    "app:</b> <ul>"):]
    assert changes.count("<li>") == len([d for d in decisions if d.checkin is None]) == 5
    assert "<li>13 Jan 2026, override: Held by coach:maria (coach): travel" in changes
    # The coach's pause and the clinician's clearance are a pause and its end.
    assert ("paused on" in summary and "cleared by a clinician on" in summary
            and "Paused by coach:&lt;b&gt;x&lt;/b&gt; (coach)" in summary)
    # A comment is people's free text: escaped wherever it shows.
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; sore" in page
    assert "<b>x</b>" not in page


def test_a_page_of_changes_only_counts_no_check_ins(engine: fc.Engine) -> None:
    state = engine.new_athlete("a-1", goal=fc.Goal.RUNNER, start=START)
    changed = engine.change_goal(state, fc.Goal.STRENGTH, on=START, by="athlete")
    page = history_page([(1, changed)], word="row",
                        verification=Verification(None, "no chain"), chart=None)
    assert "<b>Check-ins:</b> none." in page
    assert "Goal changed from runner to strength by athlete." in page
