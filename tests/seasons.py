"""A season of every kind of plan change (issue 23), for the tests of how each is explained,
listed and shown: a check-in, a coach's hold, a change of goal, an upgrade to a rulebook
whose first stage is renamed, a coach's pause and a clinician's clearance."""

from __future__ import annotations

import re
import shutil
from datetime import date, timedelta
from pathlib import Path

import footcore as fc

ROOT = Path(__file__).parents[1]
START = date(2026, 1, 5)
COMMENT = "away until the 20th"


def renamed_engine(folder: Path) -> fc.Engine:
    """An engine on the shipped rulebook's next version, written into ``folder``, whose
    first stage is renamed from baseline to awareness."""
    rules = folder / "rules"
    shutil.copytree(ROOT / "rules", rules)
    for name in ("stages.toml", "rules-progression.toml"):
        path = rules / name
        path.write_text(path.read_text().replace('"baseline"', '"awareness"'))
    book = rules / "rulebook.toml"
    book.write_text(re.sub(r"(?m)^digest = .*\n", "", book.read_text().replace(
        'version = "1.0.0"', 'version = "1.1.0"')))
    return fc.Engine(fc.load_rulebook(rules), backend="native")


def season(engine: fc.Engine, renamed: fc.Engine) -> list[fc.Decision]:
    """Athlete a-17's check-in, a coach's hold, a change of goal, an upgrade to
    ``renamed``'s rulebook, a coach's pause and a clinician's clearance, in that order."""
    state = engine.new_athlete("a-17", goal=fc.Goal.RUNNER, start=START)
    first = engine.evaluate(state, fc.CheckIn(on=START + timedelta(days=7), completed=True,
                                              minutes=20))
    held = engine.override(first.state, on=first.on + timedelta(days=1), by="coach:maria",
                           role="coach", action=fc.Action.HOLD, reason="travel",
                           comment=COMMENT, after=first)
    goal = engine.change_goal(held.state, fc.Goal.STRENGTH, on=held.on + timedelta(days=1),
                              by="athlete:a-17", role="athlete", reason="new-sport",
                              comment="took up climbing")
    moved = renamed.upgrade(goal.state, engine.rulebook, on=goal.on + timedelta(days=1),
                            mapping={"baseline": "awareness"}, by="ops", role="operator",
                            reason="rulebook-release")
    paused = renamed.override(moved.state, on=moved.on + timedelta(days=1),
                              by="coach:<b>x</b>", role="coach", action="pause",
                              reason="injury-concern",
                              comment="<script>alert(1)</script> & sore", after=moved)
    cleared = renamed.override(paused.state, on=paused.on + timedelta(days=2),
                               by="clinician:dr-lee", role="clinician", clearance=True,
                               reason="assessed-cleared", after=paused)
    return [first, held, goal, moved, paused, cleared]
