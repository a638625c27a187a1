"""Who changed the plan, and why: one athlete's season with every kind of change.

Check-ins the rules answer; a coach's hold for a week of travel; a pause for sharp pain
(P10), which a coach may not lift and a clinician clears; a change of goal (P12); a move
of every athlete to a new rulebook; and, at the athlete's request, an export of their data
(GDPR Art. 20) and its erasure (Art. 17), after which the store still verifies.

Uses a SQLite file; ``fc.open_store("postgresql://...")`` works the same.
"""

import subprocess
import sys
import tempfile
from datetime import date, timedelta
from pathlib import Path

import footcore as fc
import footcore.models

engine = fc.Engine(fc.load_rulebook(), backend="native")


def said(decision: fc.Decision) -> str:
    """The decision's first two lines explained: its day and action, then why."""
    return " / ".join(fc.explain(decision).splitlines()[:2])


def release(folder: Path) -> fc.models.Rulebook:
    """The app's next rulebook release: its own copy of the rules (as ``footcore init``
    writes it), with a longer deload, one version up."""
    subprocess.run([sys.executable, "-m", "footcore", "init", str(folder)], check=True,
                   capture_output=True)
    rules = folder / "rules"
    for name, old, new in (("params.toml", "[params.deload_days]\nvalue = 7",
                            "[params.deload_days]\nvalue = 10"),
                           ("rulebook.toml", 'version = "1.0.0"', 'version = "1.1.0"')):
        text = (rules / name).read_text(encoding="utf-8")
        (rules / name).write_text(text.replace(old, new, 1), encoding="utf-8")
    return fc.load_rulebook(rules)


with tempfile.TemporaryDirectory() as folder, fc.open_store(Path(folder) / "fc.db") as store:
    store.add_athlete(engine.new_athlete("a-17", goal=fc.Goal.RUNNER, start=date(2026, 1, 5)))
    day = date(2026, 1, 5)

    def check_in(**given: object) -> fc.Decision:
        return store.check_in(engine, "a-17", fc.CheckIn(on=day, completed=True, minutes=18,
                                                         **given), by="app:ios", role="app")

    for _ in range(6):  # two weeks of sessions, sent by the app
        decision = check_in()
        day += timedelta(days=2)
    print("1.", said(decision))

    # The coach holds her at this rung: she travels next week.
    held = store.override(engine, "a-17", on=day, by="coach:maria", role="coach",
                          action=fc.Action.HOLD, reason="travel",
                          comment="away until the 20th")
    print("2.", said(held))

    day += timedelta(days=9)
    paused = check_in(symptoms=(fc.Symptom(kind="sharp_pain", location="arch", severity=6),))
    print("3.", said(paused))
    try:  # a coach may not lift a pause (P10)
        store.override(engine, "a-17", on=day, by="coach:maria", role="coach",
                       action=fc.Action.HOLD, reason="athlete-request")
    except fc.Conflict as refused:
        print("   refused:", refused.code)

    day += timedelta(days=5)
    cleared = store.override(engine, "a-17", on=day, by="clinician:dr-lee", role="clinician",
                             clearance=True, reason="assessed-cleared")
    print("4.", said(cleared))

    day += timedelta(days=1)
    goal = store.change_goal(engine, "a-17", fc.Goal.STRENGTH, on=day, by="athlete",
                             role="athlete", reason="new-sport", comment="took up climbing")
    print("5.", said(goal))

    newer = fc.Engine(release(Path(folder) / "app"), backend="native")
    report = store.upgrade(newer, on=day + timedelta(days=1), by="ops:kim",
                           reason="rulebook-release")
    print("6.", report)
    print("   who changed the plan:")
    for row in store.history("a-17"):
        print(f"   {row.seq + 1:>2} {row.on} {row.kind.value:<8} {row.action.value:<8} "
              f"{row.reason}")
    assert store.reproduce().ok  # each record made again under its own rulebook

    data = store.export_athlete("a-17")  # everything held about her, first
    print(f"7. exported {len(data['records'])} records; erasing")
    print("  ", store.erase("a-17", by="dpo", reason="gdpr-art-17", on=day + timedelta(days=9)))
    report = store.verify()
    assert report.ok
    print("  ", report)
