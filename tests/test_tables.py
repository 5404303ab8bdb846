"""Tables by neighbourhood (the pure core): balanced, hosts spread, neighbours together more
often than a random seating (hypothesis)."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from meetup.directory.tables import Seat, assign, mean_distance_within

people_strategy = st.lists(
    st.tuples(
        st.one_of(st.none(), st.tuples(st.floats(45.50, 45.55), st.floats(4.85, 4.90))),
        st.booleans(),
    ),
    min_size=1,
    max_size=120,
)


def _seats(drawn):
    return [
        Seat(
            key=i,
            latitude=p[0] if p else None,
            longitude=p[1] if p else None,
            host=h and i % 7 == 0,
        )
        for i, (p, h) in enumerate(drawn)
    ]


@settings(max_examples=200, deadline=None)
@given(people_strategy, st.integers(1, 15))
def test_tables_are_balanced_and_hosts_spread(drawn, tables):
    people = _seats(drawn)
    table_of = assign(people, tables)
    assert set(table_of) == {p.key for p in people}
    sizes = [list(table_of.values()).count(t) for t in range(tables)]
    assert max(sizes) - min(sizes) <= 1
    hosts = [table_of[p.key] for p in people if p.host]
    assert len(set(hosts)) == min(len(hosts), tables)  # one per table before any doubles


@settings(max_examples=50, deadline=None)
@given(st.integers(0, 10_000), st.integers(4, 12))
def test_neighbours_share_tables_more_often_than_at_random(seed, tables):
    rng = random.Random(seed)
    people = [Seat(i, rng.uniform(45.50, 45.55), rng.uniform(4.85, 4.90)) for i in range(96)]
    ours = mean_distance_within(people, assign(people, tables))
    keys = [p.key for p in people]
    rng.shuffle(keys)
    shuffled = {k: i % tables for i, k in enumerate(keys)}
    assert ours < 0.7 * mean_distance_within(people, shuffled)
