"""Series and events: the organiser's forms and the rules behind them."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from meetup.api import openapi
from meetup.api import views as api_views
from meetup.api.fields import Invalid
from meetup.events import services
from meetup.events.forms import EventForm
from meetup.events.models import Event, EventStatus, Series
from meetup.events.recurrence import nth_weekday, same_weekday_next_month, week_of_month
from meetup.extensions import db
from meetup.markup import render_markdown
from meetup.models_base import column_length
from meetup.validators import MaxLength
from tests.helpers import post_form

PARIS = ZoneInfo("Europe/Paris")


def _event(app, slug: str) -> Event:
    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.slug == slug))
        db.session.expunge(event)
        return event


@pytest.fixture
def organiser(login):
    return login("organiser")


@pytest.fixture
def series(make, organiser):
    return make.series(team=(organiser,), name="Café des entreprenants de Vienne")


# -- series -------------------------------------------------------------------------------


def test_organiser_creates_a_series_and_joins_its_team(app, client, organiser):
    response = post_form(
        client,
        "/admin/series/new",
        {
            "name": "Café des entreprenants de Vienne",
            "city": "Vienne",
            "timezone": "Europe/Paris",
            "default_capacity": "40",
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/series/cafe-des-entreprenants-de-vienne"
    with app.app_context():
        series = db.session.scalar(select(Series))
        assert [member.email for member in series.team] == [organiser]


def test_series_form_errors_keep_what_was_typed(client, organiser, make):
    make.series(slug="vienne")
    response = post_form(
        client,
        "/admin/series/new",
        {
            "name": "",
            "city": "Vienne – Isère",
            "slug": "vienne",
            "timezone": "Europe/Paris",
            "default_capacity": "-3",
            "description": "Un *café* par mois",
        },
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "This field is required." in html
    assert "Vienne – Isère" in html
    assert "Un *café* par mois" in html
    assert "Number must be between 1 and 100000." in html


def test_taken_slug_is_refused_with_a_message(client, organiser, make):
    make.series(slug="vienne")
    response = post_form(
        client,
        "/admin/series/new",
        {"name": "Autre", "slug": "vienne", "timezone": "Europe/Paris", "default_capacity": "40"},
    )
    assert "already used by another series" in response.get_data(as_text=True)


def test_bad_slug_is_refused(client, organiser):
    response = post_form(
        client,
        "/admin/series/new",
        {"name": "Autre", "slug": "Pas Bon!", "timezone": "Europe/Paris", "default_capacity": "40"},
    )
    assert "lowercase letters, digits and hyphens" in response.get_data(as_text=True)


def test_series_slug_never_changes(app, client, series):
    post_form(
        client,
        f"/admin/series/{series}/edit",
        {"name": "Nouveau nom", "timezone": "Europe/Paris", "default_capacity": "30"},
    )
    with app.app_context():
        renamed = db.session.scalar(select(Series))
        assert (renamed.slug, renamed.name, renamed.default_capacity) == (series, "Nouveau nom", 30)


def test_organiser_cannot_remove_themselves_from_the_team(app, client, series, organiser):
    post_form(
        client,
        f"/admin/series/{series}/edit",
        {"name": "Vienne", "timezone": "Europe/Paris", "default_capacity": "30"},
    )
    with app.app_context():
        assert [m.email for m in db.session.scalar(select(Series)).team] == [organiser]


def test_team_is_a_list_of_checkboxes_with_members_ticked(app, client, make, series, organiser):
    """Not a multiple <select>, where a plain click on a name drops everyone else."""
    volunteer = make.user("door", name="Dora Porte")
    make.series(team=(organiser, volunteer))  # a colleague from another series: offered
    html = client.get(f"/admin/series/{series}/edit").get_data(as_text=True)
    assert not re.search(r'<select[^>]*name="team"', html)
    boxes = re.findall(r'<input[^>]*name="team"[^>]*>', html)
    assert len(boxes) == 2 and all('type="checkbox"' in box for box in boxes)
    assert [("checked" in box) for box in boxes] == [False, True]  # by email: door…, organiser…
    values = [re.search(r'value="(\d+)"', box).group(1) for box in boxes]
    post_form(
        client,
        f"/admin/series/{series}/edit",
        {"name": "Vienne", "timezone": "Europe/Paris", "default_capacity": "30", "team": values},
    )
    with app.app_context():
        team = db.session.scalar(select(Series).where(Series.slug == series)).team
        assert {member.email for member in team} == {organiser, volunteer}


def test_unknown_timezone_is_refused(app_ctx):
    with pytest.raises(services.InvalidData) as error:
        services.create_series(name="X", timezone="Mars/Olympus")
    assert "timezone" in error.value.errors


# -- events -------------------------------------------------------------------------------


def _event_form(**overrides) -> dict:
    values = {
        "title": "Café des entreprenants de Vienne — Travailler par et sur Internet",
        "theme": "Travailler par et sur Internet",
        "date": "2026-12-10",
        "start_time": "19:00",
        "end_time": "21:30",
        "capacity": "40",
        "venue_name": "Café du Théâtre",
        "description": "",
        "registration_opens_at": "",
        "registration_closes_at": "",
    }
    return {**values, **overrides}


def test_create_event_stores_utc_and_shows_local_time(app, client, series):
    response = post_form(client, f"/admin/series/{series}/events/new", _event_form())
    assert response.status_code == 302
    slug = response.headers["Location"].rsplit("/", 1)[1]
    assert slug == f"{series}-2026-12-10"
    event = _event(app, slug)
    assert event.starts_at == datetime(2026, 12, 10, 18, 0, tzinfo=UTC)
    assert event.ends_at == datetime(2026, 12, 10, 20, 30, tzinfo=UTC)
    assert event.status is EventStatus.DRAFT
    page = client.get(f"/admin/events/{slug}").get_data(as_text=True)
    assert "7:00\u202fPM" in page and "9:30\u202fPM" in page


def test_summer_event_keeps_its_wall_clock_time(app, client, series):
    response = post_form(
        client, f"/admin/series/{series}/events/new", _event_form(date="2027-06-10")
    )
    event = _event(app, response.headers["Location"].rsplit("/", 1)[1])
    assert event.starts_at == datetime(2027, 6, 10, 17, 0, tzinfo=UTC)


def test_end_before_start_means_next_day(app, client, series):
    response = post_form(
        client,
        f"/admin/series/{series}/events/new",
        _event_form(start_time="21:00", end_time="01:00"),
    )
    event = _event(app, response.headers["Location"].rsplit("/", 1)[1])
    assert event.ends_at - event.starts_at == timedelta(hours=4)


def test_time_skipped_by_daylight_saving_is_refused(client, series):
    response = post_form(
        client,
        f"/admin/series/{series}/events/new",
        _event_form(date="2027-03-28", start_time="02:30", end_time="04:00"),
    )
    assert response.status_code == 200
    assert "does not exist here" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("title", "", "This field is required."),
        ("date", "10/12/2026", "Not a valid date value."),
        ("start_time", "7pm", "Not a valid time value."),
        ("capacity", "0", "Number must be between 1 and 100000."),
        ("capacity", "lots", "Not a valid integer value."),
        ("title", "x" * 201, "At most 200 characters, please: this has"),
    ],
)
def test_event_form_bad_input(client, series, field, value, message):
    form = _event_form(**{field: value}, venue_address="12 rue Marchande, 38200 Vienne")
    response = post_form(client, f"/admin/series/{series}/events/new", form)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in html
    assert "12 rue Marchande, 38200 Vienne" in html  # nothing typed is lost


@pytest.mark.parametrize(("column", "length"), [(Event.title, 200), (Event.description, 20_000)])
def test_the_form_the_api_and_its_document_take_the_limit_from_the_column(column, length):
    """One place per limit: the column's length, or a Text column's info["max_length"]."""
    name = column.key
    assert column_length(column) == length
    validators = getattr(EventForm, name).kwargs["validators"]
    [form_limit] = [v.max for v in validators if isinstance(v, MaxLength)]
    assert form_limit == length
    assert openapi.EVENT_PROPERTIES[name]["maxLength"] == length
    assert api_views.EVENT_FIELDS[name]("x" * length)
    with pytest.raises(Invalid, match=f"at most {length} characters"):
        api_views.EVENT_FIELDS[name]("x" * (length + 1))


def test_a_column_without_a_length_has_no_limit_to_give():
    with pytest.raises(ValueError, match="has no length"):
        column_length(Event.starts_at)


def test_registration_must_close_after_it_opens(client, series):
    form = _event_form(
        registration_opens_at="2026-12-01T09:00", registration_closes_at="2026-11-01T09:00"
    )
    response = post_form(client, f"/admin/series/{series}/events/new", form)
    assert "Registration must close after it opens." in response.get_data(as_text=True)


def test_edit_keeps_the_slug_while_the_date_stays(app, client, series, make):
    slug = make.event(series, starts_at=datetime(2026, 12, 10, 18, tzinfo=UTC), status="draft")
    response = post_form(
        client, f"/admin/events/{slug}/edit", _event_form(start_time="20:00", title="Autre")
    )
    assert response.status_code == 302
    event = _event(app, slug)
    assert (event.slug, event.title) == (slug, "Autre")
    assert event.starts_at == datetime(2026, 12, 10, 19, tzinfo=UTC)
    # A new date moves the address (tests/test_event_moves.py).
    response = post_form(client, f"/admin/events/{slug}/edit", _event_form(date="2026-12-17"))
    assert response.headers["Location"] == f"/admin/events/{series}-2026-12-17"


def test_edit_form_shows_local_times(client, series, make):
    slug = make.event(series, starts_at=datetime(2026, 7, 9, 17, tzinfo=UTC))
    html = client.get(f"/admin/events/{slug}/edit").get_data(as_text=True)
    assert 'value="2026-07-09"' in html
    assert 'value="19:00"' in html


@pytest.mark.parametrize(
    ("action", "status"),
    [
        ("publish", EventStatus.PUBLISHED),
        ("cancel", EventStatus.CANCELLED),
        ("unpublish", EventStatus.DRAFT),
    ],
)
def test_status_actions(app, client, series, make, action, status):
    slug = make.event(series, status="draft" if action == "publish" else "published")
    response = post_form(client, f"/admin/events/{slug}/{action}", {}, page=f"/admin/events/{slug}")
    assert response.status_code == 302
    assert _event(app, slug).status is status


def test_publish_makes_the_public_page_appear(client, series, make, app):
    slug = make.event(series, status="draft")
    anonymous = app.test_client()
    assert anonymous.get(f"/events/{slug}").status_code == 404
    post_form(client, f"/admin/events/{slug}/publish", {}, page=f"/admin/events/{slug}")
    assert anonymous.get(f"/events/{slug}").status_code == 200


def test_duplicate_as_next_month(app, client, series, make):
    # 2nd Thursday of October 2026 at 19:00 summer time -> 2nd Thursday of November, 19:00 winter.
    slug = make.event(series, starts_at=datetime(2026, 10, 8, 17, tzinfo=UTC), capacity=35)
    response = post_form(
        client, f"/admin/events/{slug}/duplicate", {}, page=f"/admin/events/{slug}"
    )
    assert response.status_code == 302
    copy_slug = response.headers["Location"].split("/")[-2]
    copy = _event(app, copy_slug)
    assert copy.starts_at.astimezone(PARIS).replace(tzinfo=None) == datetime(2026, 11, 12, 19, 0)
    assert copy.ends_at - copy.starts_at == timedelta(hours=2)
    assert (copy.status, copy.capacity) == (EventStatus.DRAFT, 35)
    assert copy.slug != slug


def test_speakers_add_edit_remove(app, client, series, make):
    slug = make.event(series)
    page = f"/admin/events/{slug}"
    response = post_form(
        client, f"{page}/speakers", {"name": "", "company": "NumériSoft"}, page=page
    )
    assert response.status_code == 422
    assert "NumériSoft" in response.get_data(as_text=True)
    response = post_form(
        client, f"{page}/speakers", {"name": "Julien Mercier", "title": "Développeur"}, page=page
    )
    assert response.status_code == 302
    with app.app_context():
        speaker_id = db.session.scalar(select(Event).where(Event.slug == slug)).speakers[0].id
    post_form(client, f"{page}/speakers/{speaker_id}/edit", {"name": "Julien M."})
    assert "Julien M." in client.get(f"/events/{slug}").get_data(as_text=True)
    post_form(client, f"{page}/speakers/{speaker_id}/delete", {}, page=page)
    assert "Julien M." not in client.get(f"/events/{slug}").get_data(as_text=True)


def test_speaker_of_another_event_is_404(app, client, series, make):
    first, second = make.event(series), make.event(series)
    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.slug == first))
        speaker = services.add_speaker(event, name="Sophie")
        speaker_id = speaker.id
    assert client.get(f"/admin/events/{second}/speakers/{speaker_id}/edit").status_code == 404


def test_database_refuses_an_end_before_the_start(app_ctx):
    series = services.create_series(name="X")
    start = datetime(2026, 12, 10, 18, tzinfo=UTC)
    db.session.add(Event(series=series, slug="x", title="x", starts_at=start, ends_at=start))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


# -- recurrence ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        (datetime(2026, 11, 12, 19), datetime(2026, 12, 10, 19)),  # 2nd Thursday
        (datetime(2026, 12, 10, 19), datetime(2027, 1, 14, 19)),  # across the year
        (datetime(2026, 10, 29, 19), datetime(2026, 11, 26, 19)),  # 5th Thursday -> last
        (datetime(2027, 1, 31, 9), datetime(2027, 2, 28, 9)),  # 5th Sunday -> last Sunday
        (datetime(2026, 11, 2, 18, 30), datetime(2026, 12, 7, 18, 30)),  # 1st Monday
    ],
)
def test_same_weekday_next_month(start, expected):
    assert same_weekday_next_month(start) == expected


@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1)))
def test_next_month_keeps_weekday_rank_and_time(start):
    result = same_weekday_next_month(start)
    assert result.weekday() == start.weekday()
    assert result.time() == start.time()
    assert (result.year * 12 + result.month) - (start.year * 12 + start.month) == 1
    rank = week_of_month(start.date())
    if rank <= 4:
        assert week_of_month(result.date()) == rank
    else:
        assert result.date() == nth_weekday(result.year, result.month, start.weekday(), 5)
        assert (result + timedelta(days=7)).month != result.month


# -- markdown -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "absent", "present"),
    [
        ("<script>alert(1)</script>", "<script", "&lt;script&gt;"),
        ("[x](javascript:alert(1))", 'href="javascript', "x"),
        ('<img src=x onerror="alert(1)">', "<img", ""),
        ("**gras** et *italique*", "**", "<strong>gras</strong>"),
        ("[site](https://example.org)", "javascript", 'rel="noopener noreferrer nofollow"'),
    ],
)
def test_markdown_is_safe(source, absent, present):
    html = str(render_markdown(source))
    assert absent not in html
    assert present in html


def test_signup_state(app_ctx):
    series = services.create_series(name="X")
    start = datetime(2026, 12, 10, 18, tzinfo=UTC)
    event = services.create_event(
        series,
        title="x",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        registration_opens_at=start - timedelta(days=20),
    )
    assert services.signup_state(event, start - timedelta(days=1)) == "draft"
    services.set_status(event, EventStatus.PUBLISHED)
    assert services.signup_state(event, start - timedelta(days=30)) == "not_yet"
    assert services.signup_state(event, start - timedelta(days=1)) == "open"
    assert services.signup_state(event, start) == "closed"
    services.set_status(event, EventStatus.CANCELLED)
    assert services.signup_state(event, start - timedelta(days=1)) == "cancelled"
    assert datetime.combine(start.date(), time(18), tzinfo=UTC) == start


def test_slug_race_gets_a_new_slug_or_a_conflict(app_ctx, monkeypatch):
    """Two requests creating the same slug at once: the loser retries, or gets a 409."""
    first = services.create_series(name="Café de Vienne")
    real_check, calls = services._series_slug_exists, []

    def stale_check(slug):  # the first check ran before the other request committed
        calls.append(slug)
        return False if len(calls) == 1 else real_check(slug)

    monkeypatch.setattr(services, "_series_slug_exists", stale_check)
    second = services.create_series(name="Café de Vienne")
    assert second.slug == "cafe-de-vienne-2" and first.slug == "cafe-de-vienne"
    with pytest.raises(services.SlugTaken):
        services.create_series(name="Autre", slug="cafe-de-vienne")


def test_series_with_no_ascii_name_gets_a_slug(app_ctx):
    assert services.create_series(name="東京").slug == "series"


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (
            {"date": "9999-12-31", "start_time": "21:00", "end_time": "01:00"},
            "between 2000 and 2100",
        ),
        ({"date": "0001-01-01"}, "between 2000 and 2100"),
        ({"registration_opens_at": "0001-01-01T00:00"}, "between 2000 and 2100"),
        ({"start_time": "19:00", "end_time": "19:00"}, "The end must come after the start."),
        (
            {"registration_opens_at": "2030-01-01T09:00"},
            "Registration must open before the event starts.",
        ),
        (
            {"registration_closes_at": "2026-12-11T09:00"},
            "Registration must close before the event ends.",
        ),
    ],
)
def test_event_dates_out_of_bounds_are_refused_politely(client, series, values, message):
    response = post_form(client, f"/admin/series/{series}/events/new", _event_form(**values))
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)


def test_duplicate_keeps_registration_times_on_the_wall_clock(app, client, series, make):
    # October (summer time) -> November (winter time): opening stays at 09:00 local.
    slug = make.event(
        series,
        starts_at=datetime(2026, 10, 8, 17, tzinfo=UTC),
        registration_opens_at=datetime(2026, 9, 24, 7, tzinfo=UTC),  # 09:00 in Paris
    )
    response = post_form(
        client, f"/admin/events/{slug}/duplicate", {}, page=f"/admin/events/{slug}"
    )
    copy = _event(app, response.headers["Location"].split("/")[-2])
    opens = copy.registration_opens_at.astimezone(PARIS)
    assert (opens.date().isoformat(), opens.hour) == ("2026-10-29", 9)


def test_organiser_only_sees_colleagues_in_the_team_list(client, make, organiser, series):
    colleague = make.user("door", name="Bénévole Colette")
    make.series(team=(organiser, colleague))
    make.user("organiser", name="Stranger From Lyon")
    html = client.get("/admin/series/new").get_data(as_text=True)
    assert "Bénévole Colette (door)" in html
    assert "Stranger From Lyon" not in html


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("pas-une-adresse", "This email address is not valid."),
        ("contact@club.example.org\nBcc: everyone@example.org", "This email address is not valid."),
        ("zoë@club.example.org", "Our emails cannot reach an address with accents"),
    ],
)
def test_a_series_contact_address_is_checked(client, organiser, typed, message):
    response = post_form(
        client,
        "/admin/series/new",
        {"name": "Vienne", "timezone": "Europe/Paris", "default_capacity": "40",
         "contact_email": typed},
    )  # fmt: skip
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and message in html
    assert "Vienne" in html  # nothing typed is lost


def test_a_series_contact_address_is_shown_on_its_pages(app, client, organiser):
    post_form(
        client,
        "/admin/series/new",
        {"name": "Café de Vienne", "timezone": "Europe/Paris", "default_capacity": "40",
         "contact_email": " bonjour@cafe-vienne.example.org "},
    )  # fmt: skip
    with app.app_context():
        series = db.session.scalar(select(Series))
        assert series.contact_email == "bonjour@cafe-vienne.example.org"
    html = app.test_client().get(f"/series/{series.slug}").get_data(as_text=True)
    assert 'href="mailto:bonjour@cafe-vienne.example.org"' in html


def test_an_organiser_is_told_how_to_bring_a_new_colleague(client, organiser, series, make):
    make.user("admin", email="admin@club.example.org")
    html = client.get(f"/admin/series/{series}/edit").get_data(as_text=True)
    assert f'href="/admin/series/{series}/team">Invite them by email' in html
    html = client.get("/admin/series/new").get_data(as_text=True)
    assert "invite them by email from its team page" in html
