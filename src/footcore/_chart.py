"""A chart of an athlete's stage and load level over time, as a coach reads it: back-offs
marked and labelled in plain words, symptoms and compensations that caused none marked too,
clinician clearances, missed sessions, and the back-off windows shaded. Over a long
history only the gravest events that fit are labelled; every one is marked.

Needs matplotlib (``pip install footcore[plots]``), imported only when a chart is drawn.
It draws on a :class:`matplotlib.figure.Figure` without pyplot, and inside
:func:`plain_text`, so no text (an athlete id, a rule summary) is ever read as math.
Markers, lines and shaded windows are one artist per kind, and labels at most a dozen,
so the cost of a chart grows slowly with the decisions (see benchmarks/bench_report.py).
"""

from __future__ import annotations

import itertools
import math
import textwrap
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from datetime import date, timedelta
from pathlib import Path
from typing import IO, TYPE_CHECKING

import attrs

from ._change_words import change_said, cleared
from ._enums import Action
from ._errors import InputError
from ._explain import compensation_words, symptom_words
from ._models import AthleteState, Decision
from ._rulebook import Rulebook
from ._simulate import is_back_off

if TYPE_CHECKING:
    from matplotlib.artist import Artist
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["back_off_cause", "chart_figure", "check_chart", "plain_text", "render_chart",
           "reported"]

_WINDOWS = {"deload": ("#f6d55c", "deload window"), "rest": ("#f4a259", "rest window"),
            "paused": ("#e07a7a", "paused")}
_MARKERS = {Action.DELOAD: ("v", "#b8860b"), Action.REST: ("s", "#d2691e"),
            Action.REGRESS: ("v", "#c0392b"), Action.PAUSE: ("X", "#7b241c")}
_CLEARED = ("*", "#1e8449")
_REPORTED = ("D", "#6c3483")  # a symptom or compensation that caused no back-off
_MISSED_Y = -0.75  # the band of the dose panel where missed sessions are marked
_SIZES = {_CLEARED[0]: 17, _REPORTED[0]: 8}  # marker sizes other than 11
_LABELLED = 12  # events labelled at most; the others are marked without a label
_LABEL_SIZE = 7.5  # points
_PANEL = 250  # the stage panel's height in points, about
_LABEL_ROOM = _PANEL * 0.7 - 6  # the points above the ladder that labels may take
# Which events keep a label when there are more: the gravest first.
_RANKS = {Action.PAUSE: 0, Action.REGRESS: 1, Action.REST: 2, Action.DELOAD: 3}
_CLEARED_RANK, _REPORTED_RANK = 4, 5


@attrs.frozen
class _Event:
    """Something marked on the stage line: when, what it is, its label and look."""

    on: date
    stage: str
    label: str
    shape: str
    colour: str
    rank: int  # lower ranks keep their label first
    lift: float = 0.0  # drawn this far above the stage line, to show beside another mark


def reported(decision: Decision) -> list[str]:
    """What the check-in reported, in words: symptoms, then compensations (nothing for a
    decision on no check-in)."""
    checkin = decision.checkin
    if checkin is None:
        return []
    return [*(symptom_words(s) for s in checkin.symptoms),
            *(compensation_words(decision, c) for c in checkin.compensations)]


def back_off_cause(decision: Decision) -> str:
    """Why the decision backed off, in plain words: what was reported that the winning rule
    matched, or else the first clause of the rule's summary; for an override, who made it
    and why."""
    if decision.checkin is None and (said := change_said(decision)):
        return said[0].rstrip(".")
    for firing in decision.winners:
        kind, _, index = firing.fact.partition("[")
        if kind == "symptom":
            return symptom_words(decision.answered.symptoms[int(index.rstrip("]"))])
        if kind == "compensation":
            return compensation_words(decision,
                                      decision.answered.compensations[int(index.rstrip("]"))])
    if decision.winners:
        return decision.winners[0].summary.split(":")[0].rstrip(".")
    return f"the rulebook's default, {decision.action.value}"


def _wrap(text: str) -> str:
    return "\n".join(textwrap.wrap(text, 28))


def _events(decisions: Sequence[Decision]) -> list[_Event]:
    """Every back-off, every clinician clearance, and every report of a symptom or
    compensation that did not cause a back-off; dated with the year when the decisions
    span more than one."""
    years = decisions[0].on.year != decisions[-1].on.year
    events = []
    for d in decisions:
        on, stage, said = d.on, d.state.stage, reported(d)
        when = f"{on:%d %b %Y}" if years else f"{on:%d %b}"
        if is_back_off(d):
            label = f"{d.action.value.upper()} {when}\n{_wrap(back_off_cause(d))}"
            events.append(_Event(on, stage, label, *_MARKERS[d.action], _RANKS[d.action]))
        elif said:
            label = f"{d.action.value} {when}\n{_wrap('; '.join(said))}"
            events.append(_Event(on, stage, label, *_REPORTED, _REPORTED_RANK))
        if cleared(d):
            events.append(_Event(on, stage, f"CLEARED {when}\nby a clinician", *_CLEARED,
                                 _CLEARED_RANK, lift=0.4 if is_back_off(d) or said else 0.0))
    return events


def _lanes(events: Sequence[_Event], weeks: Callable[[date], float], span: float) -> list[int]:
    """A lane for each event's label: the lowest where it does not overlap the label before
    it (labels are about a sixth of the chart wide)."""
    ends: list[float] = []  # per lane, where its last label ends (in weeks)
    width = span * 0.17
    lanes = []
    for event in events:
        x = weeks(event.on)
        lane = next((k for k, end in enumerate(ends) if x - width / 2 > end), len(ends))
        if lane == len(ends):
            ends.append(-math.inf)
        ends[lane] = x + width / 2
        lanes.append(lane)
    return lanes


def _stack(events: Sequence[_Event], weeks: Callable[[date], float],
           span: float) -> tuple[list[int], list[float]]:
    """Each label's lane, and each lane's height in points (its tallest label's)."""
    lanes = _lanes(events, weeks, span)
    heights = [0.0] * (max(lanes) + 1 if lanes else 0)
    for event, lane in zip(events, lanes, strict=True):
        heights[lane] = max(heights[lane],
                            (event.label.count("\n") + 1) * _LABEL_SIZE * 1.25 + 9)
    return lanes, heights


def _labelled(events: Sequence[_Event], weeks: Callable[[date], float],
              span: float) -> list[_Event]:
    """The events that get a label, in date order: the gravest first (pauses, then
    regressions, rests, deloads, clearances and reports; the earliest first within a
    kind), as long as their labels fit above the ladder, at most :data:`_LABELLED`."""
    kept: list[int] = []
    for k in sorted(range(len(events)), key=lambda k: (events[k].rank, k)):
        trial = sorted([*kept, k])
        if sum(_stack([events[i] for i in trial], weeks, span)[1]) <= _LABEL_ROOM:
            kept = trial
            if len(kept) == _LABELLED:
                break
    return [events[k] for k in kept]


def _mark_events(ax: Axes, dose_ax: Axes, events: Sequence[_Event],
                 weeks: Callable[[date], float], order: dict[str, int]) -> None:
    """A marker on the stage line for every event (one artist per kind of marker), and for
    back-offs a dashed line across the dose panel at its date."""
    looks: dict[tuple[str, str], list[_Event]] = {}
    for event in events:
        looks.setdefault((event.shape, event.colour), []).append(event)
    for (shape, colour), group in looks.items():
        ax.plot([weeks(e.on) for e in group], [order[e.stage] + e.lift for e in group],
                ls="", marker=shape, color=colour, zorder=5,
                markersize=_SIZES.get(shape, 11), markeredgecolor="white")
    back_offs = [e for e in events if e.rank < _CLEARED_RANK]
    if back_offs:
        dose_ax.vlines([weeks(e.on) for e in back_offs], 0, 1,
                       transform=dose_ax.get_xaxis_transform(),
                       colors=[e.colour for e in back_offs], lw=1, linestyles="--")


def _label_events(ax: Axes, events: Sequence[_Event], weeks: Callable[[date], float],
                  order: dict[str, int], top: int, span: float) -> None:
    """A label above the ladder for each of ``events``, joined to its marker. Lanes of
    labels stack upwards, each as tall as its tallest label; the panel grows to hold them."""
    from matplotlib.transforms import ScaledTranslation

    lanes, heights = _stack(events, weeks, span)
    offsets = [sum(heights[:k]) for k in range(len(heights))]
    # Give the labels the share of the panel they need above the ladder (at most 70%).
    share = min((sum(heights) + 6) / _PANEL, 0.7)
    base, low = top + 0.7, -0.6
    ax.set_ylim(low, low + (base - low) / (1 - share) if heights else top + 0.6)
    for event, lane in zip(events, lanes, strict=True):
        x, y = weeks(event.on), order[event.stage] + event.lift
        lifted = ax.transData + ScaledTranslation(0, offsets[lane] / 72,
                                                  ax.get_figure().dpi_scale_trans)  # type: ignore[union-attr]
        ax.annotate(event.label, xy=(x, y), xytext=(x, base), textcoords=lifted,
                    ha="center", va="bottom", fontsize=_LABEL_SIZE, color=event.colour, zorder=6,
                    bbox={"boxstyle": "round,pad=0.25", "fc": "white", "ec": event.colour},
                    arrowprops={"arrowstyle": "-", "color": event.colour, "lw": 0.8},
                    annotation_clip=False)


def _spans(decisions: Sequence[Decision], end: date) -> list[tuple[str, date, date]]:
    """Runs of check-ins whose plan was in the same mode, as (mode, from, to)."""
    spans = []
    for mode, group in itertools.groupby(
            zip(decisions, [*[d.on for d in decisions[1:]], end], strict=True),
            key=lambda pair: pair[0].plan.mode):
        run = list(group)
        spans.append((mode, run[0][0].on, run[-1][1]))
    return spans


def check_chart(alternative: str) -> None:
    """Make sure a chart can be drawn before a long run, not after it.

    Raises:
        InputError: matplotlib is not installed; the message names the extra to install,
            and ``alternative``.
    """
    try:
        import matplotlib.figure  # noqa: F401
    except ImportError:
        raise InputError(f"the chart needs matplotlib: pip install 'footcore[plots]'; or "
                         f"{alternative}") from None


def plain_text() -> AbstractContextManager[object]:
    """A context in which matplotlib draws every text as it is: an athlete id or a rule
    summary holding ``$`` is neither read as math (nor crashes the parser) nor sent to
    LaTeX. Text objects take the setting when made, tick labels when drawn: build and save
    a figure inside it."""
    import matplotlib

    return matplotlib.rc_context({"text.parse_math": False, "text.usetex": False})


def render_chart(decisions: Sequence[Decision], rulebook: Rulebook,
                 path: str | Path | IO[bytes], *, title: str, description: str = "") -> None:
    """Draw the stage and dose of ``decisions`` over time and save it as a PNG at ``path``
    (a file name, or a binary file open for writing).

    Back-offs are marked and labelled with what caused them, in words; symptoms and
    compensations that caused no back-off are marked too, and so are clinician clearances
    and missed sessions (past a dozen marks, only the gravest are labelled); back-off
    windows are shaded, and the dose line stops while training is paused. Text is drawn as
    given, never as math.

    Raises:
        InputError: there are no decisions, or matplotlib is not installed.
    """
    if not decisions:
        raise InputError("chart: no decisions to draw")
    check_chart("leave out the chart")
    with plain_text():
        figure = chart_figure(decisions, rulebook, title=title, description=description)
        figure.savefig(path, dpi=110, format="png")


def _shade_windows(axes: Sequence[Axes], decisions: Sequence[Decision], end: date,
                   weeks: Callable[[date], float]) -> None:
    """Shade the deload, rest and pause windows, one artist per kind and panel."""
    from matplotlib.collections import PolyCollection

    spans: dict[str, list[tuple[float, float]]] = {}
    for mode, since, until in _spans(decisions, end):
        if mode in _WINDOWS:
            spans.setdefault(mode, []).append((weeks(since), weeks(until)))
    for mode, ranges in spans.items():
        boxes = [[(x0, 0), (x0, 1), (x1, 1), (x1, 0)] for x0, x1 in ranges]
        for ax in axes:
            ax.add_collection(PolyCollection(boxes, transform=ax.get_xaxis_transform(),
                                             color=_WINDOWS[mode][0], alpha=0.35, lw=0),
                              autolim=False)


def _dose_panel(ax: Axes, decisions: Sequence[Decision], xs: Sequence[float],
                states: Sequence[AthleteState], max_dose: int,
                weeks: Callable[[date], float]) -> bool:
    """The load level within the stage, which stops while training is paused, and the
    missed sessions on a band of their own. True when a session was missed."""
    ax.step(xs, [math.nan if s.paused else s.dose_level for s in states], where="post",
            color="#2e8b57", lw=2)
    missed = [weeks(d.on) for d in decisions if d.checkin and not d.checkin.completed]
    ax.plot(missed, [_MISSED_Y] * len(missed), "x", color="#666666", markersize=6)
    band = [_MISSED_Y] if missed else []
    ax.set_yticks([*band, *range(max_dose + 1)],
                  [*("missed" for _ in band), *(str(k) for k in range(max_dose + 1))])
    ax.set_ylim((_MISSED_Y - 0.45) if missed else -0.5, max_dose + 0.5)
    ax.set_ylabel("load level\nwithin the stage")
    ax.grid(axis="y", color="#dddddd")
    return bool(missed)


def _week_axis(ax: Axes, start: date, last_day: date, count: int, right: float) -> None:
    """Weeks along the bottom, at most a dozen named, each with the date it starts (and
    the year, when the run spans more than one)."""
    ax.set_xlim(-0.3, right + 0.3)
    every = max(1, math.ceil(count / 12))
    spans_years = start.year != last_day.year
    ax.set_xticks(
        list(range(0, count, every)),
        [f"week {k + 1}\n{start + timedelta(weeks=k):%d %b}"
         + (f"\n{start + timedelta(weeks=k):%Y}" if spans_years else "")
         for k in range(0, count, every)])
    ax.set_xlabel("week, and the date it starts")


def _legend(figure: Figure, decisions: Sequence[Decision], events: Sequence[_Event],
            missed: bool) -> None:
    """A legend of what the chart shows, and only that."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    actions = {d.action for d in decisions if is_back_off(d)}
    modes = {d.plan.mode for d in decisions}
    shapes = {event.shape for event in events}
    handles: list[Artist] = [Line2D([], [], color="#1f4e79", lw=2.2, label="stage"),
                             Line2D([], [], color="#2e8b57", lw=2, label="load level")]
    for (shape, colour), label in ((_CLEARED, "cleared by a clinician"),
                                   (_REPORTED, "reported, no back-off")):
        if shape in shapes:
            handles.append(Line2D([], [], ls="", marker=shape, color=colour, markersize=9,
                                  label=label))
    if missed:
        handles.append(Line2D([], [], ls="", marker="x", color="#666666",
                              label="missed session"))
    handles += [Line2D([], [], ls="", marker=shape, color=colour, markersize=9,
                       label=f"{action.value} (back-off)")
                for action, (shape, colour) in _MARKERS.items() if action in actions]
    handles += [Patch(color=colour, alpha=0.35, label=label)
                for mode, (colour, label) in _WINDOWS.items() if mode in modes]
    figure.legend(handles=handles, loc="outside lower center", ncols=min(len(handles), 5),
                  fontsize=9, frameon=False)


def chart_figure(decisions: Sequence[Decision], rulebook: Rulebook, *, title: str,
                 description: str = "") -> Figure:
    """The chart of :func:`render_chart` as a matplotlib figure (needs matplotlib; build
    and save it inside :func:`plain_text`)."""
    from matplotlib.figure import Figure

    first = decisions[0].prior_state
    start = first.started_on

    def weeks(day: date) -> float:
        return (day - start).days / 7

    last_day = decisions[-1].on
    count = (last_day - start).days // 7 + 1  # weeks with a check-in, counted from start
    end = min(last_day + timedelta(days=3), start + timedelta(weeks=count))
    xs = [weeks(start), *(weeks(d.on) for d in decisions), weeks(end)]
    states = [first, *(d.state for d in decisions)]
    states.append(states[-1])
    order = {stage.id: stage.order for stage in rulebook.stages}
    top = len(rulebook.stages) - 1
    max_dose = max(len(stage.steps) for stage in rulebook.stages) - 1
    events = _events(decisions)
    labelled = _labelled(events, weeks, xs[-1])
    unlabelled = len(events) - len(labelled)

    figure = Figure(figsize=(12, 7.5), layout="constrained")
    stage_ax, dose_ax = figure.subplots(2, 1, sharex=True, height_ratios=(3, 1.3))
    figure.suptitle(title, fontsize=14, fontweight="bold")
    stage_ax.set_title(
        (f"{description}\n" if description else "")
        + f"athlete {first.athlete_id}, goal {first.goal.value}; rulebook {rulebook.id} "
          f"{rulebook.version}; backend {decisions[0].backend}"
        + (f"\nthe {len(labelled)} gravest events labelled; {unlabelled} more marked "
           f"without a label" if unlabelled else ""), fontsize=9, color="#555555")
    _shade_windows((stage_ax, dose_ax), decisions, end, weeks)

    stage_ax.step(xs, [order[s.stage] for s in states], where="post", color="#1f4e79", lw=2.2)
    stage_ax.set_yticks(range(top + 1), [f"{s.order} {s.id}" for s in rulebook.stages])
    stage_ax.set_ylabel("stage (rung of the ladder)")
    stage_ax.grid(axis="y", color="#dddddd")
    _mark_events(stage_ax, dose_ax, events, weeks, order)
    _label_events(stage_ax, labelled, weeks, order, top, xs[-1])

    missed = _dose_panel(dose_ax, decisions, xs, states, max_dose, weeks)
    _week_axis(dose_ax, start, last_day, count, xs[-1])
    _legend(figure, decisions, events, missed)
    return figure
