"""Enumerations of the domain. Their values are the strings used in JSON and in rulebooks."""

from __future__ import annotations

from enum import StrEnum

__all__ = [
    "ENGINE_ACTIONS",
    "REASONS",
    "RULE_ACTIONS",
    "Action",
    "BackOff",
    "Category",
    "ChangeKind",
    "CompensationKind",
    "Goal",
    "Location",
    "NamedEnum",
    "Observation",
    "Role",
    "Surface",
    "SymptomKind",
]


class NamedEnum(StrEnum):
    """An enum whose members are their string values in JSON, rulebooks and messages."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}.{self.name}"


class Goal(NamedEnum):
    """What the athlete trains for (P4): it picks the goal-specific sessions."""

    RUNNER = "runner"
    STRENGTH = "strength"
    EVERYDAY = "everyday"


class Action(NamedEnum):
    """What a decision does to the athlete's training.

    Listed from the most aggressive to the most conservative; the rulebook states the
    precedence that resolves conflicts between rules. ``RETARGET`` and ``UPGRADE`` are no
    rule's: they are the engine's answers to a change of goal (:meth:`Engine.change_goal`,
    P12) and to a move to another rulebook (:meth:`Engine.upgrade`), and no rulebook may
    propose or rank them.
    """

    ADVANCE = "advance"
    PROGRESS = "progress"
    HOLD = "hold"
    EASE = "ease"
    DELOAD = "deload"
    REST = "rest"
    REGRESS = "regress"
    PAUSE = "pause"
    RETARGET = "retarget"
    UPGRADE = "upgrade"


ENGINE_ACTIONS = (Action.RETARGET, Action.UPGRADE)
"""The actions no rule proposes: the engine's answers to a change that is not a check-in."""

RULE_ACTIONS: tuple[Action, ...] = tuple(a for a in Action if a not in ENGINE_ACTIONS)
"""The actions a rule may propose, and a rulebook's ``precedence`` ranks."""


class ChangeKind(NamedEnum):
    """What changed an athlete's plan: a record of their chain is one of these. A check-in
    the rules answered; an override by a coach or clinician; a change of goal (P12); a move
    to another rulebook; or the erasure of everything held about the athlete."""

    CHECKIN = "checkin"
    OVERRIDE = "override"
    GOAL = "goal"
    UPGRADE = "upgrade"
    ERASURE = "erasure"


class Role(NamedEnum):
    """The part the person or system who made a change plays for the athlete."""

    ATHLETE = "athlete"
    COACH = "coach"
    CLINICIAN = "clinician"
    APP = "app"
    OPERATOR = "operator"


class BackOff(NamedEnum):
    """A back-off window that is open in an athlete's state."""

    NONE = "none"
    DELOAD = "deload"
    REST = "rest"


class SymptomKind(NamedEnum):
    SORENESS = "soreness"
    STIFFNESS = "stiffness"
    IRRITATION = "irritation"
    SHARP_PAIN = "sharp_pain"
    PERSISTENT_PAIN = "persistent_pain"
    FATIGUE = "fatigue"


class Location(NamedEnum):
    BALL_OF_FOOT = "ball_of_foot"
    ARCH = "arch"
    TOES = "toes"
    HEEL = "heel"
    PLANTAR_FASCIA = "plantar_fascia"
    ANKLE = "ankle"
    KNEE = "knee"
    HIP = "hip"
    OTHER = "other"


class CompensationKind(NamedEnum):
    KNEE_VALGUS = "knee_valgus"
    HIP_ADDUCTION = "hip_adduction"
    TOE_GRIPPING = "toe_gripping"
    ARCH_COLLAPSE = "arch_collapse"
    HEEL_LIFT = "heel_lift"


class Observation(NamedEnum):
    """A tendency the athlete notices at the awareness rung (P1): the arch flattening in
    midstance, or the toes over-gripping the floor. Not a fault there: it shapes the
    activation work that follows."""

    FLATTENING = "flattening"
    OVER_GRIPPING = "over_gripping"


class Category(NamedEnum):
    """The role an exercise plays in a session (P6)."""

    WARM_UP = "warm_up"
    ACTIVATION = "activation"
    STATIC_HOLD = "static_hold"
    DYNAMIC_TRANSITION = "dynamic_transition"
    BALANCE = "balance"
    PLYOMETRIC = "plyometric"
    MOBILITY = "mobility"
    COOL_DOWN = "cool_down"


class Surface(NamedEnum):
    FIRM = "firm"
    CUSHIONED = "cushioned"
    COMPLIANT = "compliant"
    TEXTURED = "textured"


REASONS: dict[ChangeKind, tuple[str, ...]] = {
    ChangeKind.CHECKIN: (),
    ChangeKind.OVERRIDE: ("travel", "illness", "injury-concern", "schedule",
                          "athlete-request", "clinical-judgement", "assessed-cleared",
                          "assessed-not-cleared", "equipment", "other"),
    ChangeKind.GOAL: ("athlete-request", "new-sport", "season-change", "clinical-advice",
                      "other"),
    ChangeKind.UPGRADE: ("rulebook-release", "correction", "other"),
    ChangeKind.ERASURE: ("gdpr-art-17", "athlete-request", "account-closed",
                         "retention-expired", "other"),
}
"""The reason codes each kind of change takes (docs/changes.md says what each means), as
CDS Hooks feedback codes the reason a clinician overrides a suggestion."""
