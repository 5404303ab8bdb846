"""Writes the "neighbourhood" streets of ban_addresses.ndjson: 24 streets of Vienne with 12
house numbers each (288 offices) at known coordinates, laid out so that many pairs of offices
are a little under or a little over 300 m apart, for the neighbour-list tests
(tests/test_neighbours_exact.py). Deterministic; run from the repository's root:

    python tests/data/neighbour_streets.py > /tmp/streets.ndjson

then replace the lines whose id starts with "38544_9" in ban_addresses.ndjson with its output.
"""

from __future__ import annotations

import json
import math
import random

NAMES = (
    "Ampère", "Berlioz", "Chopin", "Debussy", "Fauré", "Gounod", "Lamartine", "Mistral",
    "Pasteur", "Ravel", "Rameau", "Bizet", "Delacroix", "Courbet", "Monet", "Cézanne",
    "Renoir", "Degas", "Daudet", "Racine", "Molière", "Voltaire", "Rousseau", "Montaigne",
)  # fmt: skip
CENTRE = (45.5255, 4.8766)
METRES_PER_DEGREE = 111_320.0
NUMBERS = 12


def streets(seed: int = 21) -> list[dict]:
    rng = random.Random(seed)
    cos = math.cos(math.radians(CENTRE[0]))
    docs = []
    for k, name in enumerate(NAMES):
        # A street's start within 700 m of the centre, a heading, 15 to 35 m between numbers.
        north, east = rng.uniform(-700, 700), rng.uniform(-700, 700)
        heading = rng.uniform(0, math.pi)
        step = rng.uniform(15, 35)
        numbers = {}
        for n in range(1, NUMBERS + 1):
            d = step * (n - 1)
            lat = CENTRE[0] + (north + d * math.cos(heading)) / METRES_PER_DEGREE
            lon = CENTRE[1] + (east + d * math.sin(heading)) / (METRES_PER_DEGREE * cos)
            numbers[str(n)] = {
                "id": f"38544_{9000 + k}_{n:05d}",
                "lon": round(lon, 6),
                "lat": round(lat, 6),
            }
        middle = numbers[str(NUMBERS // 2)]
        docs.append(
            {
                "id": f"38544_{9000 + k}",
                "type": "street",
                "name": f"Rue {name}",
                "postcode": "38200",
                "citycode": "38544",
                "oldcitycode": None,
                "oldcity": None,
                "district": None,
                "lon": middle["lon"],
                "lat": middle["lat"],
                "city": "Vienne",
                "context": "38, Isère, Auvergne-Rhône-Alpes",
                "importance": 0.5,
                "housenumbers": numbers,
            }
        )
    return docs


if __name__ == "__main__":
    for doc in streets():
        print(json.dumps(doc, ensure_ascii=False, separators=(",", ":")))
