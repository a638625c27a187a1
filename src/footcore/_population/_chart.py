"""The impact chart: how each rung's arrival shifts, and the changed decisions by rule.

A panel with nothing to show is left out, and the title says why: when every rung's
median shift is 0 days though athletes moved, the left panel counts the athletes who
reach each rung sooner and later instead.

Needs matplotlib (``pip install 'footcore[plots]'``), imported only when the chart is drawn,
on a :class:`matplotlib.figure.Figure` without pyplot; no text is read as math.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from .._chart import plain_text
from .._errors import InputError
from .._words import counted
from ._report import ImpactReport, RungShift

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["render_impact_chart"]

_TOP_RULES = 12
_SOONER, _LATER, _SAME = "#1e8449", "#c0392b", "#7f8c8d"

Panel = Callable[["Axes"], None]


def _rung_name(rung: RungShift) -> str:
    return f"{rung.stage}\n({counted(rung.athletes, 'athlete')})"


def _median_panel(rungs: list[RungShift]) -> Panel:
    """Per rung, the median shift in days and its 10th-90th percentile range."""
    def draw(ax: Axes) -> None:
        medians = [r.median or 0 for r in rungs]
        low = [(r.median or 0) - (r.p10 or 0) for r in rungs]
        high = [(r.p90 or 0) - (r.median or 0) for r in rungs]
        colours = [_SOONER if m < 0 else _LATER if m > 0 else _SAME for m in medians]
        ax.barh([_rung_name(r) for r in rungs], medians, color=colours, xerr=[low, high],
                capsize=4, error_kw={"ecolor": "#34495e"})
        ax.invert_yaxis()
        ax.axvline(0, color="black", linewidth=0.8)
        ax.set_xlabel("days to reach the rung, new minus old (median; bar: p10 to p90)")
        ax.set_title("Sooner (green) or later (red) up the ladder")
    return draw


def _count_panel(rungs: list[RungShift]) -> Panel:
    """Per rung, how many athletes reach it sooner (to the left) and later (to the right),
    for when every median shift is 0 days."""
    def draw(ax: Axes) -> None:
        names = [_rung_name(r) for r in rungs]
        ax.barh(names, [-r.sooner for r in rungs], color=_SOONER, label="sooner")
        ax.barh(names, [r.later for r in rungs], color=_LATER, label="later")
        for k, rung in enumerate(rungs):
            for count, side in ((rung.sooner, -1), (rung.later, 1)):
                if count:
                    ax.annotate(str(count), (side * count, k), xytext=(side * 4, 0),
                                textcoords="offset points", va="center",
                                ha="left" if side > 0 else "right", fontsize=8)
        ax.invert_yaxis()
        ax.axvline(0, color="black", linewidth=0.8)
        widest = max(max(r.sooner, r.later) for r in rungs)
        ax.set_xlim(-widest * 1.25, widest * 1.25)
        ax.xaxis.set_major_formatter(lambda value, _: f"{abs(value):g}")
        ax.set_xlabel("athletes reaching the rung sooner (left) or later (right)")
        ax.set_title("Athletes sooner (green) or later (red) up the ladder;\n"
                     "the median shift is 0 days on every rung")
    return draw


def _rule_panel(report: ImpactReport) -> Panel:
    """The rules whose winning changed most often."""
    def draw(ax: Axes) -> None:
        top = report.by_rule[:_TOP_RULES]
        ax.barh([g.key for g in top], [g.count for g in top], color="#2e86c1")
        ax.invert_yaxis()
        ax.tick_params(axis="y", labelsize=8)
        ax.set_xlabel("changed decisions")
        ax.set_title("Changed decisions by rule")
    return draw


def _panels(report: ImpactReport) -> tuple[list[Panel], list[str]]:
    """The panels with something to show, and a note for each left out."""
    panels, notes = [], []
    rungs = [r for r in report.rungs if r.median is not None]
    if any(r.median or r.p10 or r.p90 for r in rungs):
        panels.append(_median_panel(rungs))
    elif any(r.sooner or r.later for r in rungs):
        panels.append(_count_panel(rungs))
    elif rungs:
        notes.append("no athlete reaches a rung sooner or later")
    else:
        notes.append("no rung is reached under both rulebooks")
    if report.by_rule:
        panels.append(_rule_panel(report))
    else:
        notes.append("no decision changes")
    return panels, notes


def render_impact_chart(report: ImpactReport, path: str | Path) -> None:
    """Draw ``report`` to a PNG at ``path``: on the left, per rung, the median shift in days
    to reach it with its 10th-90th percentile range (or, when every median is 0, how many
    athletes reach it sooner and later); on the right, the rules whose winning changed most
    often. A panel with nothing to show is left out, and the title says so.

    Raises:
        InputError: matplotlib is not installed, or the file cannot be written.
    """
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise InputError("the chart needs matplotlib: pip install 'footcore[plots]'") from None
    panels, notes = _panels(report)
    old, new = report.old, report.new
    title = (f"{old.id} {old.version} ({old.digest[:8]}) -> {new.id} {new.version} "
             f"({new.digest[:8]}): {report.headline()}"
             + "".join(f"\n{note}" for note in notes))
    target = Path(path)
    with plain_text():
        figure = Figure(figsize=(12 if len(panels) > 1 else 8, 5.5 if panels else 1.5),
                        layout="constrained")
        if panels:
            axes = figure.subplots(1, len(panels), squeeze=False,
                                   width_ratios=(1, 1.3)[:len(panels)] if len(panels) > 1
                                   else None)[0]
            for panel, ax in zip(panels, axes, strict=True):
                panel(ax)
        figure.suptitle(title)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            figure.savefig(target, dpi=110)
        except OSError as exc:
            raise InputError(f"chart {target}: cannot write it ({exc})") from None
