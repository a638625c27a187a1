"""The main job: a runner with a clean record, played check-in by check-in up the ladder.

Prints one line per change: date, stage, dose step, action and the winning rule.
"""

from datetime import date, timedelta

import footcore as fc

engine = fc.Engine(fc.load_rulebook())
state = engine.new_athlete("runner-1", goal=fc.Goal.RUNNER, start=date(2026, 1, 5))
good_balance = fc.Metrics(balance_eyes_open_s=45.0, balance_eyes_closed_s=20.0)
day = state.started_on

print(f"footcore {fc.__version__}, rulebook {engine.rulebook.id} {engine.rulebook.version}, "
      f"backend {engine.backend}")
print(f"{'date':<11} {'stage':<12} {'step':>4}  {'action':<8} reason")
for number in range(90):
    day += timedelta(days=3 if number % 3 == 2 else 2)  # three sessions a week
    decision = engine.evaluate(state, fc.CheckIn(on=day, completed=True, minutes=18,
                                                 metrics=good_balance))
    state = decision.state
    if decision.action in (fc.Action.ADVANCE, fc.Action.PROGRESS):
        reason = ", ".join(f.rule_id for f in decision.winners)
        print(f"{day!s:<11} {state.stage:<12} {state.dose_level:>4}  "
              f"{decision.action.value:<8} {reason}")
    top = len(engine.rulebook.stage(state.stage).steps) - 1
    if state.stage == engine.rulebook.stages[-1].id and state.dose_level == top:
        weeks = (day - state.started_on).days // 7
        print(f"Reached the top of {state.stage} after {weeks} weeks ({number + 1} check-ins).")
        break
