"""The built-in routines, from the product guidance on massaging muscle spasms.

Levels are percentages of what the device has, so a routine suits any massager:
"low" is 20 % (the lowest level of most guns), "moderate" 50 %. Heat 1 is a
device's lowest heat step. Every gun step waits for a person to confirm it; the
README explains each routine's reasoning.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Final

from ..api import DeviceKind
from .model import Level, Routine, Step

GUN = DeviceKind.GUN
FOOT_LEG = DeviceKind.FOOT_LEG
LOW = Level(20, percent=True)
MODERATE = Level(50, percent=True)
REST = Level(0)


def _seconds(seconds: int) -> timedelta:
    return timedelta(seconds=seconds)


def _minutes(minutes: int) -> timedelta:
    return timedelta(minutes=minutes)


# The gun on calves, hamstrings and quads, two minutes an area (a minute a leg)
# at a moderate level, while the foot and leg massager kneads with low heat.
POST_WORKOUT_LEGS: Final = Routine(
    "post_workout_legs",
    (
        Step(
            role=FOOT_LEG,
            body_area="feet_and_calves",
            mode="kneading",
            level=MODERATE,
            heat=1,
            duration=_minutes(10),
            prompt="legs_warm_kneading",
        ),
        Step(
            role=GUN,
            body_area="calves",
            level=MODERATE,
            duration=_minutes(2),
            prompt="legs_calves",
        ),
        Step(
            role=GUN,
            body_area="hamstrings",
            level=MODERATE,
            duration=_minutes(2),
            prompt="legs_hamstrings",
        ),
        Step(
            role=GUN,
            body_area="quads",
            level=MODERATE,
            duration=_minutes(2),
            prompt="legs_quads",
        ),
    ),
)

# The gun low, in small circles on the muscles around the sacrum, with pauses
# to breathe deeply in between.
LOWER_BACK_SPASM: Final = Routine(
    "lower_back_spasm",
    (
        Step(
            role=GUN,
            body_area="lower_back",
            level=REST,
            duration=_seconds(30),
            prompt="back_find_sacrum",
        ),
        Step(
            role=GUN,
            body_area="lower_back",
            level=LOW,
            duration=_seconds(60),
            prompt="back_sacrum_circles",
        ),
        Step(
            role=GUN,
            body_area="lower_back",
            level=REST,
            duration=_seconds(30),
            prompt="back_breathe",
        ),
        Step(
            role=GUN,
            body_area="lower_back",
            level=LOW,
            duration=_seconds(60),
            prompt="back_sacrum_circles",
        ),
        Step(
            role=GUN,
            body_area="lower_back",
            level=REST,
            duration=_seconds(30),
            prompt="back_breathe",
        ),
    ),
)

# Gentle and low, four minutes in all: on the muscles around the tender spot
# and the shoulders, never the front of the neck.
NECK_TENSION: Final = Routine(
    "neck_tension",
    (
        Step(
            role=GUN,
            body_area="neck",
            level=REST,
            duration=_seconds(30),
            prompt="neck_relax",
        ),
        Step(
            role=GUN,
            body_area="neck",
            level=LOW,
            duration=_seconds(120),
            prompt="neck_around_tender_spot",
        ),
        Step(
            role=GUN,
            body_area="shoulders",
            level=LOW,
            duration=_seconds(60),
            prompt="neck_shoulders",
        ),
        Step(
            role=GUN,
            body_area="neck",
            level=REST,
            duration=_seconds(30),
            prompt="neck_stretch",
        ),
    ),
)

# The calf, knee slightly bent with some weight on the leg: gently first.
LEG_CRAMP: Final = Routine(
    "leg_cramp",
    (
        Step(
            role=GUN,
            body_area="calves",
            level=REST,
            duration=_seconds(20),
            prompt="cramp_bend_knee",
        ),
        Step(
            role=GUN,
            body_area="calves",
            level=LOW,
            duration=_seconds(60),
            prompt="cramp_calf_gentle",
        ),
        Step(
            role=GUN,
            body_area="calves",
            level=LOW,
            duration=_seconds(60),
            prompt="cramp_calf",
        ),
    ),
)

# Fifteen minutes of the foot and leg massager: kneading with low heat for ten,
# then rolling without heat, which keeps heat well inside the default heat cap.
FOOT_CALF_CIRCULATION: Final = Routine(
    "foot_calf_circulation",
    (
        Step(
            role=FOOT_LEG,
            body_area="feet_and_calves",
            mode="kneading",
            level=MODERATE,
            heat=1,
            duration=_minutes(5),
            prompt="circulation_warm_feet",
        ),
        Step(
            role=FOOT_LEG,
            body_area="feet_and_calves",
            mode="kneading",
            level=MODERATE,
            heat=1,
            duration=_minutes(5),
            prompt="circulation_warm_calves",
        ),
        Step(
            role=FOOT_LEG,
            body_area="feet_and_calves",
            mode="rolling",
            level=MODERATE,
            duration=_minutes(5),
            prompt="circulation_rolling",
        ),
    ),
)

BUILT_IN_ROUTINES: Final[dict[str, Routine]] = {
    routine.id: routine
    for routine in (
        POST_WORKOUT_LEGS,
        LOWER_BACK_SPASM,
        NECK_TENSION,
        LEG_CRAMP,
        FOOT_CALF_CIRCULATION,
    )
}
