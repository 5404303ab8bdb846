"""The demo's people are believable: a company named after a family is that person's, and
a job title is in the grammatical gender of the first name (issue 19, point 10)."""

from __future__ import annotations

from sqlalchemy import func, select

from meetup.demo.data import PEOPLE
from meetup.demo.loader import ATTENDEES, SERIES_SLUG
from meetup.events.models import Series
from meetup.extensions import db
from meetup.images.models import StoredImage

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


def test_the_demo_shows_a_logo_and_a_cover_as_an_upload_would(app, runner, client):
    """A new organiser sees where pictures go: the club's logo on its pages, the next
    evening's cover, both cleaned and stored as an organiser's upload is."""
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    with app.app_context():
        series = db.session.scalar(select(Series).where(Series.slug == SERIES_SLUG))
        logo, cover = series.logo, next(e.cover for e in series.events if e.cover)
        assert (logo.content_type, logo.width, logo.height) == ("image/png", 512, 512)
        assert (cover.content_type, cover.width, cover.height) == ("image/jpeg", 1200, 450)
        upcoming = next(e.slug for e in series.events if e.cover)
        assert logo.byte_size + cover.byte_size < 40_000  # a phone page's budget: 100 KB
    page = client.get(f"/events/{upcoming}").get_data(as_text=True)
    assert f"/{logo.sha256}.png" in page and f"/{cover.sha256}.jpg" in page
    for digest, extension in ((logo.sha256, "png"), (cover.sha256, "jpg")):
        answer = client.get(f"/images/{digest}.{extension}")
        assert answer.status_code == 200 and answer.data[:4] in (b"\x89PNG", b"\xff\xd8\xff\xe0")
    # Loading it again changes nothing, pictures included.
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    with app.app_context():
        # The logo, the cover, its copy for phones and the two's AVIF twins.
        assert db.session.scalar(select(func.count()).select_from(StoredImage)) == 5
