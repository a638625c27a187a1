"""Hypothesis strategies for the changes the rules do not make: a coach's or clinician's
override, as the keyword arguments of :meth:`Engine.override`.

Requires hypothesis (``pip install footcore[testing]``).
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from .._changes import OVERRIDERS
from .._enums import REASONS, RULE_ACTIONS, Action, ChangeKind, Role
from ._strategies import Focus, focus

__all__ = ["overrides"]


def overrides(*, role: Focus[Role] = None, action: Focus[Action | None] = None,
              clearance: Focus[bool | None] = None, reason: Focus[str] = None
              ) -> st.SearchStrategy[dict[str, Any]]:
    """Overrides, as the keyword arguments of :meth:`Engine.override` but the day:
    ``engine.override(state, on=day, **drawn)``. Each has ``by`` (``"coach:..."`` or
    ``"clinician:..."``), ``role``, ``reason`` (a code of ``REASONS``), ``action`` (any a
    rule may propose, or none), ``clearance`` (none, given or withdrawn) and sometimes a
    ``comment``. Shrinks towards a coach's override with no action and no clearance,
    which the engine refuses as empty: draw ``action=st.sampled_from(...)`` for overrides
    it makes.

    Args:
        role, action, clearance, reason: a value, or a strategy, to focus on (None: any;
            ``st.none()`` for no action or no clearance).

    Requires hypothesis.
    """
    return st.builds(
        _override, focus(role, st.sampled_from(OVERRIDERS)),
        focus(action, st.none() | st.sampled_from(RULE_ACTIONS)),
        focus(clearance, st.sampled_from((None, True, False))),
        focus(reason, st.sampled_from(REASONS[ChangeKind.OVERRIDE])),
        st.none() | st.sampled_from(("away until the 20th", "assessed in clinic")),
        st.sampled_from(("maria", "lee")))


def _override(role: Role, action: Action | None, clearance: bool | None, reason: str,
              comment: str | None, name: str) -> dict[str, Any]:
    return {"by": f"{Role(role).value}:{name}", "role": role, "reason": reason,
            "action": action, "clearance": clearance, "comment": comment}
