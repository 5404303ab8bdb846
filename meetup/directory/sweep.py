"""Who works near whom, in plain Python (no numpy, no scipy): neighbours within a radius
for the sizes of one series (hundreds to a few thousand offices), in a web request or a
worker's job, without loading 48 MB of numpy and scipy into the process.

meetup.directory.spatial does the same job with a KD-tree for large batches (100,000
offices); tests/test_sweep.py proves both give the same lists, and distances are computed
the same way (meetup.directory.distance.haversine), so the decisions match.

How: the points are cut into bands of latitude as high as the radius (a neighbour is in the
same band or the next one on either side), each band sorted by longitude. A point looks in
the three bands around it at the longitudes that can still be within the radius (wider near
the poles, the whole band when the cosines leave no bound; across the antimeridian too),
then decides on the haversine distance itself, so a point at the radius is in (inclusive).
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections.abc import Sequence

from meetup.directory.distance import EARTH_RADIUS_METRES, haversine

_TWO_PI = 2.0 * math.pi
_SLACK = 1e-9  # relative, and 1e-12 rad absolute: bounds only widen, decisions stay exact


def _checked(lats: Sequence[float], lons: Sequence[float], radius_m: float):
    radius_m = float(radius_m)
    if not radius_m >= 0.0:
        raise ValueError("radius_m must be a non-negative number")
    if len(lats) != len(lons):
        raise ValueError("lats and lons must be of the same length")
    lat = [float(value) for value in lats]
    lon = [float(value) for value in lons]
    if not all(map(math.isfinite, lat)) or not all(map(math.isfinite, lon)):
        raise ValueError("coordinates must be finite")
    if lat and max(map(abs, lat)) > 90.0:
        raise ValueError("latitudes must be within [-90, 90]")
    return lat, lon, radius_m


def neighbour_lists(
    lats: Sequence[float], lons: Sequence[float], radius_m: float
) -> list[list[tuple[float, int]]]:
    """For each point (by position), the others at most radius_m away (inclusive) as
    (metres, position), nearest first, ties by position: the rows of spatial.pairs_within."""
    lat_deg, lon_deg, radius_m = _checked(lats, lons, radius_m)
    n = len(lat_deg)
    found: list[list[tuple[float, int]]] = [[] for _ in range(n)]
    if n < 2:
        return found
    lat = list(map(math.radians, lat_deg))
    lon = list(map(math.radians, lon_deg))
    cos = list(map(math.cos, lat))
    arc = radius_m / EARTH_RADIUS_METRES  # radians
    band = arc * (1.0 + _SLACK) + 1e-12
    # sin²(arc / 2): what the haversine's h may reach, beyond the half circumference too
    h_max = math.sin(min(arc, math.pi) * 0.5) ** 2

    bands: dict[int, list[tuple[float, int]]] = {}
    for p in range(n):
        row = 0 if band >= math.pi else math.floor((lat[p] + math.pi / 2) / band)
        bands.setdefault(row, []).append((math.remainder(lon[p], _TWO_PI), p))
    keys: dict[int, list[float]] = {}
    members: dict[int, list[int]] = {}
    lowest_cos: dict[int, float] = {}
    row_of = [0] * n
    for row, entries in bands.items():
        entries.sort()
        keys[row] = [x for x, _ in entries]
        members[row] = [p for _, p in entries]
        lowest_cos[row] = min(cos[p] for p in members[row])
        for p in members[row]:
            row_of[p] = row

    for p in range(n):
        lat_p, lon_p, cos_p = lat[p], lon[p], cos[p]
        x = math.remainder(lon_p, _TWO_PI)
        mine = found[p]
        for row in (row_of[p] - 1, row_of[p], row_of[p] + 1):
            if row not in members:
                continue
            for q in _candidates(keys[row], members[row], x, cos_p * lowest_cos[row], h_max):
                if q <= p:  # each pair once, from its lower end
                    continue
                metres = haversine(lat_p, lon_p, cos_p, lat[q], lon[q], cos[q])
                if metres <= radius_m:
                    mine.append((metres, q))
                    found[q].append((metres, p))
    for row in found:
        row.sort()
    return found


def _candidates(keys: list[float], members: list[int], x: float, cosines: float, h_max: float):
    """Members of a band whose longitude may be within reach of x: sin²(Δlon / 2) times the
    product of the cosines cannot exceed h_max."""
    if cosines <= 0.0 or h_max >= cosines:
        return members
    reach = 2.0 * math.asin(math.sqrt(h_max / cosines)) * (1.0 + _SLACK) + 1e-12
    if reach >= math.pi:
        return members
    low, high = x - reach, x + reach
    picked = members[bisect_left(keys, low) : bisect_right(keys, high)]
    if low < -math.pi:
        picked += members[bisect_left(keys, low + _TWO_PI) :]
    if high > math.pi:
        picked += members[: bisect_right(keys, high - _TWO_PI)]
    return picked


def with_a_neighbour(lats: Sequence[float], lons: Sequence[float], radius_m: float) -> int:
    """How many points have at least one other point at most radius_m away."""
    return sum(1 for row in neighbour_lists(lats, lons, radius_m) if row)
