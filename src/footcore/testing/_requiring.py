"""The requirements a check-in strategy can be given (at least so many symptoms, of given
kinds; at least so many compensations; metrics always measured), checked for arguments that
contradict each other before anything is drawn."""

from __future__ import annotations

from collections.abc import Collection

import attrs
from hypothesis import strategies as st

from .._enums import SymptomKind
from .._errors import InputError
from .._models import Metrics
from ..analysis._spec import PAIN_KINDS

__all__ = ["counted", "kinds_required", "measured_names"]

_METRIC_NAMES = tuple(field.name for field in attrs.fields(Metrics))


def measured_names(names: Collection[str]) -> frozenset[str]:
    """``names`` (one name, or several) as a set of metric names.

    Raises:
        InputError: one is no metric's name, or ``names`` is no name or collection of them.
    """
    if not isinstance(names, str | Collection) or not all(isinstance(n, str) for n in names):
        raise InputError(f"measured: got {names!r:.60}; accepted: a metric's name or a "
                         f"collection of them ({', '.join(_METRIC_NAMES)})")
    chosen = frozenset((names,) if isinstance(names, str) else names)
    unknown = sorted(chosen - set(_METRIC_NAMES))
    if unknown:
        raise InputError(f"measured: got {', '.join(map(repr, unknown))}; accepted: metric "
                         f"names ({', '.join(_METRIC_NAMES)})")
    return chosen


def counted(what: str, least: int, most: int, drawn: st.SearchStrategy[object]) -> None:
    """Refuse ``min_<what>`` and ``max_<what>`` that no list drawn from ``drawn`` can meet.

    Raises:
        InputError: a count that is no whole number or is negative, a minimum over the
            maximum, or a minimum with nothing to draw from (``st.nothing()``).
    """
    for name, count in ((f"min_{what}", least), (f"max_{what}", most)):
        if not isinstance(count, int) or isinstance(count, bool):
            raise InputError(f"{name}: got {count!r:.60}; accepted: a whole number, 0 or more")
    if least < 0 or most < 0:
        raise InputError(f"min_{what}, max_{what}: got {least} and {most}; accepted: 0 or more")
    if least > most:
        raise InputError(f"min_{what}: got {least}, more than max_{what} ({most}); accepted: "
                         f"at most max_{what}")
    one = what.removesuffix("s")
    if least and drawn.is_empty:
        raise InputError(f"min_{what}: got {least}, but {one} draws no {one} (st.nothing()); "
                         f"accepted: 0 with it")


def kinds_required(kinds: SymptomKind | Collection[SymptomKind] | None, least: int,
                   pain_free: bool) -> frozenset[SymptomKind] | None:
    """The kinds the ``least`` required symptoms are of (none of pain when ``pain_free``),
    or None when any kind will do.

    Raises:
        InputError: no kinds, something that is no kind, kinds with no symptom required,
            or only kinds of pain with ``pain_free``.
    """
    if kinds is None:
        return None
    chosen = frozenset((kinds,) if isinstance(kinds, SymptomKind) else kinds)
    if not chosen or not all(isinstance(kind, SymptomKind) for kind in chosen):
        raise InputError(f"symptom_kinds: got {kinds!r:.60}; accepted: a SymptomKind or a "
                         f"non-empty collection of them")
    if not least:
        raise InputError("symptom_kinds: the kinds of the required symptoms; accepted with "
                         "min_symptoms of 1 or more")
    if pain_free and chosen <= PAIN_KINDS:
        raise InputError(f"symptom_kinds: got only pain ({', '.join(sorted(chosen))}), which "
                         f"pain_free excludes; accepted: a kind that is not pain")
    return chosen - PAIN_KINDS if pain_free else chosen
