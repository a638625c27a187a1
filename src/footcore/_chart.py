"""A chart of a simulated athlete's stage and dose over time, back-offs marked and labelled.

Needs matplotlib (``pip install footcore[plots]``), imported only when a chart is drawn.
It draws on a :class:`matplotlib.figure.Figure` without pyplot, so no global state is used.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from ._enums import Action
from ._errors import InputError
from ._models import Decision
from ._rulebook import Rulebook
from ._simulate import is_back_off, main_reason

if TYPE_CHECKING:
    from matplotlib.artist import Artist
    from matplotlib.axes import Axes

__all__ = ["render_chart"]

_WINDOWS = {"deload": ("#f6d55c", "deload window"), "rest": ("#f4a259", "rest window"),
            "paused": ("#e07a7a", "paused")}
_MARKERS = {Action.DELOAD: ("v", "#b8860b"), Action.REST: ("s", "#d2691e"),
            Action.REGRESS: ("v", "#c0392b"), Action.PAUSE: ("X", "#7b241c")}
_CLEARED = ("*", "#1e8449")


def _spans(decisions: Sequence[Decision], end: date) -> list[tuple[str, date, date]]:
    """Runs of check-ins whose plan was in the same mode, as (mode, from, to)."""
    spans = []
    for mode, group in itertools.groupby(
            zip(decisions, [*[d.checkin.on for d in decisions[1:]], end], strict=True),
            key=lambda pair: pair[0].plan.mode):
        run = list(group)
        spans.append((mode, run[0][0].checkin.on, run[-1][1]))
    return spans


def _events(decisions: Sequence[Decision]) -> list[tuple[Decision, str, str, str]]:
    """Every back-off and every clinician clearance: (decision, label, marker, colour)."""
    events = []
    for decision in decisions:
        day = decision.checkin.on
        if is_back_off(decision):
            shape, colour = _MARKERS[decision.action]
            cleared = "\ncleared by a clinician" if decision.checkin.clinician_cleared else ""
            events.append((decision, f"{decision.action.value.upper()} {day:%d %b}\n"
                                     f"{main_reason(decision)}{cleared}", shape, colour))
        elif decision.checkin.clinician_cleared:
            events.append((decision, f"CLEARED {day:%d %b}\nby a clinician", *_CLEARED))
    return events


def _label_events(ax: Axes, dose_ax: Axes, events: Sequence[tuple[Decision, str, str, str]],
                  weeks: Callable[[date], float], order: dict[str, int], top: int) -> None:
    """A marker on the stage line and a label above it for every event, and a line
    across the dose panel at its date."""
    previous: date | None = None
    lane = 0
    for decision, label, shape, colour in events:
        day = decision.checkin.on
        lane = (lane + 1) % 3 if previous and (day - previous).days < 45 else 0
        previous = day
        x, y = weeks(day), order[decision.state.stage]
        dose_ax.axvline(x, color=colour, lw=1, ls="--")
        ax.plot([x], [y], marker=shape, color=colour, markersize=11, zorder=5,
                markeredgecolor="white")
        ax.annotate(label, xy=(x, y), xytext=(x, top + 0.9 + lane * 0.75),
                    ha="center", va="bottom", fontsize=8, color=colour, zorder=6,
                    bbox={"boxstyle": "round,pad=0.25", "fc": "white", "ec": colour},
                    arrowprops={"arrowstyle": "-", "color": colour, "lw": 0.8})


def render_chart(decisions: Sequence[Decision], rulebook: Rulebook, path: str | Path, *,
                 title: str, description: str = "") -> None:
    """Draw the stage and dose of ``decisions`` over time and save it as a PNG at ``path``:
    back-offs and clinician clearances marked and labelled, back-off windows shaded.

    Raises:
        InputError: there are no decisions, or matplotlib is not installed.
    """
    if not decisions:
        raise InputError("chart: no decisions to draw")
    try:
        from matplotlib.figure import Figure
        from matplotlib.lines import Line2D
        from matplotlib.patches import Patch
    except ImportError:
        raise InputError("the chart needs matplotlib: pip install 'footcore[plots]'") from None

    first = decisions[0].prior_state
    start = first.started_on

    def weeks(day: date) -> float:
        return (day - start).days / 7

    end = decisions[-1].checkin.on + timedelta(days=3)
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
    stage_ax.set_ylim(-0.6, top + (3.3 if events else 0.6))
    stage_ax.set_ylabel("stage (rung of the ladder)")
    stage_ax.grid(axis="y", color="#dddddd")
    _label_events(stage_ax, dose_ax, events, weeks, order, top)

    dose_ax.step(xs, [s.dose_level for s in states], where="post", color="#2e8b57", lw=2)
    missed = [weeks(d.checkin.on) for d in decisions if not d.checkin.completed]
    dose_ax.plot(missed, [-0.6] * len(missed), "x", color="#666666", markersize=6)
    dose_ax.set_yticks(range(max_dose + 1))
    dose_ax.set_ylim(-1, max_dose + 0.5)
    dose_ax.set_ylabel("dose step\nwithin the stage")
    every = max(1, math.ceil(xs[-1] / 12))
    ticks = range(0, math.ceil(xs[-1]) + 1, every)
    dose_ax.set_xticks(list(ticks), [f"week {k + 1}\n{start + timedelta(weeks=k):%d %b}"
                                     for k in ticks])
    dose_ax.set_xlabel("week of the scenario, and the date it starts")
    dose_ax.grid(axis="y", color="#dddddd")

    actions = {d.action for d in decisions if is_back_off(d)}
    modes = {d.plan.mode for d in decisions}
    handles: list[Artist] = [Line2D([], [], color="#1f4e79", lw=2.2, label="stage"),
                             Line2D([], [], color="#2e8b57", lw=2, label="dose step")]
    if any(marker == _CLEARED[0] for _, _, marker, _ in events):
        handles.append(Line2D([], [], ls="", marker=_CLEARED[0], color=_CLEARED[1],
                              markersize=9, label="cleared by a clinician"))
    if missed:
        handles.append(Line2D([], [], ls="", marker="x", color="#666666",
                              label="missed session"))
    handles += [Line2D([], [], ls="", marker=shape, color=colour, markersize=9,
                       label=f"{action.value} (back-off)")
                for action, (shape, colour) in _MARKERS.items() if action in actions]
    handles += [Patch(color=colour, alpha=0.35, label=label)
                for mode, (colour, label) in _WINDOWS.items() if mode in modes]
    figure.legend(handles=handles, loc="outside lower center", ncols=min(len(handles), 6),
                  fontsize=9, frameon=False)
    figure.savefig(path, dpi=110)
