"""Distances between offices, in plain Python (no numpy): what pages, emails and the
worker need one person at a time.

Great-circle distances on a sphere of radius 6,371,008.8 m (the mean earth radius) with the
haversine formula, written step by step as meetup.directory.spatial writes it on arrays, so
that both take their decisions on the same numbers (see tests/test_sweep.py).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

EARTH_RADIUS_METRES = 6_371_008.8
#: Strictly closer (exact pins): "next door". Not "same building": 12 and 14 of a street
#: are about 15 m apart.
NEXT_DOOR_METRES = 30.0
DEFAULT_RADIUS_METRES = 300.0
WALKING_KM_PER_HOUR = 5.0
WALKING_DETOUR = 1.3  # streets are longer than the straight line

_DIAMETER = 2.0 * EARTH_RADIUS_METRES


def walking_minutes(metres: float) -> int:
    """Walking time for a straight-line distance: 5 km/h on 1.3 × the distance, rounded up
    to whole minutes, at least 1."""
    minutes = metres * WALKING_DETOUR * 60.0 / (WALKING_KM_PER_HOUR * 1000.0)
    # round() first: 2,500 m is exactly 39 minutes, not 40 because of 1.3's binary expansion
    return max(1, math.ceil(round(minutes, 9)))


@dataclass(frozen=True, slots=True)
class Neighbour:
    other: int  # the other attendee's id
    metres: float  # great-circle distance between the two offices
    next_door: bool  # metres < NEXT_DOOR_METRES

    @property
    def walking_minutes(self) -> int:
        return walking_minutes(self.metres)


def haversine(lat1: float, lon1: float, cos1: float, lat2: float, lon2: float, cos2: float):
    """Great-circle metres between two points in radians (with the cosines of their
    latitudes), the operations in spatial._haversine's order: a → b and b → a give the same
    number, bit for bit."""
    h = math.sin(abs(lat2 - lat1) * 0.5)
    h *= h
    s = math.sin(abs(lon2 - lon1) * 0.5)
    s *= s
    h += s * (cos1 * cos2)
    return math.asin(math.sqrt(min(h, 1.0))) * _DIAMETER


def distance_metres(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Haversine distance in metres between two points given in degrees."""
    lat_a, lat_b = math.radians(lat1), math.radians(lat2)
    return haversine(
        lat_a, math.radians(lon1), math.cos(lat_a), lat_b, math.radians(lon2), math.cos(lat_b)
    )
