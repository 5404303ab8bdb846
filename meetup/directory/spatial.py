"""Who works near whom: neighbours within a radius and k nearest, on the haversine metric.

For batch work on large sets (100,000 offices: benchmarks, command-line tools). Pure (numpy
and scipy only, no Flask, no database). The app's pages, emails and jobs use the plain Python
sweep (meetup.directory.sweep) instead: the same lists for one series' sizes, without loading
numpy and scipy (48 MB) into a web worker. Points are offices given as degrees of latitude
and longitude; distances are great-circle distances on a sphere of radius 6,371,008.8 m (the
mean earth radius), computed with the haversine formula (meetup.directory.distance).

How it stays exact without any projection: every point becomes a 3-D point on the sphere
(x, y, z scaled by the earth radius), and a KD-tree searches those with the straight-line
(chord) length that matches the arc: chord = 2R·sin(arc / 2R), which grows with the arc. So a
ball of chord radius holds exactly the points within the arc radius, anywhere on earth, across
the antimeridian and at the poles. The tree is asked for a hair more (a micrometre) than the
chord, and the decision is then taken on the haversine distance itself, the one reported, so a
point at the radius is in (inclusive) and floating-point noise can never drop one.

Two layers:
  pairs_within / nearest_pairs   numpy arrays in CSR form (see `Pairs`), by position in the
                                 input; the fast path, for large sets and benchmarks
  neighbours_within / k_nearest  dict id -> list[Neighbour], the convenience layer; at
                                 100,000 offices (1.1 M neighbours) the objects cost ~0.5 s
                                 and ~140 MiB more than the arrays
Every list is sorted by distance, then by id (by position in the array layer).
"""

from __future__ import annotations

import gc
import math
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import repeat

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.spatial import cKDTree

from meetup.directory.distance import (  # noqa: F401 - the names this module always had
    DEFAULT_RADIUS_METRES,
    EARTH_RADIUS_METRES,
    NEXT_DOOR_METRES,
    WALKING_DETOUR,
    WALKING_KM_PER_HOUR,
    Neighbour,
    walking_minutes,
)

_HALF_CIRCUMFERENCE = math.pi * EARTH_RADIUS_METRES
_LEAFSIZE = 16
_MIN_QUANTUM_BITS = 12  # below this, sort with np.lexsort (see _sort_directed)


@dataclass(frozen=True, eq=False)
class Pairs:
    """Directed pairs (src → dst) in CSR form: the pairs of point p are at
    offsets[p]:offsets[p + 1] of src (all p), dst and metres, sorted by metres, then dst.
    Every unordered pair appears in both directions. Indices are positions in the input
    arrays (int64); metres are haversine distances."""

    offsets: NDArray[np.int64]  # len n + 1
    src: NDArray[np.int64]
    dst: NDArray[np.int64]
    metres: NDArray[np.float64]

    def __len__(self) -> int:
        return len(self.dst)

    def row(self, p: int) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
        a, b = self.offsets[p], self.offsets[p + 1]
        return self.dst[a:b], self.metres[a:b]


# -- distances ------------------------------------------------------------------------------


def _haversine(lat1, lon1, cos1, lat2, lon2, cos2) -> NDArray[np.float64]:
    """Great-circle metres from 1-D arrays of radians (and the cosines of the latitudes).
    The one formula used everywhere, so every decision is taken on the same numbers; written
    in place, as it runs on a million pairs."""
    h = np.subtract(lat2, lat1)
    np.abs(h, out=h)  # a → b and b → a give the same number, bit for bit
    h *= 0.5
    np.sin(h, out=h)
    h *= h
    s_lon = np.subtract(lon2, lon1)
    np.abs(s_lon, out=s_lon)
    s_lon *= 0.5
    np.sin(s_lon, out=s_lon)
    s_lon *= s_lon
    s_lon *= np.multiply(cos1, cos2)
    h += s_lon
    np.minimum(h, 1.0, out=h)
    np.sqrt(h, out=h)
    np.arcsin(h, out=h)
    h *= 2.0 * EARTH_RADIUS_METRES
    return h


def distance_metres(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Haversine distance in metres between two points given in degrees."""
    lat_a, lon_a, lat_b, lon_b = np.radians(
        np.array([[lat1], [lon1], [lat2], [lon2]], dtype=np.float64)
    )
    return float(_haversine(lat_a, lon_a, np.cos(lat_a), lat_b, lon_b, np.cos(lat_b))[0])


def _chord(arc_metres: float) -> float:
    """Straight-line length through the earth for a great-circle arc."""
    if arc_metres >= _HALF_CIRCUMFERENCE:
        return 2.0 * EARTH_RADIUS_METRES
    return 2.0 * EARTH_RADIUS_METRES * math.sin(arc_metres / (2.0 * EARTH_RADIUS_METRES))


def _slack(chord):
    """Margin that covers the rounding of chord (tree) against haversine (reported) lengths:
    about 1e-9 m for office distances; a micrometre plus 1e-8 relative is ample."""
    return 1e-6 + 1e-8 * chord


class _Points:
    """Validated coordinates in radians, their cosines and their 3-D positions."""

    def __init__(self, lats: ArrayLike, lons: ArrayLike) -> None:
        lat = np.asarray(lats, dtype=np.float64)
        lon = np.asarray(lons, dtype=np.float64)
        if lat.ndim != 1 or lon.ndim != 1 or len(lat) != len(lon):
            raise ValueError("lats and lons must be 1-D and of the same length")
        if not (np.isfinite(lat).all() and np.isfinite(lon).all()):
            raise ValueError("coordinates must be finite")
        if len(lat) and np.abs(lat).max() > 90.0:
            raise ValueError("latitudes must be within [-90, 90]")
        self.n = len(lat)
        self.lat = np.radians(lat)
        self.lon = np.radians(lon)
        self.cos = np.cos(self.lat)

    def tree(self) -> cKDTree:
        r_cos = EARTH_RADIUS_METRES * self.cos
        xyz = np.empty((self.n, 3))
        np.multiply(r_cos, np.cos(self.lon), out=xyz[:, 0])
        np.multiply(r_cos, np.sin(self.lon), out=xyz[:, 1])
        np.multiply(EARTH_RADIUS_METRES, np.sin(self.lat), out=xyz[:, 2])
        # Sliding-midpoint tree without compaction: builds about twice as fast as the
        # default (median) tree, and answers these queries as fast or faster.
        return cKDTree(xyz, leafsize=_LEAFSIZE, balanced_tree=False, compact_nodes=False)

    def metres(self, a: NDArray[np.int64], b: NDArray[np.int64]) -> NDArray[np.float64]:
        return _haversine(
            self.lat[a], self.lon[a], self.cos[a], self.lat[b], self.lon[b], self.cos[b]
        )


def _empty_pairs(n: int) -> Pairs:
    empty = np.zeros(0, dtype=np.int64)
    return Pairs(np.zeros(n + 1, dtype=np.int64), empty, empty.copy(), np.zeros(0))


def _offsets(src: NDArray[np.int64], n: int) -> NDArray[np.int64]:
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(src, minlength=n), out=offsets[1:])
    return offsets


# -- within a radius ------------------------------------------------------------------------


def pairs_within(
    lats: ArrayLike, lons: ArrayLike, radius_m: float = DEFAULT_RADIUS_METRES
) -> Pairs:
    """Every directed pair of points at most radius_m apart (inclusive), in CSR form sorted
    by source, then metres, then destination. One KD-tree pass."""
    radius_m = float(radius_m)
    if not radius_m >= 0.0:
        raise ValueError("radius_m must be a non-negative number")
    points = _Points(lats, lons)
    if points.n < 2:
        return _empty_pairs(points.n)
    chord = _chord(radius_m)
    ij = points.tree().query_pairs(chord + _slack(chord), output_type="ndarray")
    i, j = np.ascontiguousarray(ij.T)  # contiguous: gathers with them are 3 × faster
    m = points.metres(i, j)
    keep = m <= radius_m
    if not keep.all():
        i, j, m = i[keep], j[keep], m[keep]
    src, dst, metres = _sort_directed(i, j, m, points.n)
    return Pairs(_offsets(src, points.n), src, dst, metres)


def with_a_neighbour(
    lats: ArrayLike, lons: ArrayLike, radius_m: float = DEFAULT_RADIUS_METRES
) -> int:
    """How many points have at least one other point at most radius_m away: each point's
    nearest other, in one KD-tree query (no pairs built: thousands of offices in one
    district would make millions)."""
    radius_m = float(radius_m)
    points = _Points(lats, lons)
    if points.n < 2:
        return 0
    tree = points.tree()
    chord = _chord(radius_m)
    _distance, nearest = tree.query(tree.data, k=2, distance_upper_bound=chord + _slack(chord))
    other = nearest[:, 1]  # [:, 0] is the point itself (or another on the same spot)
    found = np.flatnonzero(other < points.n)
    return int((points.metres(found, other[found]) <= radius_m).sum())


def _sort_directed(i, j, m, n, packed: bool = True):
    """Both directions of the unordered pairs (i, j, m), sorted by (src, metres, dst).

    np.lexsort on three keys of a million entries costs ~0.6 s; one np.sort of int64 keys
    costs ~30 ms. So each directed pair becomes one int64: source | metres quantised to
    what bits are left | index of the unordered pair. Quantising is monotonic, so the order
    is exact except inside runs of equal (source, quantum) – pairs less than
    radius / 2^quantum_bits apart in distance, in practice people with identical coordinates –
    which are then sorted exactly by (metres, dst). Falls back to np.lexsort when too few
    bits are left (hundreds of millions of pairs)."""
    count = len(m)
    if count == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty.copy(), np.zeros(0)
    src_bits = max(1, (n - 1).bit_length())
    pair_bits = max(1, (count - 1).bit_length())
    quantum_bits = 63 - src_bits - pair_bits
    steps = (1 << quantum_bits) - 1 if quantum_bits > 0 else 0
    top = float(m.max())
    scale = steps / top if top > 0 else 0.0
    if not packed or quantum_bits < _MIN_QUANTUM_BITS or not math.isfinite(scale):
        src = np.concatenate((i, j))
        dst = np.concatenate((j, i))
        metres = np.concatenate((m, m))
        order = np.lexsort((dst, metres, src))
        return src[order], dst[order], metres[order]

    quantum = (m * scale).astype(np.int64)
    np.minimum(quantum, steps, out=quantum)
    low = (quantum << pair_bits) | np.arange(count, dtype=np.int64)
    shift = quantum_bits + pair_bits
    keys = np.empty(2 * count, dtype=np.int64)
    for end, part in ((i, keys[:count]), (j, keys[count:])):
        np.left_shift(end, shift, out=part)
        part |= low
    keys.sort()

    pair = keys & ((1 << pair_bits) - 1)
    src = keys >> shift
    dst = np.bitwise_xor(i, j)[pair]
    dst ^= src  # i ^ j ^ src: the end of the pair that is not src
    metres = m[pair]

    group = keys >> pair_bits  # (src, quantum)
    tied = group[1:] == group[:-1]
    if tied.any():
        in_run = np.zeros(len(keys), dtype=bool)
        in_run[1:] = tied
        in_run[:-1] |= tied
        at = np.flatnonzero(in_run)
        run = np.cumsum(np.concatenate(([True], ~tied)))[at]
        order = np.lexsort((dst[at], metres[at], run))
        dst[at] = dst[at][order]
        metres[at] = metres[at][order]
    return src, dst, metres


# -- k nearest ------------------------------------------------------------------------------


def nearest_pairs(lats: ArrayLike, lons: ArrayLike, k: int) -> Pairs:
    """For every point, its k nearest others whatever the distance (all n − 1 if k ≥ n − 1),
    in CSR form sorted by source, metres, destination. Ties at the k-th distance are settled
    by position (the lower wins), like everything else. One KD-tree pass; points whose k-th
    and (k+1)-th candidates tie (identical coordinates) get one exact ball query each."""
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 0:
        raise ValueError("k must be a non-negative int")
    points = _Points(lats, lons)
    n = points.n
    kk = min(int(k), n - 1) if n else 0
    if kk <= 0:
        return _empty_pairs(n)
    tree = points.tree()
    asked = min(kk + 2, n)  # self, k others, one more to see whether the k-th is tied
    chord, idx = tree.query(tree.data, k=asked)
    chord = chord.reshape(n, asked)
    idx = idx.reshape(n, asked).astype(np.int64)
    rows = np.arange(n, dtype=np.int64)
    # Move self last (when duplicates crowd it out of the answer, drop the last one instead).
    last = np.argsort(idx == rows[:, None], axis=1, kind="stable")
    idx = np.take_along_axis(idx, last, axis=1)[:, : asked - 1]
    chord = np.take_along_axis(chord, last, axis=1)[:, : asked - 1]

    dst = idx[:, :kk]
    metres = points.metres(np.broadcast_to(rows[:, None], dst.shape), dst)
    order = np.lexsort((dst, metres), axis=1)
    dst = np.take_along_axis(dst, order, axis=1)
    metres = np.take_along_axis(metres, order, axis=1)

    if asked - 1 > kk:
        kth = chord[:, kk - 1]
        tied = np.flatnonzero(chord[:, kk] <= kth + _slack(kth))
        if len(tied):
            balls = tree.query_ball_point(tree.data[tied], kth[tied] + 2 * _slack(kth[tied]))
            for p, ball in zip(tied.tolist(), balls, strict=True):
                others = np.array([q for q in ball if q != p], dtype=np.int64)
                d = points.metres(np.full(len(others), p), others)
                best = np.lexsort((others, d))[:kk]
                dst[p], metres[p] = others[best], d[best]

    offsets = np.arange(n + 1, dtype=np.int64) * kk
    return Pairs(offsets, np.repeat(rows, kk), dst.ravel(), metres.ravel())


# -- the convenience layer: ids and Neighbour objects ---------------------------------------


def _by_id(ids: Sequence[int] | ArrayLike, lats: ArrayLike, lons: ArrayLike):
    """ids as a sorted int64 array and the coordinates in that order, so that order by
    position is order by id."""
    ids_array = np.asarray(ids)
    if ids_array.size == 0:
        ids_array = ids_array.astype(np.int64)
    if ids_array.ndim != 1 or ids_array.dtype.kind not in "iu":
        raise ValueError("ids must be a 1-D sequence of ints")
    lat = np.asarray(lats, dtype=np.float64)
    lon = np.asarray(lons, dtype=np.float64)
    if not (len(ids_array) == len(lat) == len(lon)):
        raise ValueError("ids, lats and lons must have the same length")
    order = np.argsort(ids_array, kind="stable")
    sorted_ids = ids_array[order]
    if len(sorted_ids) > 1 and (sorted_ids[1:] == sorted_ids[:-1]).any():
        raise ValueError("ids must be unique")
    return sorted_ids, lat[order], lon[order]


def _many_neighbours(
    others: list[int], metres: list[float], next_door: list[bool]
) -> list[Neighbour]:
    """Neighbour(o, m, s) for each triple, in bulk. Calling the dataclass's __init__ a million
    times costs 0.7 s; making the empty objects and filling each field through its slot
    descriptor, all in C loops, costs 0.35 s, for the same frozen objects (what __init__
    itself does through object.__setattr__)."""
    made = list(map(object.__new__, repeat(Neighbour, len(others))))
    for field, values in (("other", others), ("metres", metres), ("next_door", next_door)):
        deque(map(getattr(Neighbour, field).__set__, made, values), maxlen=0)
    return made


def _neighbour_lists(sorted_ids, pairs: Pairs) -> dict[int, list[Neighbour]]:
    metres = pairs.metres
    others = sorted_ids[pairs.dst].tolist()
    next_door = (metres < NEXT_DOOR_METRES).tolist()
    bounds = pairs.offsets.tolist()
    # A million new objects set off the cyclic garbage collector's full passes, over and over
    # (twice the time at 100,000 offices). Nothing made here can form a cycle: pause it.
    paused = gc.isenabled()
    if paused:
        gc.disable()
    try:
        everyone = _many_neighbours(others, metres.tolist(), next_door)
        return {
            key: everyone[a:b]
            for key, a, b in zip(sorted_ids.tolist(), bounds[:-1], bounds[1:], strict=True)
        }
    finally:
        if paused:
            gc.enable()


def neighbours_within(
    ids: Sequence[int],
    lats: ArrayLike,
    lons: ArrayLike,
    radius_m: float = DEFAULT_RADIUS_METRES,
) -> dict[int, list[Neighbour]]:
    """For every id, the others whose offices are at most radius_m away (inclusive), nearest
    first, ties by id. Every id is a key (ascending), with an empty list if alone."""
    sorted_ids, lat, lon = _by_id(ids, lats, lons)
    return _neighbour_lists(sorted_ids, pairs_within(lat, lon, radius_m))


def k_nearest(
    ids: Sequence[int], lats: ArrayLike, lons: ArrayLike, k: int
) -> dict[int, list[Neighbour]]:
    """For every id, its k nearest others whatever the distance (everyone else if k ≥ n − 1),
    nearest first, ties by id (also at the k-th place). Every id is a key (ascending)."""
    sorted_ids, lat, lon = _by_id(ids, lats, lons)
    return _neighbour_lists(sorted_ids, nearest_pairs(lat, lon, k))
