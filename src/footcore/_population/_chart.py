"""The impact chart: the shift in days to each rung, and the changed decisions by rule.

Needs matplotlib (``pip install 'footcore[plots]'``), imported only when the chart is drawn,
on a :class:`matplotlib.figure.Figure` without pyplot.
"""

from __future__ import annotations

from pathlib import Path

from .._errors import InputError
from ._report import ImpactReport

__all__ = ["render_impact_chart"]

_TOP_RULES = 12


def render_impact_chart(report: ImpactReport, path: str | Path) -> None:
    """Draw ``report`` to a PNG at ``path``: on the left, per rung, the median shift in days
    to reach it with its 10th-90th percentile range; on the right, the rules whose winning
    changed most often.

    Raises:
        InputError: matplotlib is not installed.
    """
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise InputError("the chart needs matplotlib: pip install 'footcore[plots]'") from None
    figure = Figure(figsize=(12, 5.5), layout="constrained")
    shifts, rules = figure.subplots(1, 2, width_ratios=(1, 1.3))
    rungs = [r for r in report.rungs if r.median is not None]
    names = [f"{r.stage}\n({r.athletes} athletes)" for r in rungs]
    if rungs:
        medians = [r.median or 0 for r in rungs]
        low = [(r.median or 0) - (r.p10 or 0) for r in rungs]
        high = [(r.p90 or 0) - (r.median or 0) for r in rungs]
        colours = ["#1e8449" if m < 0 else "#c0392b" if m > 0 else "#7f8c8d" for m in medians]
        shifts.barh(names, medians, color=colours, xerr=[low, high], capsize=4,
                    error_kw={"ecolor": "#34495e"})
        shifts.invert_yaxis()
    else:
        shifts.text(0.5, 0.5, "no rung reached under both rulebooks", ha="center",
                    transform=shifts.transAxes)
    shifts.axvline(0, color="black", linewidth=0.8)
    shifts.set_xlabel("days to reach the rung, new minus old (median; bar: p10 to p90)")
    shifts.set_title("Sooner (green) or later (red) up the ladder")
    top = report.by_rule[:_TOP_RULES]
    if top:
        rules.barh([g.key for g in top], [g.count for g in top], color="#2e86c1")
        rules.invert_yaxis()
        rules.tick_params(axis="y", labelsize=8)
    else:
        rules.text(0.5, 0.5, "no decision changes", ha="center", transform=rules.transAxes)
    rules.set_xlabel("changed decisions")
    rules.set_title("Changed decisions by rule")
    old, new = report.old, report.new
    figure.suptitle(
        f"{old.id} {old.version} ({old.digest[:8]}) -> {new.id} {new.version} "
        f"({new.digest[:8]}): "
        f"{report.changed_decisions} of {report.decisions} decisions change, for "
        f"{report.changed_athletes} of {report.athletes} athletes")
    target = Path(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        figure.savefig(target, dpi=110)
    except OSError as exc:
        raise InputError(f"chart {target}: cannot write it ({exc})") from None
