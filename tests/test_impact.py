"""What the club achieved: the figures on a small world whose answers are known, the
dashboard's charts and tables, the impact report decoded, and who may see them."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, select

from meetup.directory.models import Introduction, IntroductionStatus
from meetup.events.models import Event, EventStatus, Series
from meetup.extensions import db
from meetup.impact import charts, districts, services
from meetup.privacy import erasure
from meetup.registrations.models import Registration, Source
from meetup.registrations.tokens import new_manage_token
from meetup.timeutil import utcnow
from tests.helpers import log_in

#: An office in Vienne; others at about 100 m north, 200 m north, 50 m east, 2 km north.
P0 = (45.5250, 4.8700)
NORTH_100 = (45.5259, 4.8700)
NORTH_200 = (45.5268, 4.8700)
EAST_50 = (45.5250, 4.87064)
FAR = (45.5430, 4.8700)
LYON = (45.7640, 4.8357)

E1 = datetime(2025, 1, 15, 18, 0, tzinfo=UTC)
E2 = datetime(2025, 2, 12, 18, 0, tzinfo=UTC)
E3 = datetime(2025, 3, 12, 18, 0, tzinfo=UTC)  # cancelled
E4 = datetime(2026, 1, 14, 18, 0, tzinfo=UTC)

#: Everything personal in the world: none of it may reach the report.
NAMES = ("Alice", "Bertrand", "Chloé", "Dariusz", "Evelyne", "Frédéric", "Gina", "Hugo")
COMPANIES = ("Atelier Zèbre", "Boulangerie Quartz", "Cabinet Xylo", "Dépôt Yak")


@pytest.fixture
def world(app, make):
    organiser, door, outsider = make.user("organiser"), make.user("door"), make.user("organiser")
    series = make.series(team=(organiser, door))
    make.series(team=(outsider,))
    e1 = make.event(series, starts_at=E1)
    e2 = make.event(series, starts_at=E2)
    e3 = make.event(series, starts_at=E3)
    e4 = make.event(series, starts_at=E4)
    upcoming = make.event(series)
    ids: dict[str, int] = {}

    def person(key, event, start, *, came=True, walk_in=False, where=None, **fields):
        name = NAMES["abcdefgh".index(key[0])]
        values = {
            "first_name": name,
            "last_name": "Testperson",
            "email": f"{name.lower()}@example.org",
            "company": COMPANIES[len(ids) % len(COMPANIES)],
        } | fields
        if where is not None:
            values |= {"street": "1 rue X", "latitude": where[0], "longitude": where[1]}
            values.setdefault("postcode", "38200")
            values.setdefault("city", "Vienne")
        if came:
            values["checked_in_at"] = start + timedelta(minutes=10)
        if walk_in:
            values["source"] = Source.WALK_IN
        ids[key] = make.registration(event, **values)

    person("alice1", e1, E1, where=P0, sector="digital")
    person("bob1", e1, E1, where=NORTH_100, sector="digital")
    person("chloe1", e1, E1, where=NORTH_200, sector="craft", walk_in=True)
    person("fred1", e1, E1, where=EAST_50, sector="legal")  # erased below
    person("eve1", e1, E1, came=False)  # no-show
    person("bertrand-waiting", e1, E1, came=False, status="waitlisted", email="w@example.org")
    person("bertrand-cancelled", e1, E1, came=False, status="cancelled", email="c@example.org")
    person("alice2", e2, E2, where=P0, sector="digital")
    person("bob2", e2, E2, came=False, where=NORTH_100)  # no-show
    person("dan2", e2, E2, where=FAR, sector="food")
    person("gina2", e2, E2, where=LYON, postcode="69001", city="Lyon", walk_in=True)
    person("alice3", e3, E3, where=P0)  # the cancelled evening: never counted
    person("alice4", e4, E4, where=P0, sector="digital")
    person("bob4", e4, E4, where=NORTH_100, sector="digital")
    person("hugo4", e4, E4, where=EAST_50, sector="digital")
    person("hugo-upcoming", upcoming, utcnow(), came=False, email="hugo@example.org")
    with app.app_context():
        cancelled = db.session.scalar(select(Event).where(Event.slug == e3))
        cancelled.status = EventStatus.CANCELLED  # after Alice checked in there
        db.session.commit()
        get = lambda key: db.session.get(Registration, ids[key])  # noqa: E731

        def introduce(requester, recipient, at, status):
            db.session.add(
                Introduction(
                    requester=get(requester),
                    recipient=get(recipient),
                    token_hash=new_manage_token()[1],
                    status=status,
                    created_at=at,
                )
            )

        introduce("alice1", "bob1", E1 + timedelta(days=5), IntroductionStatus.ACCEPTED)
        introduce("dan2", "alice2", E2 + timedelta(days=8), IntroductionStatus.PENDING)
        introduce("chloe1", "fred1", E1 + timedelta(days=6), IntroductionStatus.ACCEPTED)
        db.session.commit()
        erasure.erase(erasure.the_person(get("fred1")))  # takes the introduction with it
    return {"series": series, "organiser": organiser, "door": door, "outsider": outsider}


def _history(app, slug):
    series = db.session.scalar(select(Series).where(Series.slug == slug))
    return series, services.history(series, utcnow())


def test_the_figures_of_a_known_world(app, world):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        _series, history = _history(app, world["series"])
        f = history.figures()
    assert [e.evening.starts_at for e in f.evenings] == [E1, E2, E4]  # E3 cancelled
    e1, e2, e4 = f.evenings
    # E1: Alice, Bob, Chloé (walk-in), Frédéric (erased since); Évelyne did not come.
    assert (e1.came, e1.walk_ins, e1.first_visits, e1.regulars, e1.not_known) == (4, 1, 3, 0, 1)
    assert (e1.no_shows, e1.confirmed) == (1, 4)
    assert e1.neighbour_pairs == 3  # Alice–Bob, Alice–Chloé, Bob–Chloé (Frédéric: no office)
    assert (e1.introductions_asked, e1.introductions_accepted) == (1, 1)  # Chloé's went with Fred
    # E2: Alice (regular), Dan and Gina (walk-in) for the first time; Bob did not come.
    assert (e2.came, e2.walk_ins, e2.first_visits, e2.regulars, e2.not_known) == (3, 1, 2, 1, 0)
    assert (e2.no_shows, e2.confirmed, e2.neighbour_pairs) == (1, 3, 0)
    assert (e2.introductions_asked, e2.introductions_accepted) == (1, 0)
    # E4: Alice and Bob back, Hugo new, all three within 300 m of each other.
    assert (e4.came, e4.first_visits, e4.regulars, e4.no_shows, e4.neighbour_pairs) == (
        3,
        1,
        2,
        0,
        3,
    )
    assert (f.attendances, f.walk_ins, f.first_visits, f.regulars, f.not_known) == (10, 2, 6, 3, 1)
    assert (f.people, f.came_back) == (6, 2)  # Alice (3 evenings) and Bob (2)
    assert f.visits == [(1, 4), (2, 1), (3, 1), (4, 0), (5, 0)]
    assert (f.no_shows, f.confirmed_over, f.no_show_rate) == (2, 10, 0.2)
    # Alice–Bob met twice: once. A–B, A–C, B–C, A–H, B–H.
    assert f.neighbour_pairs == 5
    assert f.sectors == [("digital", 3), ("", 1), ("craft", 1), ("food", 1)]
    assert (f.introductions_asked, f.introductions_accepted) == (2, 1)


def test_a_year_is_its_evenings_but_first_visits_remember_the_years_before(app, world):
    with app.test_request_context():
        _series, history = _history(app, world["series"])
        f = history.figures(datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))
    assert [e.came for e in f.evenings] == [3]
    assert (f.first_visits, f.regulars, f.people, f.came_back) == (1, 2, 3, 0)
    assert f.neighbour_pairs == 3


def test_the_figures_take_four_queries_whatever_the_number_of_people(app, world):
    statements = []

    def count(*_args, **_kwargs):
        statements.append(1)

    with app.test_request_context():
        series = db.session.scalar(select(Series).where(Series.slug == world["series"]))
        event.listen(db.engine, "before_cursor_execute", count)
        try:
            services.history(series, utcnow()).figures()
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
    assert len(statements) == 4


def test_the_erased_person_is_an_anonymous_count_only(app, world):
    with app.app_context():
        rows = services.queries.attendances(
            db.session.scalar(select(Series).where(Series.slug == world["series"]))
        )
    erased = [row for row in rows if row.person is None]
    assert len(erased) == 1
    assert (erased[0].sector, erased[0].postcode, erased[0].latitude) == ("", "", None)
    assert not any("frédéric" in (row.person or "") for row in rows)


def test_districts_hide_small_counts_and_never_draw_one_office():
    offices = [districts.Office("38200", "Vienne", 45.5250 + n * 0.001, 4.87) for n in range(4)]
    offices += [districts.Office(" 69001 ", "Lyon", 45.764, 4.8357)]
    offices += [districts.Office("", "Saint-Romain-en-Gal", 45.53, 4.86)] * 2
    offices += [districts.Office("", "")]
    found, unknown = districts.districts(offices)
    assert unknown == 1
    vienne, *rest = found
    assert (vienne.label, vienne.people, vienne.drawn) == ("38200 Vienne", 4, True)
    # The rounded mean of four offices, on a grid of 0.01°: none of them.
    assert (vienne.latitude, vienne.longitude) == (45.53, 4.87)
    assert {(d.label, d.people, d.drawn) for d in rest} == {
        ("69001 Lyon", 1, False),
        ("Saint-Romain-en-Gal", 2, False),
    }
    assert districts.shown_count(2) == "< 3" and districts.shown_count(3) is None


def test_a_chart_has_one_bar_per_row_and_hides_itself_from_screen_readers():
    svg = charts.bars(
        [charts.Row("15 Jan", (3, 1), "4"), charts.Row("<b>", (0, 0), "0")], ["First", "Again"]
    )
    assert svg.count("<rect") == 2 + 2  # the legend's two swatches, the first row's two bars
    assert 'aria-hidden="true"' in svg and "&lt;b&gt;" in svg


def test_the_dashboard_shows_charts_with_their_tables(client, world):
    log_in(client, world["organiser"])
    detail = client.get(f"/admin/series/{world['series']}").get_data(as_text=True)
    assert f"/admin/series/{world['series']}/impact" in detail
    html = client.get(f"/admin/series/{world['series']}/impact").get_data(as_text=True)
    assert html.count('<figure class="impact-chart"') == 6
    assert html.count("<svg") == 6 and html.count('<div class="visually-hidden"><table>') == 6
    assert (
        '<th scope="row">Jan 15, 2025</th><td>4</td><td>1</td><td>3</td><td>0</td><td>1</td>'
        in html
    )
    assert "Two people whose offices are within 300 m of each other" in html
    for name in NAMES:
        assert name not in html


def test_the_dashboard_in_french(client, world):
    log_in(client, world["organiser"])
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "fr"
    html = client.get(f"/admin/series/{world['series']}/impact").get_data(as_text=True)
    assert "Ce que le club a accompli" in html
    assert "15 janv. 2025" in html
    assert "20\u00a0%" in html or "20 %" in html


def _pdf_text(pdf: bytes) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()


def test_the_report_has_a_page_per_year_and_nothing_personal(client, world):
    log_in(client, world["organiser"])
    response = client.get(f"/admin/series/{world['series']}/impact/report.pdf")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Cache-Control"] == "no-store"
    text = _pdf_text(response.data)
    pages = text.split("\f")[:-1]
    assert len(pages) == 3  # the title page, 2025, 2026
    assert "Impact report" in pages[0] and "2025 – 2026" in pages[0]
    assert "shown as “< 3” and not drawn on the map" in " ".join(pages[0].split())
    assert "2025" in pages[1] and "38200 Vienne" in pages[1]
    assert "69001 Lyon" in pages[1]
    lyon = next(line for line in pages[1].splitlines() if "69001 Lyon" in line)
    assert lyon.replace(" ", "").endswith("<3")  # pdftotext drops the space
    vienne = next(line for line in pages[1].splitlines() if "38200 Vienne" in line)
    assert vienne.rstrip().endswith("4")
    for secret in (*NAMES, *COMPANIES, "example.org", "rue X", "Testperson"):
        assert secret.lower() not in text.lower(), secret


def test_the_report_for_chosen_dates(client, world):
    log_in(client, world["organiser"])
    url = f"/admin/series/{world['series']}/impact/report.pdf"
    response = client.get(url, query_string={"start": "2025-02-01", "end": "2025-02-12"})
    assert response.status_code == 200
    pages = _pdf_text(response.data).split("\f")[:-1]
    assert len(pages) == 2
    assert "February 1, 2025 – February 12, 2025" in pages[1]
    checkins = next(line for line in pages[1].splitlines() if "Check-ins" in line)
    assert checkins.split()[-1] == "3"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"start": "2025-02-30", "end": "2025-03-01"}, "Not a valid date value."),
        ({"start": "2025-02-01", "end": ""}, "Give both dates, or neither"),
        ({"start": "2025-03-01", "end": "2025-02-01"}, "The end comes before the start."),
        ({"start": "0001-01-01", "end": "9999-12-31"}, "between the years 1900 and 2999"),
    ],
)
def test_a_bad_period_is_explained_and_kept(client, world, query, message):
    log_in(client, world["organiser"])
    url = f"/admin/series/{world['series']}/impact/report.pdf"
    response = client.get(url, query_string=query)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html
    assert f'value="{query["start"]}"' in html


@pytest.mark.parametrize("who", ["door", "outsider"])
def test_door_volunteers_and_other_organisers_may_not_see_it(client, world, who):
    log_in(client, world[who])
    for path in ("impact", "impact/report.pdf"):
        assert client.get(f"/admin/series/{world['series']}/{path}").status_code == 403


def test_the_privacy_page_says_the_rule_on_small_counts(client):
    html = client.get("/privacy").get_data(as_text=True)
    assert f"a count under {districts.MIN_COUNT} is not shown" in html
