""" "Offers what I'm looking for": does one person's "I can help with" answer another's "I'm
looking for"? Words are compared without accents or case, French and English stop words
dropped, plurals and word endings forgiven (comptable ~ comptabilité), and a few everyday
French/English equivalents bridged (comptable ~ accountant). Pure."""

from __future__ import annotations

import re
from functools import lru_cache

from meetup.textfold import folded

#: The last two lines: words nearly everyone at a business evening uses ("jeunes
#: entreprises" must not match "vélos d'entreprise").
_STOP_WORDS = frozenset(
    """
    a an and any as at be by for from have help i in is it looking me my need of on or our
    some someone the their to with who want we you your
    au aux avec ce ces cherche cherchons dans de des du en et je la le les leur mes mon
    ou par pour que qui sa se ses son sur un une vos votre nous besoin aide aider d l qu
    entreprise entreprises business businesses company companies societe societes
    professionnel professionnels professional professionals pro pros
    """.split()  # noqa: SIM905 - a paragraph reads better than 80 quoted words
)

#: Everyday equivalents between French and English (folded, one concept per line).
_EQUIVALENTS = [
    ("comptable", "comptabilite", "accountant", "accounting", "bookkeeping", "expert-comptable"),
    ("avocat", "juriste", "juridique", "lawyer", "legal", "droit"),
    ("siteweb", "website", "web", "internet"),
    ("graphiste", "graphisme", "designer", "design"),
    ("photographe", "photographie", "photographer", "photography", "photo"),
    ("imprimeur", "imprimerie", "printer", "printing", "impression"),
    ("traducteur", "traduction", "translator", "translation"),
    ("assurance", "assureur", "insurance"),
    ("banque", "banquier", "bank", "banking", "financement", "funding", "financing"),
    ("recrutement", "recruter", "recruiting", "recruitment", "hiring", "embauche"),
    ("formation", "formateur", "training", "trainer"),
    ("local", "locaux", "bureau", "bureaux", "office", "offices", "premises"),
    ("client", "clients", "customer", "customers", "clientele"),
    ("fournisseur", "supplier", "suppliers"),
    ("marketing", "communication", "publicite", "advertising"),
    ("referencement", "seo"),
    ("informatique", "it", "software", "logiciel", "developpeur", "developer"),
    ("associe", "partner", "partenaire", "cofounder", "cofondateur"),
    ("mentor", "mentorat", "mentoring", "conseil", "advice", "consulting", "consultant"),
    ("artisan", "craftsman", "craftspeople", "craft"),
]
_CONCEPT = {word: f"~{i}" for i, words in enumerate(_EQUIVALENTS) for word in words}
_PREFIX = 6


def _stem(word: str) -> str:
    if len(word) > 4 and word[-1] in "sx":
        word = word[:-1]
    return word


@lru_cache(maxsize=4096)
def terms(text: str) -> frozenset[str]:
    """The comparable terms of a short text: stems and the concepts they belong to."""
    text = folded(text or "")
    # "site web" and "site internet" are one idea: glued before splitting.
    text = re.sub(r"\bsites? (?:web|internet)\b", "siteweb", text)
    words = [w for w in re.split(r"[^a-z0-9]+", text) if w and w not in _STOP_WORDS]
    found = set()
    for word in words:
        if len(word) < 2:
            continue
        stem = _stem(word)
        found.add(stem[:_PREFIX] if len(stem) >= _PREFIX else stem)
        for candidate in (word, stem):
            if candidate in _CONCEPT:
                found.add(_CONCEPT[candidate])
    return frozenset(found)


def offers(help_with: str, looking_for: str) -> bool:
    """Whether `help_with` answers something in `looking_for`."""
    return bool(terms(help_with) & terms(looking_for))
