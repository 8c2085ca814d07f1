"""The synthetic benchmark's classes: each is a motion program, so only motion tells classes apart.

A program maps normalised time ``u`` in [0, 1] to the target object's pose relative to its start: displacement along
a direction (in units of the video's travel length), rotation (in units of the video's total turn) and log-scale (in
units of the video's total zoom). Object, texture, background, speed, direction (where the class leaves it free) and
start position are drawn per video, so no single frame reveals the class. Most classes come in time-reversed pairs
(up/down, clockwise/anticlockwise, approaching/receding, stopping/starting), which an order-blind model such as TSN
cannot separate.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from msnet.core.errors import BadValue


@dataclass(frozen=True)
class MotionClass:
    """One class: its provider-style name and its pose program."""

    name: str
    kind: str  # translate | rotate | zoom | stop | start | back_and_forth | still
    direction: float | None = None  # radians, image axes (x right, y down); None = drawn per video
    sign: float = 1.0  # rotate: +1 clockwise on screen; zoom: +1 grows

    def pose(self, u: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(travel, turn, zoom)`` fractions at times ``u``: travel along the direction, turn and log-zoom."""
        zero = np.zeros_like(u)
        if self.kind == "translate":
            return u, zero, zero
        if self.kind == "rotate":
            return zero, self.sign * u, zero
        if self.kind == "zoom":
            return zero, zero, self.sign * u
        if self.kind == "stop":  # moves during the first half, then rests
            return np.minimum(u / 0.5, 1.0), zero, zero
        if self.kind == "start":  # rests during the first half, then moves
            return np.clip((u - 0.5) / 0.5, 0.0, 1.0), zero, zero
        if self.kind == "back_and_forth":  # out and back along one line
            return 1.0 - np.abs(2.0 * u - 1.0), zero, zero
        if self.kind == "still":
            return zero, zero, zero
        raise BadValue(f"unknown motion kind {self.kind!r}")


_DIRECTIONS = [  # (words, angle in image axes: y points down, so "up" is -90 degrees)
    ("right", 0), ("down and right", 45), ("down", 90), ("down and left", 135),
    ("left", 180), ("up and left", 225), ("up", 270), ("up and right", 315),
]  # fmt: skip

# Definition order is the "provider's" order of the labels file; it is deliberately not alphabetical, so the
# sorted-index convention (TSM/MSNet) and the provider-order convention (MMAction2) give different indices.
CLASSES: tuple[MotionClass, ...] = (
    *(MotionClass(f"Moving something {words}", "translate", math.radians(deg)) for words, deg in _DIRECTIONS),
    MotionClass("Turning something clockwise", "rotate", sign=1.0),
    MotionClass("Turning something anticlockwise", "rotate", sign=-1.0),
    MotionClass("Pulling something closer", "zoom", sign=1.0),
    MotionClass("Pushing something away", "zoom", sign=-1.0),
    MotionClass("Moving something and stopping it", "stop"),
    MotionClass("Starting to move something", "start"),
    MotionClass("Moving something away and back", "back_and_forth"),
    MotionClass("Holding something still", "still"),
)


def class_names(count: int | None = None) -> list[str]:
    """The first ``count`` class names in provider order (all when None)."""
    count = len(CLASSES) if count is None else count
    if not 1 <= count <= len(CLASSES):
        raise BadValue(f"classes must be between 1 and {len(CLASSES)}, got {count}")
    return [c.name for c in CLASSES[:count]]


def template(name: str) -> str:
    """SSv2-style template: the object placeholder in brackets ("Moving [something] up")."""
    return name.replace("something", "[something]")
