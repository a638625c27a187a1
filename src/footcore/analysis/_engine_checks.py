"""The invariants of the engine rather than the rulebook, as checks: the plan's cues agree
with the action taken, the same inputs give byte-identical decisions, and the two backends
agree. Each raises :class:`InvariantViolation`.

Pure Python; it does not import Hypothesis.
"""

from __future__ import annotations

import functools

import attrs

from .._convert import to_json
from .._engine import Engine
from .._errors import RulebookError
from .._models import Decision
from .._rulebook import Rulebook
from .._rulebook_loading import assemble
from ._checking import CheckContext, violation

__all__ = ["backends_agree", "cues_agree_with_action", "deterministic", "other_backend"]


@functools.lru_cache(maxsize=32)
def _fresh(rulebook: Rulebook, backend: str) -> Engine:
    """An engine over a separately assembled copy of ``rulebook``."""
    copy = assemble(rulebook.meta, rulebook.params, rulebook.exercises.values(),
                    rulebook.stages, rulebook.rules, location=rulebook.location,
                    allow_unsafe=bool(rulebook.unsafe))
    return Engine(copy, backend=backend)


@functools.lru_cache(maxsize=32)
def _other_backend(rulebook: Rulebook, backend: str) -> Engine | None:
    """An engine on the backend other than ``backend``, or None where durable is missing
    or refuses the rulebook."""
    if backend == "durable":
        return Engine(rulebook, backend="native")
    from .._durable import durable_available

    if not durable_available():
        return None
    try:
        return Engine(rulebook, backend="durable")
    except RulebookError as error:
        if error.code == "durable-limit":
            return None
        raise


def other_backend(engine: Engine) -> Engine | None:
    """The engine to compare ``engine`` with: durable for native, native for durable; None
    where durable-rules does not import (the ``footcore[durable]`` extra, on CPython 3.11
    and 3.12) or the rulebook is past its per-fact condition limit."""
    return _other_backend(engine.rulebook, engine.backend)


def cues_agree_with_action(ctx: CheckContext, d: Decision) -> None:
    name = "cues-agree-with-action"
    cues = {rule.id: rule.cue for rule in ctx.engine.rulebook.rules}
    wanted = tuple(dict.fromkeys(cue for f in d.winners if (cue := cues.get(f.rule_id))))
    if d.plan.cues == wanted:
        return
    stray = [f.rule_id for f in d.overridden if cues.get(f.rule_id) in d.plan.cues
             and cues.get(f.rule_id) not in wanted]
    missing = [cue for cue in wanted if cue not in d.plan.cues]
    problem = (f"the {d.action} plan carries the cue of {', '.join(stray)}, overridden"
               if stray else f"the {d.action} plan's cues are {list(d.plan.cues)!r:.120}, "
               f"not its winning rules' ({list(wanted)!r:.120})")
    raise violation(name, problem, "a plan carries the cues of the rules whose action was taken, "
                    "each once, and no cue of an overridden rule (P10)", d,
                    rules=stray or [f.rule_id for f in d.winners],
                    details=[f"missing: {cue}" for cue in missing[:3]])


def deterministic(ctx: CheckContext, d: Decision) -> None:
    name = "deterministic"
    text = to_json(d)
    again = ctx.engine.evaluate(d.prior_state, d.answered)
    fresh = _fresh(ctx.engine.rulebook, ctx.engine.backend).evaluate(d.prior_state, d.answered)
    for label, other in (("the same engine", again), ("an engine on a fresh copy", fresh)):
        if to_json(other) != text:
            raise violation(name, f"{label} gave a different decision for the same inputs "
                            f"({other.action} vs {d.action})",
                            "byte-identical JSON for the same inputs, every time", d)


def backends_agree(ctx: CheckContext, d: Decision) -> None:
    name = "backends-agree"
    other = ctx.other if ctx.other is not None else other_backend(ctx.engine)
    if other is None:
        return
    theirs = other.evaluate(d.prior_state, d.answered)
    if to_json(attrs.evolve(theirs, backend="native")) != to_json(
            attrs.evolve(d, backend="native")):
        mine = sorted(f.rule_id for f in d.firings)
        them = sorted(f.rule_id for f in theirs.firings)
        raise violation(name, f"{d.backend} and {theirs.backend} decided differently "
                        f"({d.action} vs {theirs.action})",
                        "both backends fire the same rules and give the same decision", d,
                        rules=sorted(set(mine) ^ set(them)),
                        details=[f"{d.backend} fired: {', '.join(mine) or 'none'}",
                                 f"{theirs.backend} fired: {', '.join(them) or 'none'}"])
