"""meetup.directory.spatial: haversine distances, neighbours within a radius, k nearest.

Pure functions: no app, no database. The KD-tree answers are checked against brute force
(every pair, distance_metres) on random sets, anywhere on earth, duplicates included."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from meetup.directory import spatial
from meetup.directory.spatial import (
    DEFAULT_RADIUS_METRES,
    EARTH_RADIUS_METRES,
    NEXT_DOOR_METRES,
    Neighbour,
    distance_metres,
    k_nearest,
    nearest_pairs,
    neighbours_within,
    pairs_within,
    walking_minutes,
)

METRES_PER_DEGREE = EARTH_RADIUS_METRES * math.pi / 180
AMBIGUOUS = 1e-6  # metres: brute force and the tree may round a pair this close differently


def destination(lat: float, lon: float, bearing_deg: float, metres: float) -> tuple[float, float]:
    """The point at `metres` along the great circle leaving (lat, lon) at the bearing."""
    phi, lam, theta = map(math.radians, (lat, lon, bearing_deg))
    delta = metres / EARTH_RADIUS_METRES
    phi2 = math.asin(
        math.sin(phi) * math.cos(delta) + math.cos(phi) * math.sin(delta) * math.cos(theta)
    )
    lam2 = lam + math.atan2(
        math.sin(theta) * math.sin(delta) * math.cos(phi),
        math.cos(delta) - math.sin(phi) * math.sin(phi2),
    )
    lon2 = (math.degrees(lam2) + 180.0) % 360.0 - 180.0
    return math.degrees(phi2), lon2


def brute_force(ids, lats, lons) -> dict[int, list[tuple[float, int]]]:
    """For every id, (metres, other) for all others, sorted."""
    out = {}
    for a, lat_a, lon_a in zip(ids, lats, lons, strict=True):
        out[a] = sorted(
            (distance_metres(lat_a, lon_a, lat_b, lon_b), b)
            for b, lat_b, lon_b in zip(ids, lats, lons, strict=True)
            if b != a
        )
    return out


def assert_sorted(neighbours: list[Neighbour]) -> None:
    keys = [(n.metres, n.other) for n in neighbours]
    assert keys == sorted(keys)


# -- distances ------------------------------------------------------------------------------


def test_notre_dame_to_the_eiffel_tower():
    metres = distance_metres(48.852968, 2.349902, 48.858370, 2.294481)
    assert metres == pytest.approx(4_100, rel=0.01)


def test_one_degree_of_latitude():
    assert distance_metres(45.0, 4.87, 46.0, 4.87) == pytest.approx(111_195.08, abs=0.01)
    assert distance_metres(0.0, 0.0, 1.0, 0.0) == pytest.approx(111_200, rel=0.001)
    # along the equator a degree of longitude is the same arc
    assert distance_metres(0.0, 10.0, 0.0, 11.0) == pytest.approx(METRES_PER_DEGREE, rel=1e-12)


def test_distance_is_symmetric_and_zero_on_the_spot():
    assert distance_metres(45.5, 4.87, 45.51, 4.88) == distance_metres(45.51, 4.88, 45.5, 4.87)
    assert distance_metres(45.5, 4.87, 45.5, 4.87) == 0.0
    assert distance_metres(90.0, 0.0, 90.0, 123.0) == pytest.approx(0.0, abs=1e-6)
    assert distance_metres(0.0, 0.0, 0.0, 180.0) == pytest.approx(math.pi * EARTH_RADIUS_METRES)


def test_across_the_antimeridian():
    metres = distance_metres(0.0, 179.999, 0.0, -179.999)
    assert metres == pytest.approx(0.002 * METRES_PER_DEGREE, rel=1e-9)  # 222.4 m, not 40,000 km
    found = neighbours_within([1, 2, 3], [0.0, 0.0, 0.0], [179.999, -179.999, 0.0])
    assert [n.other for n in found[1]] == [2]
    assert [n.other for n in found[2]] == [1]
    assert found[3] == []
    assert found[1][0].metres == pytest.approx(metres, abs=1e-6)
    # and at 60 N, where a degree of longitude is half as long
    found = neighbours_within([1, 2], [60.0, 60.0], [179.999, -179.999])
    assert found[1][0].metres == pytest.approx(0.001 * METRES_PER_DEGREE, rel=1e-6)


def test_near_a_pole():
    # 0.0001 degree from the pole on either side of it: 22.2 m apart, through the pole
    found = neighbours_within([1, 2, 3], [89.9999, 89.9999, 90.0], [0.0, 180.0, 42.0])
    assert [n.other for n in found[1]] == [3, 2]
    assert found[1][1].metres == pytest.approx(0.0002 * METRES_PER_DEGREE, rel=1e-6)
    assert found[1][1].next_door
    # a quarter of the way round the pole at 89.999 N: 157 m, not 111 km of longitude
    found = neighbours_within([1, 2], [89.999, 89.999], [0.0, 90.0])
    assert found[1][0].metres == pytest.approx(math.sqrt(2) * 0.001 * METRES_PER_DEGREE, rel=1e-6)
    found = neighbours_within([1, 2], [-89.999, -89.999], [-170.0, 170.0])
    assert found[1][0].metres == pytest.approx(
        2 * 0.001 * METRES_PER_DEGREE * math.sin(math.radians(10)), rel=1e-6
    )


# -- radius ---------------------------------------------------------------------------------


def test_empty_and_single_point():
    assert neighbours_within([], [], []) == {}
    assert k_nearest([], [], [], 5) == {}
    assert neighbours_within([42], [45.5], [4.87]) == {42: []}
    assert k_nearest([42], [45.5], [4.87], 5) == {42: []}
    for pairs in (pairs_within([], []), nearest_pairs([], [], 3)):
        assert len(pairs) == 0
        assert pairs.offsets.tolist() == [0]
    pairs = pairs_within([45.5], [4.87])
    assert pairs.offsets.tolist() == [0, 0]


def test_sorted_by_distance_then_id_with_duplicates():
    north = destination(45.5, 4.87, 0.0, 100.0)
    east = destination(45.5, 4.87, 90.0, 50.0)
    ids = [50, 9, 3, 7, 1, 8]
    points = [(45.5, 4.87), north, north, north, east, (45.5, 4.87)]
    found = neighbours_within(ids, [p[0] for p in points], [p[1] for p in points])
    assert [n.other for n in found[50]] == [8, 1, 3, 7, 9]
    assert found[50][0] == Neighbour(other=8, metres=0.0, next_door=True)
    assert [n.other for n in found[9]] == [3, 7, 8, 50, 1]  # 1: 112 m away
    assert found[9][0].metres == 0.0
    assert list(found) == sorted(ids)


def test_at_the_radius_give_or_take_a_centimetre():
    for lat, lon in [(45.5, 4.87), (0.0, 179.9999), (-89.99, 10.0), (60.0, -0.0001)]:
        for bearing in (0.0, 45.0, 90.0, 200.0):
            for radius in (30.0, DEFAULT_RADIUS_METRES, 1234.5):
                inside = destination(lat, lon, bearing, radius - 0.01)
                outside = destination(lat, lon, bearing + 10, radius + 0.01)
                found = neighbours_within(
                    [1, 2, 3], [lat, inside[0], outside[0]], [lon, inside[1], outside[1]], radius
                )
                assert [n.other for n in found[1]] == [2], (lat, lon, bearing, radius)


def test_the_radius_is_inclusive():
    # same spot, radius 0: in
    found = neighbours_within([1, 2, 3], [45.5, 45.5, 45.5001], [4.87, 4.87, 4.87], 0.0)
    assert [n.other for n in found[1]] == [2]
    # a radius of exactly the distance reported: in
    lats, lons = [45.5, 45.5012, 45.4993], [4.87, 4.8711, 4.8688]
    everyone = pairs_within(lats, lons, 10_000.0)
    for metres in everyone.metres.tolist():
        pairs = pairs_within(lats, lons, metres)
        assert metres in pairs.metres.tolist()
        assert pairs.metres.max() == metres


def test_default_radius_is_300_metres():
    assert DEFAULT_RADIUS_METRES == 300.0
    inside = destination(45.5, 4.87, 30.0, 299.9)
    outside = destination(45.5, 4.87, 30.0, 300.1)
    found = neighbours_within(
        [1, 2, 3], [45.5, inside[0], outside[0]], [4.87, inside[1], outside[1]]
    )
    assert [n.other for n in found[1]] == [2]


def test_next_door_under_30_metres():
    assert NEXT_DOOR_METRES == 30.0
    near = destination(45.5, 4.87, 0.0, 29.9)
    far = destination(45.5, 4.87, 180.0, 30.1)
    found = neighbours_within([1, 2, 3], [45.5, near[0], far[0]], [4.87, near[1], far[1]])
    (a, b) = found[1]
    assert (a.other, a.next_door, b.other, b.next_door) == (2, True, 3, False)
    assert a.metres == pytest.approx(29.9, abs=1e-6)
    assert b.metres == pytest.approx(30.1, abs=1e-6)


def test_walking_minutes():
    # 5 km/h on 1.3 × the straight line, rounded up, at least one minute
    assert walking_minutes(0.0) == 1
    assert walking_minutes(64.0) == 1  # 0.998 min
    assert walking_minutes(65.0) == 2  # 1.014 min
    assert walking_minutes(300.0) == 5  # 4.68 min
    assert walking_minutes(1000.0) == 16  # 15.6 min
    assert walking_minutes(2500.0) == 39  # exactly 39, not 40 by rounding noise
    assert Neighbour(other=1, metres=300.0, next_door=False).walking_minutes == 5


def test_neighbours_are_frozen_values():
    found = neighbours_within([1, 2], [45.5, 45.5001], [4.87, 4.87])
    (n,) = found[1]
    same = Neighbour(other=2, metres=n.metres, next_door=True)
    assert n == same and hash(n) == hash(same) and repr(n) == repr(same)
    with pytest.raises(dataclasses.FrozenInstanceError):
        n.metres = 1.0  # type: ignore[misc]


def test_ids_can_be_any_ints_in_any_order():
    ids = np.array([2**40, -7, 0, 123456789], dtype=np.int64)
    lats = [45.5, 45.5005, 45.5, 10.0]
    lons = [4.87, 4.87, 4.8705, 10.0]
    found = neighbours_within(ids, lats, lons)
    assert list(found) == [-7, 0, 123456789, 2**40]
    assert all(type(key) is int for key in found)
    assert {n.other for n in found[2**40]} == {-7, 0}
    assert all(type(n.other) is int and type(n.metres) is float for n in found[2**40])
    assert found[123456789] == []


@pytest.mark.parametrize(
    ("ids", "lats", "lons"),
    [
        ([1, 1], [45.5, 45.6], [4.8, 4.9]),  # duplicate id
        ([1, 2], [45.5], [4.8]),  # lengths differ
        ([1, 2], [45.5, 91.0], [4.8, 4.9]),  # not a latitude
        ([1, 2], [45.5, float("nan")], [4.8, 4.9]),
        ([1.5, 2], [45.5, 45.6], [4.8, 4.9]),  # not ids
    ],
)
def test_bad_input_is_refused(ids, lats, lons):
    with pytest.raises(ValueError):
        neighbours_within(ids, lats, lons)
    with pytest.raises(ValueError):
        k_nearest(ids, lats, lons, 2)


def test_bad_radius_or_k_is_refused():
    with pytest.raises(ValueError):
        neighbours_within([1, 2], [45.5, 45.6], [4.8, 4.9], -1.0)
    with pytest.raises(ValueError):
        k_nearest([1, 2], [45.5, 45.6], [4.8, 4.9], -1)
    with pytest.raises(ValueError):
        k_nearest([1, 2], [45.5, 45.6], [4.8, 4.9], 1.5)


def test_a_radius_beyond_half_the_earth_takes_everyone():
    found = neighbours_within([1, 2, 3], [0.0, 0.0, 45.0], [0.0, 180.0, 90.0], 30_000_000)
    assert [n.other for n in found[1]] == [3, 2]


# -- random sets against brute force ------------------------------------------------------


@st.composite
def offices(draw, max_size: int = 25):
    """Up to max_size offices within a few hundred metres of somewhere on earth (poles and
    antimeridian included), some of them at exactly the same spot, with arbitrary ids."""
    lat0 = draw(st.floats(-90, 90) | st.sampled_from([-90.0, 89.9999, 0.0, 45.5]))
    lon0 = draw(st.floats(-180, 180) | st.sampled_from([179.9999, -180.0, 4.87]))
    spots = draw(
        st.lists(st.tuples(st.floats(0, 360), st.floats(0, 700)), min_size=1, max_size=max_size)
    )
    places = [destination(lat0, lon0, bearing, metres) for bearing, metres in spots]
    chosen = draw(st.lists(st.integers(0, len(places) - 1), max_size=max_size))
    ids = draw(
        st.lists(
            st.integers(-(2**62), 2**62), min_size=len(chosen), max_size=len(chosen), unique=True
        )
    )
    return ids, [places[c][0] for c in chosen], [places[c][1] for c in chosen]


@settings(max_examples=200, deadline=None)
@given(offices(), st.floats(0, 800) | st.sampled_from([0.0, 30.0, 300.0]))
def test_within_radius_matches_brute_force(points, radius):
    ids, lats, lons = points
    found = neighbours_within(ids, lats, lons, radius)
    expected = brute_force(ids, lats, lons)
    assert sorted(found) == sorted(ids)
    for a, neighbours in found.items():
        assert_sorted(neighbours)
        truth = {b: d for d, b in expected[a]}
        for n in neighbours:
            assert n.metres == pytest.approx(truth[n.other], abs=1e-6)
            assert n.next_door == (n.metres < NEXT_DOOR_METRES)
        got = {n.other for n in neighbours}
        sure = {b for d, b in expected[a] if d <= radius - AMBIGUOUS}
        maybe = {b for d, b in expected[a] if d <= radius + AMBIGUOUS}
        assert sure <= got <= maybe


@settings(max_examples=200, deadline=None)
@given(offices(), st.integers(0, 30))
def test_k_nearest_matches_brute_force(points, k):
    ids, lats, lons = points
    found = k_nearest(ids, lats, lons, k)
    expected = brute_force(ids, lats, lons)
    assert sorted(found) == sorted(ids)
    for a, neighbours in found.items():
        assert_sorted(neighbours)
        assert len(neighbours) == min(k, len(ids) - 1)
        assert [n.metres for n in neighbours] == pytest.approx(
            [d for d, _ in expected[a][:k]], abs=1e-6
        )
        truth = {b: d for d, b in expected[a]}
        got = {n.other for n in neighbours}
        for n in neighbours:
            assert n.metres == pytest.approx(truth[n.other], abs=1e-6)
        if neighbours:  # nobody left out is nearer than the last one taken
            last = neighbours[-1].metres
            assert all(d >= last - AMBIGUOUS for d, b in expected[a] if b not in got)


def test_many_points_match_brute_force():
    """Enough points that the tree has many levels: 2,000 offices in 3 × 3 km, a few shared."""
    rng = np.random.default_rng(7)
    n = 2000
    lats = 45.5 + rng.uniform(-1500, 1500, n) / METRES_PER_DEGREE
    lons = 4.87 + rng.uniform(-1500, 1500, n) / (METRES_PER_DEGREE * math.cos(math.radians(45.5)))
    lats[:50], lons[:50] = lats[50:100], lons[50:100]  # 50 pairs of colleagues
    ids = rng.permutation(10 * n)[:n]
    lat_r, lon_r = np.radians(lats), np.radians(lons)
    everyone = spatial._haversine(
        lat_r[:, None], lon_r[:, None], np.cos(lat_r)[:, None], lat_r, lon_r, np.cos(lat_r)
    )
    np.fill_diagonal(everyone, np.inf)
    found = neighbours_within(ids.tolist(), lats, lons, 200.0)
    nearest = k_nearest(ids.tolist(), lats, lons, 5)
    for p, key in enumerate(ids.tolist()):
        inside = np.flatnonzero(everyone[p] <= 200.0)
        order = np.lexsort((ids[inside], everyone[p][inside]))
        assert [x.other for x in found[key]] == ids[inside][order].tolist()
        assert [x.metres for x in found[key]] == pytest.approx(everyone[p][inside][order], abs=1e-9)
        five = np.lexsort((ids, everyone[p]))[:5]
        assert [x.other for x in nearest[key]] == ids[five].tolist()
        assert [x.metres for x in nearest[key]] == pytest.approx(everyone[p][five], abs=1e-9)


# -- k nearest --------------------------------------------------------------------------------


def test_k_larger_than_everyone_else():
    lats, lons = [45.5, 45.6, 45.7], [4.8, 4.8, 4.8]
    found = k_nearest([10, 20, 30], lats, lons, 10)
    assert [n.other for n in found[10]] == [20, 30]
    assert [n.other for n in found[20]] == [10, 30]  # equal distances: by id
    assert found[30][1].metres == pytest.approx(0.2 * METRES_PER_DEGREE, rel=1e-9)
    assert k_nearest([10, 20, 30], lats, lons, 0) == {10: [], 20: [], 30: []}


def test_k_nearest_ties_at_the_kth_place_go_to_the_lower_ids():
    spot = destination(45.5, 4.87, 0.0, 100.0)
    ids = [99, 40, 10, 30, 20]
    found = k_nearest(ids, [45.5] + [spot[0]] * 4, [4.87] + [spot[1]] * 4, 2)
    assert [n.other for n in found[99]] == [10, 20]
    assert [n.other for n in found[40]] == [10, 20]
    # a whole building of colleagues: self is not the only point at distance 0
    found = k_nearest([5, 4, 3, 2, 1, 0], [45.5] * 6, [4.87] * 6, 1)
    assert {a: [n.other for n in ns] for a, ns in found.items()} == {
        0: [1],
        1: [0],
        2: [0],
        3: [0],
        4: [0],
        5: [0],
    }


# -- the array layer ------------------------------------------------------------------------


def test_pairs_are_csr_and_symmetric():
    rng = np.random.default_rng(3)
    lats = 45.5 + rng.uniform(-0.01, 0.01, 300)
    lons = 4.87 + rng.uniform(-0.01, 0.01, 300)
    pairs = pairs_within(lats, lons, 250.0)
    assert pairs.offsets[0] == 0 and pairs.offsets[-1] == len(pairs)
    assert (np.diff(pairs.offsets) >= 0).all()
    assert (pairs.src == np.repeat(np.arange(300), np.diff(pairs.offsets))).all()
    forward = set(zip(pairs.src.tolist(), pairs.dst.tolist(), pairs.metres.tolist(), strict=True))
    backward = set(zip(pairs.dst.tolist(), pairs.src.tolist(), pairs.metres.tolist(), strict=True))
    assert forward == backward
    dst, metres = pairs.row(7)
    assert 7 not in dst.tolist() and len(set(dst.tolist())) == len(dst)
    assert (np.diff(metres) >= 0).all() and (metres <= 250.0).all()


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 40), st.integers(0, 40), st.sampled_from([0.0, 1.0, 2.5, 1e-9])),
        max_size=60,
    )
)
def test_packed_sort_equals_lexsort(triples):
    """The one-np.sort path orders exactly as np.lexsort, ties in distance included."""
    seen, rows = set(), []
    for a, b, m in triples:
        if a != b and (min(a, b), max(a, b)) not in seen:
            seen.add((min(a, b), max(a, b)))
            rows.append((a, b, m))
    i = np.array([r[0] for r in rows], dtype=np.int64)
    j = np.array([r[1] for r in rows], dtype=np.int64)
    m = np.array([r[2] for r in rows], dtype=np.float64)
    packed = spatial._sort_directed(i, j, m, 41)
    plain = spatial._sort_directed(i, j, m, 41, packed=False)
    for x, y in zip(packed, plain, strict=True):
        assert x.tolist() == y.tolist()


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.floats(45.50, 45.55), st.floats(4.85, 4.90)), min_size=0, max_size=40),
    st.floats(10, 3000),
)
def test_with_a_neighbour_counts_as_the_pairs_say(points, radius):
    """The count without pairs agrees with the pairs: points with at least one other within
    the radius (the same spot twice included)."""
    points = points + points[:3]  # some on the very same spot
    lats, lons = [p[0] for p in points], [p[1] for p in points]
    pairs = spatial.pairs_within(lats, lons, radius)
    expected = sum(1 for p in range(len(points)) if pairs.offsets[p + 1] > pairs.offsets[p])
    assert spatial.with_a_neighbour(lats, lons, radius) == expected
