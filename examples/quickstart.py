"""Quickstart: one athlete, one check-in, one decision, explained."""

from datetime import date

import footcore as fc

rulebook = fc.load_rulebook()  # the article's rulebook, shipped with footcore
engine = fc.Engine(rulebook, backend="auto")
state = engine.new_athlete("a-17", goal=fc.Goal.RUNNER, start=date(2026, 1, 5))

checkin = fc.CheckIn(
    on=date(2026, 1, 7),
    completed=True,
    minutes=18,
    symptoms=(fc.Symptom(fc.SymptomKind.STIFFNESS, fc.Location.ARCH, severity=4),),
    metrics=fc.Metrics(balance_eyes_open_s=22.0),
)
decision = engine.evaluate(state, checkin)

print(f"backend: {engine.backend}; rulebook {rulebook.id} {rulebook.version}")
print(fc.explain(decision))
# The same plan changes as data, for an app's own UI:
changes = fc.diff(decision.prior_plan, decision.plan)
print(f"\n{len(changes)} plan change(s); the first: {changes[0]}")

# Store the decision (or just decision.state) as JSON in the app's own database.
assert fc.from_json(fc.to_json(decision), fc.Decision) == decision
