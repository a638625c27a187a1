"""The reachability constraints: what the engine's own transitions guarantee of every
state they produce, whatever the rulebook. The prover's model holds states to them (unless
``reachable=False``), and the athlete state machine asserts them on every state.

Pure Python; it does not import Hypothesis.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

from .._enums import BackOff
from .._models import AthleteState
from .._rulebook import Rulebook
from .._transition import window_days
from ._violations import InvariantViolation

__all__ = ["REACHABILITY", "check_reachable", "reachability_problems"]

REACHABILITY: Mapping[str, str] = {
    "new-athlete": "before the first check-in nothing is recorded of sessions (an override "
                   "may have paused the athlete or opened a back-off window, a change of "
                   "goal set the last change)",
    "paused": "a paused athlete has no back-off window, a clean streak of 0, no clearance "
              "on record, and was paused at the last check-in or by an override since (its "
              "back-off date)",
    "window": "an open deload window ends deload_days after the last back-off date, a rest "
              "window the longer of deload_days and rest_days after it; a window opened at a "
              "check-in (not by an override since) saw the last check-in less than that many "
              "days (at least one) after it; a rest window still open at a check-in "
              "rest_days after it has turned into a deload",
    "dates": "the last session is on or before the last check-in, and none of the dates is "
             "before the start (an override may set the last back-off, and any change the "
             "last change, after the last check-in, or before the first)",
    "recent-sessions": "the recent sessions are distinct days in order, within the window "
                       "ending at the last check-in, none after the last session, which is "
                       "among them when it falls in that window",
    "in-a-row": "after a check-in, at most one of the done and missed counts is positive: "
                "done when the last check-in's day was a training day, missed never then; "
                "done only with a session on record, and neither only with none (a short "
                "session leaves both as they were)",
    "clean-streak": "a clean streak needs a session on record",
}


def reachability_problems(rulebook: Rulebook, state: AthleteState) -> list[str]:
    """The constraints of ``REACHABILITY`` that ``state`` breaks, in words (none for a
    state the engine produced from a new athlete with ``rulebook``)."""
    s = state
    problems: list[str] = []

    def need(ok: bool, name: str, detail: str) -> None:
        if not ok:
            problems.append(f"{name}: {detail}")

    last = s.last_checkin_on
    if last is None:
        need(s.last_session_on is None and not s.recent_sessions and not s.recent_checkins
             and not s.awareness
             and s.consecutive_completed == s.consecutive_missed == s.clean_streak == 0,
             "new-athlete", "no check-in yet, but a session is recorded")
    since_checkin = s.last_backoff_on is not None and (last is None or s.last_backoff_on > last)
    if s.paused:
        need(s.backoff is BackOff.NONE and s.clean_streak == 0 and not s.clinician_cleared
             and s.last_backoff_on is not None and (since_checkin or s.last_backoff_on == last),
             "paused",
             f"backoff {s.backoff.value}, clean streak {s.clean_streak}, cleared "
             f"{s.clinician_cleared}, last back-off {s.last_backoff_on}")
    if s.backoff is not BackOff.NONE:
        length = window_days(rulebook, s.backoff)
        kept = length if s.backoff is BackOff.DELOAD else rulebook.whole("rest_days")
        need(s.last_backoff_on is not None and s.backoff_until is not None
             and s.backoff_until == s.last_backoff_on + timedelta(days=length)
             and (since_checkin or (last is not None
                  and 0 <= (last - s.last_backoff_on).days < max(kept, 1))),
             "window",
             f"{s.backoff.value} until {s.backoff_until}, last back-off {s.last_backoff_on}, "
             f"last check-in {last}")
    if last is None:
        return problems
    need(s.last_session_on is None or s.started_on <= s.last_session_on <= last, "dates",
         f"last session {s.last_session_on} is not within {s.started_on}..{last}")
    need(s.started_on <= last, "dates", "last check-in before the start")
    since = last - timedelta(days=rulebook.whole("window_days") - 1)
    days = s.recent_sessions
    need(list(days) == sorted(set(days))
         and all(since <= d and s.last_session_on is not None and d <= s.last_session_on
                 for d in days)
         and (s.last_session_on is None or s.last_session_on < since
              or s.last_session_on in days), "recent-sessions", f"{days}")
    trained_last = s.last_session_on == s.last_checkin_on
    done, missed = s.consecutive_completed > 0, s.consecutive_missed > 0
    trained = s.last_session_on is not None
    need(not (done and missed) and (done or not trained_last) and not (missed and trained_last)
         and (not done or trained) and (done or missed or not trained), "in-a-row",
         f"done {s.consecutive_completed}, missed {s.consecutive_missed}, last session "
         f"{s.last_session_on}, last check-in {s.last_checkin_on}")
    need(s.clean_streak == 0 or s.last_session_on is not None, "clean-streak",
         f"clean streak {s.clean_streak} with no session")
    return problems


def check_reachable(rulebook: Rulebook, state: AthleteState) -> None:
    """Assert the reachability constraints (``REACHABILITY``) on ``state``.

    Raises:
        InvariantViolation: ``state`` breaks one (invariant ``"reachable"``).
    """
    problems = reachability_problems(rulebook, state)
    if problems:
        raise InvariantViolation(
            "reachable", "; ".join(problems),
            expectation="a state the engine can produce: " + "; ".join(REACHABILITY.values()),
            state=state)
