"""A chart of an athlete's stage and dose over time, as a coach reads it: back-offs marked
and labelled in plain words, symptoms and compensations that caused none marked too,
clinician clearances, missed sessions, and the back-off windows shaded.

Needs matplotlib (``pip install footcore[plots]``), imported only when a chart is drawn.
It draws on a :class:`matplotlib.figure.Figure` without pyplot, so no global state is used.
"""

from __future__ import annotations

import itertools
import math
import textwrap
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import IO, TYPE_CHECKING

import attrs

from ._enums import Action
from ._errors import InputError
from ._explain import compensation_words, symptom_words
from ._models import Decision
from ._rulebook import Rulebook
from ._simulate import is_back_off

if TYPE_CHECKING:
    from matplotlib.artist import Artist
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["check_chart", "render_chart"]

_WINDOWS = {"deload": ("#f6d55c", "deload window"), "rest": ("#f4a259", "rest window"),
            "paused": ("#e07a7a", "paused")}
_MARKERS = {Action.DELOAD: ("v", "#b8860b"), Action.REST: ("s", "#d2691e"),
            Action.REGRESS: ("v", "#c0392b"), Action.PAUSE: ("X", "#7b241c")}
_CLEARED = ("*", "#1e8449")
_REPORTED = ("D", "#6c3483")  # a symptom or compensation that caused no back-off
_MISSED_Y = -0.75  # the band of the dose panel where missed sessions are marked
_SIZES = {_CLEARED[0]: 17, _REPORTED[0]: 8}  # marker sizes other than 11


@attrs.frozen
class _Event:
    """Something marked on the stage line: when, what it is, its label and look."""

    on: date
    stage: str
    label: str
    shape: str
    colour: str
    lift: float = 0.0  # drawn this far above the stage line, to show beside another mark


def _reported(decision: Decision) -> list[str]:
    """What the check-in reported, in words: symptoms, then compensations."""
    checkin = decision.checkin
    return [*(symptom_words(s) for s in checkin.symptoms),
            *(compensation_words(decision, c) for c in checkin.compensations)]


def _cause(decision: Decision) -> str:
    """Why the decision backed off, in plain words: what was reported that the winning rule
    matched, or else the first clause of the rule's summary."""
    for firing in decision.winners:
        kind, _, index = firing.fact.partition("[")
        if kind == "symptom":
            return symptom_words(decision.checkin.symptoms[int(index.rstrip("]"))])
        if kind == "compensation":
            return compensation_words(decision,
                                      decision.checkin.compensations[int(index.rstrip("]"))])
    if decision.winners:
        return decision.winners[0].summary.split(":")[0].rstrip(".")
    return f"the rulebook's default, {decision.action.value}"


def _wrap(text: str) -> str:
    return "\n".join(textwrap.wrap(text, 28))


def _events(decisions: Sequence[Decision]) -> list[_Event]:
    """Every back-off, every clinician clearance, and every report of a symptom or
    compensation that did not cause a back-off."""
    events = []
    for d in decisions:
        on, stage = d.checkin.on, d.state.stage
        if is_back_off(d):
            shape, colour = _MARKERS[d.action]
            events.append(_Event(on, stage, f"{d.action.value.upper()} {on:%d %b}\n"
                                            f"{_wrap(_cause(d))}", shape, colour))
        elif _reported(d):
            events.append(_Event(on, stage, f"{d.action.value} {on:%d %b}\n"
                                            f"{_wrap('; '.join(_reported(d)))}", *_REPORTED))
        if d.checkin.clinician_cleared:
            events.append(_Event(on, stage, f"CLEARED {on:%d %b}\nby a clinician", *_CLEARED,
                                 lift=0.4 if is_back_off(d) or _reported(d) else 0.0))
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


def _label_events(ax: Axes, dose_ax: Axes, events: Sequence[_Event],
                  weeks: Callable[[date], float], order: dict[str, int], top: int,
                  span: float) -> None:
    """A marker on the stage line and a label above the ladder for every event, and for
    back-offs a line across the dose panel at its date. Lanes of labels stack upwards, each
    as tall as its tallest label; the panel grows to hold them."""
    from matplotlib.transforms import ScaledTranslation

    lanes = _lanes(events, weeks, span)
    size = 7.5
    heights = [0.0] * (max(lanes) + 1 if lanes else 0)
    for event, lane in zip(events, lanes, strict=True):
        heights[lane] = max(heights[lane], (event.label.count("\n") + 1) * size * 1.25 + 9)
    offsets = [sum(heights[:k]) for k in range(len(heights))]
    # The panel is about 250 points tall: give the labels the share of it they need above
    # the ladder (at most 70%).
    share = min((sum(heights) + 6) / 250, 0.7)
    base, low = top + 0.7, -0.6
    ax.set_ylim(low, low + (base - low) / (1 - share) if heights else top + 0.6)
    for event, lane in zip(events, lanes, strict=True):
        x, y = weeks(event.on), order[event.stage] + event.lift
        if event.shape in {shape for shape, _ in _MARKERS.values()}:
            dose_ax.axvline(x, color=event.colour, lw=1, ls="--")
        ax.plot([x], [y], marker=event.shape, color=event.colour, zorder=5,
                markersize=_SIZES.get(event.shape, 11), markeredgecolor="white")
        lifted = ax.transData + ScaledTranslation(0, offsets[lane] / 72,
                                                  ax.get_figure().dpi_scale_trans)  # type: ignore[union-attr]
        ax.annotate(event.label, xy=(x, y), xytext=(x, base), textcoords=lifted,
                    ha="center", va="bottom", fontsize=size, color=event.colour, zorder=6,
                    bbox={"boxstyle": "round,pad=0.25", "fc": "white", "ec": event.colour},
                    arrowprops={"arrowstyle": "-", "color": event.colour, "lw": 0.8},
                    annotation_clip=False)


def _spans(decisions: Sequence[Decision], end: date) -> list[tuple[str, date, date]]:
    """Runs of check-ins whose plan was in the same mode, as (mode, from, to)."""
    spans = []
    for mode, group in itertools.groupby(
            zip(decisions, [*[d.checkin.on for d in decisions[1:]], end], strict=True),
            key=lambda pair: pair[0].plan.mode):
        run = list(group)
        spans.append((mode, run[0][0].checkin.on, run[-1][1]))
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


def render_chart(decisions: Sequence[Decision], rulebook: Rulebook,
                 path: str | Path | IO[bytes], *, title: str, description: str = "") -> None:
    """Draw the stage and dose of ``decisions`` over time and save it as a PNG at ``path``
    (a file name, or a binary file open for writing).

    Back-offs are marked and labelled with what caused them, in words; symptoms and
    compensations that caused no back-off are marked too, and so are clinician clearances
    and missed sessions; back-off windows are shaded, and the dose line stops while
    training is paused.

    Raises:
        InputError: there are no decisions, or matplotlib is not installed.
    """
    if not decisions:
        raise InputError("chart: no decisions to draw")
    check_chart("leave out the chart")
    figure = chart_figure(decisions, rulebook, title=title, description=description)
    figure.savefig(path, dpi=110, format="png")


def chart_figure(decisions: Sequence[Decision], rulebook: Rulebook, *, title: str,
                 description: str = "") -> Figure:
    """The chart of :func:`render_chart` as a matplotlib figure (needs matplotlib)."""
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    first = decisions[0].prior_state
    start = first.started_on

    def weeks(day: date) -> float:
        return (day - start).days / 7

    last_day = decisions[-1].checkin.on
    count = (last_day - start).days // 7 + 1  # weeks with a check-in, counted from start
    end = min(last_day + timedelta(days=3), start + timedelta(weeks=count))
    xs = [weeks(start), *(weeks(d.checkin.on) for d in decisions), weeks(end)]
    states = [first, *(d.state for d in decisions)]
    states.append(states[-1])
    order = {stage.id: stage.order for stage in rulebook.stages}
    top = len(rulebook.stages) - 1
    max_dose = max(len(stage.steps) for stage in rulebook.stages) - 1
    events = _events(decisions)

    figure = Figure(figsize=(12, 7.5), layout="constrained")
    stage_ax, dose_ax = figure.subplots(2, 1, sharex=True, height_ratios=(3, 1.3))
    figure.suptitle(title, fontsize=14, fontweight="bold")
    stage_ax.set_title(
        (f"{description}\n" if description else "")
        + f"athlete {first.athlete_id}, goal {first.goal.value}; rulebook {rulebook.id} "
          f"{rulebook.version}; backend {decisions[0].backend}", fontsize=9, color="#555555")

    for mode, since, until in _spans(decisions, end):
        if mode in _WINDOWS:
            for ax in (stage_ax, dose_ax):
                ax.axvspan(weeks(since), weeks(until), color=_WINDOWS[mode][0], alpha=0.35,
                           lw=0)

    stage_ax.step(xs, [order[s.stage] for s in states], where="post", color="#1f4e79", lw=2.2)
    stage_ax.set_yticks(range(top + 1), [f"{s.order} {s.id}" for s in rulebook.stages])
    stage_ax.set_ylabel("stage (rung of the ladder)")
    stage_ax.grid(axis="y", color="#dddddd")
    _label_events(stage_ax, dose_ax, events, weeks, order, top, xs[-1])

    # No dose while training is paused: the line stops there.
    dose_ax.step(xs, [math.nan if s.paused else s.dose_level for s in states], where="post",
                 color="#2e8b57", lw=2)
    missed = [weeks(d.checkin.on) for d in decisions if not d.checkin.completed]
    dose_ax.plot(missed, [_MISSED_Y] * len(missed), "x", color="#666666", markersize=6)
    band = [_MISSED_Y] if missed else []
    dose_ax.set_yticks([*band, *range(max_dose + 1)],
                       [*("missed" for _ in band), *(str(k) for k in range(max_dose + 1))])
    dose_ax.set_ylim((_MISSED_Y - 0.45) if missed else -0.5, max_dose + 0.5)
    dose_ax.set_ylabel("dose step\nwithin the stage")
    dose_ax.set_xlim(-0.3, xs[-1] + 0.3)
    every = max(1, math.ceil(count / 12))
    spans_years = start.year != last_day.year
    dose_ax.set_xticks(
        list(range(0, count, every)),
        [f"week {k + 1}\n{start + timedelta(weeks=k):%d %b}"
         + (f"\n{start + timedelta(weeks=k):%Y}" if spans_years else "")
         for k in range(0, count, every)])
    dose_ax.set_xlabel("week, and the date it starts")
    dose_ax.grid(axis="y", color="#dddddd")

    actions = {d.action for d in decisions if is_back_off(d)}
    modes = {d.plan.mode for d in decisions}
    shapes = {event.shape for event in events}
    handles: list[Artist] = [Line2D([], [], color="#1f4e79", lw=2.2, label="stage"),
                             Line2D([], [], color="#2e8b57", lw=2, label="dose step")]
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
    return figure
