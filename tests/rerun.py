"""How many examples a Hypothesis property draws: all of them on a run of the whole suite,
fewer where .ci/run runs the suite again under another interpreter (3.12 and 3.13, without
the tests marked ``once``; it sets FOOTCORE_RERUN=1 there).

A property given fewer examples on the reruns is one whose inputs are searched the same way
on any interpreter: the whole search runs once, under 3.11, and each rerun runs the same
code on a sample of the same inputs, which shows whether that interpreter runs it alike.
Each call says why its property is such a one.
"""

from __future__ import annotations

import os

RERUN = os.environ.get("FOOTCORE_RERUN") == "1"


def examples(whole: int, *, rerun: int) -> int:
    """``whole`` on a run of the whole suite, ``rerun`` on .ci/run's reruns."""
    assert 0 < rerun < whole, (rerun, whole)
    return rerun if RERUN else whole
