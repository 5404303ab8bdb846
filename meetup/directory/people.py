"""Who a directory page shows: the viewer's neighbours first, then everyone listed, filtered
by sector and by "offers what I am looking for", a page at a time."""

from __future__ import annotations

from dataclasses import dataclass

from meetup.directory import matching
from meetup.directory.queries import Directory, Nearby, load
from meetup.registrations.models import Registration

#: People a page lists under "Everyone" (a phone scrolls through them).
PAGE_SIZE = 24


@dataclass(frozen=True)
class Filters:
    sector: str = ""
    #: Only people who offer what the viewer looks for.
    offers: bool = False
    page: int = 1


@dataclass(frozen=True)
class People:
    #: Within the series' radius of the viewer's settled pin, nearest first.
    neighbours: list[Nearby]
    #: This page's people, by name.
    shown: list[Registration]
    #: After the filters; `listed`: before them (an empty directory says so, not "no match").
    total: int
    listed: int
    page: int
    pages: int
    #: What the viewer's card says they look for ("" when nobody's card is theirs).
    looking_for: str

    def near(self, registration_id: int) -> Nearby | None:
        return next((n for n in self.neighbours if n.registration.id == registration_id), None)


def neighbours(directory: Directory, mine: Registration | None) -> list[Nearby]:
    """Those listed within the series' radius of `mine`'s settled pin, nearest first (not
    the person themself): the directory's page, and the monthly digest (digest.py)."""
    if mine is None or not mine.is_near_located:
        return []
    radius = directory.series.neighbour_radius_m
    return [
        n
        for n in directory.near(mine.near_latitude, mine.near_longitude, radius)
        if n.registration.email.lower() != mine.email.lower()
    ]


def people(
    directory: Directory, me: Registration | None, mine: Registration | None, filters: Filters
) -> People:
    """What `directory` shows `me` (None: an organiser), measured from `mine`, the card that
    stands for them there."""
    rows = [
        row for row in directory.listing() if me is None or row.email.lower() != me.email.lower()
    ]
    listed = len(rows)
    if filters.sector:
        rows = [row for row in rows if row.sector == filters.sector]
    looking_for = (mine.looking_for if mine else "") or ""
    if filters.offers and looking_for:
        rows = [row for row in rows if matching.offers(row.help_with, looking_for)]
    page = max(filters.page, 1)
    shown = load([row.id for row in rows[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]])
    return People(
        neighbours=neighbours(directory, mine),
        shown=shown,
        total=len(rows),
        listed=listed,
        page=page,
        pages=max(1, -(-len(rows) // PAGE_SIZE)),
        looking_for=looking_for,
    )
