"""The organisers' CSV export and import: formulas neutralised, the organiser's spreadsheet's
separator and words, a preview before anything is imported, and last month's export read back
as this month's import."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import fields
from html import unescape
from zoneinfo import ZoneInfo

import pytest
from flask_babel import force_locale
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from meetup.extensions import db
from meetup.registrations import services, spreadsheet
from meetup.registrations.csvio import FORMULA_STARTS, neutralise, parse_import, restore
from meetup.registrations.forms import ImportForm
from meetup.registrations.models import Registration
from tests.helpers import (
    csrf_from,
    outbox,
    registrations,
    sign_up,
)


@given(st.text(max_size=20))
def test_what_the_export_escapes_the_import_takes_back_exactly(value):
    assert restore(neutralise(value)) == value
    assert not neutralise(value).startswith(FORMULA_STARTS)


def test_csv_export_neutralises_formulas(app, client, make, login):
    organiser = login("organiser")
    slug = make.event(make.series(team=(organiser,)))
    sign_up(app.test_client(), slug, company='=HYPERLINK("http://evil")', first_name="+33 Zoë")
    response = client.get(f"/admin/events/{slug}/registrations.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")  # or Excel reads UTF-8 as Windows-1252
    header, row = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    values = dict(zip(header, row, strict=True))
    assert values["Company"] == '\'=HYPERLINK("http://evil")'
    assert values["First name"] == "'+33 Zoë"
    assert values["Email"] == "marie.dupont@example.org"
    assert values["Status"] == "confirmed"


@pytest.mark.parametrize(("language", "delimiter"), [("fr-FR,fr;q=0.9", ";"), ("en-GB", ",")])
def test_csv_export_splits_columns_as_the_organiser_s_spreadsheet_does(
    app, client, make, login, language, delimiter
):
    """French Excel splits on semicolons only: with commas, every row was one cell."""
    organiser = login("organiser")
    slug = make.event(make.series(team=(organiser,)))
    sign_up(app.test_client(), slug, company="Lefèvre, père et fils", first_name="Zoë")
    text = client.get(
        f"/admin/events/{slug}/registrations.csv", headers={"Accept-Language": language}
    ).get_data(as_text=True)
    header, row = list(csv.reader(io.StringIO(text.removeprefix("\ufeff")), delimiter=delimiter))
    values = dict(zip(header, row, strict=True))
    company, first_name = (
        ("Entreprise", "Prénom") if delimiter == ";" else ("Company", "First name")
    )
    assert (values[company], values[first_name]) == ("Lefèvre, père et fils", "Zoë")
    # and the organisers' own import reads it back
    with app.test_request_context():
        _unknown, rows = parse_import(text, spreadsheet.import_columns())
    assert rows[0]["company"] == "Lefèvre, père et fils"


@pytest.mark.parametrize(
    ("language", "separator", "delimiter", "offered"),
    [
        ("en-GB", "semicolon", ";", "Spreadsheet set up in French?"),
        ("fr-FR", "comma", ",", "Tableur réglé en anglais\u00a0?"),
        ("en-GB", "tab'><script>", ",", "Spreadsheet set up in French?"),  # unknown: the default
    ],
)
def test_csv_export_with_the_other_separator(
    app, client, make, login, language, separator, delimiter, offered
):
    """An English page with Excel in French (or the reverse): the list offers the other
    separator, and the export takes it."""
    organiser = login("organiser")
    slug = make.event(make.series(team=(organiser,)))
    sign_up(app.test_client(), slug, company="Lefèvre, père et fils")
    headers = {"Accept-Language": language}
    page = client.get(f"/admin/events/{slug}/registrations", headers=headers).get_data(as_text=True)
    assert offered in page
    response = client.get(
        f"/admin/events/{slug}/registrations.csv",
        query_string={"separator": separator},
        headers=headers,
    )
    assert response.status_code == 200
    text = response.get_data(as_text=True).removeprefix("\ufeff")
    header, row = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    assert "Lefèvre, père et fils" in dict(zip(header, row, strict=True)).values()


# -- CSV import -----------------------------------------------------------------------------

GOOD_CSV = (
    "prénom;nom;e-mail;entreprise;couleur préférée\n"
    "Élodie;Martin;elodie@example.org;Boulangerie du Forum;bleu\n"
    "Karim;Benali;karim@example.org;Traductions;\n"
    "Loïc;Roux;loic@example.org;;\n"
)


def _upload(client, slug, text, send_emails=True):
    url = f"/admin/events/{slug}/registrations/import"
    token = csrf_from(client.get(url).get_data(as_text=True))
    data = {"csrf_token": token, "file": (io.BytesIO(text.encode("utf-8")), "list.csv")}
    if send_emails:
        data["send_emails"] = "y"
    return client.post(url, data=data, content_type="multipart/form-data")


def _hidden_csv(html: str) -> str:
    return unescape(re.search(r'name="csv_text" type="hidden" value="([^"]*)"', html).group(1))


@pytest.fixture
def importing(app, make, login):
    organiser = login("organiser")
    return make.event(make.series(team=(organiser,)), capacity=2)


def test_import_previews_then_imports_everything(app, client, importing):
    response = _upload(client, importing, GOOD_CSV)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "3 rows read." in html and "couleur préférée" in html
    # Said before importing, not found out after: the evening has 2 seats for 3 people.
    assert "Seats left: 2, for the first people of the file. The rest of it (1) joins" in html
    assert registrations(app, importing) == []  # nothing before the confirmation
    response = client.post(
        f"/admin/events/{importing}/registrations/import/confirm",
        data={
            "csrf_token": csrf_from(html),
            "csv_text": re.search(r'name="csv_text" type="hidden" value="([^"]*)"', html)
            .group(1)
            .replace("&#34;", '"'),
            "send_emails": "1",
        },
    )
    assert response.status_code == 302
    rows = registrations(app, importing)
    assert [(r.first_name, r.status.value, r.visibility.value, r.source.value) for r in rows] == [
        ("Élodie", "confirmed", "nobody", "import"),
        ("Karim", "confirmed", "nobody", "import"),
        ("Loïc", "waitlisted", "nobody", "import"),
    ]
    assert len(outbox(app, "confirmation")) == 2 and len(outbox(app, "waitlisted")) == 1


def test_import_with_a_bad_row_imports_nothing(app, client, importing):
    text = GOOD_CSV + "Anne;;pas-un-email;;\nKarim;Bis;KARIM@example.org;;\n"
    response = _upload(client, importing, text)
    html = response.get_data(as_text=True)
    assert "Nothing was imported." in html
    assert "This email address is not valid." in html
    assert "This email appears twice in the file." in html
    assert 'name="csv_text"' not in html  # no way to confirm
    assert registrations(app, importing) == []
    # ... but the corrected file can be chosen right here.
    assert 'type="file"' in html and "Check the corrected file" in html
    response = client.post(
        f"/admin/events/{importing}/registrations/import",
        data={"csrf_token": csrf_from(html), "file": (io.BytesIO(GOOD_CSV.encode()), "list.csv")},
        content_type="multipart/form-data",
    )
    assert "3 rows read." in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("text", "message"),
    [("", "The file is empty."), ("name,company\nA,B\n", "No email column")],
)
def test_import_refuses_unreadable_files(client, importing, text, message):
    response = _upload(client, importing, text)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)


def test_import_leaves_people_already_registered_alone(app, client, importing):
    sign_up(app.test_client(), importing, email="karim@example.org", company="Avant")
    html = _upload(client, importing, GOOD_CSV).get_data(as_text=True)
    assert "1 person is already registered" in html
    token = csrf_from(html)
    csv_text = _hidden_csv(html)
    client.post(
        f"/admin/events/{importing}/registrations/import/confirm",
        data={"csrf_token": token, "csv_text": csv_text, "send_emails": ""},
    )
    rows = {r.email: r for r in registrations(app, importing)}
    assert rows["karim@example.org"].company == "Avant"
    assert len(rows) == 3
    assert outbox(app, "waitlisted") == []  # no emails asked for this time


def _export(client, slug: str, language: str) -> tuple[list[str], list[dict[str, str]], str]:
    text = client.get(
        f"/admin/events/{slug}/registrations.csv", headers={"Accept-Language": language}
    ).get_data(as_text=True)
    header, *rows = csv.reader(
        io.StringIO(text.removeprefix("\ufeff")), delimiter=";" if language == "fr" else ","
    )
    return header, [dict(zip(header, row, strict=True)) for row in rows], text


def test_the_export_reads_as_words_in_the_organiser_s_language(app, client, make, login):
    """Column names, statuses, choices and yes/no as a person reads them; times of day in the
    evening's time zone, as a spreadsheet takes them."""
    organiser = login("organiser")
    slug = make.event(make.series(team=(organiser,)), capacity=1)
    sign_up(app.test_client(), slug, language="en", share_email="y", accept_introductions="y")
    sign_up(app.test_client(), slug, email="late@example.org", first_name="Loïc")
    header, (marie, loic), _text = _export(client, slug, "en")
    assert header[:4] == ["First name", "Last name", "Email", "Company"]
    assert marie["Sector"] == "Digital, web and software" and marie["Language"] == "English"
    assert (marie["Status"], marie["Registered through"], marie["Card seen by"]) == (
        "confirmed",
        "signup form",
        "people who came",
    )
    assert (marie["Shares their email"], marie["Shares their phone"]) == ("yes", "no")
    assert (marie["Came"], marie["Arrived at"], marie["Door"]) == ("no", "", "")
    assert loic["Status"] == "waitlisted"
    with app.app_context():
        created = db.session.scalar(
            select(Registration.created_at).where(Registration.email == "late@example.org")
        )
    paris = created.astimezone(ZoneInfo("Europe/Paris")).strftime("%Y-%m-%d %H:%M")
    assert loic["Registered at"] == paris
    _header, (marie_fr, _loic), _text = _export(client, slug, "fr")
    assert (marie_fr["Secteur d’activité"], marie_fr["Statut"], marie_fr["Venu·e"]) == (
        "Numérique, web et logiciel",
        "confirmée",
        "non",
    )


def test_the_export_shows_everything_the_attendee_told_and_chose():
    """A field added to the profile (services.Profile) must get its column."""
    shown = {column.shows for column in spreadsheet.COLUMNS}
    assert {f.name for f in fields(services.Profile)} <= shown


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_import_help_s_column_names_are_all_read(app, language):
    """The import form lists the columns it reads: each one it names is one it reads."""
    with app.test_request_context(), force_locale(language):
        help_text = str(ImportForm.file.kwargs["description"])
        listed = help_text.split(": ", 1)[1].split(": ", 1)[0].replace(" (required)", "")
        listed = listed.replace(" (obligatoires)", "").replace(" :", "")
        names = [name.strip() for name in listed.split(",")]
        unknown, _rows = parse_import(";".join(names) + "\n", spreadsheet.import_columns())
    assert len(names) == 14 and unknown == []


@pytest.mark.parametrize("language", ["fr", "en"])
def test_last_month_s_export_is_this_month_s_import(app, client, make, login, language):
    """The export, in either language, goes back in through the import: the attendee's
    columns are found by their names, the sector and the language by theirs; their consents
    are theirs to give again (the card stays visible to nobody)."""
    organiser = login("organiser")
    series = make.series(team=(organiser,))
    last_month, this_month = make.event(series), make.event(series)
    sign_up(app.test_client(), last_month, language="en", visibility="community")
    _header, _rows, text = _export(client, last_month, language)
    html = _upload(client, this_month, text).get_data(as_text=True)
    assert "1 row read." in html and "Nothing was imported." not in html
    client.post(
        f"/admin/events/{this_month}/registrations/import/confirm",
        data={"csrf_token": csrf_from(html), "csv_text": _hidden_csv(html), "send_emails": ""},
    )
    (imported,) = registrations(app, this_month)
    assert (imported.first_name, imported.email, imported.company, imported.help_with) == (
        "Marie",
        "marie.dupont@example.org",
        "Atelier Rhône Web",
        "sites vitrines",
    )
    assert (imported.sector, imported.language, imported.website) == (
        "digital",
        "en",
        "https://atelier-rhone.fr",
    )
    assert imported.visibility.value == "nobody" and imported.source.value == "import"
