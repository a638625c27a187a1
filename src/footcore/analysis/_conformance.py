"""The conformance check article-responses: each trigger of the article's table gets its
response at the rulebook's thresholds, the most cautious winning, and the trace lists
every response and no other. A rulebook that adds triggers of its own may skip it; the
safety invariants are the others.

Pure Python; it does not import Hypothesis.
"""

from __future__ import annotations

from .._models import Decision
from ._checking import CheckContext, violation
from ._spec import caution
from ._triggers import rises_allowed, triggers

__all__ = ["responses"]


def responses(ctx: CheckContext, d: Decision) -> None:
    name = "article-responses"
    spec = ctx.spec
    found = triggers(spec, d.prior_state, d.answered, invariant=name)
    rises, missing = rises_allowed(spec, d.prior_state, d.answered, name)
    proposed = {t.action for t in found} | rises
    expected = max(proposed, key=caution, default=spec.meta.default_action)
    fired = {f.action for f in d.firings}
    why = [str(t) for t in found] or [f"ready to {a}" for a in rises] or [
        f"no trigger, not ready ({'; '.join(missing)})"]
    if d.action is not expected:
        raise violation(name, f"expected {expected}, got {d.action}",
                        "the most cautious response among the article's triggers at the "
                        "rulebook's thresholds (or the rise the criteria allow)", d,
                        details=[f"trigger: {w}" for w in why[:5]])
    unanswered = [t for t in found if t.fact is not None and not any(
        f.fact == t.fact and f.action is t.action for f in d.firings)]
    if unanswered:
        raise violation(name, f"no rule answered {unanswered[0]} on that {unanswered[0].fact}",
                        "every symptom and compensation the article names gets its response "
                        "from a rule on that very fact, so the trace says what it was about", d,
                        details=[f"unanswered: {t}" for t in unanswered[1:4]])
    stray = [f for f in d.firings if f.fact != "checkin" and not any(
        t.fact == f.fact and t.action is f.action for t in found)]
    if stray:
        raise violation(name, f"{stray[0].rule_id} proposed {stray[0].action} on {stray[0].fact}, "
                        f"which calls for no {stray[0].action}",
                        "a rule on a symptom or compensation proposes only the response the "
                        "article gives to that symptom or compensation", d,
                        rules=[f.rule_id for f in stray],
                        details=[f"trigger: {t}" for t in found if t.fact == stray[0].fact])
    if fired != proposed:
        extra = sorted(fired - proposed, key=caution)
        lacking = sorted(proposed - fired, key=caution)
        blamed = [f.rule_id for f in d.firings if f.action in extra]
        problem = "; ".join(
            part for part in (
                extra and f"rule(s) proposed {', '.join(map(str, extra))} with no trigger "
                          f"for it",
                lacking and f"no rule proposed {', '.join(map(str, lacking))}") if part)
        raise violation(name, f"the trace is not the article's: {problem}",
                        "every trigger's response among the firings (won or overridden), and "
                        "no response without a trigger", d, rules=blamed or None,
                        details=[f"trigger: {w}" for w in why[:5]])
