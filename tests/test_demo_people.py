"""The demo's people are believable: a company named after a family is that person's, and
a job title is in the grammatical gender of the first name (issue 19, point 10)."""

from __future__ import annotations

from meetup.demo.data import PEOPLE
from meetup.demo.loader import ATTENDEES

WOMEN = {
    "Amélie", "Aurélie", "Camille", "Catherine", "Chloé", "Céline", "Élodie", "Farida", "Hélène",
    "Inès", "Isabelle", "Josiane", "Léa", "Manon", "Marie", "Maëlle", "Nathalie", "Sophie",
    "Sylvie",
}  # fmt: skip
MEN = {
    "Antoine", "Benoît", "François", "Gaëtan", "Hugo", "Jean", "Julien", "Karim", "Laurent",
    "Loïc", "Maxime", "Mehdi", "Nicolas", "Olivier", "Pierre", "Raphaël", "Sébastien",
    "Stéphane", "Thierry", "Thomas", "Yannick",
}  # fmt: skip
#: Endings of a job's first word only a man's title has, and only a woman's.
MASCULINE = ("eur", "ier", "ien", "ant", "ent", "teur", "if")
FEMININE = ("euse", "trice", "ière", "ienne", "ante", "ente", "ive")
#: Words the same for both (and "Camille", either).
EPICENE = {"Architecte", "Graphiste", "Libraire", "Kinésithérapeute", "Photographe", "Fleuriste",
           "Caviste", "Notaire", "Ergonome", "Sophrologue", "Diététicienne", "Paysagiste",
           "Logisticien", "Comptable", "Plaquiste", "Garagiste", "Propriétaire", "Coach",
           "Vidéaste", "Gérant", "Gérante", "Chargée", "Assistante", "Agente", "Agent"}  # fmt: skip


def test_there_are_people_enough_and_each_once():
    assert len(PEOPLE) >= ATTENDEES
    assert len({(first, last) for first, last, *_ in PEOPLE}) == len(PEOPLE)


def test_a_company_named_after_a_family_is_that_person_s():
    last_names = {last for _first, last, *_ in PEOPLE}
    wrong = [
        (first, last, company)
        for first, last, company, *_ in PEOPLE
        if any(name in company.split() and name != last for name in last_names)
    ]
    assert wrong == []


def test_job_titles_agree_with_first_names():
    assert {first for first, *_ in PEOPLE} <= WOMEN | MEN
    wrong = []
    for first, _last, _company, _sector, job, *_ in PEOPLE:
        word = job.split()[0]
        if word in EPICENE or first == "Camille":
            continue
        if first in WOMEN and word.endswith(MASCULINE) and not word.endswith(FEMININE):
            wrong.append((first, job))
        if first in MEN and word.endswith(FEMININE):
            wrong.append((first, job))
    assert wrong == []
    # The few whose word says it: "Gérante de café" is a woman's, "Gérant" a man's.
    jobs = {(first, job.split()[0]) for first, _l, _c, _s, job, *_ in PEOPLE}
    assert not {(f, w) for f, w in jobs if f in MEN and w in {"Gérante", "Chargée", "Agente"}}
    assert not {(f, w) for f, w in jobs if f in WOMEN and w in {"Gérant", "Agent"}}


def test_the_demo_series_page_uses_french_typography(app, runner, client):
    """The first page a new organiser sees: typographic apostrophes, as the catalogue has."""
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    html = client.get(
        "/series/cafe-des-entreprenants-de-vienne", headers={"Accept-Language": "fr"}
    ).get_data(as_text=True)
    assert "d’un intervenant" in html
    assert "d'un" not in html and "d&#39;un" not in html
