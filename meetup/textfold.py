"""Comparing what people type: "Élodie  Œuvray" and "elodie oeuvray" are the same name."""

from __future__ import annotations

import unicodedata

#: Letters that are not "letter + accent" but that people type as two letters (or one).
_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ø": "o", "ł": "l", "đ": "d"})


def folded(text: str) -> str:
    """Lower case, no accents, ligatures spelt out, single spaces: for search and sorting."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_LIGATURES))
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())
