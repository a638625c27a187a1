"""Moving a store's athletes to a new rulebook: the check made before anything is written
(every athlete's stage has a place in the new ladder, every old rulebook is at hand) and
the report of what moved.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import date

import attrs

from .._engine import Engine
from .._errors import InputError
from .._models import AthleteState, RulebookRef
from .._rulebook import Rulebook
from .._words import counted

__all__ = ["UpgradeReport", "check_upgrade", "given_rulebooks", "upgrade_report"]

_NAMED = 10  # athletes a refusal names before counting the rest


@attrs.frozen
class UpgradeReport:
    """What :meth:`Store.upgrade` did: the athletes it moved to ``rulebook`` on ``on``,
    those it skipped (already on it), and the moves between stages it made, as
    ``(stage before, stage now, athletes)``."""

    location: str
    rulebook: RulebookRef
    on: date
    moved: tuple[str, ...]
    skipped: tuple[str, ...]
    moves: tuple[tuple[str, str, int], ...]

    def __str__(self) -> str:
        book = self.rulebook
        lines = [f"{self.location}: {counted(len(self.moved), 'athlete')} moved to rulebook "
                 f"{book.id} {book.version} ({book.digest[:12]}) on {self.on}; "
                 f"{counted(len(self.skipped), 'athlete')} on it already."]
        lines.extend(f"  {before} -> {now}: {counted(count, 'athlete')}"
                     + ("" if before != now else " (same stage)")
                     for before, now, count in self.moves)
        return "\n".join(lines)


def given_rulebooks(rulebooks: Iterable[Rulebook]) -> dict[str, Rulebook]:
    """The rulebooks an upgrade is given beside the store's, by digest.

    Raises:
        InputError: one is not a Rulebook.
    """
    if isinstance(rulebooks, Rulebook | str) or not isinstance(rulebooks, Iterable):
        raise InputError(f"rulebooks: got {type(rulebooks).__name__}; accepted: Rulebooks "
                         f"(a list)")
    found = {}
    for number, rulebook in enumerate(rulebooks):
        if not isinstance(rulebook, Rulebook):
            raise InputError(f"rulebooks[{number}]: got {type(rulebook).__name__}; "
                             f"accepted: a Rulebook")
        found[rulebook.digest] = rulebook
    return found


def _athletes(states: list[AthleteState]) -> str:
    named = ", ".join(f"{s.athlete_id} ({s.stage})" for s in states[:_NAMED])
    more = len(states) - _NAMED
    return named + (f" and {more} more" if more > 0 else "")


def check_upgrade(engine: Engine, moving: list[AthleteState], old: Mapping[str, Rulebook],
                  on: date, mapping: Mapping[str, str] | None) -> None:
    """Make every athlete's upgrade without recording it, and refuse them all if one
    cannot be made.

    Raises:
        InputError: an athlete's rulebook is not at hand (``rulebook-missing``); their stage
            has no place in the new rulebook (``stage-unmapped``), naming the athletes; or
            ``on`` or ``mapping`` is refused for an athlete (the message names them).
    """
    missing = [s for s in moving if s.rulebook_digest not in old]
    if missing:
        digests = sorted({s.rulebook_digest[:12] for s in missing})
        raise InputError(f"rulebooks: the store does not hold the rulebook of "
                         f"{counted(len(missing), 'athlete')} ({', '.join(digests)}): "
                         f"{_athletes(missing)}; accepted: those rulebooks passed as "
                         f"rulebooks=[...]; nothing was written", code="rulebook-missing")
    unmapped = []
    for state in moving:
        try:
            engine.upgrade(state, old[state.rulebook_digest], on=on, mapping=mapping)
        except InputError as exc:
            if exc.code != "stage-unmapped":
                raise InputError(f"athlete {state.athlete_id}: {exc}; nothing was written",
                                 code=exc.code) from None
            unmapped.append(state)
    if unmapped:
        book = engine.rulebook
        stages = ", ".join(dict.fromkeys(s.stage for s in unmapped))
        raise InputError(
            f"mapping: the stage of {counted(len(unmapped), 'athlete')} has no place in "
            f"rulebook {book.id} {book.version}: {_athletes(unmapped)}; accepted: a mapping "
            f"of {stages} to stages of {', '.join(s.id for s in book.stages)}; nothing was "
            f"written", code="stage-unmapped")


def upgrade_report(location: str, engine: Engine, on: date,
                   moved: list[tuple[str, str, str]], skipped: list[str]) -> UpgradeReport:
    """The report of an upgrade that moved each ``(athlete, stage before, stage now)``."""
    moves = Counter((before, now) for _, before, now in moved)
    return UpgradeReport(location, engine.rulebook.ref, on,
                         tuple(sorted(athlete for athlete, _, _ in moved)),
                         tuple(sorted(skipped)),
                         tuple((before, now, count)
                               for (before, now), count in sorted(moves.items())))
