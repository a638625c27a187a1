"""Enumerations of the domain. Their values are the strings used in JSON and in rulebooks."""

from __future__ import annotations

from enum import StrEnum

__all__ = [
    "RULE_ACTIONS",
    "Action",
    "BackOff",
    "Category",
    "CompensationKind",
    "Goal",
    "Location",
    "NamedEnum",
    "Observation",
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
    precedence that resolves conflicts between rules. ``RETARGET`` is no rule's: it is the
    engine's answer to a change of goal (:meth:`Engine.change_goal`, P12), and no rulebook
    may propose or rank it.
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


RULE_ACTIONS: tuple[Action, ...] = tuple(a for a in Action if a is not Action.RETARGET)
"""The actions a rule may propose, and a rulebook's ``precedence`` ranks."""


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
