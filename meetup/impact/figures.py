"""What a series achieved, as figures: rows in (from a few aggregate queries), figures out.

Pure (no Flask, no database). The definitions, as the dashboard and the report state them:

- Evenings: the series' published evenings that have started; cancelled ones never count.
- Came: checked in at the door, walk-ins included (a walk-in is registered as they come in).
- First visit: the first evening of the series the person came to (a person is their email,
  compared without case, across the series); regular: they had come to an earlier one.
  An erased person's rows stay as anonymous counts (meetup.privacy): they count as "came",
  but nobody can tell whether it was their first visit, so they are "no longer known".
- Came back: of the people who came to the evenings counted, those who came to at least two
  of them.
- No-show: a confirmed seat, the evening over, never checked in.
- Neighbour pairs who met: two people whose offices are within the series' neighbour radius
  of each other, both checked in at the same evening; counted once per pair (not once each),
  per evening; over several evenings, a pair that met twice counts once.
- Introductions: the directory's "introduce us" requests made by the series' people, at the
  last evening that started before the request; accepted: those the other person accepted.
  Requests go with an erased person, and those unanswered for 90 days are purged
  (retention): they no longer count.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from meetup.directory import sweep

#: People by number of evenings they came to, for the "came back" chart: 1, 2, 3, 4, 5 or more.
VISIT_BUCKETS = (1, 2, 3, 4, 5)


@dataclass(frozen=True)
class Evening:
    id: int
    starts_at: datetime
    ends_at: datetime
    #: Its name as shown to the public (never a person's).
    label: str


@dataclass(frozen=True)
class EveningCounts:
    """Counted in SQL, per evening."""

    event_id: int
    came: int = 0
    walk_ins: int = 0
    #: Confirmed seats never checked in (no-shows once the evening is over).
    not_checked_in: int = 0


@dataclass(frozen=True)
class Attendance:
    """One person who came to one evening."""

    event_id: int
    #: Who they are within the series (their email without case), None once erased.
    person: str | None
    sector: str = ""
    #: Where their office counts for neighbour lists (None: not on the map).
    latitude: float | None = None
    longitude: float | None = None
    postcode: str = ""
    city: str = ""


@dataclass(frozen=True)
class IntroductionRow:
    created_at: datetime
    accepted: bool


@dataclass(frozen=True)
class EveningFigures:
    evening: Evening
    came: int
    walk_ins: int
    first_visits: int
    regulars: int
    #: Came, but erased since: first visit or not, nobody can tell.
    not_known: int
    #: None while the evening is not over.
    no_shows: int | None
    #: Confirmed seats at the end (those who came with one, and the no-shows).
    confirmed: int
    neighbour_pairs: int
    introductions_asked: int
    introductions_accepted: int

    @property
    def no_show_rate(self) -> float | None:
        if self.no_shows is None or not self.confirmed:
            return None
        return self.no_shows / self.confirmed


@dataclass(frozen=True)
class Figures:
    evenings: list[EveningFigures]
    radius_m: int
    #: Check-ins over the evenings (a person at three evenings counts three times).
    attendances: int = 0
    walk_ins: int = 0
    first_visits: int = 0
    regulars: int = 0
    not_known: int = 0
    #: Different people who came (erased ones excluded: they cannot be told apart).
    people: int = 0
    came_back: int = 0
    #: (evenings, people): how many people came to 1, 2, … 5 or more evenings.
    visits: list[tuple[int, int]] = field(default_factory=list)
    #: (sector key, people), most first; "" is "not said".
    sectors: list[tuple[str, int]] = field(default_factory=list)
    no_shows: int = 0
    #: Confirmed seats of the evenings over (the no-show rate's base).
    confirmed_over: int = 0
    #: Different pairs of people who met (each pair once, whatever the evenings).
    neighbour_pairs: int = 0
    introductions_asked: int = 0
    introductions_accepted: int = 0

    @property
    def came_back_rate(self) -> float | None:
        return self.came_back / self.people if self.people else None

    @property
    def no_show_rate(self) -> float | None:
        return self.no_shows / self.confirmed_over if self.confirmed_over else None


def _pairs(located: list[Attendance], radius_m: int) -> list[tuple[int, int]]:
    """Unordered pairs (by position in `located`) within the radius."""
    if len(located) < 2:
        return []
    lists = sweep.neighbour_lists(
        [a.latitude for a in located], [a.longitude for a in located], radius_m
    )
    return [(i, j) for i, row in enumerate(lists) for _, j in row if i < j]


def _first_evenings(evenings: Sequence[Evening], attendances: Iterable[Attendance]) -> dict:
    """person -> the id of the first evening they came to."""
    order = {e.id: (e.starts_at, e.id) for e in evenings}
    first: dict[str, int] = {}
    for a in attendances:
        if a.person is None or a.event_id not in order:
            continue
        if a.person not in first or order[a.event_id] < order[first[a.person]]:
            first[a.person] = a.event_id
    return first


def compute(
    evenings: Sequence[Evening],
    counts: Iterable[EveningCounts],
    attendances: Sequence[Attendance],
    introductions: Iterable[IntroductionRow],
    *,
    radius_m: int,
    now: datetime,
    start: datetime | None = None,
    end: datetime | None = None,
) -> Figures:
    """The figures of the evenings that started in [start, end) (all when None). First
    visits are judged on the whole history given (a regular of last year is a regular)."""
    evenings = sorted(evenings, key=lambda e: (e.starts_at, e.id))
    first = _first_evenings(evenings, attendances)
    chosen = [
        e
        for e in evenings
        if (start is None or e.starts_at >= start) and (end is None or e.starts_at < end)
    ]
    chosen_ids = {e.id for e in chosen}
    by_event: dict[int, list[Attendance]] = defaultdict(list)
    for a in attendances:
        if a.event_id in chosen_ids:
            by_event[a.event_id].append(a)
    counted = {c.event_id: c for c in counts}

    starts = [e.starts_at for e in evenings]
    asked: Counter[int] = Counter()
    accepted: Counter[int] = Counter()
    for introduction in introductions:
        at = bisect_right(starts, introduction.created_at) - 1
        if at < 0:
            continue  # before the first evening: nobody's evening
        asked[evenings[at].id] += 1
        accepted[evenings[at].id] += introduction.accepted

    rows: list[EveningFigures] = []
    met: set[tuple] = set()
    for evening in chosen:
        people = by_event.get(evening.id, [])
        c = counted.get(evening.id, EveningCounts(evening.id))
        known = [a for a in people if a.person is not None]
        firsts = sum(1 for a in known if first.get(a.person) == evening.id)
        located = [a for a in people if a.latitude is not None and a.longitude is not None]
        pairs = _pairs(located, radius_m)
        for i, j in pairs:
            one, other = located[i], located[j]
            if one.person is None or other.person is None:  # cannot be told apart: as met once
                met.add((evening.id, i, j))
            else:
                met.add(tuple(sorted((one.person, other.person))))
        over = evening.ends_at <= now
        rows.append(
            EveningFigures(
                evening=evening,
                came=c.came,
                walk_ins=c.walk_ins,
                first_visits=firsts,
                regulars=len(known) - firsts,
                not_known=len(people) - len(known),
                no_shows=c.not_checked_in if over else None,
                confirmed=c.came - c.walk_ins + c.not_checked_in,
                neighbour_pairs=len(pairs),
                introductions_asked=asked[evening.id],
                introductions_accepted=accepted[evening.id],
            )
        )

    visits: Counter[str] = Counter()
    latest: dict[str, Attendance] = {}
    for evening in chosen:  # in order: the latest card wins
        for a in by_event.get(evening.id, []):
            if a.person is not None:
                visits[a.person] += 1
                latest[a.person] = a
    top = VISIT_BUCKETS[-1]
    histogram = Counter(min(n, top) for n in visits.values())
    sectors = Counter(a.sector for a in latest.values())
    over_rows = [r for r in rows if r.no_shows is not None]
    return Figures(
        evenings=rows,
        radius_m=radius_m,
        attendances=sum(r.came for r in rows),
        walk_ins=sum(r.walk_ins for r in rows),
        first_visits=sum(r.first_visits for r in rows),
        regulars=sum(r.regulars for r in rows),
        not_known=sum(r.not_known for r in rows),
        people=len(visits),
        came_back=sum(1 for n in visits.values() if n >= 2),
        visits=[(n, histogram[n]) for n in VISIT_BUCKETS],
        sectors=sorted(sectors.items(), key=lambda item: (-item[1], item[0])),
        no_shows=sum(r.no_shows for r in over_rows),
        confirmed_over=sum(r.confirmed for r in over_rows),
        neighbour_pairs=len(met),
        introductions_asked=sum(r.introductions_asked for r in rows),
        introductions_accepted=sum(r.introductions_accepted for r in rows),
    )


def latest_cards(
    chosen: Iterable[int], evenings: Sequence[Evening], attendances: Sequence[Attendance]
) -> list[Attendance]:
    """One attendance per person who came to the `chosen` evenings: their latest (erased
    ones each on their own: anonymous, no district)."""
    chosen = set(chosen)
    order = {e.id: (e.starts_at, e.id) for e in evenings}
    latest: dict[object, Attendance] = {}
    for n, a in enumerate(attendances):
        if a.event_id not in chosen:
            continue
        key = a.person if a.person is not None else ("erased", n)
        if key not in latest or order[a.event_id] >= order[latest[key].event_id]:
            latest[key] = a
    return list(latest.values())
