"""Population work, an outer layer: athletes' whole histories read from where they live and
replayed under two rulebooks, here, on local processes or on a Dask cluster.

The core never imports this package.
"""

from ._athlete import AthleteImpact, Divergence, Outcome, Refusal
from ._histories import History, decision_histories, log_histories, read_histories, write_histories
from ._report import BackOffCount, ChangeExample, ChangeGroup, ImpactReport, RungShift
from ._run import impact

__all__ = [
    "AthleteImpact",
    "BackOffCount",
    "ChangeExample",
    "ChangeGroup",
    "Divergence",
    "History",
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
