"""Where people's offices are, by district only, with small counts hidden.

Pure (no Flask, no database). A district is what the typed address says, coarsest first
understood: the postcode (in France a commune, or an arrondissement of Paris, Lyon or
Marseille), else the town's name. A district's place on the map is the mean of its people's
offices rounded to a grid of about a kilometre, and only for districts with at least
MIN_COUNT people on the map: never one person's point. A count under MIN_COUNT is shown as
"< MIN_COUNT" and the district is not drawn.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

#: Counts below this are not shown (nor drawn): nobody can be singled out.
MIN_COUNT = 3
#: District centres are rounded to this many degrees (about 1.1 km of latitude).
GRID_DEGREES = 0.01

_POSTCODE = re.compile(r"^\s*(\d{5})\s*$")


@dataclass(frozen=True)
class Office:
    postcode: str
    city: str
    latitude: float | None = None
    longitude: float | None = None


@dataclass(frozen=True)
class District:
    key: str
    #: "38200 Vienne", or the town as typed.
    label: str
    people: int
    #: The rounded mean of its offices on the map (None: not drawn).
    latitude: float | None = None
    longitude: float | None = None

    @property
    def hidden(self) -> bool:
        return self.people < MIN_COUNT

    @property
    def drawn(self) -> bool:
        return not self.hidden and self.latitude is not None


def _folded(text: str) -> str:
    return " ".join(text.casefold().split())


def district_key(postcode: str, city: str) -> str:
    """ "38200", else the folded town, else "" (not known)."""
    match = _POSTCODE.match(postcode or "")
    if match:
        return match.group(1)
    return _folded(city or "")


def _rounded(value: float) -> float:
    return round(math.floor(value / GRID_DEGREES + 0.5) * GRID_DEGREES, 6)


def districts(offices: Iterable[Office]) -> tuple[list[District], int]:
    """(districts most people first, people whose district is not known)."""
    people: Counter[str] = Counter()
    spellings: dict[str, Counter[str]] = defaultdict(Counter)
    points: dict[str, list[tuple[float, float]]] = defaultdict(list)
    unknown = 0
    for office in offices:
        key = district_key(office.postcode, office.city)
        if not key:
            unknown += 1
            continue
        people[key] += 1
        city = " ".join((office.city or "").split())
        if city:
            spellings[key][city] += 1
        if office.latitude is not None and office.longitude is not None:
            points[key].append((office.latitude, office.longitude))
    found = []
    for key, count in people.items():
        town = spellings[key].most_common(1)[0][0] if spellings[key] else ""
        label = f"{key} {town}".strip() if key.isdigit() else (town or key)
        located = points[key]
        latitude = longitude = None
        if count >= MIN_COUNT and len(located) >= MIN_COUNT:
            latitude = _rounded(sum(p[0] for p in located) / len(located))
            longitude = _rounded(sum(p[1] for p in located) / len(located))
        found.append(District(key, label, count, latitude, longitude))
    found.sort(key=lambda d: (-d.people, d.label))
    return found, unknown


def shown_count(count: int) -> str | None:
    """None when the count may be shown as it is, else the text that replaces it."""
    return f"< {MIN_COUNT}" if count < MIN_COUNT else None
