"""The answer to "why not?" in words: what each load-raising rule of the rung still needs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs

from ._conditions import Scalar
from ._models import Unmet, WhyNot

__all__ = ["DIRECTION", "field_label", "needs_as_dict", "unmet_text"]

# field: (what it is, the unit after a number, what to record when it was never measured)
_LABELS: dict[str, tuple[str, str, str]] = {
    "sessions_in_window": ("sessions done in the recent window", "", ""),
    "clean_streak": ("clean sessions in a row", "", ""),
    "days_at_dose": ("days at this dose", "", ""),
    "consecutive_completed": ("sessions done in a row", "", ""),
    "consecutive_missed": ("sessions missed in a row", "", ""),
    "minutes": ("minutes trained", "", ""),
    "days_since_last_session": ("days since the last session", "", ""),
    "days_since_backoff": ("days since the last back-off", "", ""),
    "symptom_count": ("symptoms reported", "", ""),
    "max_severity": ("worst symptom, 0-10", "", ""),
    "compensation_count": ("compensations seen", "", ""),
    "balance_eyes_open_s": (
        "single-leg balance with eyes open", " s",
        "record single-leg balance with eyes open (seconds, best of three)"),
    "balance_eyes_closed_s": (
        "single-leg balance with eyes closed", " s",
        "record single-leg balance with eyes closed (seconds, best of three)"),
    "forefoot_symmetry": (
        "forefoot pressure symmetry (1 is even)", "",
        "record forefoot pressure symmetry (0-1) with a pressure app"),
    "foot_fatigue": (
        "foot fatigue after daily activity, 0-10", "",
        "report foot fatigue after daily activity (0-10)"),
}
DIRECTION = {"ge": "at least", "gt": "more than", "le": "at most", "lt": "under",
              "eq": "exactly", "ne": "anything but", "in": "one of", "not_in": "none of"}


def field_label(field: str) -> str:
    """A fact field in words: ``clean sessions in a row`` for ``clean_streak``."""
    return _LABELS.get(field, (field.replace("_", " "), "", ""))[0]


def _value(value: Scalar | tuple[Scalar, ...], unit: str) -> str:
    if isinstance(value, tuple):
        return ", ".join(_value(v, unit) for v in value)
    if isinstance(value, float):
        return f"{value:g}{unit}"
    return f"{value}{unit}"


def _origin(unmet: Unmet) -> str:
    if unmet.param is None:
        return ""
    return " (footcore default)" if unmet.default else " (from the article)"


def unmet_text(unmet: Unmet, phrase: Callable[[str, Scalar], str]) -> str:
    """One unmet condition in words, with the athlete's value and the threshold:
    ``clean sessions in a row: 1, needs at least 3 (footcore default)``. ``phrase`` words a
    true/false field (as the explanation's facts do)."""
    label, unit, record = _LABELS.get(
        unmet.field, (unmet.field.replace("_", " "), "", f"record {unmet.field}"))
    actual = unmet.actual
    if actual is None:
        return f"{label}: cannot be assessed: {record} to move on"
    if isinstance(unmet.needed, bool) and unmet.op in ("eq", "ne"):
        wanted = unmet.needed if unmet.op == "eq" else not unmet.needed
        return f"{phrase(unmet.field, actual)}; needs {phrase(unmet.field, wanted)}"
    return (f"{label}: {_value(actual, unit)}, needs {DIRECTION[unmet.op]} "
            f"{_value(unmet.needed, unit)}{_origin(unmet)}")


def needs_as_dict(why_not: WhyNot, phrase: Callable[[str, Scalar], str]) -> dict[str, Any]:
    """A rule that did not fire and its unmet conditions, as JSON-ready data with words."""
    return {
        "rule_id": why_not.rule_id,
        "action": why_not.action.value,
        "summary": why_not.summary,
        "sources": [s for s in why_not.source if s != "default"],
        "footcore_default": "default" in why_not.source,
        "unmet": [{**attrs.asdict(u), "needed": list(u.needed) if isinstance(u.needed, tuple)
                   else u.needed, "assessable": u.assessable, "text": unmet_text(u, phrase)}
                  for u in why_not.unmet],
    }
