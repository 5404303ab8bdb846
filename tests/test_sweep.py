"""meetup.directory.sweep (plain Python, what the app runs) against meetup.directory.spatial
(numpy and scipy's KD-tree, for batch work): the same neighbour lists, in the same order,
with the same distances, anywhere on earth, duplicates included."""

from __future__ import annotations

import math

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from meetup.directory import distance, spatial, sweep
from tests.test_spatial import destination, offices

AMBIGUOUS = 1e-6  # metres: a pair this close to the radius may fall either side in either


def assert_same_lists(lats, lons, radius):
    """Row by row: the same others with the same metres, nearest first. numpy's arcsin and
    libm's may differ in the last bit (SIMD), so metres agree to 1e-12 relative, two others
    at such a tie may come in either order, and a pair within a micrometre of the radius is
    left out of the comparison."""
    found = sweep.neighbour_lists(lats, lons, radius)
    pairs = spatial.pairs_within(lats, lons, radius)
    assert len(found) == len(lats)
    for p, row in enumerate(found):
        dst, metres = pairs.row(p)
        expected = [
            (m, q)
            for m, q in zip(metres.tolist(), dst.tolist(), strict=True)
            if abs(m - radius) > AMBIGUOUS
        ]
        got = [(m, q) for m, q in row if abs(m - radius) > AMBIGUOUS]
        assert sorted(q for _, q in got) == sorted(q for _, q in expected)
        by_other = dict((q, m) for m, q in expected)
        for (m_got, q_got), (m_expected, _) in zip(got, expected, strict=True):
            assert close(m_got, by_other[q_got])  # the same distance to the same other
            assert close(m_got, m_expected)  # in the same order, but for ties
        assert row == sorted(row)


def close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-9)


@settings(max_examples=300, deadline=None)
@given(offices(max_size=40), st.floats(0, 800) | st.sampled_from([0.0, 30.0, 300.0]))
def test_the_sweep_finds_what_the_kd_tree_finds(points, radius):
    _ids, lats, lons = points
    assert_same_lists(lats, lons, radius)


@st.composite
def anywhere(draw):
    """Offices spread over the whole earth (a few on the poles and the antimeridian)."""
    spot = st.tuples(
        st.floats(-90, 90) | st.sampled_from([-90.0, 90.0, 0.0]),
        st.floats(-180, 180) | st.sampled_from([-180.0, 180.0, 179.99, -179.99]),
    )
    places = draw(st.lists(spot, max_size=30))
    return [lat for lat, _ in places], [lon for _, lon in places]


@settings(max_examples=200, deadline=None)
@given(anywhere(), st.floats(0, 25_000_000) | st.sampled_from([1e5, 2e7, 3e7]))
@example(([1.25, -90.0, -90.0], [145.0, 0.0, 1.0]), 10146552.0)  # a tie numpy and libm split
def test_the_sweep_agrees_on_any_scale(points, radius):
    lats, lons = points
    assert_same_lists(lats, lons, radius)


def test_the_radius_is_inclusive_and_the_antimeridian_no_wall():
    lat, lon = destination(45.5, 179.999, 90.0, 300.0)
    at = distance.distance_metres(45.5, 179.999, lat, lon)
    found = sweep.neighbour_lists([45.5, lat, 45.5], [179.999, lon, 0.0], at)
    assert found == [[(at, 1)], [(at, 0)], []]
    assert sweep.with_a_neighbour([45.5, lat, 45.5], [179.999, lon, 0.0], at) == 2


def test_distances_are_the_same_as_spatial_ones():
    for a, b in [((45.5, 4.87), (45.51, 4.88)), ((0.0, 179.999), (0.0, -179.999))]:
        assert distance.distance_metres(*a, *b) == pytest.approx(
            spatial.distance_metres(*a, *b), rel=1e-15
        )
        assert distance.distance_metres(*a, *b) == distance.distance_metres(*b, *a)


def test_bad_input_is_refused_like_spatial_refuses_it():
    for lats, lons, radius in [
        ([91.0, 0.0], [0.0, 0.0], 300.0),
        ([math.nan, 0.0], [0.0, 0.0], 300.0),
        ([0.0], [0.0, 1.0], 300.0),
        ([0.0, 0.0], [0.0, 0.0], -1.0),
        ([0.0, 0.0], [0.0, 0.0], math.nan),
    ]:
        with pytest.raises(ValueError):
            sweep.neighbour_lists(lats, lons, radius)
        with pytest.raises(ValueError):
            spatial.pairs_within(lats, lons, radius)
    assert sweep.neighbour_lists([], [], 300.0) == []
    assert sweep.neighbour_lists([45.5], [4.87], 300.0) == [[]]
