"""footcore.impact: what a rulebook change would do to real athletes. Their histories are
read from a store or audit log (or a file of histories), replayed under the current and the
proposed rulebook, here, on local processes or on a Dask cluster, and summarized.

An outer layer: the core never imports it, and importing it does not import the command
line.
"""

from ._population._athlete import AthleteImpact, Divergence, Outcome, Refusal
from ._population._histories import (
    History,
    HistoryChange,
    decision_histories,
    log_histories,
    read_histories,
    write_histories,
)
from ._population._report import BackOffCount, ChangeExample, ChangeGroup, ImpactReport, RungShift
from ._population._run import impact

__all__ = [
    "AthleteImpact",
    "BackOffCount",
    "ChangeExample",
    "ChangeGroup",
    "Divergence",
    "History",
    "HistoryChange",
    "ImpactReport",
    "Outcome",
    "Refusal",
    "RungShift",
    "decision_histories",
    "impact",
    "log_histories",
    "read_histories",
    "write_histories",
]
