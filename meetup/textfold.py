"""Comparing what people type: "Élodie  Œuvray" and "elodie oeuvray" are the same name."""

from __future__ import annotations

import unicodedata

#: Letters that are not "letter + accent" but that people type as two letters (or one).
_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ø": "o", "ł": "l", "đ": "d"})


def folded(text: str) -> str:
    """Lower case, no accents, ligatures spelt out, single spaces: for search and sorting."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_LIGATURES))
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


def search_words(query: str, most: int = 5) -> list[str]:
    """The words of what someone typed in a search box, folded (at most `most` of them)."""
    return folded(query).split()[:most]


def matches(words: list[str], *texts: str) -> bool:
    """Every one of `words` (from search_words) appears in one of `texts`, accents, case and
    ligatures aside: "lefevre" finds "Lefèvre", "oeuvray" finds "Œuvray"."""
    haystack = folded(" ".join(texts))
    return all(word in haystack for word in words)
