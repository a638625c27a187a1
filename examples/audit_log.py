"""An audit trail: record every decision, verify the log, show a timeline, explain a change.

An app appends each decision to a log beside its own database. When an athlete, a coach or
a clinician asks why the plan changed, it checks the log was not altered, shows the
athlete's timeline and explains the decision again, from the log alone.
"""

import json
import tempfile
from datetime import date, timedelta
from pathlib import Path

import footcore as fc
import footcore.audit

engine = fc.Engine(fc.load_rulebook(), backend="auto")
stiff = fc.Symptom(fc.SymptomKind.STIFFNESS, fc.Location.ARCH, severity=4)

with tempfile.TemporaryDirectory() as folder:
    log = fc.audit.AuditLog(Path(folder) / "decisions.jsonl")

    # Six weeks of check-ins, Monday, Wednesday and Friday: one session missed, and
    # stiffness under the arch once.
    state = engine.new_athlete("a-17", goal=fc.Goal.RUNNER, start=date(2026, 1, 5))
    day = state.started_on
    for n in range(18):
        day += timedelta(days=(2, 2, 3)[n % 3])
        checkin = fc.CheckIn(on=day, completed=n != 4, minutes=18,
                             symptoms=(stiff,) if n == 10 else (),
                             metrics=fc.Metrics(balance_eyes_open_s=38.0))
        decision = engine.evaluate(state, checkin)
        record = log.append(decision)  # on disk (fsync) before it returns
        state = decision.state         # what the app stores for the next check-in
    head = record.hash  # keep it in the app's database: it also catches records cut off the end

    print(fc.audit.verify_log(log.path, head=head))

    print("\nTimeline of a-17:")
    for row in fc.audit.history(log.path, "a-17"):
        print(f"  {row.on}  {row.stage:<10} dose {row.dose_level}  {row.action.value:<8} "
              f"{row.reason}")

    # "Why did my plan change?": the decision that deloaded, explained from the log.
    changed = next(r.decision for r in log.records() if r.decision.action is fc.Action.DELOAD)
    print("\n" + fc.explain(changed))

    # Re-deciding every record from its stored inputs gives the same decisions.
    replay = fc.audit.replay_log(log.path, engine)
    print("\n" + str(replay))
    assert replay.ok

    # An edited record is caught: turn the stored deload into an advance.
    lines = log.path.read_bytes().splitlines(keepends=True)
    number = next(i for i, line in enumerate(lines)
                  if json.loads(line)["decision"]["action"] == "deload")
    record_data = json.loads(lines[number])
    record_data["decision"]["action"] = "advance"
    lines[number] = json.dumps(record_data).encode() + b"\n"
    tampered = Path(folder) / "tampered.jsonl"
    tampered.write_bytes(b"".join(lines))
    report = fc.audit.verify_log(tampered)
    print("\n" + str(report).replace(folder, "..."))
    assert [p.kind for p in report.problems] == ["edited"]
